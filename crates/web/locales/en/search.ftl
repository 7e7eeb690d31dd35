# The certificate search page (/search).

search-title = Certificate search
search-intro = Search the certificates this service has issued. An empty search lists the newest.
search-org-oid = Organisation OID
search-org-name = Organisation name
search-any = Any
search-per-page = Results per page
search-button = Search
search-found =
    { $total ->
        [one] Found { $total } certificate
       *[other] Found { $total } certificates
    }
search-page = page { $page }
search-download = Download
search-test-link = Test
search-no-results = No certificate matches the search.
search-previous = Previous
search-next = Next

search-error-status = Unknown status “{ $value }”: use valid, revoked or expired (or leave it empty).
search-error-profile = Unknown certificate type “{ $value }”: use one of { $profiles } (or leave it empty).
search-error-page = The page must be a whole number from 1 to { $max }, not “{ $value }”.
search-error-per-page = Results per page must be a whole number from 1 to { $max }, not “{ $value }”.
search-error-serial = “{ $value }” is not a serial number: give its hex digits (colons and spaces are allowed), e.g. 4f:0a:…
search-error-invalid = Check the search field { $field }: { $reason }
search-error-unavailable = The certificate database cannot be searched right now; try again later.
