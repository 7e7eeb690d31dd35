//! The ceremony file: names, OIDs and URLs of a deployment's CA hierarchies.
//!
//! Every field has a CarePKI default, so an empty file (or none) gives a working demo.
//! Defaults are CarePKI's own and never any authority's (never DVV's 1.2.246.517).
//!
//! The default policy OID arc, `1.3.6.1.4.1.32473.77`, lies under the private
//! enterprise number 32473 that IANA set aside for documentation and examples (RFC
//! 5612): it belongs to no authority and never collides with a real policy, which is
//! right for a demo. CarePKI has no registered arc of its own; the arcs that need no
//! registration do not work with the tools relying parties use (a UUID arc under
//! `2.25` has 128-bit arcs and the X.660 example arc `2.999` a second arc above 39,
//! both of which pkilint's decoder rejects). A production deployment sets `oid_arc` (or
//! `policy_oids`) to the arc its certificate policy names; `carepki init` warns when it
//! does not.

use carepki_x509::oid::PolicyOid;
use serde::{Deserialize, Serialize};

use crate::PolicyError;
use crate::card::{CardKind, KeyRole, key_algorithm_config_name, parse_key_algorithm};
use crate::hierarchy::{CaRole, Hierarchy};
use crate::profile::ProfileId;
use crate::registers::RegisterSettings;

/// CarePKI's default (demo) OID arc, under IANA's documentation enterprise number
/// (RFC 5612); see the module docs.
pub const DEFAULT_OID_ARC: &str = "1.3.6.1.4.1.32473.77";

/// The ceremony file as written (TOML); every field optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CeremonyFile {
    /// Where this deployment publishes CRLs, CA certificates and OCSP, e.g.
    /// `https://pki.example.fi`. Default `http://127.0.0.1:8080` (the demo's `serve`).
    pub base_url: Option<String>,
    /// URL templates; `{base_url}` and `{ca}` (the CA id) are replaced.
    pub urls: UrlTemplates,
    /// The OID arc under which CarePKI's certificate policy OIDs are allocated.
    pub oid_arc: Option<String>,
    /// Explicit policy OIDs per profile, overriding `<oid_arc>.1.<n>`.
    pub policy_oids: std::collections::BTreeMap<String, String>,
    /// Explicit policy OIDs of card certificates per card kind (`professional`,
    /// `staff`, `actor`, `temporary`, `test`), overriding `<oid_arc>.2.<n>`. Both
    /// certificates of a card carry their kind's OID.
    pub card_policy_oids: std::collections::BTreeMap<String, String>,
    /// The key types a card's keys may have, per key role.
    pub card_key_algorithms: CardKeyAlgorithms,
    /// The organisation in the CAs' subjects (default "CarePKI").
    pub organization: Option<String>,
    /// The country in the CAs' subjects (default "FI").
    pub country: Option<String>,
    /// Common names of the CAs by id (`root`, `test-service-providers`, ...).
    pub ca_names: std::collections::BTreeMap<String, String>,
    /// Root validity in years (default 20).
    pub root_validity_years: Option<u32>,
    /// Sub-CA validity in years (default 10).
    pub sub_ca_validity_years: Option<u32>,
    /// The hash RSA CA keys sign with: "sha512" (default), "sha384" or "sha256".
    pub rsa_hash: Option<String>,
    /// The root's pathLenConstraint: none (default) or 1.
    pub root_path_len: Option<u8>,
    /// Whether the server profiles may carry wildcard names (default false).
    pub allow_wildcards: Option<bool>,
    /// The instance prefix byte of serial numbers, 1..=127 (default 1).
    pub serial_prefix: Option<u8>,
    /// Full CRLs: nextUpdate - thisUpdate in hours, 1..=168 (default 24). A new
    /// full CRL is published when half of it has passed.
    pub crl_validity_hours: Option<u32>,
    /// Delta CRLs: nextUpdate - thisUpdate in minutes, 5..=1440 (default 60). A
    /// new delta CRL is published right after a revocation and when half of it
    /// has passed.
    pub delta_crl_validity_minutes: Option<u32>,
    /// Pre-signed OCSP responses: nextUpdate - thisUpdate in hours, 1..=168
    /// (default 24); refreshed when half of it has passed.
    pub ocsp_validity_hours: Option<u32>,
    /// Delegated OCSP responder certificates: validity in days, 2..=90 (default
    /// 14); a new one is issued when less than half remains.
    pub ocsp_responder_days: Option<u32>,
    /// The professional registers (`[registers]`): what a re-import does with a right
    /// that ended (default: flag it for a registrar).
    pub registers: RegisterSettings,
}

