//! OCSP against openssl: requests made by `openssl ocsp -reqout` parse to the CertIDs
//! `cert_id` builds, responses built here pass `openssl ocsp -respin` (and pkilint's
//! `lint_ocsp_response` where it is installed), and no input panics the parsers.
//!
//! Needs `openssl` on PATH. The throwaway PKI lives in a temporary directory: a P-384
//! CA whose key aws-lc-rs generated (it signs responses itself), two leaves, and a
//! delegated P-256 responder with id-kp-OCSPSigning.
#![allow(clippy::unwrap_used)] // fixtures: a panic is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
};
use carepki_x509::cert::{decode_certificate_any, name_der, spki_der};
use carepki_x509::csr::build_request;
use carepki_x509::key::key_identifier;
use carepki_x509::name::{Attr, build_name};
use carepki_x509::ocsp::{
    CertStatus, HashAlg, MAX_REQUEST_BYTES, OcspRequest, RequestError, ResponderId, ResponseStatus,
    SingleResponse, assemble_response, cert_id, decode_response, encode_response_data,
    error_response, parse_request, parse_request_ref, verify_signature,
};
use carepki_x509::reexport::der;
use carepki_x509::{PublicKey, RevocationReason, SignatureAlgorithm};
use proptest::prelude::*;

#[path = "support/edits.rs"]
mod edits;

use edits::{apply, edit};

const LEAF1_SERIAL: &str = "0x0123ABCD";
/// High bit set: the INTEGER gets a leading 00.
const LEAF2_SERIAL: &str = "0x8000000000000001";
const UNKNOWN_SERIAL: &str = "0x1234";

// ---------------------------------------------------------------------------------
// The throwaway PKI
// ---------------------------------------------------------------------------------

struct Pki {
    dir: tempfile::TempDir,
    ca_key: EcdsaKeyPair,
    ca_der: Vec<u8>,
    ca_name_der: Vec<u8>,
    ca_key_bits: Vec<u8>,
    responder_key: EcdsaKeyPair,
    responder_der: Vec<u8>,
    responder_spki: Vec<u8>,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }
}

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be on PATH for these tests");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?} failed:\n{text}");
    text
}

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

fn pki() -> Pki {
    {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let rng = SystemRandom::new();

        // The CA: a P-384 key from aws-lc-rs, self-signed by openssl.
        let ca_pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, &rng).unwrap();
        let ca_key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, ca_pkcs8.as_ref()).unwrap();
        std::fs::write(d.join("ca.key"), pem("PRIVATE KEY", ca_pkcs8.as_ref())).unwrap();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-sha384",
                "-days",
                "30",
                "-subj",
                "/C=FI/O=CarePKI Test/CN=CarePKI Test OCSP CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
                "-out",
                "ca.pem",
            ],
        );

        // Two leaves.
        for (name, serial) in [("leaf1", LEAF1_SERIAL), ("leaf2", LEAF2_SERIAL)] {
            openssl(
                d,
                &[
                    "req",
                    "-new",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    &format!("{name}.key"),
                    "-subj",
                    &format!("/CN={name}"),
                    "-out",
                    &format!("{name}.csr"),
                ],
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &format!("{name}.csr"),
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-set_serial",
                    serial,
                    "-days",
                    "10",
                    "-sha384",
                    "-out",
                    &format!("{name}.pem"),
                ],
            );
        }

        // A delegated responder: a P-256 key from aws-lc-rs, certified for OCSPSigning.
        let responder_key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let responder_spki = responder_key
            .public_key()
            .as_der()
            .unwrap()
            .as_ref()
            .to_vec();
        let csr = build_request(
            &build_name(&[(Attr::CommonName, "CarePKI Test OCSP responder")]).unwrap(),
            &responder_spki,
            SignatureAlgorithm::EcdsaSha256,
            |m| Ok(responder_key.sign(&rng, m).unwrap().as_ref().to_vec()),
        )
        .unwrap();
        std::fs::write(d.join("responder.csr"), pem("CERTIFICATE REQUEST", &csr)).unwrap();
        std::fs::write(
            d.join("responder.ext"),
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\n\
             extendedKeyUsage=critical,OCSPSigning\n\
             noCheck=ignored\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "responder.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                "0x0A0B",
                "-days",
                "10",
                "-sha384",
                "-extfile",
                "responder.ext",
                "-out",
                "responder.pem",
            ],
        );

        let ca = decode_certificate_any(&std::fs::read(d.join("ca.pem")).unwrap()).unwrap();
        let ca_tbs = ca.tbs_certificate();
        let ca_der = der::Encode::to_der(&ca).unwrap();
        let ca_name_der = name_der(ca_tbs.subject()).unwrap();
        let ca_key_bits = PublicKey::from_spki_der(&spki_der(ca_tbs).unwrap())
            .unwrap()
            .raw;
        assert_eq!(ca_key_bits, ca_key.public_key().as_ref());
        let responder =
            decode_certificate_any(&std::fs::read(d.join("responder.pem")).unwrap()).unwrap();
        let responder_der = der::Encode::to_der(&responder).unwrap();
        Pki {
            dir,
            ca_key,
            ca_der,
            ca_name_der,
            ca_key_bits,
            responder_key,
            responder_der,
            responder_spki,
        }
    }
}

