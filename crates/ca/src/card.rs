//! The issuance of a certificate card's two certificates (R-CARD-CERTS):
//! [`Authority::issue_card`]. docs/ISSUANCE.md ("Card certificates") walks through it.
//!
//! It is the issuance cycle of a single certificate run for both at once, with
//! every durable step taken for the pair in one transaction, so that a card is
//! never left with one valid certificate:
//!
//! 1. The RA hands over the card's facts and the two public keys read from the
//!    token (DER SubjectPublicKeyInfo). The CA checks everything again: the key
//!    rules, the card id, the register, the card profile
//!    ([`carepki_policy::card::check_card_request`]), no CA key.
//! 2. It reserves both serials in one transaction.
//! 3. It builds and lints both to-be-signed certificates (RFC 5280 and the card
//!    lints); a finding in either abandons both serials.
//! 4. It stores both linted records in one transaction, which also refuses a
//!    card id already used and a key certified anywhere else.
//! 5. It signs both, then stores both certificates in one transaction.
//!
//! Any failure after step 2 abandons both serials (one transaction); nothing is
//! signed twice.
//!
//! Proof of possession: the keys are generated on the card's token, marked
//! non-extractable, by the card-production step, which reads their public halves
//! from the same token session and hands them here. The CA trusts that step for
//! possession (as it trusts the RA for the holder's identity check) and takes no
//! CSR: a CSR would make the non-repudiation key sign something before its holder
//! has chosen PIN2, which it should never do, and would prove nothing the
//! production step does not already know.

use std::sync::Arc;

use carepki_keys::Signer;
use carepki_policy::card::{
    ApprovedCard, ApprovedCardCert, CardRequest, HolderFacts, check_card_request,
    lint_card_decoded, validate_card_id,
};
use carepki_policy::hierarchy::ca_id;
use carepki_policy::org::Organisation;
use carepki_policy::profile::{DAY, IssuingCa};
use carepki_policy::{CardKind, KeyRole};
use carepki_store::{IssuanceRecord, NewAuditEvent, StoreError};
use carepki_x509::PublicKey;
use carepki_x509::cert::{TbsParams, assemble, certificate_pem, encode_tbs, serial_hex};
use carepki_x509::ext;
use carepki_x509::lint::{Finding, IssuerFacts, lint_rfc5280_decoded};
use carepki_x509::name::{build_name, display_name};

use crate::CaError;
use crate::authority::{Authority, Issued, LoadedCa, now_unix, rfc3339};
use crate::serial::new_serial;

/// A card's certificates, as the RA (the card production step) asks for them.
#[derive(Debug, Clone)]
pub struct CardIssueRequest {
    /// The RA's id of the card (its order, or the token's serial): 1 to 64 ASCII
    /// letters, digits, `-`, `_`, `.`. It links the two certificates in the store and
    /// in the audit log; a card id gets one pair, ever.
    pub card_id: String,
    /// The card's kind (R-CARD-TYPES).
    pub kind: CardKind,
    /// For a temporary card, the kind of the pending card it stands in for.
    pub replaces: Option<CardKind>,
    /// The holder's facts from the registers or the card order.
    pub holder: HolderFacts,
    /// The organisation of a staff or actor card (its OID in the register).
    pub org_oid: Option<String>,
    /// Validity in days; the kind's cap (5 years, 3 months for temporary cards) when
    /// not given.
    pub days: Option<u32>,
    /// The authentication key: DER SubjectPublicKeyInfo read from the token.
    pub authentication_spki: Vec<u8>,
    /// The signature key: DER SubjectPublicKeyInfo read from the token.
    pub signature_spki: Vec<u8>,
    /// Who asks, for the audit log.
    pub actor: String,
}

/// A hook that may change a to-be-signed certificate before it is linted (tests
/// inject failures with it).
type Tamper<'a> = &'a (dyn Fn(KeyRole, &mut Vec<u8>) + Send + Sync);

/// What the checks before the reservation produce.
struct Checked<'a> {
    ca: &'a LoadedCa,
    approved: ApprovedCard,
    signer: Arc<dyn Signer>,
    org_version: Option<i64>,
}

/// One certificate of the pair on its way.
struct Built<'a> {
    cert: &'a ApprovedCardCert,
    serial: String,
    tbs: Vec<u8>,
    subject: String,
    not_after: i64,
}

