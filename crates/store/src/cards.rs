//! The issuance steps of a certificate card: both certificates at once.
//!
//! A card holds an authentication and a signature certificate (R-CARD-CERTS), and
//! a card must never be left with only one of them. Each step of the issuance cycle
//! (reserve the serials, store the linted records, store the signed certificates,
//! abandon the serials) is therefore one writer job for both certificates: it runs
//! the single-certificate step for each in the batch's transaction, and if either
//! fails the job fails as a whole and the writer undoes all of it (the job alone, by
//! its savepoint, when it shares a batch). So every call changes both certificates
//! or neither, with the same group commit as single certificates.
//!
//! The records step also decides the card rules inside the transaction: the card id
//! has no live certificates yet, the two keys differ, and neither key is certified
//! anywhere else (pending, valid or revoked). Every audit event of these steps
//! carries the `card_id` in its details; the certificates' rows carry it in
//! `certificates.card_id` (migration 0008).

use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::jobs::{self, Ctx, Job};
use crate::model::{CertificateRow, IssuanceRecord};
use crate::read::{self, certificate_columns};
use crate::{Store, check_actor, normalise_serial, normalise_sha256};

/// One step of a card's issuance, for all its certificates.
#[derive(Debug)]
pub(crate) struct CardJob {
    pub(crate) card_id: String,
    pub(crate) actor: String,
    pub(crate) at: i64,
    step: CardStep,
}

#[derive(Debug)]
enum CardStep {
    /// (serial, CA) pairs.
    Reserve(Vec<(String, String)>),
    Records(Vec<IssuanceRecord>),
    /// (serial, DER) pairs.
    Certificates(Vec<(String, Vec<u8>)>),
    Abandon {
        serials: Vec<String>,
        reason: String,
    },
}

/// Runs a card job on the batch's connection. On error the writer undoes whatever
/// the job changed.
pub(crate) async fn run(cx: &mut Ctx<'_>, job: &CardJob) -> Result<()> {
    let mark = cx.audit_mark();
    match &job.step {
        CardStep::Reserve(serials) => {
            for (serial, ca_id) in serials {
                jobs::reserve_serial(cx, serial, ca_id).await?;
            }
        }
        CardStep::Records(recs) => store_records(cx, &job.card_id, recs).await?,
        CardStep::Certificates(certs) => {
            for (serial, der) in certs {
                jobs::store_certificate(cx, serial, der).await?;
            }
        }
        CardStep::Abandon { serials, reason } => {
            for serial in serials {
                let state: Option<String> =
                    sqlx::query_scalar("SELECT state FROM serials WHERE serial = $1")
                        .bind(serial)
                        .fetch_optional(&mut *cx.conn)
                        .await?;
                // A serial abandoned already (by recovery) stays as it is.
                if state.as_deref() != Some("abandoned") {
                    jobs::abandon_serial(cx, serial, reason).await?;
                }
            }
        }
    }
    cx.annotate_audits(mark, "card_id", &job.card_id)
}

async fn store_records(cx: &mut Ctx<'_>, card_id: &str, recs: &[IssuanceRecord]) -> Result<()> {
    let live: Option<String> = sqlx::query_scalar(
        "SELECT serial FROM certificates WHERE card_id = $1 \
         AND status IN ('pending', 'valid', 'revoked') LIMIT 1",
    )
    .bind(card_id)
    .fetch_optional(&mut *cx.conn)
    .await?;
    if live.is_some() {
        return Err(StoreError::CardExists {
            card_id: card_id.to_owned(),
        });
    }
    for (i, rec) in recs.iter().enumerate() {
        if recs[..i].iter().any(|r| r.spki_sha256 == rec.spki_sha256) {
            return Err(StoreError::InvalidInput {
                field: "spki_sha256",
                reason: "the certificates of a card need a key pair each (R-CARD-CERTS)".into(),
            });
        }
    }
    for rec in recs {
        // A card key is certified once: any other live or revoked holder refuses it.
        let holders = sqlx::query("SELECT serial, status FROM certificates WHERE spki_sha256 = $1")
            .bind(&rec.spki_sha256)
            .fetch_all(&mut *cx.conn)
            .await?;
        let mut conflict = None;
        for row in holders {
            let holder: String = row.try_get(0)?;
            let status: String = row.try_get(1)?;
            if holder == rec.serial {
                continue;
            }
            match status.as_str() {
                "revoked" => {
                    conflict = Some(StoreError::KeyInUse {
                        serial: holder,
                        revoked: true,
                    });
                    break;
                }
                "pending" | "valid" if conflict.is_none() => {
                    conflict = Some(StoreError::CardKeyInUse { serial: holder });
                }
                _ => {}
            }
        }
        if let Some(conflict) = conflict {
            return Err(conflict);
        }
        jobs::store_issuance_record(cx, rec).await?;
        let done = sqlx::query("UPDATE certificates SET card_id = $2 WHERE serial = $1")
            .bind(&rec.serial)
            .bind(card_id)
            .execute(&mut *cx.conn)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::CorruptData {
                what: format!("the record of certificate {} was not stored", rec.serial),
            });
        }
    }
    Ok(())
}