/// The INTEGER content octets of an openssl `-set_serial 0x…` value.
fn serial_octets(hex_serial: &str) -> Vec<u8> {
    let mut bytes = hex::decode(hex_serial.trim_start_matches("0x")).unwrap();
    while bytes.len() > 1 && bytes[0] == 0 && bytes[1] & 0x80 == 0 {
        bytes.remove(0);
    }
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    bytes
}

fn our_cert_id(pki: &Pki, hash: HashAlg, serial: &str) -> Vec<u8> {
    cert_id(
        hash,
        &pki.ca_name_der,
        &pki.ca_key_bits,
        &serial_octets(serial),
    )
    .unwrap()
}

/// `openssl ocsp -reqout` with these options, read back.
fn openssl_request(pki: &Pki, name: &str, options: &[&str]) -> Vec<u8> {
    let out = format!("{name}.der");
    let mut args = vec!["ocsp", "-issuer", "ca.pem", "-reqout", &out];
    args.extend_from_slice(options);
    openssl(pki.dir.path(), &args);
    std::fs::read(pki.path(&out)).unwrap()
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

// ---------------------------------------------------------------------------------
// Requests made by openssl
// ---------------------------------------------------------------------------------

#[test]
fn openssl_request_with_nonce() {
    let pki = &pki();
    let der = openssl_request(pki, "req-nonce", &["-cert", "leaf1.pem"]);
    let req = parse_request(&der, 10).unwrap();
    assert_eq!(req.cert_ids.len(), 1);
    let id = &req.cert_ids[0];
    assert_eq!(id.hash, HashAlg::Sha1);
    assert_eq!(id.serial, serial_octets(LEAF1_SERIAL));
    assert_eq!(id.serial_hex(), "0123abcd");
    assert_eq!(id.der, our_cert_id(pki, HashAlg::Sha1, LEAF1_SERIAL));
    // openssl sends a 16-octet nonce.
    assert_eq!(req.nonce.as_ref().map(Vec::len), Some(16));

    // The borrowed parse agrees and points into the input.
    let borrowed = parse_request_ref(&der, 10).unwrap();
    assert_eq!(borrowed.clone().into_owned(), req);
    assert!(
        der.windows(id.der.len())
            .any(|w| w == borrowed.cert_ids[0].der)
    );
}

#[test]
fn openssl_request_without_nonce() {
    let pki = &pki();
    let der = openssl_request(pki, "req-no-nonce", &["-cert", "leaf2.pem", "-no_nonce"]);
    let req = parse_request(&der, 10).unwrap();
    assert_eq!(req.nonce, None);
    assert_eq!(req.cert_ids[0].serial, [0x00, 0x80, 0, 0, 0, 0, 0, 0, 0x01]);
    assert_eq!(req.cert_ids[0].serial_hex(), "8000000000000001");
    assert_eq!(
        req.cert_ids[0].der,
        our_cert_id(pki, HashAlg::Sha1, LEAF2_SERIAL)
    );
}

#[test]
fn openssl_request_with_sha256_cert_ids() {
    let pki = &pki();
    let der = openssl_request(pki, "req-sha256", &["-sha256", "-cert", "leaf1.pem"]);
    let req = parse_request(&der, 10).unwrap();
    let id = &req.cert_ids[0];
    assert_eq!(id.hash, HashAlg::Sha256);
    assert_eq!(id.issuer_name_hash.len(), 32);
    assert_eq!(id.der, our_cert_id(pki, HashAlg::Sha256, LEAF1_SERIAL));
}

#[test]
fn openssl_request_for_several_certificates() {
    let pki = &pki();
    let der = three_request(pki);
    let req = parse_request(&der, 3).unwrap();
    let expected: Vec<Vec<u8>> = [LEAF1_SERIAL, LEAF2_SERIAL, UNKNOWN_SERIAL]
        .iter()
        .map(|s| our_cert_id(pki, HashAlg::Sha1, s))
        .collect();
    let got: Vec<Vec<u8>> = req.cert_ids.iter().map(|c| c.der.clone()).collect();
    assert_eq!(got, expected);
    assert!(req.nonce.is_some());
    assert_eq!(
        parse_request(&der, 2),
        Err(RequestError::TooMany { count: 3, max: 2 })
    );
}

#[test]
fn signed_request_with_requestor_name_is_tolerated() {
    let pki = &pki();
    // -signer puts the signer's name in requestorName and adds optionalSignature
    // with the signer's certificate.
    let der = openssl_request(
        pki,
        "req-signed",
        &[
            "-cert",
            "leaf1.pem",
            "-signer",
            "leaf1.pem",
            "-signkey",
            "leaf1.key",
        ],
    );
    let req = parse_request(&der, 10).unwrap();
    assert_eq!(
        req.cert_ids[0].der,
        our_cert_id(pki, HashAlg::Sha1, LEAF1_SERIAL)
    );
    assert!(req.nonce.is_some());
}

/// Leaf 1, leaf 2 and an unknown serial, SHA-1 CertIDs, with a nonce; kept in
/// `req-three.der`.
fn three_request(pki: &Pki) -> Vec<u8> {
    openssl_request(
        pki,
        "req-three",
        &[
            "-cert",
            "leaf1.pem",
            "-cert",
            "leaf2.pem",
            "-serial",
            UNKNOWN_SERIAL,
        ],
    )
}

// ---------------------------------------------------------------------------------
// Responses checked by openssl
// ---------------------------------------------------------------------------------

/// Answer the three-certificate request: leaf1 good, leaf2 revoked (keyCompromise),
/// the third unknown. Signed by the CA itself or by the delegated responder.
fn build_response(pki: &Pki, request: &OcspRequest, delegated: bool) -> Vec<u8> {
    let t = now();
    let statuses = [
        CertStatus::Good,
        CertStatus::Revoked {
            at: t - 86_400,
            reason: Some(RevocationReason::KeyCompromise),
        },
        CertStatus::Unknown,
    ];
    let singles: Vec<SingleResponse<'_>> = request
        .cert_ids
        .iter()
        .zip(statuses)
        .map(|(id, status)| SingleResponse {
            cert_id_der: &id.der,
            status,
            this_update: t - 60,
            next_update: Some(t + 3_600),
        })
        .collect();
    let rng = SystemRandom::new();
    if delegated {
        let bits = PublicKey::from_spki_der(&pki.responder_spki).unwrap().raw;
        let tbs = encode_response_data(
            &key_identifier(&bits),
            t,
            &singles,
            request.nonce.as_deref(),
        )
        .unwrap();
        let sig = pki.responder_key.sign(&rng, &tbs).unwrap();
        assemble_response(
            &tbs,
            SignatureAlgorithm::EcdsaSha256,
            sig.as_ref(),
            &[&pki.responder_der],
        )
        .unwrap()
    } else {
        let tbs = encode_response_data(
            &key_identifier(&pki.ca_key_bits),
            t,
            &singles,
            request.nonce.as_deref(),
        )
        .unwrap();
        let sig = pki.ca_key.sign(&rng, &tbs).unwrap();
        assemble_response(
            &tbs,
            SignatureAlgorithm::EcdsaSha384,
            sig.as_ref(),
            &[&pki.ca_der],
        )
        .unwrap()
    }
}

fn check_with_openssl(pki: &Pki, resp: &[u8], name: &str) -> String {
    let resp_file = format!("{name}.der");
    std::fs::write(pki.path(&resp_file), resp).unwrap();
    // Against the request: the signature, the chain and the nonce.
    let text = openssl(
        pki.dir.path(),
        &[
            "ocsp",
            "-respin",
            &resp_file,
            "-reqin",
            "req-three.der",
            "-issuer",
            "ca.pem",
            "-CAfile",
            "ca.pem",
            "-resp_text",
        ],
    );
    assert!(text.contains("Response verify OK"), "{text}");
    assert!(!text.contains("WARNING"), "{text}");
    assert!(!text.contains("Nonce Verify error"), "{text}");
    assert!(text.contains("Cert Status: good"), "{text}");
    assert!(text.contains("Cert Status: revoked"), "{text}");
    assert!(
        text.contains("Revocation Reason: keyCompromise (0x1)"),
        "{text}"
    );
    assert!(text.contains("Cert Status: unknown"), "{text}");
    assert!(text.contains("Responder Id: "), "{text}");
    // Per certificate, with openssl's own CertIDs and its check of the times.
    let summary = openssl(
        pki.dir.path(),
        &[
            "ocsp",
            "-respin",
            &resp_file,
            "-issuer",
            "ca.pem",
            "-CAfile",
            "ca.pem",
            "-no_nonce",
            "-cert",
            "leaf1.pem",
            "-cert",
            "leaf2.pem",
            "-serial",
            UNKNOWN_SERIAL,
        ],
    );
    assert!(summary.contains("Response verify OK"), "{summary}");
    assert!(summary.contains("leaf1.pem: good"), "{summary}");
    assert!(summary.contains("leaf2.pem: revoked"), "{summary}");
    assert!(summary.contains("Reason: keyCompromise"), "{summary}");
    assert!(
        summary.contains(&format!("{UNKNOWN_SERIAL}: unknown")),
        "{summary}"
    );
    assert!(!summary.contains("WARNING"), "{summary}");
    text
}

#[test]
fn ca_signed_response_passes_openssl_and_reads_back() {
    let pki = &pki();
    let request = parse_request(&three_request(pki), 10).unwrap();
    let resp = build_response(pki, &request, false);
    let text = check_with_openssl(pki, &resp, "resp-ca");
    assert!(
        text.contains(&format!(
            "Responder Id: {}",
            hex::encode_upper(key_identifier(&pki.ca_key_bits))
        )),
        "{text}"
    );

    let decoded = decode_response(&resp).unwrap();
    assert_eq!(decoded.status, ResponseStatus::Successful);
    let basic = decoded.basic.as_ref().unwrap();
    assert_eq!(
        basic.signature_algorithm,
        SignatureAlgorithm::EcdsaSha384.oid()
    );
    assert_eq!(
        basic.responder_id,
        ResponderId::ByKey(key_identifier(&pki.ca_key_bits))
    );
    assert_eq!(basic.nonce, request.nonce);
    assert_eq!(basic.certs, vec![pki.ca_der.clone()]);
    assert_eq!(basic.responses.len(), 3);
    for (single, asked) in basic.responses.iter().zip(&request.cert_ids) {
        assert_eq!(&single.cert_id, asked);
        assert_eq!(single.next_update, Some(single.this_update + 3_660));
        assert!(single.this_update < basic.produced_at);
    }
    assert_eq!(basic.responses[0].status, CertStatus::Good);
    assert!(matches!(
        basic.responses[1].status,
        CertStatus::Revoked {
            reason: Some(RevocationReason::KeyCompromise),
            ..
        }
    ));
    assert_eq!(basic.responses[2].status, CertStatus::Unknown);

    // The signature verifies with the CA key, not with another, and not after a flip.
    let ca_spki = spki_der(
        decode_certificate_any(&pki.ca_der)
            .unwrap()
            .tbs_certificate(),
    )
    .unwrap();
    verify_signature(&decoded, &ca_spki).unwrap();
    assert!(verify_signature(&decoded, &pki.responder_spki).is_err());
    let sig_at = resp.len() - pki.ca_der.len() - 4 - 10;
    for at in [sig_at, 40, resp.len() / 2] {
        let mut flipped = resp.clone();
        flipped[at] ^= 0x01;
        if let Ok(d) = decode_response(&flipped) {
            assert!(verify_signature(&d, &ca_spki).is_err(), "flip at {at}");
        }
    }
    // Every bit of the signed data matters.
    let mut tampered = decoded.clone();
    tampered.basic.as_mut().unwrap().tbs[20] ^= 0x80;
    assert!(verify_signature(&tampered, &ca_spki).is_err());
    let mut tampered = decoded.clone();
    let sig = &mut tampered.basic.as_mut().unwrap().signature;
    let last = sig.len() - 1;
    sig[last] ^= 0x01;
    assert!(verify_signature(&tampered, &ca_spki).is_err());
}

#[test]
fn delegated_responder_response_passes_openssl() {
    let pki = &pki();
    let request = parse_request(&three_request(pki), 10).unwrap();
    let resp = build_response(pki, &request, true);
    check_with_openssl(pki, &resp, "resp-delegated");
    let decoded = decode_response(&resp).unwrap();
    let basic = decoded.basic.as_ref().unwrap();
    assert_eq!(basic.certs, vec![pki.responder_der.clone()]);
    assert_eq!(
        basic.signature_algorithm,
        SignatureAlgorithm::EcdsaSha256.oid()
    );
    verify_signature(&decoded, &pki.responder_spki).unwrap();
}

#[test]
fn response_without_nonce_or_certs() {
    let pki = &pki();
    let request = parse_request(
        &openssl_request(pki, "req-plain", &["-cert", "leaf1.pem", "-no_nonce"]),
        1,
    )
    .unwrap();
    let t = now();
    let single = SingleResponse {
        cert_id_der: &request.cert_ids[0].der,
        status: CertStatus::Good,
        this_update: t,
        next_update: Some(t + 600),
    };
    let tbs = encode_response_data(&key_identifier(&pki.ca_key_bits), t, &[single], None).unwrap();
    let sig = pki.ca_key.sign(&SystemRandom::new(), &tbs).unwrap();
    let resp = assemble_response(&tbs, SignatureAlgorithm::EcdsaSha384, sig.as_ref(), &[]).unwrap();
    let decoded = decode_response(&resp).unwrap();
    let basic = decoded.basic.as_ref().unwrap();
    assert_eq!(basic.nonce, None);
    assert!(basic.certs.is_empty());
    std::fs::write(pki.path("resp-plain.der"), &resp).unwrap();
    let text = openssl(
        pki.dir.path(),
        &[
            "ocsp",
            "-respin",
            "resp-plain.der",
            "-issuer",
            "ca.pem",
            "-verify_other",
            "ca.pem",
            "-CAfile",
            "ca.pem",
            "-no_nonce",
            "-cert",
            "leaf1.pem",
        ],
    );
    assert!(text.contains("Response verify OK"), "{text}");
    assert!(text.contains("leaf1.pem: good"), "{text}");
}

#[test]
fn error_responses_read_by_openssl() {
    let pki = &pki();
    let der = error_response(ResponseStatus::MalformedRequest).unwrap();
    assert_eq!(der, [0x30, 0x03, 0x0a, 0x01, 0x01]);
    std::fs::write(pki.path("resp-malformed.der"), der).unwrap();
    let out = Command::new("openssl")
        .args(["ocsp", "-respin", "resp-malformed.der", "-resp_text"])
        .current_dir(pki.dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("malformedrequest (1)"), "{text}");
    let decoded = decode_response(der).unwrap();
    assert!(verify_signature(&decoded, &pki.responder_spki).is_err());
}

#[test]
fn pkilint_finds_nothing_wrong() {
    let Some(lint) = find_tool("lint_ocsp_response") else {
        println!(
            "NOTE: lint_ocsp_response (pkilint) is not installed; skipping. \
             Install it with `python3 -m pip install pkilint==0.13.3`."
        );
        return;
    };
    let pki = &pki();
    let request = parse_request(&three_request(pki), 10).unwrap();
    for (name, delegated) in [("lint-ca.der", false), ("lint-delegated.der", true)] {
        std::fs::write(pki.path(name), build_response(pki, &request, delegated)).unwrap();
        let out = Command::new(&lint)
            .args(["lint", "-s", "NOTICE", &pki.p(name)])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        println!("pkilint on {name}:\n{text}");
        assert!(out.status.success(), "{name}: {text}");
        assert!(!text.contains("ERROR"), "{name}: {text}");
        assert!(!text.contains("WARNING"), "{name}: {text}");
        assert!(!text.contains("FATAL"), "{name}: {text}");
        assert!(!text.contains("Traceback"), "{name}: {text}");
    }
}

/// A program on PATH, or in pip's user directory (`~/.local/bin`).
fn find_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".local/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

// ---------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else if len < 0x100 {
        out.extend([0x81, u8::try_from(len).unwrap()]);
    } else {
        out.extend([
            0x82,
            u8::try_from(len >> 8).unwrap(),
            u8::try_from(len & 0xff).unwrap(),
        ]);
    }
    out.extend_from_slice(value);
    out
}

