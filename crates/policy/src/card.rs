//! The card-certificate profiles of shared/DOMAIN.md: the check of a card's request
//! against them, and the card lints run over both to-be-signed certificates.
//!
//! A certificate card holds two key pairs and two certificates (R-CARD-CERTS): one
//! for authentication and one for signatures. Five kinds of card exist
//! (R-CARD-TYPES):
//!
//! | kind | issuing CA | max validity | holder number (`serialNumber`) | O |
//! |---|---|---|---|---|
//! | professional | `professionals` | 5 years | 11-digit registration number (Terhikki / Suosikki) | none |
//! | staff, actor | `professionals` | 5 years | CarePKI-assigned (`CP` + 10 digits) | the organisation's long name |
//! | temporary | `temporary` | 3 months | as the pending card order it stands in for | as that order |
//! | test | `test-professionals` (TEST) | 5 years | a fixed test identity's number | none |
//!
//! | role | keyUsage (critical) | extendedKeyUsage |
//! |---|---|---|
//! | authentication | digitalSignature (+ keyEncipherment, dataEncipherment for RSA keys) | clientAuth |
//! | signature | nonRepudiation | none |
//!
//! Subject, in this order: `C=FI`, `O` (staff and actor cards only), `title`, `SN`,
//! `GN`, `serialNumber`, `CN` ("Surname Givennames"), and `pseudonym` holding the SV
//! number of a prescriber (R-SV), absent otherwise.

use carepki_x509::KeyAlgorithm;
use carepki_x509::PublicKey;
use carepki_x509::ext::{Eku, Ku};
use carepki_x509::lint::Finding;
use carepki_x509::name::{Attr, name_attributes};
use carepki_x509::oid::PolicyOid;
use carepki_x509::reexport::der::{Decode, Encode};
use carepki_x509::reexport::x509_cert::certificate::TbsCertificate;
use carepki_x509::reexport::x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName,
};
use const_oid::ObjectIdentifier;
use serde::{Deserialize, Serialize};

use crate::PolicyError;
use crate::ceremony::Ceremony;
use crate::hierarchy::{CaRole, Hierarchy};
use crate::org::Organisation;
use crate::profile::{DAY, IssuingCa, aia_is, crldp_is, policy_is};

/// The longest given name or surname, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// The longest title, in characters (ub-title, RFC 5280 Appendix A).
pub const MAX_TITLE_CHARS: usize = 64;
/// The longest card id, in characters.
pub const MAX_CARD_ID_CHARS: usize = 64;
/// The key types CarePKI certifies on cards unless the ceremony narrows them.
pub const CARD_KEY_ALGORITHMS: [KeyAlgorithm; 5] = [
    KeyAlgorithm::EcdsaP256,
    KeyAlgorithm::EcdsaP384,
    KeyAlgorithm::Rsa2048,
    KeyAlgorithm::Rsa3072,
    KeyAlgorithm::Rsa4096,
];

/// A kind of certificate card (R-CARD-TYPES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardKind {
    /// For a professional in the Terhikki or Suosikki register.
    Professional,
    /// For an organisation's own staff without a professional right (e.g. a
    /// reception secretary); tied to the organisation and the employment.
    Staff,
    /// For someone working for an organisation from outside (e.g. an IT
    /// consultant); tied to the organisation.
    Actor,
    /// Stands in for a pending card for at most 3 months, copying its order's data.
    Temporary,
    /// For testing technical functions; TEST hierarchy, fixed test identities.
    Test,
}

impl CardKind {
    /// Every kind.
    pub const ALL: [CardKind; 5] = [
        CardKind::Professional,
        CardKind::Staff,
        CardKind::Actor,
        CardKind::Temporary,
        CardKind::Test,
    ];