impl Authority {
    /// Issue a card's authentication and signature certificates: both, or neither
    /// (R-CARD-CERTS). Returns them in that order.
    ///
    /// Like [`Authority::issue`], the register record may come from a cache; if it
    /// changed meanwhile the cycle runs once more from the current record, with new
    /// serials.
    pub async fn issue_card(&self, req: &CardIssueRequest) -> Result<(Issued, Issued), CaError> {
        self.issue_card_with(req, None).await
    }

    async fn issue_card_with(
        &self,
        req: &CardIssueRequest,
        tamper: Option<Tamper<'_>>,
    ) -> Result<(Issued, Issued), CaError> {
        match self.issue_card_once(req, tamper).await {
            Err(CaError::OrganisationChanged(oid)) => {
                tracing::info!(%oid, card = %req.card_id, "organisation changed during card issuance; issuing again");
                self.issue_card_once(req, tamper).await
            }
            other => other,
        }
    }

    async fn issue_card_once(
        &self,
        req: &CardIssueRequest,
        tamper: Option<Tamper<'_>>,
    ) -> Result<(Issued, Issued), CaError> {
        // One clock reading: the caps are calendar months from it, and it is the
        // certificates' notBefore.
        let now = now_unix();
        let checked = match self.check_card(req, now).await {
            Ok(checked) => checked,
            Err(e) => {
                // A refusal stores nothing but its audit event.
                let event = NewAuditEvent {
                    at: now,
                    actor: req.actor.clone(),
                    action: "certificate.refuse".into(),
                    ca_id: None,
                    serial: None,
                    org_oid: req.org_oid.clone(),
                    details: serde_json::json!({
                        "profile": format!("card-{}", req.kind),
                        "card_id": req.card_id,
                        "reason": e.to_string(),
                    }),
                };
                if let Err(audit) = self.store().append_audit(&event).await {
                    tracing::error!(error = %audit, "could not audit a refused card");
                }
                return Err(e);
            }
        };

        // Both serials, durable together before anything is built on them.
        let ca = checked.ca;
        let prefix = self.ceremony().serial_prefix;
        let serial_bytes = [new_serial(prefix, now)?, new_serial(prefix, now)?];
        let serials = serial_bytes.each_ref().map(|b| serial_hex(b));
        self.store()
            .reserve_card_serials(
                &req.card_id,
                &[(&serials[0], &ca.row.id), (&serials[1], &ca.row.id)],
                &req.actor,
                now,
            )
            .await?;

        match self
            .build_sign_store_card(req, &checked, serial_bytes, serials.clone(), now, tamper)
            .await
        {
            Ok(pair) => Ok(pair),
            Err(e) => {
                // Any failure after the reservation abandons both serials: neither is
                // ever signed, stored or reused.
                let refs = [serials[0].as_str(), serials[1].as_str()];
                if let Err(abandon) = self
                    .store()
                    .abandon_card_serials(
                        &req.card_id,
                        &refs,
                        &e.to_string(),
                        &req.actor,
                        now_unix(),
                    )
                    .await
                {
                    tracing::error!(card = %req.card_id, ?serials, error = %abandon, "could not abandon a card's serials");
                }
                Err(e)
            }
        }
    }

    /// The checks before serials are spent: the keys, the card id, the CA for the
    /// kind, the register, the card profile, no CA key, the signer.
    async fn check_card(&self, req: &CardIssueRequest, now: i64) -> Result<Checked<'_>, CaError> {
        let key = |role, der: &[u8]| {
            PublicKey::from_spki_der(der).map_err(|source| CaError::CardKey { role, source })
        };
        let authentication_key = key(KeyRole::Authentication, &req.authentication_spki)?;
        let signature_key = key(KeyRole::Signature, &req.signature_spki)?;
        validate_card_id(&req.card_id).map_err(CaError::InvalidInput)?;

        let want = ca_id(req.kind.hierarchy(), req.kind.issuing_role());
        let ca = self
            .cas()
            .get(&want)
            .ok_or_else(|| CaError::WrongCa(format!("CA {want} is missing from the database")))?;