/// An OCSPRequest around these CertIDs, with a nonce of these octets if given.
fn hand_request(cert_ids: &[Vec<u8>], nonce: Option<&[u8]>) -> Vec<u8> {
    let list: Vec<u8> = cert_ids.iter().flat_map(|id| tlv(0x30, id)).collect();
    let mut tbs = tlv(0x30, &list);
    if let Some(nonce) = nonce {
        let mut ext = tlv(
            0x06,
            &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02],
        );
        ext.extend(tlv(0x04, &tlv(0x04, nonce)));
        tbs.extend(tlv(0xa2, &tlv(0x30, &tlv(0x30, &ext))));
    }
    tlv(0x30, &tlv(0x30, &tbs))
}

fn valid_request() -> Vec<u8> {
    hand_request(
        &[cert_id(HashAlg::Sha1, b"\x30\x00", b"key", &[0x01, 0x02]).unwrap()],
        Some(b"0123456789abcdef"),
    )
}

#[test]
fn hand_built_request_parses() {
    let req = parse_request(&valid_request(), 1).unwrap();
    assert_eq!(req.nonce.as_deref(), Some(&b"0123456789abcdef"[..]));
    assert!(valid_request().len() < MAX_REQUEST_BYTES);
}

#[test]
fn empty_and_garbage_are_malformed() {
    for input in [
        &b""[..],
        b"\x00",
        b"\x30",
        b"\x30\x00",
        b"\x30\x02\x30\x00",
        b"GET / HTTP/1.1\r\n",
        b"\xff\xff\xff\xff",
        b"\x30\x84\xff\xff\xff\xff",
        b"\x30\x89\x01\x01\x01\x01\x01\x01\x01\x01\x01",
    ] {
        assert!(
            matches!(parse_request(input, 10), Err(RequestError::Malformed(_))),
            "{input:?}"
        );
        assert!(decode_response(input).is_err(), "{input:?}");
    }
    let empty = parse_request(b"", 10).unwrap_err().to_string();
    assert!(empty.contains("empty"), "{empty}");
    // A request with an empty requestList.
    let none = tlv(0x30, &tlv(0x30, &tlv(0x30, &[])));
    assert!(matches!(
        parse_request(&none, 10),
        Err(RequestError::Malformed(m)) if m.contains("at least one")
    ));
}

