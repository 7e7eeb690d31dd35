//! The card registration system (issue 5): registration points, registrars,
//! powers of attorney (this file), card orders ([`orders`]), card production
//! and activation ([`production`]), cards ordered again as before
//! ([`reorder`]: renewal and re-issue), the holder's self-service renewal
//! ([`renewal`], R-SELF-RENEW), the incident tools ([`incident`]: find cards,
//! bulk notify, revoke and re-order), signing documents with a card
//! ([`docsign`]), and revocation of both certificates of a card
//! ([`revocation`]) by the registrar, by the holder ([`holder`]), by the
//! organisation when employment ends ([`organisation`]), and on a right that
//! ended in the professional registers ([`registers`]).
//!
//! The rules are decided here, the store keeps the outcome, each write with its
//! audit event (`regpoint.create`, `registrar.add`, `registrar.approve`,
//! `poa.grant`, `poa.revoke`, `card.order`, ...). Refusals are [`EsError`]s with
//! a stable code, as in the e-service, and store nothing.
//!
//! - R-REG-POINT: a CA officer creates a registration point for an organisation
//!   in the register, recording that the agreement was accepted (who, when);
//!   adds registrars (e-service users) with their training certificate (a PDF,
//!   checked by its contents, stored with its SHA-256) and approves them. A point
//!   orders cards only with at least [`MIN_APPROVED_REGISTRARS`] approved
//!   registrars, and only its approved registrars order for it.
//! - R-ORDER: a private organisation gives a public registration point a power of
//!   attorney to order staff and actor cards for it; revocable.
//!
//! The officer works through the command line (`carepki regpoint`,
//! `carepki registrar`, `carepki poa`); an organisation's administrator applies
//! for points and registrars and gives powers of attorney through the methods of
//! [`applications`], which the e-service calls: the JSON API and the pages
//! `/registration` and `/registration/review` of
//! `carepki_web::eservice::registration` (`docs/ESERVICE.md`,
//! `docs/ESERVICE-PAGES.md`).

pub mod applications;
pub mod docsign;
pub mod holder;
pub mod incident;
pub mod orders;
pub mod organisation;
pub mod production;
pub mod registers;
pub mod registrar;
pub mod renewal;
pub mod reorder;
pub mod revocation;

use std::sync::Arc;

pub use applications::{PublicPoint, REGPOINT_AGREEMENT_VERSION, VisiblePoints};
use carepki_ca::Authority;
pub use carepki_store::{CardOrderRow, MIN_APPROVED_REGISTRARS};
use carepki_store::{PoaRow, RegPointRow, RegistrarRow, Store};
pub use holder::{HOLDER_REASONS, HolderRevocation};
pub use incident::{BulkAction, BulkControl, BulkReport, CardFilter, FoundCard};
pub use orders::{DOCUMENT_TYPES, IdentityCheck, MAX_TEST_CARDS, OrderInput};
pub use organisation::OrgCardView;
pub use registers::{AffectedCard, FindingDecision, FindingOutcome, FindingView, professional_row};
pub use registrar::{PointOrderView, RegistrarPointView, registrar_user};
pub use renewal::{
    RENEWAL_WINDOW_MONTHS, RenewalEligibility, RenewalGround, holder_actor, renewal_opens_at,
};
pub use reorder::AsBefore;

use crate::eservice::{ErrorKind, EsError, EsResult, Principal, check_conformity_pdf};

/// A CA officer, as the card registration system sees him: his actor id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    actor: String,
}

impl Officer {
    /// The operator of the command line (`cli:<user>`), who is a CA officer by
    /// holding the CA's data directory and database.
    pub fn cli(actor: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
        }
    }

    /// A signed-in e-service principal who is a CA officer, or a refusal.
    pub fn from_principal(p: &Principal) -> EsResult<Self> {
        if p.officer {
            Ok(Self {
                actor: p.actor.clone(),
            })
        } else {
            Err(EsError::forbidden(
                "officer_only",
                "only a CA officer may manage registration points and registrars",
            ))
        }
    }

    /// His actor id.
    pub fn actor(&self) -> &str {
        &self.actor
    }
}