    /// The kind's name, as in configuration and profile names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Professional => "professional",
            Self::Staff => "staff",
            Self::Actor => "actor",
            Self::Temporary => "temporary",
            Self::Test => "test",
        }
    }

    /// The kind with this name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The hierarchy whose CAs issue this kind: TEST for test cards, production for
    /// the others (R-TYPES, R-CARD-TYPES).
    pub fn hierarchy(self) -> Hierarchy {
        match self {
            Self::Test => Hierarchy::Test,
            Self::Professional | Self::Staff | Self::Actor | Self::Temporary => {
                Hierarchy::Production
            }
        }
    }

    /// The role of the CA that issues this kind: the temporary-certificates CA for
    /// temporary cards, the professionals CA (of its hierarchy) for the others.
    pub fn issuing_role(self) -> CaRole {
        match self {
            Self::Temporary => CaRole::Temporary,
            Self::Professional | Self::Staff | Self::Actor | Self::Test => CaRole::Professionals,
        }
    }

    /// The longest validity in calendar months: 60 (5 years), 3 for temporary cards.
    pub fn max_months(self) -> u32 {
        match self {
            Self::Temporary => 3,
            Self::Professional | Self::Staff | Self::Actor | Self::Test => 60,
        }
    }

    /// The last arc of the default policy OID under `<oid_arc>.2`.
    pub fn policy_arc(self) -> u32 {
        match self {
            Self::Professional => 1,
            Self::Staff => 2,
            Self::Actor => 3,
            Self::Temporary => 4,
            Self::Test => 101,
        }
    }

    /// Whether cards of this kind are tied to an organisation (R-CARD-TYPES).
    pub fn has_organisation(self) -> bool {
        matches!(self, Self::Staff | Self::Actor)
    }
}

impl std::fmt::Display for CardKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The role of a card's key pair and certificate (R-CARD-CERTS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyRole {
    /// Identifies the holder (TLS client authentication); PIN1.
    Authentication,
    /// Signs patient documents and prescriptions; PIN2.
    Signature,
}

impl KeyRole {
    /// Both roles, authentication first.
    pub const ALL: [KeyRole; 2] = [KeyRole::Authentication, KeyRole::Signature];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authentication => "authentication",
            Self::Signature => "signature",
        }
    }

    /// The keyUsage bits for a key of this kind: authentication digitalSignature
    /// (+ keyEncipherment and dataEncipherment for RSA keys), signature
    /// nonRepudiation only.
    pub fn key_usage(self, key: &PublicKey) -> Vec<Ku> {
        match self {
            Self::Authentication if key.algorithm.is_rsa() => vec![
                Ku::DigitalSignature,
                Ku::KeyEncipherment,
                Ku::DataEncipherment,
            ],
            Self::Authentication => vec![Ku::DigitalSignature],
            Self::Signature => vec![Ku::NonRepudiation],
        }
    }

    /// The extended key usages: clientAuth for authentication, none for signatures.
    pub fn extended_key_usage(self) -> Vec<Eku> {
        match self {
            Self::Authentication => vec![Eku::ClientAuth],
            Self::Signature => vec![],
        }
    }
}

impl std::fmt::Display for KeyRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The profile of one card certificate: the card's kind and the key's role. Its
/// name (`card-<kind>-<role>`, e.g. `card-professional-signature`) is what the
/// store records as the certificate's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CardProfile {
    /// The card's kind.
    pub kind: CardKind,
    /// The certificate's role.
    pub role: KeyRole,
}