#[test]
fn every_truncation_of_real_input_is_an_error() {
    let pki = &pki();
    let requests = [
        openssl_request(pki, "req-trunc", &["-cert", "leaf1.pem"]),
        openssl_request(
            pki,
            "req-trunc-signed",
            &[
                "-cert",
                "leaf2.pem",
                "-signer",
                "leaf1.pem",
                "-signkey",
                "leaf1.key",
            ],
        ),
        valid_request(),
    ];
    for der in &requests {
        parse_request(der, 10).unwrap();
        for n in 0..der.len() {
            assert!(parse_request(&der[..n], 10).is_err(), "cut at {n}");
        }
    }
    let request = parse_request(&three_request(pki), 10).unwrap();
    let resp = build_response(pki, &request, true);
    decode_response(&resp).unwrap();
    for n in 0..resp.len() {
        assert!(decode_response(&resp[..n]).is_err(), "cut at {n}");
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let pki = &pki();
    let mut der = openssl_request(pki, "req-trailing", &["-cert", "leaf1.pem"]);
    der.push(0x00);
    assert!(matches!(
        parse_request(&der, 10),
        Err(RequestError::Malformed(m)) if m.contains("unexpected octets")
    ));
    let request = parse_request(&three_request(pki), 10).unwrap();
    let mut resp = build_response(pki, &request, false);
    resp.extend([0x05, 0x00]);
    assert!(decode_response(&resp).is_err());
}

#[test]
fn a_thousand_cert_ids_are_too_many_and_cheap() {
    let id = cert_id(HashAlg::Sha1, b"\x30\x00", b"key", &[0x01]).unwrap();
    let der = hand_request(&vec![id; 1_000], None);
    assert!(der.len() > MAX_REQUEST_BYTES);
    let start = Instant::now();
    let err = parse_request(&der, 10).unwrap_err();
    let took = start.elapsed();
    assert_eq!(
        err,
        RequestError::TooMany {
            count: 1_000,
            max: 10
        }
    );
    assert!(err.to_string().contains("1000"), "{err}");
    assert!(took.as_millis() < 200, "took {took:?}");
}

#[test]
fn md5_cert_ids_are_unsupported() {
    // hashAlgorithm md5 (1.2.840.113549.2.5) with NULL, 16-octet hashes.
    let mut alg = tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05]);
    alg.extend(tlv(0x05, &[]));
    let mut id = tlv(0x30, &alg);
    id.extend(tlv(0x04, &[1; 16]));
    id.extend(tlv(0x04, &[2; 16]));
    id.extend(tlv(0x02, &[3]));
    let err = parse_request(&hand_request(&[tlv(0x30, &id)], None), 10).unwrap_err();
    assert_eq!(
        err,
        RequestError::UnsupportedHash("1.2.840.113549.2.5".to_owned())
    );
    let msg = err.to_string();
    assert!(
        msg.contains("1.2.840.113549.2.5") && msg.contains("SHA-256"),
        "{msg}"
    );
    assert_eq!(err.status(), ResponseStatus::MalformedRequest);
}

