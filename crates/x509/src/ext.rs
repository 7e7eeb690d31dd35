//! Certificate extensions CarePKI writes, encoded with x509-cert's typed structures.

use const_oid::db::rfc5280::{
    ID_AD_CA_ISSUERS, ID_AD_OCSP, ID_KP_CLIENT_AUTH, ID_KP_EMAIL_PROTECTION, ID_KP_SERVER_AUTH,
};
use const_oid::{AssociatedOid, ObjectIdentifier};
use der::Encode;
use der::asn1::{Ia5String, OctetString, Uint};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::crl::{BaseCrlNumber, CrlNumber, FreshestCrl};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages, NameConstraints, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::X509Error;
use crate::oid::{PolicyOid, encode_certificate_policies};

/// Extended key usages CarePKI's profiles use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Eku {
    /// id-kp-serverAuth.
    ServerAuth,
    /// id-kp-clientAuth.
    ClientAuth,
    /// id-kp-emailProtection.
    EmailProtection,
}

impl Eku {
    /// The purpose's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::ServerAuth => ID_KP_SERVER_AUTH,
            Self::ClientAuth => ID_KP_CLIENT_AUTH,
            Self::EmailProtection => ID_KP_EMAIL_PROTECTION,
        }
    }
}

/// Key usage bits, as named in RFC 5280 §4.2.1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ku {
    /// digitalSignature (0).
    DigitalSignature,
    /// nonRepudiation / contentCommitment (1).
    NonRepudiation,
    /// keyEncipherment (2).
    KeyEncipherment,
    /// dataEncipherment (3).
    DataEncipherment,
    /// keyAgreement (4).
    KeyAgreement,
    /// keyCertSign (5).
    KeyCertSign,
    /// cRLSign (6).
    CrlSign,
}

impl Ku {
    fn flag(self) -> KeyUsages {
        match self {
            Self::DigitalSignature => KeyUsages::DigitalSignature,
            Self::NonRepudiation => KeyUsages::NonRepudiation,
            Self::KeyEncipherment => KeyUsages::KeyEncipherment,
            Self::DataEncipherment => KeyUsages::DataEncipherment,
            Self::KeyAgreement => KeyUsages::KeyAgreement,
            Self::KeyCertSign => KeyUsages::KeyCertSign,
            Self::CrlSign => KeyUsages::CRLSign,
        }
    }

    /// The bits set in a decoded KeyUsage, in bit order.
    pub fn from_key_usage(ku: &KeyUsage) -> Vec<Ku> {
        [
            Self::DigitalSignature,
            Self::NonRepudiation,
            Self::KeyEncipherment,
            Self::DataEncipherment,
            Self::KeyAgreement,
            Self::KeyCertSign,
            Self::CrlSign,
        ]
        .into_iter()
        .filter(|k| ku.0.contains(k.flag()))
        .collect()
    }

    /// The RFC 5280 name of the bit.
    pub fn name(self) -> &'static str {
        match self {
            Self::DigitalSignature => "digitalSignature",
            Self::NonRepudiation => "nonRepudiation",
            Self::KeyEncipherment => "keyEncipherment",
            Self::DataEncipherment => "dataEncipherment",
            Self::KeyAgreement => "keyAgreement",
            Self::KeyCertSign => "keyCertSign",
            Self::CrlSign => "cRLSign",
        }
    }
}

fn encode<T: Encode + AssociatedOid>(value: &T, critical: bool) -> Result<Extension, X509Error> {
    let der = value
        .to_der()
        .map_err(|e| X509Error::encode("extension", e))?;
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(der).map_err(|e| X509Error::encode("extension", e))?,
    })
}

fn ia5(value: &str, what: &str) -> Result<Ia5String, X509Error> {
    Ia5String::new(value).map_err(|_| {
        X509Error::InvalidValue(format!(
            "{what} \"{value}\" must be ASCII (internationalised domain names in their xn-- form)"
        ))
    })
}

/// basicConstraints, critical (RFC 5280 §4.2.1.9).
pub fn basic_constraints(ca: bool, path_len: Option<u8>) -> Result<Extension, X509Error> {
    encode(
        &BasicConstraints {
            ca,
            path_len_constraint: path_len,
        },
        true,
    )
}