impl CardProfile {
    /// The profile's name, `card-<kind>-<role>`.
    pub fn as_str(self) -> &'static str {
        use CardKind as K;
        use KeyRole as R;
        match (self.kind, self.role) {
            (K::Professional, R::Authentication) => "card-professional-authentication",
            (K::Professional, R::Signature) => "card-professional-signature",
            (K::Staff, R::Authentication) => "card-staff-authentication",
            (K::Staff, R::Signature) => "card-staff-signature",
            (K::Actor, R::Authentication) => "card-actor-authentication",
            (K::Actor, R::Signature) => "card-actor-signature",
            (K::Temporary, R::Authentication) => "card-temporary-authentication",
            (K::Temporary, R::Signature) => "card-temporary-signature",
            (K::Test, R::Authentication) => "card-test-authentication",
            (K::Test, R::Signature) => "card-test-signature",
        }
    }

    /// The profile with this name.
    pub fn parse(s: &str) -> Option<Self> {
        CardKind::ALL
            .into_iter()
            .flat_map(|kind| KeyRole::ALL.map(|role| CardProfile { kind, role }))
            .find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for CardProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fixed test identity: test cards are issued only to these (R-CARD-TYPES).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestIdentity {
    /// The holder number (`serialNumber`): 11 digits starting with 999.
    pub holder_number: &'static str,
    /// Given names.
    pub given_name: &'static str,
    /// Surname.
    pub surname: &'static str,
    /// Title.
    pub title: &'static str,
    /// The SV number of a test prescriber.
    pub sv_number: Option<&'static str>,
}

const fn tid(
    holder_number: &'static str,
    given_name: &'static str,
    surname: &'static str,
    title: &'static str,
    sv_number: Option<&'static str>,
) -> TestIdentity {
    TestIdentity {
        holder_number,
        given_name,
        surname,
        title,
        sv_number,
    }
}

/// The twenty fixed test identities (one test-card order holds at most twenty
/// cards). Fictional persons; prescribers among them carry test SV numbers so that
/// prescription signing can be tested end to end.
pub const TEST_IDENTITIES: [TestIdentity; 20] = [
    tid("99900000001", "Aino", "Testinen", "Lääkäri", Some("999001")),
    tid("99900000002", "Eino", "Testilä", "Lääkäri", Some("999002")),
    tid(
        "99900000003",
        "Helmi",
        "Kokeilu",
        "Hammaslääkäri",
        Some("999003"),
    ),
    tid("99900000004", "Väinö", "Testaaja", "Sairaanhoitaja", None),
    tid("99900000005", "Kerttu", "Koekäyttö", "Sairaanhoitaja", None),
    tid("99900000006", "Onni", "Testinen", "Proviisori", None),
    tid("99900000007", "Saima", "Testilä", "Farmaseutti", None),
    tid("99900000008", "Toivo", "Kokeilu", "Fysioterapeutti", None),
    tid(
        "99900000009",
        "Elli",
        "Testaaja",
        "Sosiaalityöntekijä",
        None,
    ),
    tid("99900000010", "Urho", "Koekäyttö", "Lähihoitaja", None),
    tid("99900000011", "Impi", "Testinen", "Osastosihteeri", None),
    tid(
        "99900000012",
        "Arvo",
        "Testilä",
        "Järjestelmäasiantuntija",
        None,
    ),
    tid("99900000013", "Siiri", "Kokeilu", "Lääkäri", Some("999013")),
    tid(
        "99900000014",
        "Veikko",
        "Testaaja",
        "Terveydenhoitaja",
        None,
    ),
    tid("99900000015", "Martta", "Koekäyttö", "Kätilö", None),
    tid("99900000016", "Oiva", "Testinen", "Bioanalyytikko", None),
    tid("99900000017", "Hilja", "Testilä", "Röntgenhoitaja", None),
    tid("99900000018", "Tauno", "Kokeilu", "Psykologi", None),
    tid("99900000019", "Lahja", "Testaaja", "Puheterapeutti", None),
    tid(
        "99900000020",
        "Ilmari Juhani",
        "Koekäyttö-Testinen",
        "Lääkäri",
        Some("999020"),
    ),
];

/// The test identity with this holder number.
pub fn test_identity(holder_number: &str) -> Option<&'static TestIdentity> {
    TEST_IDENTITIES
        .iter()
        .find(|t| t.holder_number == holder_number)
}

/// The CarePKI-assigned holder number `n` (for staff, actor and their temporary
/// cards): `CP` and ten digits, e.g. `CP0000000042`. `None` above 9,999,999,999.
pub fn assigned_holder_number(n: u64) -> Option<String> {
    (n < 10_000_000_000).then(|| format!("CP{n:010}"))
}

/// The name of a key type in the ceremony (`card_key_algorithms`) and on the command
/// line: `ecdsa-p256`, `ecdsa-p384`, `rsa-2048`, `rsa-3072`, `rsa-4096`.
pub fn key_algorithm_config_name(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
        KeyAlgorithm::EcdsaP384 => "ecdsa-p384",
        KeyAlgorithm::Rsa2048 => "rsa-2048",
        KeyAlgorithm::Rsa3072 => "rsa-3072",
        KeyAlgorithm::Rsa4096 => "rsa-4096",
    }
}

/// The key type named by [`key_algorithm_config_name`].
pub fn parse_key_algorithm(name: &str) -> Option<KeyAlgorithm> {
    CARD_KEY_ALGORITHMS
        .into_iter()
        .find(|a| key_algorithm_config_name(*a) == name)
}

