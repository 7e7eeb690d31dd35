//! Distinguished names: built attribute by attribute, one attribute per RDN, in the
//! order given, with the string type and upper bound RFC 5280 (Appendix A) sets for each.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519;
use der::asn1::{Any, PrintableStringRef, Utf8StringRef};
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::X509Error;

/// The pseudonym attribute (X.520), which carries the SV number of a prescriber (R-SV).
pub const PSEUDONYM: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.65");

/// A name attribute CarePKI puts in subjects, with its OID, string type and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    /// countryName: two letters, PrintableString.
    Country,
    /// organizationName: UTF8String, at most 64 characters.
    Organization,
    /// organizationalUnitName: UTF8String, at most 64 characters.
    OrganizationalUnit,
    /// serialNumber: PrintableString, at most 64 characters.
    SerialNumber,
    /// commonName: UTF8String, at most 64 characters.
    CommonName,
    /// givenName: UTF8String.
    GivenName,
    /// surname: UTF8String.
    Surname,
    /// title: UTF8String, at most 64 characters.
    Title,
    /// pseudonym: UTF8String, at most 128 characters.
    Pseudonym,
}

impl Attr {
    /// The attribute type's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Country => rfc4519::C,
            Self::Organization => rfc4519::O,
            Self::OrganizationalUnit => rfc4519::OU,
            Self::SerialNumber => rfc4519::SERIAL_NUMBER,
            Self::CommonName => rfc4519::CN,
            Self::GivenName => rfc4519::GIVEN_NAME,
            Self::Surname => rfc4519::SN,
            Self::Title => rfc4519::TITLE,
            Self::Pseudonym => PSEUDONYM,
        }
    }

    /// The short name used in text forms ("CN", "serialNumber", ...).
    pub fn short_name(self) -> &'static str {
        match self {
            Self::Country => "C",
            Self::Organization => "O",
            Self::OrganizationalUnit => "OU",
            Self::SerialNumber => "serialNumber",
            Self::CommonName => "CN",
            Self::GivenName => "GN",
            Self::Surname => "SN",
            Self::Title => "title",
            Self::Pseudonym => "pseudonym",
        }
    }

    /// The upper bound in characters (RFC 5280 Appendix A).
    pub fn upper_bound(self) -> usize {
        match self {
            Self::Country => 2,
            Self::Organization
            | Self::OrganizationalUnit
            | Self::SerialNumber
            | Self::CommonName
            | Self::Title => 64,
            Self::Pseudonym => 128,
            Self::GivenName | Self::Surname => 32768,
        }
    }

    fn printable(self) -> bool {
        matches!(self, Self::Country | Self::SerialNumber)
    }

    /// The attribute with this OID, if CarePKI knows it.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        ALL.into_iter().find(|a| a.oid() == *oid)
    }
}

const ALL: [Attr; 9] = [
    Attr::Country,
    Attr::Organization,
    Attr::OrganizationalUnit,
    Attr::SerialNumber,
    Attr::CommonName,
    Attr::GivenName,
    Attr::Surname,
    Attr::Title,
    Attr::Pseudonym,
];

/// Build a name from attributes in order, each in an RDN of its own.
pub fn build_name(attrs: &[(Attr, &str)]) -> Result<Name, X509Error> {
    let mut seq = RdnSequence::default();
    for &(attr, value) in attrs {
        check_value(attr, value)?;
        let any = if attr.printable() {
            let s = PrintableStringRef::new(value).map_err(|_| {
                X509Error::InvalidValue(format!(
                    "{} \"{value}\" has characters a PrintableString cannot hold (letters, digits, space and '()+,-./:=? only)",
                    attr.short_name()
                ))
            })?;
            Any::encode_from(&s)
        } else {
            let s = Utf8StringRef::new(value).map_err(|e| X509Error::encode("name", e))?;
            Any::encode_from(&s)
        }
        .map_err(|e| X509Error::encode("name", e))?;
        let atv = AttributeTypeAndValue {
            oid: attr.oid(),
            value: any,
        };
        let rdn = RelativeDistinguishedName::try_from(vec![atv])
            .map_err(|e| X509Error::encode("name", e))?;
        seq.push(rdn);
    }
    // Name checks what it decodes (string types, non-empty RDNs), so the built sequence
    // goes through that check rather than a constructor that trusts it.
    let der = seq.to_der().map_err(|e| X509Error::encode("name", e))?;
    Name::from_der(&der).map_err(|e| X509Error::encode("name", e))
}