/// The card registration system.
#[derive(Clone)]
pub struct CardService {
    store: Store,
    authority: Option<Arc<Authority>>,
}

impl std::fmt::Debug for CardService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardService").finish_non_exhaustive()
    }
}

/// A registration point with its registrars and powers of attorney.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegPointView {
    /// The point.
    #[serde(flatten)]
    pub point: RegPointRow,
    /// Its registrars.
    pub registrars: Vec<RegistrarRow>,
    /// The powers of attorney given to it (also revoked ones).
    pub powers_of_attorney: Vec<PoaRow>,
    /// Whether it may order cards (enough approved registrars).
    pub may_order: bool,
}

impl CardService {
    /// The service on `store`; production and revocation need `authority`.
    pub fn new(store: Store, authority: Option<Arc<Authority>>) -> Self {
        Self { store, authority }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The CA, or a refusal when this service was made without it.
    pub fn authority(&self) -> EsResult<&Arc<Authority>> {
        self.authority.as_ref().ok_or_else(|| {
            EsError::new(
                ErrorKind::Unavailable,
                "ca.unavailable",
                "the CA is not open here: card production and revocation need it",
            )
        })
    }

    /// Creates a registration point for `org_oid` (an organisation in the
    /// register), recording that `officer` accepted its agreement now
    /// (R-REG-POINT). `agreement_accepted` must be true.
    pub async fn create_point(
        &self,
        officer: &Officer,
        org_oid: &str,
        name: &str,
        agreement_accepted: bool,
        now: i64,
    ) -> EsResult<RegPointRow> {
        if !agreement_accepted {
            return Err(EsError::invalid(
                "regpoint.no_agreement",
                "a registration point needs its agreement with the CA accepted (R-REG-POINT)",
            ));
        }
        if self.store.organisation(org_oid).await?.is_none() {
            return Err(EsError::invalid(
                "organisation.not_registered",
                format!("organisation {org_oid} is not in the organisation register"),
            ));
        }
        Ok(self
            .store
            .create_regpoint(org_oid, name, officer.actor(), now)
            .await?)
    }

    /// A point with its registrars and powers of attorney.
    pub async fn point(&self, point_id: i64) -> EsResult<RegPointView> {
        let point = self
            .store
            .regpoint(point_id)
            .await?
            .ok_or_else(|| EsError::not_found(&format!("registration point {point_id}")))?;
        let registrars = self.store.registrars_of_point(point_id).await?;
        let approved = registrars.iter().filter(|r| r.state == "approved").count();
        Ok(RegPointView {
            point,
            may_order: i64::try_from(approved).unwrap_or(i64::MAX) >= MIN_APPROVED_REGISTRARS,
            registrars,
            powers_of_attorney: self.store.poas_of_point(point_id).await?,
        })
    }

    /// Every point, with its registrars and powers of attorney.
    pub async fn points(&self) -> EsResult<Vec<RegPointView>> {
        let mut out = Vec::new();
        for p in self.store.regpoints().await? {
            out.push(self.point(p.id).await?);
        }
        Ok(out)
    }

    /// Adds e-service user `user_id` as a pending registrar of `point_id` with
    /// his registrar training certificate (a PDF, by its contents).
    pub async fn add_registrar(
        &self,
        officer: &Officer,
        point_id: i64,
        user_id: i64,
        training_filename: &str,
        training_pdf: &[u8],
        now: i64,
    ) -> EsResult<RegistrarRow> {
        check_training_pdf(training_pdf)?;
        if self.store.user(user_id).await?.is_none() {
            return Err(EsError::invalid(
                "registrar.no_user",
                format!(
                    "user {user_id} has no e-service account: a registrar signs in to the \
                     e-service first"
                ),
            ));
        }
        self.point(point_id).await?;
        Ok(self
            .store
            .add_registrar(
                point_id,
                user_id,
                training_filename,
                training_pdf,
                officer.actor(),
                now,
            )
            .await?)
    }

    /// Approves a pending registrar: the officer has checked the training
    /// certificate.
    pub async fn approve_registrar(
        &self,
        officer: &Officer,
        registrar_id: i64,
        now: i64,
    ) -> EsResult<RegistrarRow> {
        Ok(self
            .store
            .approve_registrar(registrar_id, officer.actor(), now)
            .await?)
    }

    /// Records that private organisation `grantor_oid` authorises public point
    /// `point_id` to order staff and actor cards for it (R-ORDER).
    pub async fn grant_poa(
        &self,
        officer: &Officer,
        grantor_oid: &str,
        point_id: i64,
        now: i64,
    ) -> EsResult<PoaRow> {
        self.grant_poa_as(officer.actor(), grantor_oid, point_id, now)
            .await
    }

    /// [`Self::grant_poa`] by `actor` (an officer, or the grantor's
    /// administrator in the e-service).
    pub(crate) async fn grant_poa_as(
        &self,
        actor: &str,
        grantor_oid: &str,
        point_id: i64,
        now: i64,
    ) -> EsResult<PoaRow> {
        let grantor = self.store.organisation(grantor_oid).await?.ok_or_else(|| {
            EsError::invalid(
                "organisation.not_registered",
                format!("organisation {grantor_oid} is not in the organisation register"),
            )
        })?;
        // His own point first; then the grantor: a public organisation is
        // refused alike for another organisation's point and for none, so
        // the refusal tells nothing of other organisations' points.
        let point = self.store.regpoint(point_id).await?;
        if point.as_ref().is_some_and(|pt| pt.org_oid == grantor_oid) {
            return Err(EsError::invalid(
                "poa.own_point",
                "an organisation needs no power of attorney for its own registration point",
            ));
        }
        if grantor.sector == "public" {
            return Err(EsError::invalid(
                "poa.grantor_not_private",
                format!(
                    "{grantor_oid} is a public organisation: a power of attorney is given by a \
                     private organisation (R-ORDER)"
                ),
            ));
        }
        let point =
            point.ok_or_else(|| EsError::not_found(&format!("registration point {point_id}")))?;
        let holder = self.store.organisation(&point.org_oid).await?;
        if holder.is_some_and(|o| o.sector != "public") {
            return Err(EsError::invalid(
                "poa.point_not_public",
                "a power of attorney is given to a public organisation's registration point \
                 (R-ORDER)",
            ));
        }
        Ok(self
            .store
            .grant_poa(grantor_oid, point_id, actor, now)
            .await?)
    }

    /// Revokes a power of attorney: the point can no longer order staff or actor
    /// cards for the grantor.
    pub async fn revoke_poa(
        &self,
        officer: &Officer,
        poa_id: i64,
        reason: &str,
        now: i64,
    ) -> EsResult<PoaRow> {
        self.revoke_poa_as(officer.actor(), poa_id, reason, now)
            .await
    }

    /// [`Self::revoke_poa`] by `actor`.
    pub(crate) async fn revoke_poa_as(
        &self,
        actor: &str,
        poa_id: i64,
        reason: &str,
        now: i64,
    ) -> EsResult<PoaRow> {
        Ok(self.store.revoke_poa(poa_id, reason, actor, now).await?)
    }
}

/// Whether an order is a live card or a live order: neither revoked nor
/// cancelled (a cancelled renewal does not stop another renewal).
pub(crate) fn is_live(o: &CardOrderRow) -> bool {
    !matches!(o.state.as_str(), "revoked" | "cancelled")
}

/// Checks a registrar training certificate: a PDF by its contents, 1 byte to
/// 5 MB (the certificate-of-conformity check, with the codes `training.*`).
pub fn check_training_pdf(bytes: &[u8]) -> EsResult<()> {
    check_conformity_pdf(bytes).map_err(|e| {
        let code = match e.code {
            "conformity.too_large" => "training.too_large",
            _ => "training.not_pdf",
        };
        EsError::new(
            e.kind,
            code,
            e.detail
                .replace("certificate of conformity", "training certificate"),
        )
    })
}