/// Checks a card id: 1 to 64 ASCII letters, digits, `-`, `_` and `.`. It is the RA's
/// name for the card (its order, or the token's serial) and links the two
/// certificates in the store and the audit log.
pub fn validate_card_id(card_id: &str) -> Result<(), String> {
    if card_id.is_empty() || card_id.chars().count() > MAX_CARD_ID_CHARS {
        return Err(format!(
            "a card id has 1 to {MAX_CARD_ID_CHARS} characters, not {}",
            card_id.chars().count()
        ));
    }
    if !card_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "the card id \"{card_id}\" may hold only ASCII letters, digits, '-', '_' and '.'"
        ));
    }
    Ok(())
}

/// Unix time `t` moved by `months` calendar months, at the same time of day; the
/// day is clamped to the end of a shorter month (31 January + 1 month = 28 or 29
/// February). `None` outside the dates `time` represents.
pub fn add_months(t: i64, months: u32) -> Option<i64> {
    let dt = time::OffsetDateTime::from_unix_timestamp(t).ok()?;
    let index = i64::from(dt.year()) * 12 + i64::from(u8::from(dt.month())) - 1 + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = dt.day().min(month.length(year));
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(dt.replace_date(date).unix_timestamp())
}

/// The longest validity in whole days of a `kind` card whose validity begins at
/// `not_before`: the days to the same time `max_months` calendar months later
/// (1826 or 1827 days for 5 years, 89 to 92 for 3 months).
pub fn max_days(kind: CardKind, not_before: i64) -> Option<u32> {
    let end = add_months(not_before, kind.max_months())?;
    u32::try_from((end - not_before) / DAY).ok()
}

/// The facts about a card's holder that go into the certificates. The RA takes them
/// from the professional registers or the card order; the CA checks them again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderFacts {
    /// Given names, as in the population register ("Maija Liisa").
    pub given_name: String,
    /// Surname.
    pub surname: String,
    /// The unique holder number: the 11-digit registration number of a professional,
    /// a CarePKI-assigned number ([`assigned_holder_number`]) for staff and actors,
    /// or a test identity's number.
    pub holder_number: String,
    /// The profession (professionals) or job title (staff, actors).
    pub title: String,
    /// Whether the professional registers give the holder the right to prescribe.
    pub prescriber: bool,
    /// The SV number (prescribing-right identifier) of a prescriber (R-SV).
    pub sv_number: Option<String>,
}

/// A request for a card's two certificates, as the RA hands it to the CA.
#[derive(Debug, Clone)]
pub struct CardRequest<'a> {
    /// The card's kind.
    pub kind: CardKind,
    /// For a temporary card: the kind of the pending card order whose data it copies
    /// (professional, staff or actor). `None` for the other kinds.
    pub replaces: Option<CardKind>,
    /// The holder.
    pub holder: &'a HolderFacts,
    /// The organisation of a staff or actor card, from the register.
    pub organisation: Option<&'a Organisation>,
    /// Validity in days; the kind's cap when not given.
    pub days: Option<u32>,
    /// The authentication key (from the token).
    pub authentication_key: PublicKey,
    /// The signature key (from the token).
    pub signature_key: PublicKey,
}

/// One card certificate that passed its profile: everything it will say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedCardCert {
    /// The profile (card kind and role).
    pub profile: CardProfile,
    /// The kind whose holder rules applied: the card's kind, or for a temporary card
    /// the kind of the card it stands in for.
    pub holder_kind: CardKind,
    /// Subject attributes in order.
    pub subject: Vec<(Attr, String)>,
    /// The SV number in `pseudonym` (R-SV), if any.
    pub sv_number: Option<String>,
    /// Validity in days.
    pub days: u32,
    /// keyUsage bits.
    pub key_usage: Vec<Ku>,
    /// Extended key usages (empty: no extension).
    pub extended_key_usage: Vec<Eku>,
    /// The certificate policy.
    pub policy_oid: PolicyOid,
    /// The certified key.
    pub key: PublicKey,
}

impl ApprovedCardCert {
    /// The subject as (attribute, value) pairs borrowed for name building.
    pub fn subject_ref(&self) -> Vec<(Attr, &str)> {
        self.subject.iter().map(|(a, v)| (*a, v.as_str())).collect()
    }
}

