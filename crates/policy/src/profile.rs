//! The service-certificate profiles of shared/DOMAIN.md, the check of a request against
//! them, and the profile lints run over every to-be-signed certificate.
//!
//! | profile | hierarchy | max days | SAN | keyUsage | EKU |
//! |---|---|---|---|---|---|
//! | server, test-server | production / TEST | 365 | dNSName, required | digitalSignature (+ keyEncipherment for RSA) | serverAuth, clientAuth |
//! | system-signature, test-system-signature | production / TEST | 730 | none | digitalSignature, nonRepudiation | none |
//! | email | production | 730 | rfc822Name, required | digitalSignature (+ keyEncipherment for RSA) | emailProtection |

use std::net::IpAddr;

use carepki_x509::PublicKey;
use carepki_x509::ext::{Eku, Ku};
use carepki_x509::lint::{Finding, email_syntax};
use carepki_x509::name::{Attr, name_attributes};
use carepki_x509::oid::{PolicyOid, decode_policy_ids};
use carepki_x509::reexport::der::Decode;
use carepki_x509::reexport::x509_cert::certificate::TbsCertificate;
use carepki_x509::reexport::x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use carepki_x509::reexport::x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage,
    SubjectAltName,
};
use const_oid::ObjectIdentifier;
use serde::{Deserialize, Serialize};

use crate::PolicyError;
use crate::ceremony::Ceremony;
use crate::hierarchy::{CaRole, Hierarchy};
use crate::org::{Organisation, validate_dns_name};

/// One day in seconds.
pub const DAY: i64 = 86_400;

/// A service-certificate profile (R-TYPES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileId {
    /// TLS between an organisation's server and Kanta, both directions (R-USE-SERVER).
    Server,
    /// The TEST twin of `server`.
    TestServer,
    /// Signs documents sent to Kanta that no professional signs (R-USE-SYSSIG).
    SystemSignature,
    /// The TEST twin of `system-signature`.
    TestSystemSignature,
    /// Signs and encrypts an organisation's email.
    Email,
}

/// What a profile's certificates are for, which decides names and key usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// TLS server and client.
    Tls,
    /// Document signatures.
    SystemSignature,
    /// Email.
    Email,
}

impl ProfileId {
    /// Every profile.
    pub const ALL: [ProfileId; 5] = [
        ProfileId::Server,
        ProfileId::TestServer,
        ProfileId::SystemSignature,
        ProfileId::TestSystemSignature,
        ProfileId::Email,
    ];

    /// The profile's name on the command line and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::TestServer => "test-server",
            Self::SystemSignature => "system-signature",
            Self::TestSystemSignature => "test-system-signature",
            Self::Email => "email",
        }
    }

    /// The profile with this name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The hierarchy whose CAs issue this profile (R-TYPES).
    pub fn hierarchy(self) -> Hierarchy {
        match self {
            Self::TestServer | Self::TestSystemSignature => Hierarchy::Test,
            Self::Server | Self::SystemSignature | Self::Email => Hierarchy::Production,
        }
    }

    /// The role of the CA that issues this profile.
    pub fn issuing_role(self) -> CaRole {
        CaRole::ServiceProviders
    }

    /// What the certificates are for.
    pub fn purpose(self) -> Purpose {
        match self {
            Self::Server | Self::TestServer => Purpose::Tls,
            Self::SystemSignature | Self::TestSystemSignature => Purpose::SystemSignature,
            Self::Email => Purpose::Email,
        }
    }

    /// The longest validity in days (R-VALIDITY: server 1 year, the others 2 years).
    pub fn max_days(self) -> u32 {
        match self.purpose() {
            Purpose::Tls => 365,
            Purpose::SystemSignature | Purpose::Email => 730,
        }
    }

    /// The last arc of the default policy OID under `<oid_arc>.1`.
    pub fn policy_arc(self) -> u32 {
        match self {
            Self::Server => 1,
            Self::SystemSignature => 2,
            Self::Email => 3,
            Self::TestServer => 101,
            Self::TestSystemSignature => 102,
        }
    }

    /// The keyUsage bits for a key of this kind.
    pub fn key_usage(self, key: &PublicKey) -> Vec<Ku> {
        match self.purpose() {
            Purpose::SystemSignature => vec![Ku::DigitalSignature, Ku::NonRepudiation],
            Purpose::Tls | Purpose::Email if key.algorithm.is_rsa() => {
                vec![Ku::DigitalSignature, Ku::KeyEncipherment]
            }
            Purpose::Tls | Purpose::Email => vec![Ku::DigitalSignature],
        }
    }

    /// The extended key usages, empty when the certificate carries none.
    pub fn extended_key_usage(self) -> Vec<Eku> {
        match self.purpose() {
            Purpose::Tls => vec![Eku::ServerAuth, Eku::ClientAuth],
            Purpose::SystemSignature => vec![],
            Purpose::Email => vec![Eku::EmailProtection],
        }
    }
}

