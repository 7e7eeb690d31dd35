//! Lints over a to-be-signed certificate, run before anything is signed.
//!
//! This module holds the rules of RFC 5280 that hold for every certificate CarePKI
//! issues. The rules of CarePKI's own profiles (shared/DOMAIN.md) live in the policy
//! crate and produce the same [`Finding`]s. Each rule has a stable id, `rfc5280.<...>`,
//! that tests and the audit log name.

use std::collections::HashSet;

use const_oid::db::rfc5280 as oids;
use der::{Decode, Encode, Tag};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::name::DistributionPointName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::time::Time;

use crate::ext::Ku;
use crate::key::{PublicKey, key_identifier};
use crate::name::{Attr, name_attributes};
use crate::{SignatureAlgorithm, X509Error};

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable id, e.g. `rfc5280.aki.match`.
    pub rule: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.rule, self.message)
    }
}

/// What the linter must know about the issuer.
#[derive(Debug, Clone)]
pub struct IssuerFacts<'a> {
    /// The issuer's subject name DER (the TBS issuer must equal it byte for byte).
    pub subject_der: &'a [u8],
    /// The issuer's subject key identifier.
    pub key_identifier: &'a [u8],
    /// The algorithm the issuer signs with.
    pub signature_algorithm: SignatureAlgorithm,
}

/// Run every RFC 5280 rule over a to-be-signed certificate. An empty result means it
/// may be signed.
pub fn lint_rfc5280(tbs_der: &[u8], issuer: &IssuerFacts<'_>) -> Vec<Finding> {
    match TbsCertificate::from_der(tbs_der) {
        Ok(tbs) => lint_rfc5280_decoded(&tbs, issuer),
        Err(e) => vec![Finding {
            rule: "rfc5280.der",
            message: format!("the to-be-signed certificate does not decode: {e}"),
        }],
    }
}

/// [`lint_rfc5280`] over a to-be-signed certificate the caller decoded already (the
/// CA decodes once for both lint groups).
pub fn lint_rfc5280_decoded(tbs: &TbsCertificate, issuer: &IssuerFacts<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut f = |rule: &'static str, message: String| push(&mut out, rule, message);

    if tbs.version() != Version::V3 {
        f(
            "rfc5280.version",
            "certificates with extensions must be v3".into(),
        );
    }
    lint_serial(tbs, &mut f);
    if tbs.signature().oid != issuer.signature_algorithm.oid()
        || tbs.signature().to_der().ok() != Some(issuer.signature_algorithm.to_der())
    {
        f(
            "rfc5280.signature.match",
            format!("the signature field must be {}", issuer.signature_algorithm),
        );
    }
    if tbs.issuer().to_der().ok().as_deref() != Some(issuer.subject_der) {
        f(
            "rfc5280.issuer.match",
            "the issuer name must equal the issuing CA's subject byte for byte".into(),
        );
    }
    lint_validity(tbs, &mut f);
    lint_subject(tbs, &mut f);
    let key = tbs
        .subject_public_key_info()
        .to_der()
        .map_err(|e| X509Error::encode("public key", e))
        .and_then(|der| PublicKey::from_spki_der(&der));
    let key = match key {
        Ok(k) => Some(k),
        Err(e) => {
            f("rfc5280.spki", format!("subject public key: {e}"));
            None
        }
    };
    lint_extensions(tbs, key.as_ref(), issuer, &mut f);
    out
}

fn push(out: &mut Vec<Finding>, rule: &'static str, message: String) {
    out.push(Finding { rule, message });
}