        let check = |org: Option<&Organisation>| {
            check_card_request(
                &CardRequest {
                    kind: req.kind,
                    replaces: req.replaces,
                    holder: &req.holder,
                    organisation: org,
                    days: req.days,
                    authentication_key: authentication_key.clone(),
                    signature_key: signature_key.clone(),
                },
                self.ceremony(),
                now,
            )
        };
        let (approved, org_version) = match &req.org_oid {
            None => (check(None)?, None),
            Some(oid) => {
                let (org, version, cached) = self.organisation(oid).await?;
                match check(Some(&org)) {
                    Ok(approved) => (approved, Some(version)),
                    // A refusal is always judged against the current record.
                    Err(_) if cached => {
                        self.forget_organisation(oid);
                        let (org, version, _) = self.organisation(oid).await?;
                        (check(Some(&org))?, Some(version))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        self.check_not_a_ca_key(&authentication_key)?;
        self.check_not_a_ca_key(&signature_key)?;
        let signer = self.signer(&ca.row.id)?;
        Ok(Checked {
            ca,
            approved,
            signer,
            org_version,
        })
    }

    async fn build_sign_store_card(
        &self,
        req: &CardIssueRequest,
        checked: &Checked<'_>,
        serial_bytes: [Vec<u8>; 2],
        serials: [String; 2],
        now: i64,
        tamper: Option<Tamper<'_>>,
    ) -> Result<(Issued, Issued), CaError> {
        let ca = checked.ca;
        let id = &ca.row.id;
        let (crl_url, ocsp_url, ca_issuers_url) = (
            self.ceremony().crl_url(id),
            self.ceremony().ocsp_url(id),
            self.ceremony().ca_issuers_url(id),
        );
        let issuing = IssuingCa {
            hierarchy: ca.hierarchy,
            role: ca.role,
            crl_url: &crl_url,
            ocsp_url: &ocsp_url,
            ca_issuers_url: &ca_issuers_url,
        };

        // Build and lint both; every finding of either is reported.
        let mut built = Vec::with_capacity(2);
        let mut findings = Vec::new();
        for ((cert, bytes), serial) in checked
            .approved
            .certificates()
            .into_iter()
            .zip(serial_bytes)
            .zip(serials)
        {
            let not_after = now + i64::from(cert.days) * DAY - 1;
            let mut tbs = self.build_card_tbs(ca, cert, bytes, now, not_after)?;
            if let Some(tamper) = tamper {
                tamper(cert.profile.role, &mut tbs);
            }
            let role = cert.profile.role;
            let decoded = match carepki_x509::cert::decode_tbs(&tbs) {
                Ok(decoded) => decoded,
                Err(e) => {
                    findings.push(Finding {
                        rule: "rfc5280.der",
                        message: format!("{role} certificate: {e}"),
                    });
                    continue;
                }
            };
            let mut found = lint_rfc5280_decoded(
                &decoded,
                &IssuerFacts {
                    subject_der: &ca.subject_der,
                    key_identifier: &ca.key_identifier,
                    signature_algorithm: ca.signature_algorithm,
                },
            );
            found.extend(lint_card_decoded(&decoded, cert, &issuing));
            findings.extend(found.into_iter().map(|f| Finding {
                rule: f.rule,
                message: format!("{role} certificate: {}", f.message),
            }));
            built.push(Built {
                cert,
                serial,
                tbs,
                subject: display_name(decoded.subject()),
                not_after,
            });
        }
        if !findings.is_empty() {
            return Err(CaError::Lint(findings));
        }

        // Both linted records in one transaction.
        let records: Vec<IssuanceRecord> = built
            .iter()
            .map(|b| IssuanceRecord {
                serial: b.serial.clone(),
                ca_id: id.clone(),
                profile: b.cert.profile.as_str().to_owned(),
                org_oid: checked.approved.org_oid.clone(),
                org_version: checked.org_version,
                subject: b.subject.clone(),
                spki_sha256: b.cert.key.spki_sha256_hex(),
                not_before: now,
                not_after: b.not_after,
                tbs_der: b.tbs.clone(),
            })
            .collect();
        if let Err(e) = self
            .store()
            .store_card_records(&req.card_id, &records, &req.actor, now)
            .await
        {
            return Err(self.card_record_error(e, &built).await);
        }

        // Sign each once, then store both certificates in one transaction.
        let mut signed = Vec::with_capacity(2);
        for b in &built {
            let signature = checked.signer.sign(&b.tbs)?;
            signed.push(assemble(&b.tbs, ca.signature_algorithm, &signature)?);
        }
        let pairs: Vec<(&str, &[u8])> = built
            .iter()
            .zip(&signed)
            .map(|(b, der)| (b.serial.as_str(), der.as_slice()))
            .collect();
        self.store()
            .store_card_certificates(&req.card_id, &pairs, &req.actor, now_unix())
            .await?;

        let mut issued = Vec::with_capacity(2);
        for (b, der) in built.iter().zip(signed) {
            metrics::counter!("carepki_certificates_issued_total", "profile" => b.cert.profile.as_str())
                .increment(1);
            issued.push(Issued {
                serial: b.serial.clone(),
                profile: b.cert.profile.as_str().to_owned(),
                subject: b.subject.clone(),
                issuer: ca.row.subject.clone(),
                ca: id.clone(),
                not_before: rfc3339(now),
                not_after: rfc3339(b.not_after),
                status: "valid".into(),
                pem: certificate_pem(&der)?,
                chain_pem: self.chain_pem(ca),
                der,
            });
        }
        let signature = issued.pop();
        let authentication = issued.pop();
        match (authentication, signature) {
            (Some(a), Some(s)) => Ok((a, s)),
            _ => Err(CaError::DataDir("a card certificate went missing".into())),
        }
    }

    /// The to-be-signed card certificate. Extensions in order: keyUsage,
    /// extendedKeyUsage (authentication only), certificatePolicies,
    /// cRLDistributionPoints, authorityInfoAccess, subjectKeyIdentifier,
    /// authorityKeyIdentifier. No subjectAltName.
    fn build_card_tbs(
        &self,
        ca: &LoadedCa,
        cert: &ApprovedCardCert,
        serial: Vec<u8>,
        not_before: i64,
        not_after: i64,
    ) -> Result<Vec<u8>, CaError> {
        let id = &ca.row.id;
        let mut extensions = vec![ext::key_usage(&cert.key_usage)?];
        if !cert.extended_key_usage.is_empty() {
            extensions.push(ext::extended_key_usage(&cert.extended_key_usage)?);
        }
        extensions.extend([
            ext::certificate_policies(std::slice::from_ref(&cert.policy_oid))?,
            ext::crl_distribution_point(&self.ceremony().crl_url(id))?,
            ext::authority_info_access(
                &self.ceremony().ocsp_url(id),
                &self.ceremony().ca_issuers_url(id),
            )?,
            ext::subject_key_identifier(&cert.key.key_identifier())?,
            ext::authority_key_identifier(&ca.key_identifier)?,
        ]);
        Ok(encode_tbs(&TbsParams {
            serial,
            signature: ca.signature_algorithm,
            issuer: ca.subject.clone(),
            not_before,
            not_after,
            subject: build_name(&cert.subject_ref())?,
            spki_der: cert.key.spki_der.clone(),
            extensions,
        })?)
    }

    /// The CA's error for a refused pair of records, naming the key's role.
    async fn card_record_error(&self, e: StoreError, built: &[Built<'_>]) -> CaError {
        // Which of the card's keys the holder certificate certifies.
        let role_of = |holder: &Option<carepki_store::CertificateRow>| {
            holder
                .as_ref()
                .and_then(|h| {
                    built
                        .iter()
                        .find(|b| b.cert.key.spki_sha256_hex() == h.spki_sha256)
                })
                .map_or("a", |b| b.cert.profile.role.as_str())
        };
        match e {
            StoreError::OrganisationChanged { oid } => {
                self.forget_organisation(&oid);
                CaError::OrganisationChanged(oid)
            }
            StoreError::KeyInUse { serial, revoked } => {
                let holder = self.store().certificate(&serial).await.ok().flatten();
                let role = role_of(&holder);
                CaError::KeyReused(if revoked {
                    format!(
                        "the card's {role} key belongs to revoked certificate {serial}; a key is never certified again after a revocation; generate new key pairs on the card"
                    )
                } else {
                    format!(
                        "the card's {role} key is already certified in certificate {serial}; generate new key pairs on the card"
                    )
                })
            }
            StoreError::CardKeyInUse { serial } => {
                let holder = self.store().certificate(&serial).await.ok().flatten();
                let role = role_of(&holder);
                CaError::KeyReused(format!(
                    "the card's {role} key is already certified in certificate {serial}; a card's keys are certified once, for one role of one card (R-CARD-CERTS); generate new key pairs on the card"
                ))
            }
            e @ StoreError::CardExists { .. } => CaError::InvalidInput(e.to_string()),
            other => CaError::Store(other),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use carepki_keys::Passphrase;
    use carepki_x509::KeyAlgorithm;

    use super::*;
    use crate::DataDir;
    use crate::init::{InitOptions, prepare, run_ceremony};

    async fn authority(store: carepki_store::Store, dir: &std::path::Path) -> Authority {
        let data = DataDir::new(dir.join("data"));
        let passphrase = Passphrase::new("correct horse battery staple".into()).unwrap();
        let opts = InitOptions {
            ceremony_toml: String::new(),
            algorithm: KeyAlgorithm::EcdsaP384,
            passphrase: Some(passphrase.clone()),
            now: now_unix() - 60,
            actor: "test".into(),
        };
        let (ceremony, passphrase, _) = prepare(&data, &opts).unwrap();
        run_ceremony(&data, &store, &ceremony, &passphrase, &opts)
            .await
            .unwrap();
        Authority::open(data, store, passphrase).await.unwrap()
    }

    fn key() -> Vec<u8> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
        let k = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        k.public_key().as_der().unwrap().as_ref().to_vec()
    }

    fn request(card_id: &str) -> CardIssueRequest {
        CardIssueRequest {
            card_id: card_id.into(),
            kind: CardKind::Professional,
            replaces: None,
            holder: HolderFacts {
                given_name: "Maija".into(),
                surname: "Virtanen".into(),
                holder_number: "10100012345".into(),
                title: "Lääkäri".into(),
                prescriber: true,
                sv_number: Some("123456".into()),
            },
            org_oid: None,
            days: None,
            authentication_spki: key(),
            signature_spki: key(),
            actor: "test".into(),
        }
    }

    /// Changes the surname in the signature certificate only (the DER stays
    /// well-formed), or cuts it short.
    fn break_signature(cut: bool) -> impl Fn(KeyRole, &mut Vec<u8>) + Send + Sync {
        move |role, tbs| {
            if role != KeyRole::Signature {
                return;
            }
            if cut {
                tbs.truncate(tbs.len() / 2);
            } else if let Some(at) = tbs.windows(8).position(|w| w == b"Virtanen") {
                tbs[at + 7] = b'm';
            }
        }
    }

    /// Failure injection: the signature certificate fails its lint after both serials
    /// were reserved. Nothing is stored for either, both serials are abandoned, and a
    /// retry of the same card id later succeeds.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_certificate_failing_its_lint_abandons_both() {
        for (backend, store, guard) in carepki_store::testing::test_stores().await {
            let tmp = tempfile::tempdir().unwrap();
            let ca = authority(store.clone(), tmp.path()).await;
            for (card, cut, rule) in [("c1", false, "card.subject"), ("c2", true, "rfc5280.der")] {
                let tamper = break_signature(cut);
                let e = ca
                    .issue_card_with(&request(card), Some(&tamper))
                    .await
                    .unwrap_err();
                let CaError::Lint(findings) = &e else {
                    panic!("{backend}: {e}");
                };
                assert!(
                    findings
                        .iter()
                        .all(|f| f.message.starts_with("signature certificate")),
                    "{backend}: {findings:?}"
                );
                assert!(
                    findings.iter().any(|f| f.rule == rule),
                    "{backend}: {findings:?}"
                );
                assert!(store.card_certificates(card).await.unwrap().is_empty());
                let events = store.audit_events(None).await.unwrap();
                let mine: Vec<_> = events
                    .iter()
                    .filter(|e| e.details["card_id"] == card)
                    .collect();
                let reserved: Vec<_> = mine
                    .iter()
                    .filter(|e| e.action == "serial.reserve")
                    .filter_map(|e| e.serial.clone())
                    .collect();
                let mut abandoned: Vec<_> = mine
                    .iter()
                    .filter(|e| e.action == "serial.abandon")
                    .filter_map(|e| e.serial.clone())
                    .collect();
                assert_eq!(reserved.len(), 2, "{backend}");
                abandoned.sort();
                let mut want = reserved.clone();
                want.sort();
                assert_eq!(abandoned, want, "{backend}: both serials abandoned");
                assert_eq!(mine.len(), 4, "{backend}: nothing else happened");
            }
            assert_eq!(store.count_certificates().await.unwrap(), 0, "{backend}");
            // The card id is free again: nothing of it was stored.
            ca.issue_card(&request("c1")).await.unwrap();
            assert_eq!(store.card_certificates("c1").await.unwrap().len(), 2);
            store.close().await;
            drop(guard);
        }
    }
}