impl std::fmt::Display for ProfileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request for a service certificate, as the RA hands it to the CA.
#[derive(Debug, Clone)]
pub struct CertRequest<'a> {
    /// The profile asked for.
    pub profile: ProfileId,
    /// The organisation, from the register (never from the CSR).
    pub organisation: &'a Organisation,
    /// The CN: host name for server certificates, system name or mailbox owner otherwise.
    pub common_name: String,
    /// DNS names for server certificates; when empty the CN is the one name.
    pub dns_names: Vec<String>,
    /// Email addresses for email certificates.
    pub emails: Vec<String>,
    /// Validity in days; the profile's cap when not given.
    pub days: Option<u32>,
    /// The key from the verified CSR.
    pub key: PublicKey,
}

/// A request that passed its profile: everything the certificate will say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    /// The profile.
    pub profile: ProfileId,
    /// The organisation's OID (the subject serialNumber).
    pub org_oid: String,
    /// Subject attributes in order: C, O, serialNumber, CN.
    pub subject: Vec<(Attr, String)>,
    /// dNSName SAN entries.
    pub dns_names: Vec<String>,
    /// rfc822Name SAN entries.
    pub emails: Vec<String>,
    /// Validity in days.
    pub days: u32,
    /// keyUsage bits.
    pub key_usage: Vec<Ku>,
    /// Extended key usages (empty: no extension).
    pub extended_key_usage: Vec<Eku>,
    /// The certificate policy.
    pub policy_oid: PolicyOid,
    /// The subscriber's key.
    pub key: PublicKey,
}

impl Approved {
    /// The subject as (attribute, value) pairs borrowed for name building.
    pub fn subject_ref(&self) -> Vec<(Attr, &str)> {
        self.subject.iter().map(|(a, v)| (*a, v.as_str())).collect()
    }
}

