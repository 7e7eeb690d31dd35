//! Outside input never panics the parsers: arbitrary bytes, and valid requests and
//! certificates with bytes flipped, inserted, removed or cut off, give a result or a
//! clean error.
#![allow(clippy::unwrap_used)] // fixtures: a panic is a failed test

use std::sync::OnceLock;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use carepki_x509::csr::{build_request, parse_and_verify};
use carepki_x509::name::{Attr, build_name};
use carepki_x509::{PublicKey, SignatureAlgorithm, X509Error};
use proptest::prelude::*;

#[path = "support/edits.rs"]
mod edits;

use edits::{apply, edit};

fn valid_csr() -> &'static [u8] {
    static CSR: OnceLock<Vec<u8>> = OnceLock::new();
    CSR.get_or_init(|| {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let rng = SystemRandom::new();
        build_request(
            &build_name(&[(Attr::CommonName, "kanta.example.fi")]).unwrap(),
            key.public_key().as_der().unwrap().as_ref(),
            SignatureAlgorithm::EcdsaSha256,
            |m| Ok(key.sign(&rng, m).unwrap().as_ref().to_vec()),
        )
        .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_and_verify(&bytes);
        let _ = PublicKey::from_spki_der(&bytes);
        let _ = carepki_x509::cert::decode_certificate_any(&bytes);
        let _ = carepki_x509::oid::decode_policy_ids(&bytes);
    }

    #[test]
    fn damaged_requests_are_refused_or_still_verify(edits in proptest::collection::vec(edit(), 1..4)) {
        let damaged = apply(valid_csr().to_vec(), &edits);
        match parse_and_verify(&damaged) {
            // A damaged request can only pass if it still carries a valid signature
            // over its own contents, i.e. the edit left the signed bytes alone.
            Ok(v) => prop_assert_eq!(v.public_key, parse_and_verify(valid_csr()).unwrap().public_key),
            Err(e) => prop_assert!(matches!(
                e,
                X509Error::Malformed { .. }
                    | X509Error::BadSignature
                    | X509Error::UnsupportedKeyType(_)
                    | X509Error::UnsupportedCurve(_)
                    | X509Error::EcPoint(_)
                    | X509Error::UnsupportedSignatureAlgorithm(_)
            ), "{e:?}"),
        }
    }
}

/// A valid signed document (CMS SignedData, encapsulated) by a self-signed
/// certificate.
fn valid_document() -> &'static [u8] {
    static DOC: OnceLock<Vec<u8>> = OnceLock::new();
    DOC.get_or_init(|| {
        use carepki_x509::cert::{TbsParams, assemble, encode_tbs};
        use carepki_x509::cms::{Encapsulation, prepare};
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let rng = SystemRandom::new();
        let name = build_name(&[(Attr::CommonName, "Aino Lääkäri")]).unwrap();
        let tbs = encode_tbs(&TbsParams {
            serial: vec![0x42],
            signature: SignatureAlgorithm::EcdsaSha256,
            issuer: name.clone(),
            not_before: 1_790_000_000,
            not_after: 1_800_000_000,
            subject: name,
            spki_der: key.public_key().as_der().unwrap().as_ref().to_vec(),
            extensions: vec![],
        })
        .unwrap();
        let cert = assemble(
            &tbs,
            SignatureAlgorithm::EcdsaSha256,
            key.sign(&rng, &tbs).unwrap().as_ref(),
        )
        .unwrap();
        let plan = prepare(
            b"Resepti: Amoksisilliini 500 mg",
            &cert,
            SignatureAlgorithm::EcdsaSha256,
            1_795_000_000,
            Encapsulation::Encapsulated,
        )
        .unwrap();
        plan.assemble(key.sign(&rng, plan.to_be_signed()).unwrap().as_ref())
            .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic_the_document_verifier(
        bytes in proptest::collection::vec(any::<u8>(), 0..600)
    ) {
        let _ = carepki_x509::cms::verify_signed_data(&bytes, None);
        let _ = carepki_x509::cms::verify_signed_data(&bytes, Some(b"x"));
    }

    #[test]
    fn damaged_documents_are_refused_or_unchanged(edits in proptest::collection::vec(edit(), 1..4)) {
        let original = carepki_x509::cms::verify_signed_data(valid_document(), None).unwrap();
        let damaged = apply(valid_document().to_vec(), &edits);
        match carepki_x509::cms::verify_signed_data(&damaged, None) {
            // Strict DER and a signature over the attributes, which hold the
            // content's digest: what passes has the original's content, time and
            // signer key. The certificate's other bytes are not this layer's to
            // judge (an edit in its signature algorithm can pass here): the CA's
            // verifier requires it byte for byte as issued (ca/src/docsign.rs).
            Ok(v) => {
                let key = |der: &[u8]| {
                    let cert = carepki_x509::cert::decode_certificate(der).unwrap();
                    carepki_x509::cert::spki_der(cert.tbs_certificate()).unwrap()
                };
                prop_assert_eq!(&v.content, &original.content);
                prop_assert_eq!(v.signing_time, original.signing_time);
                prop_assert_eq!(key(&v.signer_certificate), key(&original.signer_certificate));
            }
            Err(e) => prop_assert!(
                matches!(e, X509Error::SignedDocument { .. }),
                "{e:?}"
            ),
        }
    }
}
