//! `carepki regpoint|registrar|poa`: the CA officer's side of the card
//! registration system (issue 5, R-REG-POINT, R-ORDER), through
//! `carepki_ra::cards::CardService`. The e-service pages for the same come later.

use carepki_ca::authority::now_unix;
use carepki_ra::cards::{CardService, IdentityCheck, Officer, OrderInput};
use serde::Serialize;

use crate::cli::{CardCommand, Global, PoaCommand, RegistrarCommand, RegpointCommand};
use crate::commands::{Error, actor, open_store};

fn print<T: Serialize>(value: &T, json: bool, text: impl FnOnce() -> String) -> Result<(), Error> {
    if json {
        say!("{}", serde_json::to_string_pretty(value)?);
    } else {
        say!("{}", text());
    }
    Ok(())
}

async fn service(g: &Global) -> Result<CardService, Error> {
    Ok(CardService::new(open_store(g).await?, None))
}

/// Runs one `regpoint` subcommand.
pub(crate) async fn regpoint(g: &Global, cmd: RegpointCommand) -> Result<(), Error> {
    let cards = service(g).await?;
    let officer = Officer::cli(actor());
    let result =
        match cmd {
            RegpointCommand::Create {
                org,
                name,
                agreement_accepted,
                json,
            } => match cards
                .create_point(&officer, &org, &name, agreement_accepted, now_unix())
                .await
            {
                Ok(p) => print(&p, json, || {
                    format!(
                        "registration point {} created for {} (agreement accepted by {})",
                        p.id, p.org_oid, p.agreement_accepted_by
                    )
                }),
                Err(e) => Err(e.into()),
            },
            RegpointCommand::List { json } => match cards.points().await {
                Ok(points) => print(&points, json, || {
                    points
                    .iter()
                    .map(|v| {
                        let approved =
                            v.registrars.iter().filter(|r| r.state == "approved").count();
                        let poas = v
                            .powers_of_attorney
                            .iter()
                            .filter(|p| p.revoked_at.is_none())
                            .map(|p| p.grantor_oid.as_str())
                            .collect::<Vec<_>>()
                            .join(", ");
                        format!(
                            "{:>4}  {}  {}  registrars {}/{} approved{}  powers of attorney: {}",
                            v.point.id,
                            v.point.org_oid,
                            v.point.name,
                            approved,
                            v.registrars.len(),
                            if v.may_order { "" } else { " (cannot order yet)" },
                            if poas.is_empty() { "-" } else { &poas }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
                }),
                Err(e) => Err(e.into()),
            },
        };
    cards.store().close().await;
    result
}

/// Runs one `registrar` subcommand.
pub(crate) async fn registrar(g: &Global, cmd: RegistrarCommand) -> Result<(), Error> {
    if let RegistrarCommand::Add { training, .. } = &cmd
        && std::fs::metadata(training).is_err()
    {
        return Err(format!("cannot read {}", training.display()).into());
    }
    let cards = service(g).await?;
    let officer = Officer::cli(actor());
    let result = match cmd {
        RegistrarCommand::Add {
            point,
            user,
            training,
            json,
        } => {
            let bytes = std::fs::read(&training)
                .map_err(|e| format!("cannot read {}: {e}", training.display()))?;
            let name = training.file_name().map_or_else(
                || "training.pdf".into(),
                |n| n.to_string_lossy().into_owned(),
            );
            match cards
                .add_registrar(&officer, point, user, &name, &bytes, now_unix())
                .await
            {
                Ok(r) => print(&r, json, || {
                    format!(
                        "registrar {} (user {}) added to point {}, pending approval; training \
                         certificate sha256 {}",
                        r.id, r.user_id, r.point_id, r.training_sha256
                    )
                }),
                Err(e) => Err(e.into()),
            }
        }
        RegistrarCommand::Approve { id, json } => {
            match cards.approve_registrar(&officer, id, now_unix()).await {
                Ok(r) => print(&r, json, || {
                    format!("registrar {} of point {} approved", r.id, r.point_id)
                }),
                Err(e) => Err(e.into()),
            }
        }
        RegistrarCommand::List { point, json } => match cards.point(point).await {
            Ok(v) => print(&v.registrars, json, || {
                v.registrars
                    .iter()
                    .map(|r| {
                        format!(
                            "{:>4}  user {:<6} {:<9} training {}",
                            r.id, r.user_id, r.state, r.training_sha256
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            Err(e) => Err(e.into()),
        },
    };
    cards.store().close().await;
    result
}

/// Runs one `poa` subcommand.
pub(crate) async fn poa(g: &Global, cmd: PoaCommand) -> Result<(), Error> {
    let cards = service(g).await?;
    let officer = Officer::cli(actor());
    let result = match cmd {
        PoaCommand::Grant {
            grantor,
            point,
            json,
        } => match cards.grant_poa(&officer, &grantor, point, now_unix()).await {
            Ok(p) => print(&p, json, || {
                format!(
                    "power of attorney {}: {} authorises point {}",
                    p.id, p.grantor_oid, p.point_id
                )
            }),
            Err(e) => Err(e.into()),
        },
        PoaCommand::Revoke { id, reason, json } => {
            match cards.revoke_poa(&officer, id, &reason, now_unix()).await {
                Ok(p) => print(&p, json, || format!("power of attorney {} revoked", p.id)),
                Err(e) => Err(e.into()),
            }
        }
    };
    cards.store().close().await;
    result
}

/// Runs one `card` subcommand.
pub(crate) async fn card(g: &Global, cmd: CardCommand) -> Result<(), Error> {
    let a = match cmd {
        CardCommand::Order(a) => a,
        CardCommand::Find(a) => return crate::incident_cmd::find(g, *a).await,
        CardCommand::Bulk(b) => return crate::incident_cmd::bulk(g, b).await,
    };
    let input = OrderInput {
        kind: a.kind,
        identity: a.identity.check(),
        holder_number: a.holder_number,
        given_name: a.given_name,
        surname: a.surname,
        title: a.title,
        org_oid: a.org,
        email: a.email,
        count: a.count,
    };
    let cards = service(g).await?;
    let result = match cards
        .order(a.registrar_user, a.point, &input, now_unix())
        .await
    {
        Ok(orders) => print(&orders, a.json, || {
            orders
                .iter()
                .map(|o| {
                    format!(
                        "card order {}: {} card for {} ({}), {}",
                        o.id, o.kind, o.holder_number, o.holder["surname"], o.state
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }),
        Err(e) => Err(format!("{} [{}]", e, e.code).into()),
    };
    cards.store().close().await;
    result
}

impl crate::cli::IdentityArgs {
    /// The identity check given, or none when no document option was given.
    pub(crate) fn check(self) -> Option<IdentityCheck> {
        match (
            self.document_type,
            self.document_number,
            self.document_country,
            self.document_expires,
        ) {
            (None, None, None, None) => None,
            (t, n, c, e) => Some(IdentityCheck {
                document_type: t.unwrap_or_default(),
                document_number: n.unwrap_or_default(),
                issuing_country: c.unwrap_or_default(),
                expires: e.unwrap_or_default(),
            }),
        }
    }
}
