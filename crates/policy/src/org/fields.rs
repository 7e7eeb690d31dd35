//! Field rules of the register: OIDs, business ids (Y-tunnus) and DNS names.

use super::*;

/// Checks that `oid` is a dotted object identifier: at least two arcs of decimal
/// digits without leading zeros, the first arc 0, 1 or 2, and the second at most 39
/// when the first is 0 or 1 (X.660). The error says what is wrong.
pub fn validate_oid(oid: &str) -> Result<(), String> {
    if oid.is_empty() {
        return Err("the OID is empty".to_owned());
    }
    if oid.trim() != oid {
        return Err(format!(
            "`{oid}` has leading or trailing whitespace; remove it"
        ));
    }
    let arcs: Vec<&str> = oid.split('.').collect();
    for (i, arc) in arcs.iter().enumerate() {
        if arc.is_empty() {
            return Err(format!(
                "`{oid}` has an empty arc (a leading or trailing dot, or two dots in a row); \
                 write the arcs as numbers separated by single dots"
            ));
        }
        if !arc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "`{oid}` is not a dotted OID: arc {} (`{arc}`) is not a decimal number",
                i + 1
            ));
        }
        if arc.len() > 1 && arc.starts_with('0') {
            let trimmed = arc.trim_start_matches('0');
            let fixed = if trimmed.is_empty() { "0" } else { trimmed };
            return Err(format!(
                "`{oid}` is not a valid OID: arc {} (`{arc}`) has a leading zero; write it as \
                 `{fixed}`",
                i + 1
            ));
        }
    }
    if arcs.len() < 2 {
        return Err(format!("`{oid}` has only one arc; an OID has at least two"));
    }
    let first = arcs[0];
    if !matches!(first, "0" | "1" | "2") {
        return Err(format!(
            "`{oid}` is not a valid OID: the first arc must be 0, 1 or 2, not {first}"
        ));
    }
    let second = arcs[1];
    if first != "2" && (second.len() > 2 || second.parse::<u8>().is_ok_and(|n| n > 39)) {
        return Err(format!(
            "`{oid}` is not a valid OID: under {first} the second arc must be at most 39, \
             not {second}"
        ));
    }
    Ok(())
}