#[test]
fn hash_lengths_must_match_the_algorithm() {
    // SHA-256 named, SHA-1-sized hashes.
    let mut alg = tlv(0x06, HashAlg::Sha256.oid().as_bytes());
    alg.extend(tlv(0x05, &[]));
    let mut id = tlv(0x30, &alg);
    id.extend(tlv(0x04, &[1; 20]));
    id.extend(tlv(0x04, &[2; 20]));
    id.extend(tlv(0x02, &[3]));
    assert!(matches!(
        parse_request(&hand_request(&[tlv(0x30, &id)], None), 10),
        Err(RequestError::Malformed(m)) if m.contains("issuerNameHash is 20 octets")
    ));
}

#[test]
fn oversized_nonce_is_refused() {
    let id = cert_id(HashAlg::Sha256, b"\x30\x00", b"key", &[0x01]).unwrap();
    for len in [33, 64, 128, 200] {
        let der = hand_request(std::slice::from_ref(&id), Some(&vec![0xab; len]));
        assert_eq!(parse_request(&der, 10), Err(RequestError::NonceLength(len)));
    }
    let ok = hand_request(std::slice::from_ref(&id), Some(&[0xab; 32]));
    assert_eq!(parse_request(&ok, 10).unwrap().nonce, Some(vec![0xab; 32]));
    let msg = RequestError::NonceLength(33).to_string();
    assert!(msg.contains("33") && msg.contains("1 to 32"), "{msg}");
}