/// URL templates of a deployment.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UrlTemplates {
    /// CRL distribution point; default `{base_url}/crl/{ca}.crl`.
    pub crl: Option<String>,
    /// CA issuers (DER certificate); default `{base_url}/ca/{ca}.der`.
    pub ca_issuers: Option<String>,
    /// OCSP responder; default `{base_url}/ocsp/{ca}`.
    pub ocsp: Option<String>,
    /// Delta CRL (the freshestCRL pointer of full CRLs); default
    /// `{base_url}/crl/{ca}-delta.crl`.
    pub delta_crl: Option<String>,
}

/// The key types allowed on cards, per role; names as `init --algorithm` spells
/// them: `ecdsa-p256`, `ecdsa-p384`, `rsa-2048`, `rsa-3072`, `rsa-4096`. Unset: all five.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CardKeyAlgorithms {
    /// Keys of authentication certificates.
    pub authentication: Option<Vec<String>>,
    /// Keys of signature certificates.
    pub signature: Option<Vec<String>>,
}

/// A validated ceremony: every value present and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ceremony {
    /// The publication base URL, without a trailing slash.
    pub base_url: String,
    crl_template: String,
    ca_issuers_template: String,
    ocsp_template: String,
    /// The policy OID arc.
    pub oid_arc: String,
    /// Whether the OIDs are still CarePKI's example defaults.
    pub default_oids: bool,
    policy_oids: Vec<(ProfileId, String)>,
    card_policy_oids: Vec<(CardKind, String)>,
    card_key_algorithms: Vec<(KeyRole, Vec<String>)>,
    /// The O of CA subjects.
    pub organization: String,
    /// The C of CA subjects.
    pub country: String,
    ca_names: std::collections::BTreeMap<String, String>,
    /// Root validity, years.
    pub root_validity_years: u32,
    /// Sub-CA validity, years.
    pub sub_ca_validity_years: u32,
    /// The hash RSA CA keys sign with.
    pub rsa_hash: RsaHash,
    /// The root's pathLenConstraint.
    pub root_path_len: Option<u8>,
    /// Whether server profiles may carry wildcards.
    pub allow_wildcards: bool,
    /// The serial number instance prefix.
    pub serial_prefix: u8,
    delta_crl_template: String,
    /// Full CRL validity, seconds.
    pub crl_validity: i64,
    /// Delta CRL validity, seconds.
    pub delta_crl_validity: i64,
    /// OCSP response validity, seconds.
    pub ocsp_validity: i64,
    /// OCSP responder certificate validity, seconds.
    pub ocsp_responder_validity: i64,
    /// The professional registers' settings.
    pub registers: RegisterSettings,
}

/// The hash an RSA CA key signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RsaHash {
    /// SHA-256 (allowed by configuration).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512 (default, as the real hierarchy's RSA root).
    Sha512,
}

impl Default for Ceremony {
    fn default() -> Self {
        Self::from_file(CeremonyFile::default()).expect("the defaults are valid")
    }
}

