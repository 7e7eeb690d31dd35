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