/// A response built without openssl, for the property tests.
fn valid_response() -> &'static [u8] {
    static RESP: OnceLock<Vec<u8>> = OnceLock::new();
    RESP.get_or_init(|| {
        let id = cert_id(HashAlg::Sha1, b"\x30\x00", b"key", &[0x01, 0x02]).unwrap();
        let singles = [
            SingleResponse {
                cert_id_der: &id,
                status: CertStatus::Revoked {
                    at: 1_700_000_000,
                    reason: Some(RevocationReason::Superseded),
                },
                this_update: 1_700_000_000,
                next_update: Some(1_700_003_600),
            },
            SingleResponse {
                cert_id_der: &id,
                status: CertStatus::Unknown,
                this_update: 1_700_000_000,
                next_update: None,
            },
        ];
        let tbs = encode_response_data(&[7; 20], 1_700_000_000, &singles, Some(b"nonce")).unwrap();
        assemble_response(
            &tbs,
            SignatureAlgorithm::RsaPkcs1Sha256,
            &[0x55; 256],
            &[&b"\x30\x00"[..]],
        )
        .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_request(&bytes, 10);
        let _ = decode_response(&bytes);
    }

    #[test]
    fn edited_requests_never_panic(edits in proptest::collection::vec(edit(), 1..6)) {
        let der = apply(valid_request(), &edits);
        if let Ok(req) = parse_request(&der, 10) {
            // Whatever parses is internally consistent.
            for id in &req.cert_ids {
                prop_assert_eq!(id.issuer_name_hash.len(), id.hash.output_len());
                prop_assert!(!id.serial.is_empty());
            }
        }
    }

    #[test]
    fn edited_responses_never_panic(edits in proptest::collection::vec(edit(), 1..6)) {
        let der = apply(valid_response().to_vec(), &edits);
        let _ = decode_response(&der);
    }
}