/// A card's request that passed its profiles: both certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedCard {
    /// The card's kind.
    pub kind: CardKind,
    /// The organisation's OID for staff and actor cards (and temporary cards
    /// standing in for them).
    pub org_oid: Option<String>,
    /// The authentication certificate.
    pub authentication: ApprovedCardCert,
    /// The signature certificate.
    pub signature: ApprovedCardCert,
}

impl ApprovedCard {
    /// Both certificates, authentication first.
    pub fn certificates(&self) -> [&ApprovedCardCert; 2] {
        [&self.authentication, &self.signature]
    }
}

/// Trims a name and folds runs of white space into one space.
fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_person_name(what: &str, raw: &str, problems: &mut Vec<String>) -> String {
    let name = normalise(raw);
    if name.is_empty() {
        problems.push(format!("the holder's {what} is empty"));
    } else if name.chars().count() > MAX_NAME_CHARS {
        problems.push(format!(
            "the holder's {what} \"{name}\" is longer than {MAX_NAME_CHARS} characters"
        ));
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.')))
    {
        problems.push(format!(
            "the holder's {what} \"{name}\" contains '{}'; names hold letters, spaces, hyphens, apostrophes and periods only (in Unicode NFC)",
            c.escape_default()
        ));
    }
    name
}

/// Check a card's request against its kind's profiles; every problem is reported.
///
/// `not_before` is when the certificates' validity will begin (the CA's clock): the
/// caps are calendar months from it.
pub fn check_card_request(
    req: &CardRequest<'_>,
    ceremony: &Ceremony,
    not_before: i64,
) -> Result<ApprovedCard, PolicyError> {
    let mut problems = Vec::new();
    let kind = req.kind;
    let h = req.holder;

    // Whose rules the holder data follows.
    let holder_kind = match (kind, req.replaces) {
        (
            CardKind::Temporary,
            Some(k @ (CardKind::Professional | CardKind::Staff | CardKind::Actor)),
        ) => k,
        (CardKind::Temporary, Some(other)) => {
            problems.push(format!(
                "a temporary card stands in for a pending professional, staff or actor card, not a {other} card"
            ));
            other
        }
        (CardKind::Temporary, None) => {
            problems.push(
                "a temporary card copies a pending card order: name the kind of the card it stands in for (professional, staff or actor)"
                    .to_owned(),
            );
            CardKind::Temporary
        }
        (k, Some(_)) => {
            problems.push(format!(
                "only a temporary card stands in for another card; a {k} card replaces none"
            ));
            k
        }
        (k, None) => k,
    };

    // Validity (R-CARD-TYPES: 5 years; temporary cards at most 3 months).
    let cap = max_days(kind, not_before);
    let days = match (req.days, cap) {
        (_, None) => {
            problems.push("the validity start is outside the dates certificates can carry".into());
            0
        }
        (None, Some(cap)) => cap,
        (Some(0), _) => {
            problems.push("validity must be at least 1 day".to_owned());
            0
        }
        (Some(d), Some(cap)) if d > cap => {
            let months = kind.max_months();
            let span = if months.is_multiple_of(12) {
                format!("{} years", months / 12)
            } else {
                format!("{months} months")
            };
            problems.push(format!(
                "a validity of {d} days exceeds the cap of {kind} cards, {span} ({cap} days from this start) (R-CARD-TYPES); ask for at most {cap} days"
            ));
            d
        }
        (Some(d), Some(_)) => d,
    };

    // Names and title.
    let before_names = problems.len();
    let given_name = check_person_name("given name", &h.given_name, &mut problems);
    let surname = check_person_name("surname", &h.surname, &mut problems);
    let names_ok = problems.len() == before_names;
    let title = normalise(&h.title);
    if title.is_empty() {
        problems.push("the holder's title (profession or job title) is empty".to_owned());
    } else if title.chars().count() > MAX_TITLE_CHARS {
        problems.push(format!(
            "the title \"{title}\" is {} characters; a title holds at most {MAX_TITLE_CHARS}",
            title.chars().count()
        ));
    } else if title.chars().any(char::is_control) {
        problems.push("the title contains control characters".to_owned());
    }
    // CN "Surname Givennames"; trailing given names are left out if it would not
    // fit the 64 characters of a CN.
    let mut common_name = String::new();
    if names_ok {
        let mut given: Vec<&str> = given_name.split(' ').collect();
        loop {
            let cn = format!("{surname} {}", given.join(" "));
            if cn.chars().count() <= 64 {
                common_name = cn;
                break;
            }
            if given.len() == 1 {
                problems.push(format!(
                    "\"{surname} {}\" does not fit the 64 characters of a common name",
                    given[0]
                ));
                break;
            }
            given.pop();
        }
    }

    // The holder number, the organisation and the SV number, by the holder's kind.
    let number = h.holder_number.trim().to_owned();
    let sv_number = h
        .sv_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut organisation = None;
    match holder_kind {
        CardKind::Professional => {
            if !(number.len() == 11 && number.bytes().all(|b| b.is_ascii_digit())) {
                problems.push(format!(
                    "the registration number \"{number}\" must be the 11 digits of the professional registers (Terhikki, Suosikki)"
                ));
            }
            if req.organisation.is_some() {
                problems.push(
                    "a professional card is personal and names no organisation".to_owned(),
                );
            }
            match (h.prescriber, sv_number) {
                (true, None) => problems.push(
                    "the holder may prescribe, but the request carries no SV number: a prescriber's card without it cannot sign prescriptions (R-SV; the cards of spring 2023 had to be renewed for this)"
                        .to_owned(),
                ),
                (false, Some(_)) => problems.push(
                    "an SV number is given, but the registers give the holder no right to prescribe; only a prescriber's card carries it (R-SV)"
                        .to_owned(),
                ),
                (_, Some(sv)) if !valid_sv_number(sv) => problems.push(format!(
                    "the SV number \"{sv}\" must be 1 to 16 ASCII letters and digits (R-SV)"
                )),
                _ => {}
            }
        }
        CardKind::Staff | CardKind::Actor => {
            if !is_assigned_holder_number(&number) {
                problems.push(format!(
                    "the holder number \"{number}\" of a {holder_kind} card must be a CarePKI-assigned number, CP and 10 digits"
                ));
            }
            match req.organisation {
                None => problems.push(format!(
                    "a {holder_kind} card is tied to an organisation in the register (R-CARD-TYPES); name it"
                )),
                Some(org) => {
                    let long_name = org.long_name().to_owned();
                    if long_name.chars().count() > 64 {
                        problems.push(format!(
                            "the organisation's long name \"{long_name}\" is longer than the 64 characters an O attribute holds"
                        ));
                    }
                    organisation = Some((org.oid.clone(), long_name));
                }
            }
            if h.prescriber || sv_number.is_some() {
                problems.push(format!(
                    "a {holder_kind} card carries no prescribing right or SV number; a prescriber needs a professional card (R-SV)"
                ));
            }
        }
        CardKind::Test => match test_identity(&number) {
            None => problems.push(format!(
                "test cards are issued only to the fixed test identities (holder numbers {} to {}); \"{number}\" is none of them",
                TEST_IDENTITIES[0].holder_number,
                TEST_IDENTITIES[TEST_IDENTITIES.len() - 1].holder_number
            )),
            Some(t) => {
                if given_name != t.given_name
                    || surname != t.surname
                    || title != t.title
                    || sv_number != t.sv_number
                    || h.prescriber != t.sv_number.is_some()
                {
                    problems.push(format!(
                        "test identity {number} is {} {}, {}{}; the request must copy it exactly",
                        t.given_name,
                        t.surname,
                        t.title,
                        t.sv_number
                            .map(|sv| format!(", prescriber with SV number {sv}"))
                            .unwrap_or_default()
                    ));
                }
                if req.organisation.is_some() {
                    problems.push("a test card names no organisation".to_owned());
                }
            }
        },
        // Only reached after a problem was recorded above.
        CardKind::Temporary => {}
    }

    // Keys (R-CARD-CERTS: two key pairs, each for its own role).
    if req.authentication_key.spki_der == req.signature_key.spki_der {
        problems.push(
            "the authentication and signature keys are the same key; a card holds two key pairs and the signature key serves signatures only (R-CARD-CERTS)"
                .to_owned(),
        );
    }
    for (role, key) in [
        (KeyRole::Authentication, &req.authentication_key),
        (KeyRole::Signature, &req.signature_key),
    ] {
        if !ceremony.card_key_allowed(role, key.algorithm) {
            problems.push(format!(
                "the {role} key is {}, which this deployment does not certify for {role} (ceremony card_key_algorithms.{role}: {})",
                key.algorithm,
                ceremony.card_key_algorithms(role).join(", ")
            ));
        }
    }

    if !problems.is_empty() {
        return Err(PolicyError::Rejected(problems));
    }

    let mut subject = vec![(Attr::Country, "FI".to_owned())];
    if let Some((_, long_name)) = &organisation {
        subject.push((Attr::Organization, long_name.clone()));
    }
    subject.extend([
        (Attr::Title, title),
        (Attr::Surname, surname),
        (Attr::GivenName, given_name),
        (Attr::SerialNumber, number),
        (Attr::CommonName, common_name),
    ]);
    let sv_number = match holder_kind {
        CardKind::Professional | CardKind::Test => sv_number.map(str::to_owned),
        _ => None,
    };
    if let Some(sv) = &sv_number {
        subject.push((Attr::Pseudonym, sv.clone()));
    }
    let policy_oid = ceremony.card_policy_oid(kind);
    let cert = |role: KeyRole, key: &PublicKey| ApprovedCardCert {
        profile: CardProfile { kind, role },
        holder_kind,
        subject: subject.clone(),
        sv_number: sv_number.clone(),
        days,
        key_usage: role.key_usage(key),
        extended_key_usage: role.extended_key_usage(),
        policy_oid: policy_oid.clone(),
        key: key.clone(),
    };
    Ok(ApprovedCard {
        kind,
        org_oid: organisation.map(|(oid, _)| oid),
        authentication: cert(KeyRole::Authentication, &req.authentication_key),
        signature: cert(KeyRole::Signature, &req.signature_key),
    })
}

fn valid_sv_number(sv: &str) -> bool {
    (1..=16).contains(&sv.len()) && sv.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_assigned_holder_number(n: &str) -> bool {
    n.len() == 12 && n.starts_with("CP") && n.bytes().skip(2).all(|b| b.is_ascii_digit())
}

/// Lint a card's to-be-signed certificate against its approved contents and profile.
/// Rule ids are `card.<...>`; messages cite the DOMAIN.md rule they enforce.
pub fn lint_card(tbs_der: &[u8], approved: &ApprovedCardCert, ca: &IssuingCa<'_>) -> Vec<Finding> {
    match TbsCertificate::from_der(tbs_der) {
        Ok(tbs) => lint_card_decoded(&tbs, approved, ca),
        Err(e) => vec![Finding {
            rule: "card.der",
            message: format!("does not decode: {e}"),
        }],
    }
}

/// [`lint_card`] over a to-be-signed certificate the caller decoded already.
pub fn lint_card_decoded(
    tbs: &TbsCertificate,
    approved: &ApprovedCardCert,
    ca: &IssuingCa<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut f = |rule: &'static str, message: String| out.push(Finding { rule, message });
    let profile = approved.profile;
    let kind = profile.kind;

    if ca.hierarchy != kind.hierarchy() || ca.role != kind.issuing_role() {
        f(
            "card.types",
            format!(
                "R-CARD-TYPES: {kind} cards are issued by the {} {} CA, not by a {} {} CA",
                kind.hierarchy(),
                kind.issuing_role().as_str(),
                ca.hierarchy,
                ca.role.as_str()
            ),
        );
    }

    let v = tbs.validity();
    let not_before = carepki_x509::cert::unix_time(&v.not_before);
    let seconds = carepki_x509::cert::unix_time(&v.not_after) - not_before + 1;
    match max_days(kind, not_before) {
        Some(cap) if seconds <= i64::from(cap) * DAY => {}
        _ => f(
            "card.validity",
            format!(
                "R-CARD-TYPES: {kind} cards are valid at most {} calendar months",
                kind.max_months()
            ),
        ),
    }
    if seconds != i64::from(approved.days) * DAY {
        f(
            "card.validity",
            format!(
                "the validity must be exactly the approved {} days",
                approved.days
            ),
        );
    }

    let attrs = name_attributes(tbs.subject());
    let subject: Vec<(Attr, String)> = attrs
        .iter()
        .filter_map(|(oid, value, _)| Attr::from_oid(oid).map(|a| (a, value.clone())))
        .collect();
    if subject != approved.subject || subject.len() != attrs.len() {
        f(
            "card.subject",
            "R-CARD-CERTS: the subject must be exactly the approved holder's attributes".into(),
        );
    }
    let count = |a: Attr| subject.iter().filter(|(x, _)| *x == a).count();
    let organisation_expected = approved.holder_kind.has_organisation();
    if subject.first().map(|(a, v)| (*a, v.as_str())) != Some((Attr::Country, "FI"))
        || [
            Attr::Title,
            Attr::Surname,
            Attr::GivenName,
            Attr::SerialNumber,
            Attr::CommonName,
        ]
        .into_iter()
        .any(|a| count(a) != 1)
        || count(Attr::Organization) != usize::from(organisation_expected)
        || count(Attr::OrganizationalUnit) != 0
    {
        f(
            "card.subject.fields",
            format!(
                "R-CARD-CERTS: a card subject is C=FI{}, title, SN, GN, serialNumber and CN, one each",
                if organisation_expected {
                    ", O"
                } else {
                    " (no O)"
                }
            ),
        );
    }
    let pseudonyms: Vec<&str> = subject
        .iter()
        .filter(|(a, _)| *a == Attr::Pseudonym)
        .map(|(_, v)| v.as_str())
        .collect();
    match &approved.sv_number {
        Some(sv) if pseudonyms != [sv.as_str()] => f(
            "card.sv",
            format!("R-SV: a prescriber's certificate carries the SV number {sv} in pseudonym"),
        ),
        None if !pseudonyms.is_empty() => f(
            "card.sv",
            "R-SV: only a prescriber's certificate carries a pseudonym (the SV number)".into(),
        ),
        _ => {}
    }

    if tbs.subject_public_key_info().to_der().ok().as_deref() != Some(&approved.key.spki_der) {
        f(
            "card.key",
            format!(
                "the certified key must be the approved {} key",
                profile.role
            ),
        );
    }

    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((true, ku))) if Ku::from_key_usage(&ku) == approved.key_usage => {}
        _ => f(
            "card.ku",
            format!(
                "R-CARD-CERTS: keyUsage of a {} certificate must be critical and exactly {}",
                profile.role,
                approved
                    .key_usage
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }

    let eku = tbs.get_extension::<ExtendedKeyUsage>();
    let want: Vec<ObjectIdentifier> = approved
        .extended_key_usage
        .iter()
        .map(|e| e.oid())
        .collect();
    let eku_ok = match eku {
        Ok(None) => want.is_empty(),
        Ok(Some((false, e))) => !want.is_empty() && e.0 == want,
        _ => false,
    };
    if !eku_ok {
        f(
            "card.eku",
            if want.is_empty() {
                format!("{profile} certificates carry no extendedKeyUsage")
            } else {
                format!("{profile} certificates carry exactly the extendedKeyUsage clientAuth")
            },
        );
    }

    if !matches!(tbs.get_extension::<SubjectAltName>(), Ok(None)) {
        f(
            "card.san",
            "card certificates carry no subjectAltName; the holder is named in the subject".into(),
        );
    }
    if !policy_is(tbs, &approved.policy_oid) {
        f(
            "card.policy",
            format!(
                "certificatePolicies must be exactly {} ({kind} cards)",
                approved.policy_oid
            ),
        );
    }
    if !crldp_is(tbs, ca.crl_url) {
        f(
            "card.crldp",
            format!("cRLDistributionPoints must point at {}", ca.crl_url),
        );
    }
    if !aia_is(tbs, ca.ocsp_url, ca.ca_issuers_url) {
        f(
            "card.aia",
            format!(
                "authorityInfoAccess must give OCSP {} and caIssuers {}",
                ca.ocsp_url, ca.ca_issuers_url
            ),
        );
    }
    if !matches!(tbs.get_extension::<BasicConstraints>(), Ok(None)) {
        f(
            "card.bc",
            "card certificates are never CA certificates and carry no basicConstraints".into(),
        );
    }
    out
}