/// Check a request against its profile and organisation; every problem is reported.
pub fn check_request(req: &CertRequest<'_>, ceremony: &Ceremony) -> Result<Approved, PolicyError> {
    let mut problems = Vec::new();
    let profile = req.profile;
    let org = req.organisation;

    let days = match req.days {
        None => profile.max_days(),
        Some(0) => {
            problems.push("validity must be at least 1 day".to_owned());
            0
        }
        Some(d) if d > profile.max_days() => {
            problems.push(format!(
                "a validity of {d} days exceeds the {}-day cap of the {profile} profile (R-VALIDITY); ask for at most {} days",
                profile.max_days(),
                profile.max_days()
            ));
            d
        }
        Some(d) => d,
    };

    // A server certificate's CN is one of its DNS names, which are compared and
    // written in lower case.
    let cn = match profile.purpose() {
        Purpose::Tls => req.common_name.trim().to_ascii_lowercase(),
        Purpose::SystemSignature | Purpose::Email => req.common_name.trim().to_owned(),
    };
    if cn.is_empty() {
        problems.push("the common name (CN) is empty".to_owned());
    } else if cn.chars().count() > 64 {
        problems.push(format!(
            "the common name \"{cn}\" is longer than 64 characters"
        ));
    } else if cn.chars().any(char::is_control) {
        problems.push("the common name contains control characters".to_owned());
    }
    let long_name = org.long_name().to_owned();
    if long_name.chars().count() > 64 {
        problems.push(format!(
            "the organisation's long name \"{long_name}\" is longer than the 64 characters an O attribute holds"
        ));
    }

    let mut dns_names = Vec::new();
    let mut emails = Vec::new();
    match profile.purpose() {
        Purpose::Tls => {
            if !req.emails.is_empty() {
                problems.push(format!("{profile} certificates carry no email addresses"));
            }
            let asked: Vec<String> = if req.dns_names.is_empty() {
                vec![cn.clone()]
            } else {
                req.dns_names.clone()
            };
            for raw in asked {
                let name = raw.trim().to_ascii_lowercase();
                if name.parse::<IpAddr>().is_ok()
                    || name
                        .trim_matches(|c| c == '[' || c == ']')
                        .parse::<IpAddr>()
                        .is_ok()
                {
                    problems.push(format!(
                        "\"{raw}\" is an IP address; {profile} certificates name servers by DNS name only"
                    ));
                    continue;
                }
                if name.starts_with('*') && !ceremony.allow_wildcards {
                    problems.push(format!(
                        "\"{raw}\" is a wildcard name; the {profile} profile does not allow wildcards"
                    ));
                    continue;
                }
                if let Err(why) = validate_dns_name(&name, ceremony.allow_wildcards) {
                    problems.push(format!("DNS name \"{raw}\": {why}"));
                    continue;
                }
                if !org.dns_name_allowed(&name) {
                    problems.push(format!(
                        "DNS name \"{raw}\" is not within the domains registered for {} ({}) (R-ELIGIBLE)",
                        org.oid,
                        if org.domains.is_empty() { "none".to_owned() } else { org.domains.join(", ") }
                    ));
                    continue;
                }
                if dns_names.contains(&name) {
                    problems.push(format!("DNS name \"{raw}\" is given twice"));
                    continue;
                }
                dns_names.push(name);
            }
            if !req.dns_names.is_empty()
                && !cn.is_empty()
                && !dns_names.iter().any(|d| d.eq_ignore_ascii_case(&cn))
                && problems.is_empty()
            {
                problems.push(format!(
                    "the CN \"{cn}\" must be one of the certificate's DNS names ({})",
                    dns_names.join(", ")
                ));
            }
        }
        Purpose::SystemSignature => {
            if !req.dns_names.is_empty() || !req.emails.is_empty() {
                problems.push(format!(
                    "{profile} certificates name the system in the CN only; leave out DNS names and email addresses"
                ));
            }
        }
        Purpose::Email => {
            if !req.dns_names.is_empty() {
                problems.push("email certificates carry no DNS names".to_owned());
            }
            if req.emails.is_empty() {
                problems.push(
                    "an email certificate needs at least one email address (--email)".to_owned(),
                );
            }
            for raw in &req.emails {
                let addr = raw.trim().to_owned();
                if let Err(why) = email_syntax(&addr) {
                    problems.push(format!("email address \"{raw}\": {why}"));
                    continue;
                }
                let domain = addr.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
                if !org.dns_name_allowed(domain) {
                    problems.push(format!(
                        "email address \"{raw}\" is not within the domains registered for {} (R-ELIGIBLE)",
                        org.oid
                    ));
                    continue;
                }
                if emails.contains(&addr) {
                    problems.push(format!("email address \"{raw}\" is given twice"));
                    continue;
                }
                emails.push(addr);
            }
        }
    }

    if !problems.is_empty() {
        return Err(PolicyError::Rejected(problems));
    }
    Ok(Approved {
        profile,
        org_oid: org.oid.clone(),
        subject: vec![
            (Attr::Country, "FI".to_owned()),
            (Attr::Organization, long_name),
            (Attr::SerialNumber, org.oid.clone()),
            (Attr::CommonName, cn),
        ],
        dns_names,
        emails,
        days,
        key_usage: profile.key_usage(&req.key),
        extended_key_usage: profile.extended_key_usage(),
        policy_oid: ceremony.policy_oid(profile),
        key: req.key.clone(),
    })
}

