//! Delegated OCSP responder certificates (RFC 6960 §4.2.2.2): one current
//! responder per CA, issued by that CA through the normal issuance cycle
//! (serial reserved, linted record, signed once, audited), short-lived and
//! replaced automatically when less than half of its validity remains.
//!
//! Profile: subject `C, O` of the CA and `CN=<CA name> OCSP Responder`;
//! keyUsage digitalSignature (critical); extendedKeyUsage id-kp-OCSPSigning;
//! id-pkix-ocsp-nocheck (relying parties do not check the responder's own
//! status, which is why it is short-lived); SKI and AKI. The key is of the CA's
//! type, encrypted at rest like the CA keys (`keys/ocsp-<ca>-<serial>.key.pem`).

use std::sync::Arc;

use carepki_keys::{Signer, SoftwareKey};
use carepki_store::{IssuanceRecord, ResponderRow};
use carepki_x509::PublicKey;
use carepki_x509::cert::{TbsParams, assemble, encode_tbs, serial_hex};
use carepki_x509::ext::{self, Ku};
use carepki_x509::lint::{Finding, IssuerFacts, lint_rfc5280_decoded};
use carepki_x509::name::{Attr, build_name, display_name};
use carepki_x509::reexport::const_oid::ObjectIdentifier;
use carepki_x509::reexport::der::asn1::OctetString;
use carepki_x509::reexport::x509_cert::ext::Extension;

use crate::authority::now_unix;
use crate::serial::new_serial;
use crate::{Authority, CaError, LoadedCa};

/// The profile name responder certificates are stored under.
pub const RESPONDER_PROFILE: &str = "ocsp-responder";

/// id-kp-OCSPSigning (RFC 6960 §4.2.2.2).
pub const ID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");

/// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
pub const ID_PKIX_OCSP_NOCHECK: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");

/// A responder ready to sign: its key, certificate and the SHA-1 of its public
/// key (the ResponderID byKey).
pub struct Responder {
    /// The responder certificate's serial, lower-case hex.
    pub serial: String,
    /// The CA it answers for.
    pub ca_id: String,
    /// The responder certificate, DER.
    pub cert_der: Vec<u8>,
    /// SHA-1 of the responder's subjectPublicKey bits.
    pub key_hash: Vec<u8>,
    /// End of the certificate's validity.
    pub not_after: i64,
    /// The signing key.
    pub signer: Arc<dyn Signer>,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("serial", &self.serial)
            .field("ca_id", &self.ca_id)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// The current responder of `ca_id`, loading it from the data directory or
    /// issuing a new one when there is none with more than half of its validity
    /// left at `now`.
    pub async fn current_responder(&self, ca_id: &str, now: i64) -> Result<Responder, CaError> {
        let validity = self.ceremony().ocsp_responder_validity;
        let rows = self.store().responders(ca_id, now).await?;
        if let Some(row) = rows.into_iter().find(|r| r.not_after - now > validity / 2) {
            return self.load_responder(&row).await;
        }
        self.issue_responder(ca_id, now).await
    }

    async fn load_responder(&self, row: &ResponderRow) -> Result<Responder, CaError> {
        let ca = self.loaded_ca(&row.ca_id)?;
        let cert = self
            .store()
            .certificate(&row.serial)
            .await?
            .and_then(|c| c.der)
            .ok_or_else(|| {
                CaError::DataDir(format!(
                    "OCSP responder {} of CA {} has no certificate in the database",
                    row.serial, row.ca_id
                ))
            })?;
        let key = SoftwareKey::load_encrypted(
            &self.data_dir().resolve(&row.key_file),
            self.passphrase(),
            ca.signature_algorithm,
        )?;
        if key.public_key_spki() != crate::ca_spki(&cert)?.as_slice() {
            return Err(CaError::DataDir(format!(
                "the key file of OCSP responder {} does not match its certificate",
                row.serial
            )));
        }
        let key_hash = public_key_sha1(key.public_key_spki())?;
        Ok(Responder {
            serial: row.serial.clone(),
            ca_id: row.ca_id.clone(),
            cert_der: cert,
            key_hash,
            not_after: row.not_after,
            signer: Arc::new(key),
        })
    }

