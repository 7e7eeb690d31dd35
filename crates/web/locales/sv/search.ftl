# The certificate search page (/search).

search-title = Certifikatsökning
search-intro = Sök certifikat som tjänsten har utfärdat. En tom sökning visar de senaste certifikaten.
search-org-oid = Organisationens OID
search-org-name = Organisationens namn
search-any = Alla
search-per-page = Resultat per sida
search-button = Sök
search-found = Hittade { $total } certifikat
search-page = sida { $page }
search-download = Ladda ner
search-test-link = Testa
search-no-results = Inga certifikat matchade sökningen.
search-previous = Föregående
search-next = Nästa

search-error-status = Okänd status ”{ $value }”: välj giltigt, spärrat eller utgånget (eller lämna tomt).
search-error-profile = Okänd certifikattyp ”{ $value }”: välj någon av dessa: { $profiles } (eller lämna tomt).
search-error-page = Sidnumret ska vara ett heltal 1–{ $max }, inte ”{ $value }”.
search-error-per-page = Resultat per sida ska vara ett heltal 1–{ $max }, inte ”{ $value }”.
search-error-serial = ”{ $value }” är inte ett serienummer: ange dess hexadecimala siffror (kolon och mellanslag är tillåtna), t.ex. 4f:0a:…
search-error-invalid = Kontrollera sökvillkoret { $field }: { $reason }
search-error-unavailable = Det går inte att söka i certifikatdatabasen just nu. Försök igen senare.