impl Ceremony {
    /// Parse and validate a ceremony TOML text.
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let file: CeremonyFile = toml::from_str(text)
            .map_err(|e| PolicyError::Ceremony(format!("ceremony file: {e}")))?;
        Self::from_file(file)
    }

    /// Validate a parsed ceremony file, filling in defaults.
    pub fn from_file(file: CeremonyFile) -> Result<Self, PolicyError> {
        let bad = |m: String| PolicyError::Ceremony(m);
        let base_url = file
            .base_url
            .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
            .trim_end_matches('/')
            .to_owned();
        check_url(&base_url).map_err(|m| bad(format!("base_url: {m}")))?;
        let default_oids = file.oid_arc.is_none()
            && file.policy_oids.is_empty()
            && file.card_policy_oids.is_empty();
        let oid_arc = file.oid_arc.unwrap_or_else(|| DEFAULT_OID_ARC.to_owned());
        PolicyOid::parse(&oid_arc).map_err(|e| bad(format!("oid_arc: {e}")))?;
        let mut policy_oids = Vec::new();
        for p in ProfileId::ALL {
            let oid = match file.policy_oids.get(p.as_str()) {
                Some(o) => o.clone(),
                None => format!("{oid_arc}.1.{}", p.policy_arc()),
            };
            PolicyOid::parse(&oid).map_err(|e| bad(format!("policy OID of profile {p}: {e}")))?;
            policy_oids.push((p, oid));
        }
        for key in file.policy_oids.keys() {
            if ProfileId::parse(key).is_none() {
                return Err(bad(format!("policy_oids: unknown profile \"{key}\"")));
            }
        }
        let mut card_policy_oids = Vec::new();
        for kind in CardKind::ALL {
            let oid = match file.card_policy_oids.get(kind.as_str()) {
                Some(o) => o.clone(),
                None => format!("{oid_arc}.2.{}", kind.policy_arc()),
            };
            PolicyOid::parse(&oid).map_err(|e| bad(format!("policy OID of {kind} cards: {e}")))?;
            card_policy_oids.push((kind, oid));
        }
        for key in file.card_policy_oids.keys() {
            if CardKind::parse(key).is_none() {
                return Err(bad(format!(
                    "card_policy_oids: unknown card kind \"{key}\"; use professional, staff, actor, temporary or test"
                )));
            }
        }
        // A card certificate's policy tells relying parties which card it is on, so
        // it is never shared with another card kind or a service profile. (Service
        // profiles are not checked against each other, which older ceremony files
        // may rely on.)
        for (i, (kind, oid)) in card_policy_oids.iter().enumerate() {
            let clash = card_policy_oids[..i]
                .iter()
                .map(|(k, o)| (k.to_string() + " cards", o))
                .chain(
                    policy_oids
                        .iter()
                        .map(|(p, o)| (format!("the {p} profile"), o)),
                )
                .find(|(_, o)| *o == oid);
            if let Some((other, _)) = clash {
                return Err(bad(format!(
                    "policy OID {oid} of {kind} cards is also given to {other}; each card kind needs its own"
                )));
            }
        }
        let mut card_key_algorithms = Vec::new();
        for (role, names) in [
            (
                KeyRole::Authentication,
                &file.card_key_algorithms.authentication,
            ),
            (KeyRole::Signature, &file.card_key_algorithms.signature),
        ] {
            let names = match names {
                None => crate::card::CARD_KEY_ALGORITHMS
                    .iter()
                    .map(|a| key_algorithm_config_name(*a).to_owned())
                    .collect(),
                Some(names) => {
                    if names.is_empty() {
                        return Err(bad(format!(
                            "card_key_algorithms.{role}: name at least one key type"
                        )));
                    }
                    let mut out: Vec<String> = Vec::new();
                    for n in names {
                        let alg = parse_key_algorithm(n).ok_or_else(|| {
                            bad(format!(
                                "card_key_algorithms.{role}: unknown key type \"{n}\"; use ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072 or rsa-4096"
                            ))
                        })?;
                        let canonical = key_algorithm_config_name(alg).to_owned();
                        if !out.contains(&canonical) {
                            out.push(canonical);
                        }
                    }
                    out
                }
            };
            card_key_algorithms.push((role, names));
        }
        for key in file.ca_names.keys() {
            if crate::hierarchy::parse_ca_id(key).is_none() {
                return Err(bad(format!(
                    "ca_names: unknown CA id \"{key}\"; use root, service-providers, professionals, temporary, or the same with a test- prefix"
                )));
            }
        }
        let rsa_hash = match file.rsa_hash.as_deref().unwrap_or("sha512") {
            "sha512" => RsaHash::Sha512,
            "sha384" => RsaHash::Sha384,
            "sha256" => RsaHash::Sha256,
            other => {
                return Err(bad(format!(
                    "rsa_hash \"{other}\": use sha512, sha384 or sha256"
                )));
            }
        };
        let root_path_len = file.root_path_len;
        if root_path_len.is_some_and(|p| p != 1) {
            return Err(bad("root_path_len: leave it unset or set it to 1".into()));
        }
        let serial_prefix = file.serial_prefix.unwrap_or(1);
        if !(1..=127).contains(&serial_prefix) {
            return Err(bad("serial_prefix must be 1 to 127".into()));
        }
        let root_validity_years = file.root_validity_years.unwrap_or(20);
        let sub_ca_validity_years = file.sub_ca_validity_years.unwrap_or(10);
        if !(1..=30).contains(&root_validity_years)
            || sub_ca_validity_years == 0
            || sub_ca_validity_years > root_validity_years
        {
            return Err(bad(
                "validity: the root 1 to 30 years, sub-CAs at least 1 year and not longer than the root".into(),
            ));
        }
        let ranged = |what: &str, v: Option<u32>, default: u32, lo: u32, hi: u32| {
            let v = v.unwrap_or(default);
            if (lo..=hi).contains(&v) {
                Ok(i64::from(v))
            } else {
                Err(bad(format!("{what} must be {lo} to {hi}, not {v}")))
            }
        };
        let crl_validity =
            ranged("crl_validity_hours", file.crl_validity_hours, 24, 1, 168)? * 3600;
        let delta_crl_validity = ranged(
            "delta_crl_validity_minutes",
            file.delta_crl_validity_minutes,
            60,
            5,
            1440,
        )? * 60;
        let ocsp_validity =
            ranged("ocsp_validity_hours", file.ocsp_validity_hours, 24, 1, 168)? * 3600;
        let ocsp_responder_validity =
            ranged("ocsp_responder_days", file.ocsp_responder_days, 14, 2, 90)? * 86_400;
        if ocsp_validity * 2 > ocsp_responder_validity {
            return Err(bad(
                "ocsp_responder_days must cover at least two OCSP response lifetimes (ocsp_validity_hours)".into(),
            ));
        }
        let c = Self {
            delta_crl_template: file
                .urls
                .delta_crl
                .unwrap_or_else(|| "{base_url}/crl/{ca}-delta.crl".into()),
            crl_validity,
            delta_crl_validity,
            ocsp_validity,
            ocsp_responder_validity,
            base_url,
            crl_template: file
                .urls
                .crl
                .unwrap_or_else(|| "{base_url}/crl/{ca}.crl".into()),
            ca_issuers_template: file
                .urls
                .ca_issuers
                .unwrap_or_else(|| "{base_url}/ca/{ca}.der".into()),
            ocsp_template: file
                .urls
                .ocsp
                .unwrap_or_else(|| "{base_url}/ocsp/{ca}".into()),
            oid_arc,
            default_oids,
            policy_oids,
            card_policy_oids,
            card_key_algorithms,
            organization: file.organization.unwrap_or_else(|| "CarePKI".into()),
            country: file.country.unwrap_or_else(|| "FI".into()),
            ca_names: file.ca_names,
            root_validity_years,
            sub_ca_validity_years,
            rsa_hash,
            root_path_len,
            allow_wildcards: file.allow_wildcards.unwrap_or(false),
            serial_prefix,
            registers: file.registers,
        };
        for (what, url) in [
            ("urls.crl", c.crl_url("root")),
            ("urls.ca_issuers", c.ca_issuers_url("root")),
            ("urls.ocsp", c.ocsp_url("root")),
            ("urls.delta_crl", c.delta_crl_url("root")),
        ] {
            check_url(&url).map_err(|m| bad(format!("{what}: {m}")))?;
        }
        Ok(c)
    }

    fn fill(&self, template: &str, ca: &str) -> String {
        template
            .replace("{base_url}", &self.base_url)
            .replace("{ca}", ca)
    }

    /// The CRL distribution point of a CA's CRL.
    pub fn crl_url(&self, ca: &str) -> String {
        self.fill(&self.crl_template, ca)
    }

    /// Where the delta CRLs of `ca` are published (freshestCRL of its full CRLs).
    pub fn delta_crl_url(&self, ca: &str) -> String {
        self.fill(&self.delta_crl_template, ca)
    }

    /// Where a CA's certificate is published (AIA caIssuers).
    pub fn ca_issuers_url(&self, ca: &str) -> String {
        self.fill(&self.ca_issuers_template, ca)
    }

    /// The OCSP responder for certificates a CA issued.
    pub fn ocsp_url(&self, ca: &str) -> String {
        self.fill(&self.ocsp_template, ca)
    }

    /// The URL path (without scheme and host) of a URL built from the base URL, used by
    /// the web layer to route what the certificates point at.
    pub fn path_of(&self, url: &str) -> Option<String> {
        let rest = url.strip_prefix(&self.base_url)?;
        Some(if rest.is_empty() {
            "/".into()
        } else {
            rest.into()
        })
    }

    /// The certificate policy OID of a profile.
    pub fn policy_oid(&self, profile: ProfileId) -> PolicyOid {
        let text = self
            .policy_oids
            .iter()
            .find(|(p, _)| *p == profile)
            .map(|(_, o)| o.as_str())
            .expect("every profile has a policy OID after validation");
        PolicyOid::parse(text).expect("validated when the ceremony was built")
    }

    /// The certificate policy OID of a card kind's certificates.
    pub fn card_policy_oid(&self, kind: CardKind) -> PolicyOid {
        let text = self
            .card_policy_oids
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, o)| o.as_str())
            .expect("every card kind has a policy OID after validation");
        PolicyOid::parse(text).expect("validated when the ceremony was built")
    }

    /// The key types (config names, e.g. `ecdsa-p384`) a card key of `role` may have.
    pub fn card_key_algorithms(&self, role: KeyRole) -> &[String] {
        self.card_key_algorithms
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, names)| names.as_slice())
            .unwrap_or_default()
    }

    /// Whether a card key of `role` may be of type `algorithm`.
    pub fn card_key_allowed(&self, role: KeyRole, algorithm: carepki_x509::KeyAlgorithm) -> bool {
        let name = key_algorithm_config_name(algorithm);
        self.card_key_algorithms(role).iter().any(|n| n == name)
    }

    /// The common name of a CA.
    pub fn ca_name(&self, hierarchy: Hierarchy, role: CaRole) -> String {
        let id = crate::hierarchy::ca_id(hierarchy, role);
        if let Some(n) = self.ca_names.get(&id) {
            return n.clone();
        }
        let test = if hierarchy == Hierarchy::Test {
            " TEST"
        } else {
            ""
        };
        let what = match role {
            CaRole::Root => "Root CA",
            CaRole::ServiceProviders => "Service Providers CA",
            CaRole::Professionals => "Professionals CA",
            CaRole::Temporary => "Temporary Certificates CA",
        };
        format!("{}{test} {what}", self.organization)
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("\"{url}\" must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("\"{url}\" has no host"));
    }
    if !url.is_ascii() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("\"{url}\" must be ASCII without spaces"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_carepki_own() {
        let c = Ceremony::default();
        assert_eq!(
            c.crl_url("service-providers"),
            "http://127.0.0.1:8080/crl/service-providers.crl"
        );
        assert_eq!(
            c.ca_issuers_url("root"),
            "http://127.0.0.1:8080/ca/root.der"
        );
        assert_eq!(
            c.ocsp_url("test-service-providers"),
            "http://127.0.0.1:8080/ocsp/test-service-providers"
        );
        assert_eq!(
            c.ca_name(Hierarchy::Test, CaRole::Root),
            "CarePKI TEST Root CA"
        );
        let server = c.policy_oid(ProfileId::Server).to_string();
        assert_eq!(server, "1.3.6.1.4.1.32473.77.1.1");
        assert!(!server.starts_with("1.2.246.517"), "never DVV's arc");
        assert_ne!(
            c.policy_oid(ProfileId::Server),
            c.policy_oid(ProfileId::TestServer)
        );
    }

    #[test]
    fn file_overrides_and_rejects() {
        let c = Ceremony::from_toml(
            r#"
base_url = "https://pki.example.fi/"
organization = "Esimerkki PKI"
policy_oids = { server = "1.3.6.1.4.1.99999.1" }
ca_names = { root = "Esimerkki Root" }
rsa_hash = "sha256"
"#,
        )
        .unwrap();
        assert_eq!(c.crl_url("root"), "https://pki.example.fi/crl/root.crl");
        assert_eq!(
            c.policy_oid(ProfileId::Server).to_string(),
            "1.3.6.1.4.1.99999.1"
        );
        assert_eq!(
            c.ca_name(Hierarchy::Production, CaRole::Root),
            "Esimerkki Root"
        );
        assert_eq!(
            c.ca_name(Hierarchy::Production, CaRole::Temporary),
            "Esimerkki PKI Temporary Certificates CA"
        );
        assert_eq!(c.rsa_hash, RsaHash::Sha256);
        for bad in [
            "base_url = \"ftp://x\"",
            "oid_arc = \"not.an.oid\"",
            "rsa_hash = \"md5\"",
            "root_path_len = 3",
            "nonsense = 1",
            "ca_names = { rot = \"x\" }",
            "policy_oids = { servr = \"1.2.3\" }",
        ] {
            assert!(Ceremony::from_toml(bad).is_err(), "{bad}");
        }
    }
}