fn check_value(attr: Attr, value: &str) -> Result<(), X509Error> {
    let chars = value.chars().count();
    if chars == 0 || value.trim() != value {
        return Err(X509Error::InvalidValue(format!(
            "{} must not be empty or start or end with spaces",
            attr.short_name()
        )));
    }
    if chars > attr.upper_bound() {
        return Err(X509Error::InvalidValue(format!(
            "{} \"{value}\" is {chars} characters; at most {} fit (RFC 5280 upper bound)",
            attr.short_name(),
            attr.upper_bound()
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(X509Error::InvalidValue(format!(
            "{} contains control characters",
            attr.short_name()
        )));
    }
    if attr == Attr::Country && !value.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(X509Error::InvalidValue(format!(
            "C \"{value}\" must be a two-letter ISO 3166 code in capitals"
        )));
    }
    Ok(())
}

/// The attributes of a name in order, as (OID, string value, ASN.1 tag). Values that are
/// not strings come back as their DER in hex.
pub fn name_attributes(name: &Name) -> Vec<(ObjectIdentifier, String, Tag)> {
    name.iter_rdn()
        .flat_map(|rdn| rdn.iter())
        .map(|atv| (atv.oid, value_string(&atv.value), atv.value.tag()))
        .collect()
}

fn value_string(value: &Any) -> String {
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            String::from_utf8_lossy(value.value()).into_owned()
        }
        _ => value.to_der().map(hex::encode).unwrap_or_default(),
    }
}

/// A name as text in certificate order, e.g. `C=FI, O=Example, CN=host.example.fi`
/// (the order `openssl x509 -subject -nameopt sep_comma_plus` prints).
pub fn display_name(name: &Name) -> String {
    name_attributes(name)
        .into_iter()
        .map(|(oid, value, _)| {
            let key =
                Attr::from_oid(&oid).map_or_else(|| oid.to_string(), |a| a.short_name().to_owned());
            format!("{key}={}", escape(&value))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Like [`display_name`], from the DER of a Name.
pub fn display_name_der(der: &[u8]) -> Result<String, X509Error> {
    let name = Name::from_der(der).map_err(|e| X509Error::malformed("name", e))?;
    Ok(display_name(&name))
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_service_subject_in_order_with_types() {
        let name = build_name(&[
            (Attr::Country, "FI"),
            (Attr::Organization, "Järvilaakson hyvinvointialue"),
            (Attr::SerialNumber, "1.2.246.10.2048198.10.0"),
            (Attr::CommonName, "kanta.jarvilaakso-hva.fi"),
        ])
        .unwrap();
        let attrs = name_attributes(&name);
        assert_eq!(attrs.len(), 4);
        assert_eq!(attrs[0].2, Tag::PrintableString);
        assert_eq!(attrs[1].2, Tag::Utf8String);
        assert_eq!(attrs[2].2, Tag::PrintableString);
        assert_eq!(attrs[3].2, Tag::Utf8String);
        assert_eq!(
            display_name(&name),
            "C=FI, O=Järvilaakson hyvinvointialue, serialNumber=1.2.246.10.2048198.10.0, CN=kanta.jarvilaakso-hva.fi"
        );
    }

    #[test]
    fn rejects_values_beyond_bounds_and_bad_types() {
        let long = "x".repeat(65);
        assert!(build_name(&[(Attr::CommonName, &long)]).is_err());
        assert!(build_name(&[(Attr::CommonName, &"x".repeat(64))]).is_ok());
        assert!(build_name(&[(Attr::Country, "fi")]).is_err());
        assert!(build_name(&[(Attr::Country, "FIN")]).is_err());
        assert!(build_name(&[(Attr::SerialNumber, "ä1")]).is_err());
        assert!(build_name(&[(Attr::CommonName, " padded")]).is_err());
        assert!(build_name(&[(Attr::CommonName, "")]).is_err());
    }

    #[test]
    fn escapes_special_characters_in_text() {
        let name = build_name(&[(Attr::Organization, "A, B = C")]).unwrap();
        assert_eq!(display_name(&name), "O=A\\, B \\= C");
    }
}