/// What the profile lints must know about the issuing CA.
#[derive(Debug, Clone)]
pub struct IssuingCa<'a> {
    /// The CA's hierarchy.
    pub hierarchy: Hierarchy,
    /// The CA's role.
    pub role: CaRole,
    /// The CRL URL certificates of this CA must carry.
    pub crl_url: &'a str,
    /// The OCSP URL.
    pub ocsp_url: &'a str,
    /// The CA issuers URL.
    pub ca_issuers_url: &'a str,
}

/// Lint a to-be-signed certificate against the approved request and its profile.
/// Rule ids are `profile.<...>`; messages cite the DOMAIN.md rule they enforce.
pub fn lint_profile(tbs_der: &[u8], approved: &Approved, ca: &IssuingCa<'_>) -> Vec<Finding> {
    match TbsCertificate::from_der(tbs_der) {
        Ok(tbs) => lint_profile_decoded(&tbs, approved, ca),
        Err(e) => vec![Finding {
            rule: "profile.der",
            message: format!("does not decode: {e}"),
        }],
    }
}

/// [`lint_profile`] over a to-be-signed certificate the caller decoded already.
pub fn lint_profile_decoded(
    tbs: &TbsCertificate,
    approved: &Approved,
    ca: &IssuingCa<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut f = |rule: &'static str, message: String| out.push(Finding { rule, message });
    let profile = approved.profile;

    if ca.hierarchy != profile.hierarchy() || ca.role != profile.issuing_role() {
        f(
            "profile.types",
            format!(
                "R-TYPES: the {profile} profile is issued by the {} {} CA, not by a {} {} CA",
                profile.hierarchy(),
                profile.issuing_role().as_str(),
                ca.hierarchy,
                ca.role.as_str()
            ),
        );
    }

    let v = tbs.validity();
    let seconds = carepki_x509::cert::unix_time(&v.not_after)
        - carepki_x509::cert::unix_time(&v.not_before)
        + 1;
    if seconds > i64::from(profile.max_days()) * DAY {
        f(
            "profile.validity",
            format!(
                "R-VALIDITY: {profile} certificates are valid at most {} days",
                profile.max_days()
            ),
        );
    }

    let subject: Vec<(Attr, String)> = name_attributes(tbs.subject())
        .into_iter()
        .filter_map(|(oid, value, _)| Attr::from_oid(&oid).map(|a| (a, value)))
        .collect();
    if subject != approved.subject || subject.len() != 4 {
        f(
            "profile.subject",
            "R-LONGNAME: the subject must be C=FI, O=<long name>, serialNumber=<organisation OID>, CN=<name>, built from the register".into(),
        );
    }

    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((true, ku))) if Ku::from_key_usage(&ku) == approved.key_usage => {}
        _ => f(
            "profile.ku",
            format!(
                "keyUsage must be critical and exactly {}",
                approved
                    .key_usage
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }

    let eku = tbs.get_extension::<ExtendedKeyUsage>().ok().flatten();
    let want: Vec<ObjectIdentifier> = approved
        .extended_key_usage
        .iter()
        .map(|e| e.oid())
        .collect();
    match (eku, want.is_empty()) {
        (None, true) => {}
        (Some((_, e)), false) if e.0 == want => {}
        (_, true) => f(
            "profile.eku",
            format!("{profile} certificates carry no extendedKeyUsage"),
        ),
        (_, false) => f(
            "profile.eku",
            "extendedKeyUsage does not match the profile".into(),
        ),
    }

    let san = tbs.get_extension::<SubjectAltName>().ok().flatten();
    let (mut dns, mut mail, mut other) = (Vec::new(), Vec::new(), 0);
    for n in san.iter().flat_map(|(_, s)| s.0.iter()) {
        match n {
            GeneralName::DnsName(d) => dns.push(d.to_string()),
            GeneralName::Rfc822Name(m) => mail.push(m.to_string()),
            _ => other += 1,
        }
    }
    if other > 0 {
        f(
            "profile.san.types",
            "R-ELIGIBLE: only dNSName and rfc822Name entries are issued (no IP addresses)".into(),
        );
    }
    if dns != approved.dns_names || mail != approved.emails {
        f(
            "profile.san",
            "subjectAltName differs from the approved names".into(),
        );
    }
    match profile.purpose() {
        Purpose::Tls if dns.is_empty() => f(
            "profile.san.dns",
            "server certificates need dNSName entries".into(),
        ),
        Purpose::Email if mail.is_empty() => f(
            "profile.san.email",
            "email certificates need an rfc822Name".into(),
        ),
        Purpose::SystemSignature if san.is_some() => f(
            "profile.san.none",
            "system signature certificates carry no subjectAltName".into(),
        ),
        _ => {}
    }

    if !policy_is(tbs, &approved.policy_oid) {
        f(
            "profile.policy",
            format!(
                "certificatePolicies must be exactly {}",
                approved.policy_oid
            ),
        );
    }
    if !crldp_is(tbs, ca.crl_url) {
        f(
            "profile.crldp",
            format!("cRLDistributionPoints must point at {}", ca.crl_url),
        );
    }
    if !aia_is(tbs, ca.ocsp_url, ca.ca_issuers_url) {
        f(
            "profile.aia",
            format!(
                "authorityInfoAccess must give OCSP {} and caIssuers {}",
                ca.ocsp_url, ca.ca_issuers_url
            ),
        );
    }

    if let Ok(Some((_, bc))) = tbs.get_extension::<BasicConstraints>()
        && bc.ca
    {
        f(
            "profile.bc",
            "service certificates are never CA certificates".into(),
        );
    }
    out
}

