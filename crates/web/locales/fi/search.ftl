# The certificate search page (/search).

search-title = Varmennehaku
search-intro = Hae palvelun myöntämiä varmenteita. Tyhjä haku näyttää uusimmat varmenteet.
search-org-oid = Organisaation OID
search-org-name = Organisaation nimi
search-any = Kaikki
search-per-page = Tuloksia sivulla
search-button = Hae
search-found =
    { $total ->
        [one] Löytyi { $total } varmenne
       *[other] Löytyi { $total } varmennetta
    }
search-page = sivu { $page }
search-download = Lataa
search-test-link = Testaa
search-no-results = Hakuehdoilla ei löytynyt varmenteita.
search-previous = Edellinen
search-next = Seuraava

search-error-status = Tuntematon tila ”{ $value }”: valitse voimassa, suljettu tai vanhentunut (tai jätä tyhjäksi).
search-error-profile = Tuntematon varmennetyyppi ”{ $value }”: valitse jokin näistä: { $profiles } (tai jätä tyhjäksi).
search-error-page = Sivunumeron on oltava kokonaisluku 1–{ $max }, ei ”{ $value }”.
search-error-per-page = Tuloksia sivulla -arvon on oltava kokonaisluku 1–{ $max }, ei ”{ $value }”.
search-error-serial = ”{ $value }” ei ole sarjanumero: anna sen heksadesimaalinumerot (kaksoispisteet ja välilyönnit sallitaan), esim. 4f:0a:…
search-error-invalid = Tarkista hakuehto { $field }: { $reason }
search-error-unavailable = Varmennetietokantaa ei voi juuri nyt hakea. Yritä myöhemmin uudelleen.
