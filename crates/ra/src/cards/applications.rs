//! The organisation's side of the card registration system in the e-service
//! (issue 5, point 2; R-REG-POINT, R-ORDER): a signed-in administrator applies
//! for a registration point and signs its agreement there, applies for his
//! organisation's users to become registrars with their training certificate,
//! and (for a private organisation) gives a public point a power of attorney and
//! withdraws it. A CA officer accepts or rejects the point application and
//! approves registrars ([`CardService::approve_registrar`]).
//!
//! Every method takes the [`Principal`] the e-service built from what is
//! stored; an object of another organisation answers not found, as in the rest
//! of the e-service.

use carepki_policy::application::Role;
use carepki_store::{PoaRow, RegPointApplicationRow, RegistrarRow, StoreError};
use serde::Serialize;

use super::{CardService, Officer, RegPointView, check_training_pdf};
use crate::eservice::{ErrorKind, EsError, EsResult, Principal};

/// The version of the registration point agreement the e-service shows and an
/// administrator signs; stored with each application.
pub const REGPOINT_AGREEMENT_VERSION: &str = "carepki-regpoint-agreement-2026-1";

impl CardService {
    /// The administrator `p` applies for a registration point of the
    /// organisation he acts for, signing the agreement (`agreement_signed` must
    /// be true). One pending application per organisation.
    pub async fn apply_for_point(
        &self,
        p: &Principal,
        name: &str,
        agreement_signed: bool,
        now: i64,
    ) -> EsResult<RegPointApplicationRow> {
        p.require_user()?;
        let org = p.require_org(&[Role::OrgAdmin])?.oid.clone();
        if !agreement_signed {
            return Err(EsError::invalid(
                "regpoint.no_agreement",
                "read and sign the registration point agreement: a point needs it (R-REG-POINT)",
            ));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(EsError::invalid(
                "regpoint.name",
                "give the registration point a name: 1 to 200 characters on one line",
            ));
        }
        match self
            .store
            .apply_regpoint(&org, name, REGPOINT_AGREEMENT_VERSION, &p.actor, now)
            .await
        {
            Ok(a) => Ok(a),
            Err(StoreError::Conflict { .. }) => Err(EsError::new(
                ErrorKind::Conflict,
                "regpoint.application_pending",
                "your organisation already has a registration point application waiting for \
                 a CA officer",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The registration point applications `p` may see: a CA officer every
    /// pending one; an administrator his organisation's.
    pub async fn point_applications(&self, p: &Principal) -> EsResult<Vec<RegPointApplicationRow>> {
        if p.officer {
            return Ok(self
                .store
                .regpoint_applications(None, Some("pending"))
                .await?);
        }
        let org = p.require_org(&[Role::OrgAdmin])?.oid.clone();
        Ok(self.store.regpoint_applications(Some(&org), None).await?)
    }

    /// A CA officer accepts a pending application (the point is created with
    /// his acceptance of the agreement) or, with `reject_reason`, rejects it.
    pub async fn decide_point_application(
        &self,
        officer: &Officer,
        id: i64,
        reject_reason: Option<&str>,
        now: i64,
    ) -> EsResult<RegPointApplicationRow> {
        if reject_reason.is_some_and(|r| r.trim().is_empty()) {
            return Err(EsError::invalid(
                "regpoint.reject_reason",
                "say why the application is rejected: the organisation reads it",
            ));
        }
        match self
            .store
            .decide_regpoint_application(id, reject_reason.map(str::trim), officer.actor(), now)
            .await
        {
            Ok(a) => Ok(a),
            Err(StoreError::Conflict { what }) => Err(EsError::new(
                ErrorKind::Conflict,
                "regpoint.application_decided",
                what,
            )),
            Err(StoreError::NotFound { .. }) => Err(EsError::not_found(&format!(
                "registration point application {id}"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The administrator `p` of a point's organisation applies for user
    /// `user_id`, a member of that organisation, to become a registrar of the
    /// point, with his registrar training certificate (a PDF). The registrar
    /// is pending until a CA officer approves him.
    pub async fn apply_for_registrar(
        &self,
        p: &Principal,
        point_id: i64,
        user_id: i64,
        training_filename: &str,
        training_pdf: &[u8],
        now: i64,
    ) -> EsResult<RegistrarRow> {
        p.require_user()?;
        let org = p.require_org(&[Role::OrgAdmin])?.oid.clone();
        let point = self
            .store
            .regpoint(point_id)
            .await?
            .filter(|pt| pt.org_oid == org)
            .ok_or_else(|| EsError::not_found(&format!("registration point {point_id}")))?;
        check_training_pdf(training_pdf)?;
        let member = self
            .store
            .members_of_org(&point.org_oid)
            .await?
            .into_iter()
            .any(|m| m.user_id == user_id);
        if !member {
            return Err(EsError::invalid(
                "registrar.not_member",
                format!(
                    "user {user_id} is not a user of your organisation: invite him to the \
                     customer account first; a registrar acts for the point's organisation"
                ),
            ));
        }
        if self
            .store
            .registrars_of_point(point_id)
            .await?
            .iter()
            .any(|r| r.user_id == user_id)
        {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "registrar.exists",
                format!("user {user_id} is already a registrar of point {point_id}"),
            ));
        }
        Ok(self
            .store
            .add_registrar(
                point_id,
                user_id,
                training_filename,
                training_pdf,
                &p.actor,
                now,
            )
            .await?)
    }

    /// The administrator `p` of a private organisation gives public point
    /// `point_id` a power of attorney to order staff and actor cards for it
    /// (R-ORDER).
    pub async fn give_power_of_attorney(
        &self,
        p: &Principal,
        point_id: i64,
        now: i64,
    ) -> EsResult<PoaRow> {
        p.require_user()?;
        let grantor = p.require_org(&[Role::OrgAdmin])?.oid.clone();
        self.grant_poa_as(&p.actor, &grantor, point_id, now).await
    }

    /// The administrator `p` of the grantor withdraws its power of attorney.
    pub async fn withdraw_power_of_attorney(
        &self,
        p: &Principal,
        poa_id: i64,
        reason: &str,
        now: i64,
    ) -> EsResult<PoaRow> {
        p.require_user()?;
        let grantor = p.require_org(&[Role::OrgAdmin])?.oid.clone();
        let poa = self
            .store
            .poa(poa_id)
            .await?
            .filter(|x| x.grantor_oid == grantor)
            .ok_or_else(|| EsError::not_found(&format!("power of attorney {poa_id}")))?;
        self.revoke_poa_as(&p.actor, poa.id, reason, now).await
    }

    /// The registration points `p` may see (R-REG-POINT, R-ORDER): a CA
    /// officer every point; an administrator his organisation's points with
    /// their registrars and powers of attorney, and, for a private
    /// organisation, the public organisations' points it may give a power of
    /// attorney to (id, name and organisation only). Anyone else is refused.
    pub async fn visible_points(&self, p: &Principal) -> EsResult<VisiblePoints> {
        if p.officer {
            return Ok(VisiblePoints {
                points: self.points().await?,
                public_points: Vec::new(),
            });
        }
        let org = p.require_org(&[Role::OrgAdmin])?.oid.clone();
        let mut points = Vec::new();
        let mut public_points = Vec::new();
        let private = self
            .store
            .organisation(&org)
            .await?
            .is_some_and(|o| o.sector != "public");
        for pt in self.store.regpoints().await? {
            if pt.org_oid == org {
                points.push(self.point(pt.id).await?);
            } else if private
                && self
                    .store
                    .organisation(&pt.org_oid)
                    .await?
                    .is_some_and(|o| o.sector == "public")
            {
                public_points.push(PublicPoint {
                    id: pt.id,
                    name: pt.name,
                    org_oid: pt.org_oid,
                });
            }
        }
        Ok(VisiblePoints {
            points,
            public_points,
        })
    }

    /// The powers of attorney the organisation `p` administers has given
    /// (also the withdrawn ones), by id (R-ORDER).
    pub async fn powers_of_attorney_given(&self, p: &Principal) -> EsResult<Vec<PoaRow>> {
        let grantor = p.require_org(&[Role::OrgAdmin])?.oid.clone();
        let mut out = Vec::new();
        for pt in self.store.regpoints().await? {
            out.extend(
                self.store
                    .poas_of_point(pt.id)
                    .await?
                    .into_iter()
                    .filter(|x| x.grantor_oid == grantor),
            );
        }
        out.sort_by_key(|x| x.id);
        Ok(out)
    }

    /// A registrar with his training certificate as stored (the PDF's
    /// bytes), for a CA officer to check before approving him, or for the
    /// administrator of the point's organisation (R-REG-POINT). Another
    /// organisation's registrar answers not found.
    pub async fn registrar_training(
        &self,
        p: &Principal,
        registrar_id: i64,
    ) -> EsResult<(RegistrarRow, Vec<u8>)> {
        let own_org = if p.officer {
            None
        } else {
            Some(p.require_org(&[Role::OrgAdmin])?.oid.clone())
        };
        let not_found = || EsError::not_found(&format!("registrar {registrar_id}"));
        let registrar = self
            .store
            .registrar(registrar_id)
            .await?
            .ok_or_else(not_found)?;
        let point = self
            .store
            .regpoint(registrar.point_id)
            .await?
            .ok_or_else(not_found)?;
        if own_org.is_some_and(|o| o != point.org_oid) {
            return Err(not_found());
        }
        let pdf = self
            .store
            .registrar_training(registrar_id)
            .await?
            .ok_or_else(not_found)?;
        Ok((registrar, pdf))
    }

    /// A CA officer `p` of the e-service approves a pending registrar, having
    /// checked his training certificate (R-REG-POINT).
    pub async fn approve_registrar_as(
        &self,
        p: &Principal,
        registrar_id: i64,
        now: i64,
    ) -> EsResult<RegistrarRow> {
        let officer = Officer::from_principal(p)?;
        match self.approve_registrar(&officer, registrar_id, now).await {
            Err(e) if e.code == "conflict" => Err(EsError::new(
                ErrorKind::Conflict,
                "registrar.already_approved",
                format!("registrar {registrar_id} is approved already: nothing to do"),
            )),
            other => other,
        }
    }
}

/// The registration points one may see ([`CardService::visible_points`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisiblePoints {
    /// The points with their registrars and powers of attorney: every point
    /// for a CA officer, the organisation's own for an administrator.
    pub points: Vec<RegPointView>,
    /// For a private organisation's administrator: the public organisations'
    /// points it may give a power of attorney to (R-ORDER); empty otherwise.
    pub public_points: Vec<PublicPoint>,
}

/// A public organisation's registration point as a private organisation sees
/// it when choosing whom to give a power of attorney.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicPoint {
    /// The point's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its organisation's OID.
    pub org_oid: String,
}