/// keyUsage, critical.
pub fn key_usage(bits: &[Ku]) -> Result<Extension, X509Error> {
    let mut flags = flagset::FlagSet::<KeyUsages>::default();
    for bit in bits {
        flags |= bit.flag();
    }
    encode(&KeyUsage(flags), true)
}

/// extendedKeyUsage, not critical.
pub fn extended_key_usage(purposes: &[Eku]) -> Result<Extension, X509Error> {
    encode(
        &ExtendedKeyUsage(purposes.iter().map(|p| p.oid()).collect()),
        false,
    )
}

/// subjectAltName with dNSName and rfc822Name entries, not critical (the subject is
/// never empty).
pub fn subject_alt_name(dns_names: &[String], emails: &[String]) -> Result<Extension, X509Error> {
    let mut names = Vec::with_capacity(dns_names.len() + emails.len());
    for n in dns_names {
        names.push(GeneralName::DnsName(ia5(n, "DNS name")?));
    }
    for e in emails {
        names.push(GeneralName::Rfc822Name(ia5(e, "email address")?));
    }
    encode(&SubjectAltName(names), false)
}

/// certificatePolicies with bare policy identifiers, not critical. Encoded by
/// [`crate::oid`] because policy arcs may exceed what const-oid holds.
pub fn certificate_policies(policies: &[PolicyOid]) -> Result<Extension, X509Error> {
    Ok(Extension {
        extn_id: const_oid::db::rfc5280::ID_CE_CERTIFICATE_POLICIES,
        critical: false,
        extn_value: OctetString::new(encode_certificate_policies(policies))
            .map_err(|e| X509Error::encode("certificatePolicies", e))?,
    })
}

/// cRLDistributionPoints with one full-name URI, not critical.
pub fn crl_distribution_point(uri: &str) -> Result<Extension, X509Error> {
    encode(
        &CrlDistributionPoints(vec![DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![
                GeneralName::UniformResourceIdentifier(ia5(uri, "CRL URL")?),
            ])),
            reasons: None,
            crl_issuer: None,
        }]),
        false,
    )
}

/// authorityInfoAccess with an OCSP responder and a caIssuers URI, not critical.
pub fn authority_info_access(ocsp: &str, ca_issuers: &str) -> Result<Extension, X509Error> {
    access_descriptions(&[
        (ID_AD_OCSP, ocsp, "OCSP URL"),
        (ID_AD_CA_ISSUERS, ca_issuers, "CA issuers URL"),
    ])
}

/// authorityInfoAccess with a caIssuers URI only (CA certificates, whose status the
/// issuer's CRL gives), not critical.
pub fn authority_info_access_issuers_only(ca_issuers: &str) -> Result<Extension, X509Error> {
    access_descriptions(&[(ID_AD_CA_ISSUERS, ca_issuers, "CA issuers URL")])
}

fn access_descriptions(entries: &[(ObjectIdentifier, &str, &str)]) -> Result<Extension, X509Error> {
    let descriptions = entries
        .iter()
        .map(|&(method, uri, what)| {
            Ok(AccessDescription {
                access_method: method,
                access_location: GeneralName::UniformResourceIdentifier(ia5(uri, what)?),
            })
        })
        .collect::<Result<Vec<_>, X509Error>>()?;
    encode(&AuthorityInfoAccessSyntax(descriptions), false)
}

/// subjectKeyIdentifier, not critical.
pub fn subject_key_identifier(key_id: &[u8]) -> Result<Extension, X509Error> {
    encode(
        &SubjectKeyIdentifier(
            OctetString::new(key_id).map_err(|e| X509Error::encode("key identifier", e))?,
        ),
        false,
    )
}