/// Whether certificatePolicies holds exactly `oid`, without qualifiers that change it.
pub(crate) fn policy_is(tbs: &TbsCertificate, oid: &PolicyOid) -> bool {
    let policies = tbs
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CERTIFICATE_POLICIES)
        .map(|e| decode_policy_ids(e.extn_value.as_bytes()));
    matches!(&policies, Some(Ok(ids)) if ids.len() == 1 && ids[0] == oid.ber())
}

/// Whether cRLDistributionPoints is exactly one distribution point with `url`.
pub(crate) fn crldp_is(tbs: &TbsCertificate, url: &str) -> bool {
    matches!(
        tbs.get_extension::<CrlDistributionPoints>(),
        Ok(Some((_, dps))) if dps.0.len() == 1 && matches!(
            &dps.0[0].distribution_point,
            Some(DistributionPointName::FullName(n)) if uris(n) == [url]
        )
    )
}

/// Whether authorityInfoAccess gives exactly this OCSP URL and this caIssuers URL.
pub(crate) fn aia_is(tbs: &TbsCertificate, ocsp_url: &str, ca_issuers_url: &str) -> bool {
    match tbs.get_extension::<AuthorityInfoAccessSyntax>() {
        Ok(Some((_, aia))) => {
            let ocsp: Vec<&str> = aia
                .0
                .iter()
                .filter(|a| a.access_method == const_oid::db::rfc5280::ID_AD_OCSP)
                .flat_map(|a| uris(std::slice::from_ref(&a.access_location)))
                .collect();
            let issuers: Vec<&str> = aia
                .0
                .iter()
                .filter(|a| a.access_method == const_oid::db::rfc5280::ID_AD_CA_ISSUERS)
                .flat_map(|a| uris(std::slice::from_ref(&a.access_location)))
                .collect();
            ocsp == [ocsp_url] && issuers == [ca_issuers_url]
        }
        _ => false,
    }
}

fn uris(names: &[GeneralName]) -> Vec<&str> {
    names
        .iter()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(u) => Some(u.as_ref()),
            _ => None,
        })
        .collect()
}