fn lint_serial(tbs: &TbsCertificate, f: &mut impl FnMut(&'static str, String)) {
    let bytes = tbs.serial_number().as_bytes();
    let significant: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    if significant.is_empty() {
        f(
            "rfc5280.serial.positive",
            "the serial number must be positive".into(),
        );
    }
    if bytes.len() > 20 {
        f(
            "rfc5280.serial.length",
            format!("the serial number is {} octets; at most 20", bytes.len()),
        );
    }
    if significant.len() < 8 {
        f(
            "rfc5280.serial.entropy",
            "the serial number must hold at least 64 random bits".into(),
        );
    }
}

fn lint_validity(tbs: &TbsCertificate, f: &mut impl FnMut(&'static str, String)) {
    let v = tbs.validity();
    let nb = crate::cert::unix_time(&v.not_before);
    let na = crate::cert::unix_time(&v.not_after);
    if nb >= na {
        f(
            "rfc5280.validity.order",
            "notBefore must be before notAfter".into(),
        );
    }
    for (which, t) in [("notBefore", &v.not_before), ("notAfter", &v.not_after)] {
        let year = t.to_date_time().year();
        let utc = matches!(t, Time::UtcTime(_));
        if (year < 2050) != utc {
            f(
                "rfc5280.validity.encoding",
                format!(
                    "{which} in {year} must be {}",
                    if year < 2050 {
                        "UTCTime"
                    } else {
                        "GeneralizedTime"
                    }
                ),
            );
        }
    }
}

fn lint_subject(tbs: &TbsCertificate, f: &mut impl FnMut(&'static str, String)) {
    if tbs.subject().is_empty() {
        f(
            "rfc5280.subject.empty",
            "CarePKI never issues certificates with an empty subject".into(),
        );
    }
    for (oid, value, tag) in name_attributes(tbs.subject()) {
        let Some(attr) = Attr::from_oid(&oid) else {
            f(
                "rfc5280.subject.attribute",
                format!("unexpected subject attribute {oid}"),
            );
            continue;
        };
        let len = value.chars().count();
        if len == 0 || len > attr.upper_bound() {
            f(
                "rfc5280.subject.bounds",
                format!(
                    "{} is {len} characters; 1 to {} allowed",
                    attr.short_name(),
                    attr.upper_bound()
                ),
            );
        }
        let want = match attr {
            Attr::Country | Attr::SerialNumber => Tag::PrintableString,
            _ => Tag::Utf8String,
        };
        if tag != want {
            f(
                "rfc5280.subject.string-type",
                format!("{} must be a {want}", attr.short_name()),
            );
        }
    }
}

fn lint_extensions(
    tbs: &TbsCertificate,
    key: Option<&PublicKey>,
    issuer: &IssuerFacts<'_>,
    f: &mut impl FnMut(&'static str, String),
) {
    let exts = tbs.extensions().map(|e| e.as_slice()).unwrap_or(&[]);
    let mut seen = HashSet::new();
    for e in exts {
        if !seen.insert(e.extn_id) {
            f(
                "rfc5280.extensions.unique",
                format!("extension {} appears more than once", e.extn_id),
            );
        }
    }

    let bc = tbs.get_extension::<BasicConstraints>().ok().flatten();
    let is_ca = bc.as_ref().is_some_and(|(_, b)| b.ca);
    if let Some((critical, b)) = &bc {
        if b.ca && !critical {
            f(
                "rfc5280.bc.critical",
                "basicConstraints must be critical in a CA certificate".into(),
            );
        }
        if b.path_len_constraint.is_some() && !b.ca {
            f(
                "rfc5280.bc.pathlen",
                "pathLenConstraint only with cA TRUE".into(),
            );
        }
    }

    match tbs.get_extension::<SubjectKeyIdentifier>() {
        Ok(Some((critical, ski))) => {
            if critical {
                f(
                    "rfc5280.ski.critical",
                    "subjectKeyIdentifier must not be critical".into(),
                );
            }
            if let Some(k) = key
                && ski.0.as_bytes() != key_identifier(&k.raw).as_slice()
            {
                f(
                    "rfc5280.ski.match",
                    "subjectKeyIdentifier does not match the public key".into(),
                );
            }
        }
        Ok(None) => f(
            "rfc5280.ski.present",
            "subjectKeyIdentifier is missing".into(),
        ),
        Err(e) => f(
            "rfc5280.ski.der",
            format!("subjectKeyIdentifier does not decode: {e}"),
        ),
    }

    match tbs.get_extension::<AuthorityKeyIdentifier>() {
        Ok(Some((critical, aki))) => {
            if critical {
                f(
                    "rfc5280.aki.critical",
                    "authorityKeyIdentifier must not be critical".into(),
                );
            }
            if aki.key_identifier.as_ref().map(|k| k.as_bytes()) != Some(issuer.key_identifier) {
                f(
                    "rfc5280.aki.match",
                    "authorityKeyIdentifier must equal the issuer's subjectKeyIdentifier".into(),
                );
            }
        }
        Ok(None) => f(
            "rfc5280.aki.present",
            "authorityKeyIdentifier is missing".into(),
        ),
        Err(e) => f(
            "rfc5280.aki.der",
            format!("authorityKeyIdentifier does not decode: {e}"),
        ),
    }

    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((critical, ku))) => {
            if !critical {
                f("rfc5280.ku.critical", "keyUsage must be critical".into());
            }
            let bits = Ku::from_key_usage(&ku);
            if bits.is_empty() {
                f(
                    "rfc5280.ku.empty",
                    "keyUsage must assert at least one bit".into(),
                );
            }
            let signs_certs = bits.contains(&Ku::KeyCertSign);
            if signs_certs != is_ca {
                f(
                    "rfc5280.ku.certsign",
                    "keyCertSign if and only if basicConstraints cA is TRUE".into(),
                );
            }
            if !is_ca && bits.contains(&Ku::CrlSign) {
                f(
                    "rfc5280.ku.crlsign",
                    "an end-entity certificate must not assert cRLSign".into(),
                );
            }
            if let Some(k) = key
                && !k.algorithm.is_rsa()
            {
                for bad in [Ku::KeyEncipherment, Ku::DataEncipherment] {
                    if bits.contains(&bad) {
                        f(
                            "rfc5280.ku.ec",
                            format!("an ECDSA key must not assert {} (RFC 5480 §3)", bad.name()),
                        );
                    }
                }
            }
            if let Some(k) = key
                && k.algorithm.is_rsa()
                && bits.contains(&Ku::KeyAgreement)
            {
                f(
                    "rfc5280.ku.rsa",
                    "an RSA key must not assert keyAgreement (RFC 3279 §2.3.1)".into(),
                );
            }
        }
        Ok(None) => f("rfc5280.ku.present", "keyUsage is missing".into()),
        Err(e) => f("rfc5280.ku.der", format!("keyUsage does not decode: {e}")),
    }

    if let Ok(Some((critical, eku))) = tbs.get_extension::<ExtendedKeyUsage>() {
        if critical {
            f(
                "rfc5280.eku.critical",
                "CarePKI marks extendedKeyUsage not critical".into(),
            );
        }
        if eku.0.is_empty() {
            f(
                "rfc5280.eku.empty",
                "extendedKeyUsage must list at least one purpose".into(),
            );
        }
        if eku.0.contains(&oids::ANY_EXTENDED_KEY_USAGE) {
            f(
                "rfc5280.eku.any",
                "anyExtendedKeyUsage is never issued".into(),
            );
        }
    }

    match tbs.get_extension::<SubjectAltName>() {
        Ok(Some((_, san))) => {
            if san.0.is_empty() {
                f(
                    "rfc5280.san.empty",
                    "subjectAltName must hold at least one name".into(),
                );
            }
            for name in &san.0 {
                match name {
                    GeneralName::DnsName(n) => {
                        if let Err(why) = dns_syntax(n.as_ref()) {
                            f("rfc5280.san.dns", format!("dNSName \"{n}\": {why}"));
                        }
                    }
                    GeneralName::Rfc822Name(n) => {
                        if let Err(why) = email_syntax(n.as_ref()) {
                            f("rfc5280.san.email", format!("rfc822Name \"{n}\": {why}"));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(None) => {}
        Err(e) => f(
            "rfc5280.san.der",
            format!("subjectAltName does not decode: {e}"),
        ),
    }

    if let Some(e) = exts
        .iter()
        .find(|e| e.extn_id == oids::ID_CE_CERTIFICATE_POLICIES)
    {
        match crate::oid::decode_policy_ids(e.extn_value.as_bytes()) {
            Ok(ids) => {
                let mut seen = HashSet::new();
                for id in &ids {
                    if !seen.insert(id.clone()) {
                        f("rfc5280.policies.unique", "a policy is listed twice".into());
                    }
                }
                if ids.is_empty() {
                    f(
                        "rfc5280.policies.empty",
                        "certificatePolicies must list a policy".into(),
                    );
                }
            }
            Err(e) => f(
                "rfc5280.policies.der",
                format!("certificatePolicies does not decode: {e}"),
            ),
        }
    }

    match tbs.get_extension::<CrlDistributionPoints>() {
        Ok(Some((_, dps))) => {
            for dp in &dps.0 {
                match &dp.distribution_point {
                    Some(DistributionPointName::FullName(names)) => {
                        for n in names {
                            uri_rule(n, "rfc5280.crldp.uri", f);
                        }
                    }
                    _ => f(
                        "rfc5280.crldp.fullname",
                        "each CRL distribution point must give a full name".into(),
                    ),
                }
            }
        }
        Ok(None) => {}
        Err(e) => f(
            "rfc5280.crldp.der",
            format!("cRLDistributionPoints does not decode: {e}"),
        ),
    }

    match tbs.get_extension::<AuthorityInfoAccessSyntax>() {
        Ok(Some((critical, aia))) => {
            if critical {
                f(
                    "rfc5280.aia.critical",
                    "authorityInfoAccess must not be critical".into(),
                );
            }
            for ad in &aia.0 {
                uri_rule(&ad.access_location, "rfc5280.aia.uri", f);
            }
        }
        Ok(None) => {}
        Err(e) => f(
            "rfc5280.aia.der",
            format!("authorityInfoAccess does not decode: {e}"),
        ),
    }

    match tbs.get_extension::<NameConstraints>() {
        Ok(Some((critical, _))) => {
            if !critical {
                f(
                    "rfc5280.nc.critical",
                    "nameConstraints must be critical".into(),
                );
            }
            if !is_ca {
                f(
                    "rfc5280.nc.ca",
                    "nameConstraints only in CA certificates".into(),
                );
            }
        }
        Ok(None) => {}
        Err(e) => f(
            "rfc5280.nc.der",
            format!("nameConstraints does not decode: {e}"),
        ),
    }
}

fn uri_rule(name: &GeneralName, rule: &'static str, f: &mut impl FnMut(&'static str, String)) {
    match name {
        GeneralName::UniformResourceIdentifier(uri) => {
            let s: &str = uri.as_ref();
            if !(s.starts_with("http://") || s.starts_with("https://")) || s.len() < 10 {
                f(rule, format!("\"{s}\" must be an http or https URL"));
            }
        }
        _ => f(rule, "the location must be a URI".into()),
    }
}

/// Syntax of a dNSName in preferred name syntax (RFC 5280 §4.2.1.6, RFC 1034 §3.5),
/// allowing a single leftmost `*` label.
pub fn dns_syntax(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    if name.ends_with('.') {
        return Err("must not end with a dot".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err("must have at least two labels".into());
    }
    for (i, label) in labels.iter().enumerate() {
        if i == 0 && *label == "*" {
            continue;
        }
        if label.is_empty() || label.len() > 63 {
            return Err("every label must be 1 to 63 characters".into());
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("labels hold only a-z, 0-9 and '-' (lower case; IDNs in xn-- form)".into());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("labels must not start or end with '-'".into());
        }
    }
    Ok(())
}

/// Syntax of an rfc822Name mailbox (RFC 5280 §4.2.1.6): local@domain, ASCII.
pub fn email_syntax(addr: &str) -> Result<(), String> {
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return Err("must be local-part@domain".into());
    };
    if local.is_empty() || local.len() > 64 {
        return Err("the local part must be 1 to 64 characters".into());
    }
    if !local
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b"()<>[]:;@\\,\"".contains(&b))
    {
        return Err("the local part has characters a mailbox cannot hold".into());
    }
    dns_syntax(domain).map_err(|why| format!("the domain {why}"))?;
    if domain.starts_with("*.") {
        return Err("the domain must not be a wildcard".into());
    }
    Ok(())
}