fn check_card_id(card_id: &str) -> Result<String> {
    let ok = (1..=64).contains(&card_id.len())
        && card_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(card_id.to_owned())
    } else {
        Err(StoreError::InvalidInput {
            field: "card_id",
            reason: format!(
                "\"{card_id}\": 1 to 64 ASCII letters, digits, '-', '_' and '.' expected"
            ),
        })
    }
}

impl Store {
    async fn submit_card(&self, card_id: &str, actor: &str, at: i64, step: CardStep) -> Result<()> {
        self.submit_unit(Job::Card(Box::new(CardJob {
            card_id: check_card_id(card_id)?,
            actor: check_actor(actor)?,
            at,
            step,
        })))
        .await
    }

    /// Reserves the serials of a card's certificates, `(serial, CA id)` each, in one
    /// transaction: all of them or none ([`Store::reserve_serial`] for each; the
    /// `serial.reserve` events carry the `card_id`).
    pub async fn reserve_card_serials(
        &self,
        card_id: &str,
        serials: &[(&str, &str)],
        actor: &str,
        at: i64,
    ) -> Result<()> {
        let serials = serials
            .iter()
            .map(|(serial, ca)| Ok((normalise_serial(serial)?, (*ca).to_owned())))
            .collect::<Result<_>>()?;
        self.submit_card(card_id, actor, at, CardStep::Reserve(serials))
            .await
    }

    /// Stores the linted records of a card's certificates in one transaction, all or
    /// none ([`Store::store_issuance_record`] for each, with `card_id` set).
    ///
    /// Fails with [`StoreError::CardExists`] if the card already has pending, valid
    /// or revoked certificates; with [`StoreError::InvalidInput`] if two records
    /// certify one key; with [`StoreError::KeyInUse`] (`revoked: true`) or
    /// [`StoreError::CardKeyInUse`] if another certificate holds one of the keys.
    pub async fn store_card_records(
        &self,
        card_id: &str,
        records: &[IssuanceRecord],
        actor: &str,
        at: i64,
    ) -> Result<()> {
        let records = records
            .iter()
            .map(|rec| {
                Ok(IssuanceRecord {
                    serial: normalise_serial(&rec.serial)?,
                    spki_sha256: normalise_sha256("spki_sha256", &rec.spki_sha256)?,
                    ..rec.clone()
                })
            })
            .collect::<Result<_>>()?;
        self.submit_card(card_id, actor, at, CardStep::Records(records))
            .await
    }

    /// Stores a card's signed certificates, `(serial, DER)` each, in one
    /// transaction: all of them valid, or none ([`Store::store_certificate`] for
    /// each).
    pub async fn store_card_certificates(
        &self,
        card_id: &str,
        certificates: &[(&str, &[u8])],
        actor: &str,
        at: i64,
    ) -> Result<()> {
        let certs = certificates
            .iter()
            .map(|(serial, der)| Ok((normalise_serial(serial)?, der.to_vec())))
            .collect::<Result<_>>()?;
        self.submit_card(card_id, actor, at, CardStep::Certificates(certs))
            .await
    }

    /// Abandons the serials of a card's certificates in one transaction
    /// ([`Store::abandon_serial`] for each that is not abandoned already).
    pub async fn abandon_card_serials(
        &self,
        card_id: &str,
        serials: &[&str],
        reason: &str,
        actor: &str,
        at: i64,
    ) -> Result<()> {
        let serials = serials
            .iter()
            .map(|s| normalise_serial(s))
            .collect::<Result<_>>()?;
        self.submit_card(
            card_id,
            actor,
            at,
            CardStep::Abandon {
                serials,
                reason: reason.to_owned(),
            },
        )
        .await
    }

    /// The certificate records of a card, in any status, by serial.
    pub async fn card_certificates(&self, card_id: &str) -> Result<Vec<CertificateRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            " FROM certificates WHERE card_id = $1 ORDER BY serial"
        ))
        .bind(card_id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(read::certificate_from_row).collect()
    }
}