/// authorityKeyIdentifier with the keyIdentifier only, not critical.
pub fn authority_key_identifier(key_id: &[u8]) -> Result<Extension, X509Error> {
    encode(
        &AuthorityKeyIdentifier {
            key_identifier: Some(
                OctetString::new(key_id).map_err(|e| X509Error::encode("key identifier", e))?,
            ),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
        false,
    )
}

/// nameConstraints, critical: permitted directory names, and excluded IP ranges (the
/// whole IPv4 and IPv6 spaces when `exclude_all_ip` is set).
pub fn name_constraints(
    permitted_directory_names: &[Name],
    exclude_all_ip: bool,
) -> Result<Extension, X509Error> {
    let subtree = |base| GeneralSubtree {
        base,
        minimum: 0,
        maximum: None,
    };
    let permitted: Vec<GeneralSubtree> = permitted_directory_names
        .iter()
        .map(|n| subtree(GeneralName::DirectoryName(n.clone())))
        .collect();
    let mut excluded = Vec::new();
    if exclude_all_ip {
        for range in [vec![0u8; 8], vec![0u8; 32]] {
            excluded.push(subtree(GeneralName::IpAddress(
                OctetString::new(range).map_err(|e| X509Error::encode("name constraints", e))?,
            )));
        }
    }
    encode(
        &NameConstraints {
            permitted_subtrees: (!permitted.is_empty()).then_some(permitted),
            excluded_subtrees: (!excluded.is_empty()).then_some(excluded),
        },
        true,
    )
}

/// cRLNumber, not critical (RFC 5280 §5.2.3).
pub fn crl_number(number: u64) -> Result<Extension, X509Error> {
    encode(
        &CrlNumber(Uint::try_from(number).map_err(|e| X509Error::encode("CRL number", e))?),
        false,
    )
}

/// deltaCRLIndicator naming the base CRL's number, critical (RFC 5280 §5.2.4).
pub fn delta_crl_indicator(base_crl_number: u64) -> Result<Extension, X509Error> {
    encode(
        &BaseCrlNumber(
            Uint::try_from(base_crl_number).map_err(|e| X509Error::encode("CRL number", e))?,
        ),
        true,
    )
}

/// freshestCRL with one full-name URI (where the delta CRL is), not critical
/// (RFC 5280 §5.2.6; full CRLs only).
pub fn freshest_crl(uri: &str) -> Result<Extension, X509Error> {
    encode(
        &FreshestCrl(vec![DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![
                GeneralName::UniformResourceIdentifier(ia5(uri, "delta CRL URL")?),
            ])),
            reasons: None,
            crl_issuer: None,
        }]),
        false,
    )
}

/// issuingDistributionPoint, critical (RFC 5280 §5.2.5): an optional full-name URI
/// and at most one of onlyContainsUserCerts and onlyContainsCACerts.
///
/// Refuses the empty SEQUENCE (no URI and neither flag), which RFC 5280 forbids.
/// Encoded with x509-cert's type but under the right OID: x509-cert 0.3 associates
/// `IssuingDistributionPoint` with id-pe-subjectInfoAccess.
pub fn issuing_distribution_point(
    uri: Option<&str>,
    only_user_certs: bool,
    only_ca_certs: bool,
) -> Result<Extension, X509Error> {
    if only_user_certs && only_ca_certs {
        return Err(X509Error::InvalidValue(
            "an issuing distribution point cannot be limited to both user and CA certificates; \
             set at most one of the two"
                .to_owned(),
        ));
    }
    if uri.is_none() && !only_user_certs && !only_ca_certs {
        return Err(X509Error::InvalidValue(
            "an issuing distribution point needs a URL or a scope (RFC 5280 §5.2.5 forbids \
             the empty one); leave the extension out instead"
                .to_owned(),
        ));
    }
    let distribution_point = match uri {
        Some(u) => Some(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(ia5(u, "CRL URL")?),
        ])),
        None => None,
    };
    let idp = IssuingDistributionPoint {
        distribution_point,
        only_contains_user_certs: only_user_certs,
        only_contains_ca_certs: only_ca_certs,
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    };
    let der = idp
        .to_der()
        .map_err(|e| X509Error::encode("issuing distribution point", e))?;
    Ok(Extension {
        extn_id: const_oid::db::rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT,
        critical: true,
        extn_value: OctetString::new(der)
            .map_err(|e| X509Error::encode("issuing distribution point", e))?,
    })
}
