//! The command line of the card registration system (issue 5): registration
//! points, registrars, powers of attorney, card orders and the incident tools
//! (`card`), and the registration station (`station`). Re-exported by `cli`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub(crate) enum RegpointCommand {
    /// Create a registration point for an organisation in the register; you, a CA
    /// officer, record that its agreement with the CA was accepted.
    Create {
        /// The organisation's OID in the register.
        #[arg(long)]
        org: String,
        /// The point's name.
        #[arg(long)]
        name: String,
        /// Confirms that the organisation accepted the registration point agreement.
        #[arg(long)]
        agreement_accepted: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the registration points with their registrars and powers of attorney.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegistrarCommand {
    /// Add an e-service user as a registrar of a point, with his training certificate.
    Add {
        /// The registration point's id.
        #[arg(long)]
        point: i64,
        /// The e-service user's id.
        #[arg(long)]
        user: i64,
        /// The registrar training certificate (PDF).
        #[arg(long)]
        training: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a registrar (you checked his training certificate).
    Approve {
        /// The registrar's id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the registrars of a point.
    List {
        /// The registration point's id.
        #[arg(long)]
        point: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum CardCommand {
    /// Order a card (or up to 20 test cards) as a registrar of a point.
    Order(Box<CardOrderArgs>),
    /// Find cards (the incident tools, R-SV, R-STATUS-TRUTH), and optionally act on
    /// every card found as one resumable bulk job: --notify, --revoke, --reorder.
    Find(Box<CardFindArgs>),
    /// Bulk jobs of `card find`: list, show, resume.
    #[command(subcommand)]
    Bulk(CardBulkCommand),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("action").args(["notify", "revoke", "reorder"])))]
pub(crate) struct CardFindArgs {
    /// The card kind: professional, staff, actor, temporary or test.
    #[arg(long)]
    pub(crate) kind: Option<String>,
    /// Cards whose certificates' validity started (notBefore) on or after this day:
    /// YYYY-MM-DD, a Helsinki date, inclusive.
    #[arg(long, value_name = "DATE")]
    pub(crate) valid_from_start: Option<String>,
    /// Cards whose certificates' validity started on or before this day: YYYY-MM-DD,
    /// a Helsinki date, inclusive (up to the end of that day).
    #[arg(long, value_name = "DATE")]
    pub(crate) valid_from_end: Option<String>,
    /// Prescribers' professional cards (and temporary cards standing in for them),
    /// produced and valid, whose certificates carry no SV number in the subject's
    /// pseudonym while the registers now give the holder an SV number and a valid
    /// prescribing right (R-SV).
    #[arg(long)]
    pub(crate) missing_sv: bool,
    /// The registration point's id.
    #[arg(long, value_name = "ID")]
    pub(crate) point: Option<i64>,
    /// Order states ordered, produced, activated and certificate statuses valid,
    /// revoked (either certificate), expired; repeat or separate with commas. Any of
    /// the order states, and any of the certificate statuses.
    #[arg(long, value_name = "S", value_delimiter = ',')]
    pub(crate) status: Vec<String>,
    /// Bulk: mail every holder found what is wrong and what happens next.
    #[arg(long)]
    pub(crate) notify: bool,
    /// Bulk: revoke both certificates of every card found (a CA officer's action;
    /// needs --reason).
    #[arg(long, requires = "reason")]
    pub(crate) revoke: bool,
    /// The revocation reason: unspecified, keyCompromise, affiliationChanged,
    /// superseded or cessationOfOperation.
    #[arg(long, requires = "revoke")]
    pub(crate) reason: Option<String>,
    /// Bulk: order every card found again as before (re-issue); a card already
    /// being replaced is skipped.
    #[arg(long)]
    pub(crate) reorder: bool,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CardBulkCommand {
    /// Every bulk job, newest first.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A bulk job with each card's outcome.
    Show {
        /// The job's id.
        job: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Continue an interrupted job with the cards not yet done (never acting on a
    /// card twice).
    Resume {
        /// The job's id.
        job: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The identity document a registrar saw (never a copy).
#[derive(Debug, Args)]
pub(crate) struct IdentityArgs {
    /// The identity document seen: passport or id-card (not for test cards).
    #[arg(long)]
    pub(crate) document_type: Option<String>,
    /// The document's number.
    #[arg(long)]
    pub(crate) document_number: Option<String>,
    /// The document's issuing country (ISO 3166, e.g. FI).
    #[arg(long)]
    pub(crate) document_country: Option<String>,
    /// The document's expiry, YYYY-MM-DD.
    #[arg(long)]
    pub(crate) document_expires: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CardOrderArgs {
    /// The registration point's id.
    #[arg(long)]
    pub(crate) point: i64,
    /// The registrar: his e-service user id (an approved registrar of the point).
    #[arg(long)]
    pub(crate) registrar_user: i64,
    /// professional, staff, actor, temporary or test.
    #[arg(long)]
    pub(crate) kind: String,
    /// The identity check.
    #[command(flatten)]
    pub(crate) identity: IdentityArgs,
    /// Professional: the registration number; temporary: the holder number of the
    /// person with a pending order.
    #[arg(long)]
    pub(crate) holder_number: Option<String>,
    /// Staff and actor: given names.
    #[arg(long)]
    pub(crate) given_name: Option<String>,
    /// Staff and actor: surname.
    #[arg(long)]
    pub(crate) surname: Option<String>,
    /// Staff and actor: job title.
    #[arg(long)]
    pub(crate) title: Option<String>,
    /// Staff and actor: the organisation's OID.
    #[arg(long)]
    pub(crate) org: Option<String>,
    /// Where the activation code is sent.
    #[arg(long)]
    pub(crate) email: Option<String>,
    /// Test: how many cards (1 to 20).
    #[arg(long)]
    pub(crate) count: Option<u32>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The key type of a card's two key pairs (generated on the card).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum CardKeyType {
    /// ECDSA on P-256.
    #[value(name = "ecdsa-p256")]
    EcdsaP256,
    /// ECDSA on P-384.
    #[value(name = "ecdsa-p384")]
    EcdsaP384,
    /// RSA 2048.
    #[value(name = "rsa-2048")]
    Rsa2048,
    /// RSA 3072.
    #[value(name = "rsa-3072")]
    Rsa3072,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StationCommand {
    /// Produce an order onto a blank card: two key pairs generated on the card, both
    /// certificates issued and written to it; the activation code is mailed to the
    /// holder separately. The SO PIN comes from CAREPKI_CARD_SO_PIN or stdin.
    Produce {
        /// The card order's id.
        order: i64,
        /// You, the registrar: your e-service user id (an approved registrar of the
        /// order's point).
        #[arg(long)]
        registrar_user: i64,
        /// The PKCS#11 module of the card reader (e.g. OpenSC's opensc-pkcs11.so, or
        /// /usr/lib/softhsm/libsofthsm2.so for the demo).
        #[arg(long)]
        module: PathBuf,
        /// The card's label (its two tokens are "<label> AUTH" and "<label> SIGN").
        #[arg(long)]
        label: String,
        /// The key type of both key pairs.
        #[arg(long, value_enum, default_value = "ecdsa-p256")]
        key_type: CardKeyType,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The holder activates his card: the activation code, PIN1 and PIN2 come from
    /// CAREPKI_CARD_ACTIVATION_CODE, CAREPKI_CARD_PIN1 and CAREPKI_CARD_PIN2, or one
    /// line each on stdin, in that order.
    Activate {
        /// The card order's id.
        order: i64,
        /// The PKCS#11 module of the card reader.
        #[arg(long)]
        module: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A lost activation code, or forgotten or locked PINs: a new code is set on the
    /// card and mailed to the holder (SO PIN from CAREPKI_CARD_SO_PIN or stdin).
    NewCode {
        /// The card order's id.
        order: i64,
        /// You, the registrar: your e-service user id.
        #[arg(long)]
        registrar_user: i64,
        /// The PKCS#11 module of the card reader.
        #[arg(long)]
        module: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke both certificates of a card (final).
    Revoke {
        /// The card order's id.
        order: i64,
        /// You, the registrar: your e-service user id.
        #[arg(long)]
        registrar_user: i64,
        /// keyCompromise, affiliationChanged, superseded, cessationOfOperation or
        /// unspecified.
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Hand a produced card to its holder, after checking his identity again
    /// from a passport or national ID card (not for test cards); recorded and
    /// audited with your identity, once per card, before activation.
    HandOver {
        /// The card order's id.
        order: i64,
        /// You, the registrar: your e-service user id.
        #[arg(long)]
        registrar_user: i64,
        /// The identity check.
        #[command(flatten)]
        identity: IdentityArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a card order before its card is produced (final); a produced card
    /// is revoked instead.
    Cancel {
        /// The card order's id.
        order: i64,
        /// You, the registrar: your e-service user id.
        #[arg(long)]
        registrar_user: i64,
        /// Why (one line; kept with the order and in the audit log).
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a card order: its state, card and certificates.
    Show {
        /// The card order's id.
        order: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PoaCommand {
    /// Record a private organisation's power of attorney to a public point to order
    /// staff and actor cards for it.
    Grant {
        /// The private organisation's OID.
        #[arg(long)]
        grantor: String,
        /// The registration point's id.
        #[arg(long)]
        point: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a power of attorney.
    Revoke {
        /// The power of attorney's id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