    /// Issues a new responder certificate of `ca_id` valid from `now`, through
    /// the issuance cycle, and records it as the CA's current responder.
    pub async fn issue_responder(&self, ca_id: &str, now: i64) -> Result<Responder, CaError> {
        const ACTOR: &str = "carepki-ocsp";
        let ca = self.loaded_ca(ca_id)?;
        let ca_signer = self.signer(ca_id)?;
        let key_alg = ca_signer.key_algorithm();
        let sig_alg = ca.signature_algorithm;
        let key = tokio::task::spawn_blocking(move || SoftwareKey::generate(key_alg, sig_alg))
            .await
            .map_err(|e| CaError::DataDir(format!("key generation task failed: {e}")))??;
        let public = PublicKey::from_spki_der(key.public_key_spki())?;

        let serial_bytes = new_serial(self.ceremony().serial_prefix, now)?;
        let serial = serial_hex(&serial_bytes);
        self.store()
            .reserve_serial(&serial, ca_id, ACTOR, now)
            .await?;
        let result = self
            .build_responder(ca, &*ca_signer, key, &public, serial_bytes, &serial, now)
            .await;
        match result {
            Ok(r) => Ok(r),
            Err(e) => {
                if let Err(abandon) = self
                    .store()
                    .abandon_serial(&serial, &e.to_string(), ACTOR, now_unix())
                    .await
                {
                    tracing::error!(%serial, error = %abandon, "could not abandon serial");
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn build_responder(
        &self,
        ca: &LoadedCa,
        ca_signer: &dyn Signer,
        key: SoftwareKey,
        public: &PublicKey,
        serial_bytes: Vec<u8>,
        serial: &str,
        now: i64,
    ) -> Result<Responder, CaError> {
        const ACTOR: &str = "carepki-ocsp";
        let ceremony = self.ceremony();
        let not_before = now;
        let not_after = (now + ceremony.ocsp_responder_validity - 1).min(ca.row.not_after);
        let cn = format!("{} OCSP Responder", ceremony.ca_name(ca.hierarchy, ca.role));
        let subject = build_name(&[
            (Attr::Country, ceremony.country.as_str()),
            (Attr::Organization, ceremony.organization.as_str()),
            (Attr::CommonName, cn.as_str()),
        ])?;
        let extensions = vec![
            ext::key_usage(&[Ku::DigitalSignature])?,
            Extension {
                extn_id: const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
                critical: false,
                extn_value: OctetString::new(ocsp_signing_eku_der())
                    .map_err(|e| CaError::DataDir(format!("cannot encode the EKU: {e}")))?,
            },
            Extension {
                extn_id: ID_PKIX_OCSP_NOCHECK,
                critical: false,
                extn_value: OctetString::new(vec![0x05, 0x00])
                    .map_err(|e| CaError::DataDir(format!("cannot encode ocsp-nocheck: {e}")))?,
            },
            ext::subject_key_identifier(&public.key_identifier())?,
            ext::authority_key_identifier(&ca.key_identifier)?,
        ];
        let tbs = encode_tbs(&TbsParams {
            serial: serial_bytes,
            signature: ca.signature_algorithm,
            issuer: ca.subject.clone(),
            not_before,
            not_after,
            subject,
            spki_der: public.spki_der.clone(),
            extensions,
        })?;
        let decoded = carepki_x509::cert::decode_tbs(&tbs).map_err(|e| {
            CaError::Lint(vec![Finding {
                rule: "rfc5280.der",
                message: e.to_string(),
            }])
        })?;
        let findings = lint_rfc5280_decoded(
            &decoded,
            &IssuerFacts {
                subject_der: &ca.subject_der,
                key_identifier: &ca.key_identifier,
                signature_algorithm: ca.signature_algorithm,
            },
        );
        if !findings.is_empty() {
            return Err(CaError::Lint(findings));
        }
        let record = IssuanceRecord {
            serial: serial.to_owned(),
            ca_id: ca.row.id.clone(),
            profile: RESPONDER_PROFILE.to_owned(),
            org_oid: None,
            org_version: None,
            subject: display_name(decoded.subject()),
            spki_sha256: public.spki_sha256_hex(),
            not_before,
            not_after,
            tbs_der: tbs.clone(),
        };
        self.store()
            .store_issuance_record(&record, ACTOR, now)
            .await?;
        let signature = ca_signer.sign(&tbs)?;
        let der = assemble(&tbs, ca.signature_algorithm, &signature)?;
        self.store()
            .store_certificate(serial, &der, ACTOR, now_unix())
            .await?;

        // The key file is written once the certificate exists; its name is unique.
        let key_file = format!("keys/ocsp-{}-{serial}.key.pem", ca.row.id);
        key.write_encrypted(&self.data_dir().resolve(&key_file), self.passphrase())?;
        self.store()
            .record_responder(
                &ResponderRow {
                    serial: serial.to_owned(),
                    ca_id: ca.row.id.clone(),
                    key_file,
                    not_before,
                    not_after,
                    created_at: now,
                },
                ACTOR,
            )
            .await?;
        tracing::info!(ca = %ca.row.id, %serial, not_after, "issued an OCSP responder certificate");
        let key_hash = public_key_sha1(key.public_key_spki())?;
        Ok(Responder {
            serial: serial.to_owned(),
            ca_id: ca.row.id.clone(),
            cert_der: der,
            key_hash,
            not_after,
            signer: Arc::new(key),
        })
    }
}

/// `SEQUENCE { id-kp-OCSPSigning }`, the extnValue of the responder's EKU.
fn ocsp_signing_eku_der() -> Vec<u8> {
    // 06 08 2B 06 01 05 05 07 03 09 inside a SEQUENCE.
    let mut oid = vec![0x06, 0x08];
    oid.extend_from_slice(ID_KP_OCSP_SIGNING.as_bytes());
    let mut out = vec![0x30, u8::try_from(oid.len()).unwrap_or(0)];
    out.extend_from_slice(&oid);
    out
}

/// SHA-1 of the subjectPublicKey bits of a DER SubjectPublicKeyInfo (the OCSP
/// ResponderID byKey and the CertID issuerKeyHash).
pub fn public_key_sha1(spki_der: &[u8]) -> Result<Vec<u8>, CaError> {
    let bits = public_key_bits(spki_der)?;
    Ok(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &bits)
            .as_ref()
            .to_vec(),
    )
}

/// The subjectPublicKey BIT STRING's bytes of a DER SubjectPublicKeyInfo.
pub fn public_key_bits(spki_der: &[u8]) -> Result<Vec<u8>, CaError> {
    use carepki_x509::reexport::der::Decode;
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(spki_der)
        .map_err(|e| CaError::DataDir(format!("malformed public key: {e}")))?;
    Ok(spki.subject_public_key.raw_bytes().to_vec())
}