/// The check digit of a Finnish business id (Y-tunnus) for the given seven digits,
/// or `None` if `digits` is not seven ASCII digits or no check digit exists for them.
///
/// The digits are weighted 7, 9, 10, 5, 8, 4, 2 from the left and summed; with
/// `r = sum mod 11`, the check digit is 0 when `r` is 0, there is none when `r` is 1
/// (such numbers are never issued), and otherwise it is `11 - r`.
pub fn business_id_check_digit(digits: &str) -> Option<u8> {
    if digits.len() != 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = digits
        .bytes()
        .zip(BUSINESS_ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    match sum % 11 {
        0 => Some(0),
        1 => None,
        // 2..=10, so the result is 1..=9 and fits.
        r => u8::try_from(11 - r).ok(),
    }
}

/// Checks a Finnish business id (Y-tunnus): the form `NNNNNNN-C` with the check digit
/// `C` of [`business_id_check_digit`] (R-REGISTERS). The error says what is wrong.
pub fn validate_business_id(id: &str) -> Result<(), String> {
    const FORM: &str = "a business id has the form NNNNNNN-C (seven digits, a hyphen and \
                        a check digit), e.g. 0204819-8";
    let bytes = id.as_bytes();
    let well_formed = bytes.len() == 9
        && bytes[7] == b'-'
        && bytes[..7].iter().all(u8::is_ascii_digit)
        && bytes[8].is_ascii_digit();
    if !well_formed {
        let digits_only = id.bytes().all(|b| b.is_ascii_digit());
        let hint = if digits_only && id.len() == 8 {
            format!(
                "; insert the hyphen before the check digit: `{}-{}`",
                &id[..7],
                &id[7..]
            )
        } else if id.len() == 8 && bytes.get(6) == Some(&b'-') {
            format!("; an old six-digit id is written with a leading zero: `0{id}`")
        } else if id.trim() != id {
            "; remove the surrounding whitespace".to_owned()
        } else {
            String::new()
        };
        return Err(format!(
            "`{id}` is not a business id (Y-tunnus): {FORM}{hint}"
        ));
    }
    let digits = &id[..7];
    let given = bytes[8] - b'0';
    match business_id_check_digit(digits) {
        None => Err(format!(
            "`{id}` is not a valid business id (Y-tunnus): no business id starts with the \
             digits {digits} (their weighted sum leaves remainder 1 modulo 11); one of the \
             digits is mistyped, copy the id from the Business Information System (YTJ)"
        )),
        Some(check) if check != given => Err(format!(
            "`{id}` is not a valid business id (Y-tunnus): the check digit is wrong for the \
             digits {digits}; a digit or the check digit is mistyped, copy the id from the \
             Business Information System (YTJ)"
        )),
        Some(_) => Ok(()),
    }
}

/// Checks a DNS host name as registered for an organisation or requested in a
/// server certificate's dNSName (R-ELIGIBLE).
///
/// The name must be lower-case ASCII LDH: at least two labels separated by dots,
/// each 1–63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`;
/// at most 253 characters in all; no trailing dot; not an IP address; the top-level
/// label not numeric. Internationalised names must be given in their `xn--` A-label
/// form. Callers that accept mixed case should lower-case first.
///
/// With `allow_wildcard`, the leftmost label may be exactly `*`, followed by at
/// least two labels (`*.example.fi`, never `*.fi`); no other use of `*` is allowed.
/// Without it, any `*` is rejected. The error says what is wrong and how to fix it.
pub fn validate_dns_name(name: &str, allow_wildcard: bool) -> Result<(), String> {
    if name.is_empty() {
        return Err("the DNS name is empty; give a host name such as `www.example.fi`".to_owned());
    }
    if !name.is_ascii() {
        return Err(format!(
            "`{name}` contains non-ASCII characters: internationalised domain names must be \
             given in their A-label (`xn--…`) form, e.g. `xn--jrvilaakso-hva-5hb.fi` for \
             `järvilaakso-hva.fi`; convert the name with an IDNA tool"
        ));
    }
    if name.parse::<IpAddr>().is_ok() {
        return Err(format!(
            "`{name}` is an IP address; only DNS host names are allowed, give the host's DNS \
             name instead"
        ));
    }
    if name.contains(['/', ':', '@', ' ']) {
        return Err(format!(
            "`{name}` is not a bare host name; remove any scheme, port, path, user or spaces \
             (e.g. `www.example.fi`)"
        ));
    }
    if name.len() > 1 && name.ends_with('.') {
        return Err(format!(
            "`{name}` ends with a dot; write it without the trailing dot: `{}`",
            &name[..name.len() - 1]
        ));
    }
    if name.len() > MAX_DNS_NAME_LEN {
        return Err(format!(
            "`{name}` is {} characters long; a DNS name has at most {MAX_DNS_NAME_LEN}",
            name.len()
        ));
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "`{name}` contains upper-case letters; write it in lower case: `{}`",
            name.to_ascii_lowercase()
        ));
    }
    let labels: Vec<&str> = name.split('.').collect();
    let wildcard = labels.first() == Some(&"*");
    if name.contains('*') {
        if !allow_wildcard {
            return Err(format!(
                "`{name}` contains a wildcard `*`, which is not allowed here; give the exact \
                 host or domain name"
            ));
        }
        if !wildcard || labels[1..].iter().any(|l| l.contains('*')) {
            return Err(format!(
                "`{name}` uses `*` wrongly: only the whole leftmost label may be the wildcard, \
                 as in `*.example.fi`"
            ));
        }
    }
    for label in &labels[usize::from(wildcard)..] {
        if label.is_empty() {
            return Err(format!(
                "`{name}` has an empty label (a leading dot or two dots in a row); separate \
                 the labels with single dots"
            ));
        }
        if label.len() > MAX_DNS_LABEL_LEN {
            return Err(format!(
                "`{name}`: the label `{label}` is {} characters long; a DNS label has at most \
                 {MAX_DNS_LABEL_LEN}",
                label.len()
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!(
                "`{name}`: the label `{label}` contains `{c}`; host names may only contain \
                 a-z, 0-9 and `-` (LDH)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "`{name}`: the label `{label}` starts or ends with `-`, which host names do \
                 not allow"
            ));
        }
    }
    let fixed = labels.len() - usize::from(wildcard);
    if wildcard && fixed < 2 {
        return Err(format!(
            "`{name}` would cover a whole top-level domain; a wildcard needs at least two \
             labels after `*`, e.g. `*.example.fi`"
        ));
    }
    if fixed < 2 {
        return Err(format!(
            "`{name}` has a single label; give a fully qualified name with at least two \
             labels, e.g. `{name}.example.fi` or `example.fi`"
        ));
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "`{name}` ends in a numeric label, so it is not a host name (it looks like an IP \
             address); give the host's DNS name"
        ));
    }
    Ok(())
}
