//! CRLs: what `build_crl` and the streamed path write is what openssl, pkilint and
//! x509-cert read, the two paths agree, and the parser never panics.
#![allow(clippy::unwrap_used)] // fixtures: a panic is a failed test

use std::fs;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA512, RsaKeyPair,
};
use carepki_x509::cert::{decode_certificate_any, name_der, spki_der, subject_key_id};
use carepki_x509::crl::{
    CrlEntry, CrlParams, EntryWriter, IssuingDp, build_crl, crl_pem, digest_algorithm, digest_tbs,
    encode_entry, parse_crl, tbs_frame, write_crl,
};
use carepki_x509::name::{Attr, build_name};
use carepki_x509::reexport::der::Decode;
use carepki_x509::reexport::der::pem::{LineEnding, encode_string};
use carepki_x509::reexport::x509_cert::crl::CertificateList;
use carepki_x509::{PublicKey, RevocationReason, SignatureAlgorithm, X509Error};
use proptest::prelude::*;
use tempfile::TempDir;

const DAY: i64 = 86_400;

/// The serial of the leaf that the test CRLs revoke, and of one they do not.
const REVOKED_LEAF: [u8; 16] = [
    0x7a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
];
const GOOD_LEAF: [u8; 16] = [
    0x7a, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl must be installed for these tests")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    let t = text(&out);
    assert!(out.status.success(), "openssl {args:?} failed:\n{t}");
    t
}

/// A P-384 CA whose certificate openssl made (keyCertSign, cRLSign, a SKI), with
/// two leaves it issued, in a temporary directory.
struct Ca {
    dir: TempDir,
    key: EcdsaKeyPair,
    name_der: Vec<u8>,
    ski: Vec<u8>,
    public: PublicKey,
}

impl Ca {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn params(&self, crl_number: u64) -> CrlParams {
        let t = now();
        CrlParams {
            issuer_name_der: self.name_der.clone(),
            signature: SignatureAlgorithm::EcdsaSha384,
            this_update: t - 60,
            next_update: t + 7 * DAY,
            crl_number,
            authority_key_id: self.ski.clone(),
            delta_base: None,
            freshest_crl: Some("http://127.0.0.1:8080/crl/test-delta.crl".to_owned()),
            issuing_dp: None,
        }
    }

    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, String> {
        self.key
            .sign(&SystemRandom::new(), tbs)
            .map(|s| s.as_ref().to_vec())
            .map_err(|e| e.to_string())
    }

    fn build(&self, params: &CrlParams, entries: &[CrlEntry<'_>]) -> Vec<u8> {
        build_crl(params, entries, |tbs| self.sign(tbs)).unwrap()
    }

    /// Write `der` as `<name>.der` and `<name>.pem`; return the DER file's name.
    fn save(&self, name: &str, der: &[u8]) -> String {
        fs::write(self.path().join(format!("{name}.der")), der).unwrap();
        fs::write(
            self.path().join(format!("{name}.pem")),
            crl_pem(der).unwrap(),
        )
        .unwrap();
        format!("{name}.der")
    }

    /// `openssl crl -verify -text` of a saved CRL; fails unless it says "verify OK".
    fn openssl_text(&self, file: &str) -> String {
        let t = run_ok(
            self.path(),
            &[
                "crl", "-in", file, "-inform", "DER", "-CAfile", "ca.pem", "-verify", "-noout",
                "-text",
            ],
        );
        assert!(t.contains("verify OK"), "{t}");
        t
    }
}

fn make_ca() -> Ca {
    let dir = tempfile::tempdir().unwrap();
    let key = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    let pkcs8 = key.to_pkcs8v1().unwrap();
    let pem = encode_string("PRIVATE KEY", LineEnding::LF, pkcs8.as_ref()).unwrap();
    fs::write(dir.path().join("ca.key"), pem).unwrap();
    fs::write(
        dir.path().join("ca.cnf"),
        "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3_ca\n\
         [dn]\nC = FI\nO = CarePKI test\nCN = CRL test CA\n\
         [v3_ca]\nbasicConstraints = critical,CA:TRUE\n\
         keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n\
         [leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
         authorityKeyIdentifier = keyid:always\nsubjectKeyIdentifier = hash\n",
    )
    .unwrap();
    run_ok(
        dir.path(),
        &[
            "req", "-x509", "-new", "-config", "ca.cnf", "-key", "ca.key", "-sha384", "-days",
            "30", "-out", "ca.pem",
        ],
    );
    for (name, serial) in [("revoked", REVOKED_LEAF), ("good", GOOD_LEAF)] {
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let cert = format!("{name}.pem");
        let serial = format!("0x{}", hex(&serial));
        run_ok(
            dir.path(),
            &[
                "req",
                "-new",
                "-config",
                "ca.cnf",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-subj",
                "/CN=leaf",
                "-out",
                &csr,
            ],
        );
        run_ok(
            dir.path(),
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &serial,
                "-days",
                "10",
                "-sha384",
                "-extfile",
                "ca.cnf",
                "-extensions",
                "leaf",
                "-out",
                &cert,
            ],
        );
    }
    let cert = decode_certificate_any(&fs::read(dir.path().join("ca.pem")).unwrap()).unwrap();
    let tbs = cert.tbs_certificate();
    let public = PublicKey::from_spki_der(&spki_der(tbs).unwrap()).unwrap();
    assert_eq!(public.spki_der, key.public_key().as_der().unwrap().as_ref());
    Ca {
        name_der: name_der(tbs.subject()).unwrap(),
        ski: subject_key_id(tbs).expect("openssl wrote a SKI"),
        dir,
        key,
        public,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One entry of every kind: no reason, unspecified, each reason, an invalidity
/// date, and the revoked leaf.
fn sample_entries(t: i64) -> Vec<CrlEntry<'static>> {
    const SERIALS: [&[u8]; 6] = [
        &[0x01],
        &[0x00, 0x80],
        &[
            0x7a, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
            0x77, 0x88,
        ],
        &[0x10, 0x20, 0x30],
        &[0x55; 20],
        &[
            0x00, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99,
            0x99, 0x99, 0x99, 0x99, 0x99, 0x99,
        ],
    ];
    vec![
        CrlEntry {
            serial: SERIALS[0],
            revoked_at: t - 10 * DAY,
            reason: None,
            invalidity_date: None,
        },
        CrlEntry {
            serial: SERIALS[1],
            revoked_at: t - 9 * DAY,
            reason: Some(RevocationReason::Unspecified),
            invalidity_date: None,
        },
        CrlEntry {
            serial: SERIALS[2],
            revoked_at: t - 8 * DAY,
            reason: Some(RevocationReason::KeyCompromise),
            invalidity_date: Some(t - 20 * DAY),
        },
        CrlEntry {
            serial: SERIALS[3],
            revoked_at: t - 7 * DAY,
            reason: Some(RevocationReason::AffiliationChanged),
            invalidity_date: None,
        },
        CrlEntry {
            serial: SERIALS[4],
            revoked_at: t - 6 * DAY,
            reason: Some(RevocationReason::Superseded),
            invalidity_date: None,
        },
        CrlEntry {
            serial: SERIALS[5],
            revoked_at: t - 5 * DAY,
            reason: Some(RevocationReason::CessationOfOperation),
            invalidity_date: None,
        },
        CrlEntry {
            serial: &REVOKED_LEAF,
            revoked_at: t - 3600,
            reason: Some(RevocationReason::KeyCompromise),
            invalidity_date: Some(t - 2 * DAY),
        },
    ]
}

/// What an entry reads back as: `unspecified` is written as no reasonCode.
fn as_read(e: &CrlEntry<'static>) -> CrlEntry<'static> {
    CrlEntry {
        reason: e.reason.filter(|r| *r != RevocationReason::Unspecified),
        ..*e
    }
}

#[test]
fn full_crl_verifies_and_shows_every_entry() {
    let ca = make_ca();
    let t = now();
    let entries = sample_entries(t);
    let params = ca.params(7);
    let der = ca.build(&params, &entries);

    let parsed = parse_crl(&der).unwrap();
    parsed.verify_signature(&ca.public).unwrap();
    assert_eq!(parsed.issuer_name_der, ca.name_der);
    assert_eq!(parsed.this_update, params.this_update);
    assert_eq!(parsed.next_update, Some(params.next_update));
    assert_eq!(parsed.crl_number_u64(), Some(7));
    assert_eq!(parsed.crl_number, Some(&[7u8][..]));
    assert!(!parsed.is_delta());
    assert_eq!(parsed.authority_key_id, Some(&ca.ski[..]));
    assert_eq!(
        parsed.freshest_crl.as_deref(),
        params.freshest_crl.as_deref()
    );
    assert_eq!(parsed.signature_algorithm, SignatureAlgorithm::EcdsaSha384);
    let read: Vec<CrlEntry<'_>> = parsed.entries().collect::<Result<_, _>>().unwrap();
    let expected: Vec<CrlEntry<'_>> = entries.iter().map(as_read).collect();
    assert_eq!(read, expected);

    // x509-cert's decoder reads it too.
    let list = <CertificateList>::from_der(&der).unwrap();
    assert_eq!(
        list.tbs_cert_list.revoked_certificates.unwrap().len(),
        entries.len()
    );

    let file = ca.save("full", &der);
    let out = ca.openssl_text(&file);
    for needle in [
        "Version 2",
        "X509v3 CRL Number",
        "X509v3 Authority Key Identifier",
        "X509v3 Freshest CRL",
        "http://127.0.0.1:8080/crl/test-delta.crl",
        "Key Compromise",
        "Affiliation Changed",
        "Superseded",
        "Cessation Of Operation",
        "Invalidity Date",
        "7A0102030405060708090A0B0C0D0E0F",
    ] {
        assert!(out.contains(needle), "no {needle:?} in:\n{out}");
    }
    assert!(!out.contains("Delta CRL Indicator"), "{out}");
    assert!(
        !out.contains("Unspecified"),
        "unspecified is left out:\n{out}"
    );
    // Two entries with a reason code of KeyCompromise, one invalidity date each.
    assert_eq!(out.matches("Invalidity Date").count(), 2, "{out}");
}

#[test]
fn revoked_leaf_fails_verification_and_good_leaf_passes() {
    let ca = make_ca();
    let der = ca.build(&ca.params(1), &sample_entries(now()));
    ca.save("crl", &der);
    let check = |leaf: &str| {
        openssl(
            ca.path(),
            &[
                "verify",
                "-crl_check",
                "-CRLfile",
                "crl.pem",
                "-CAfile",
                "ca.pem",
                leaf,
            ],
        )
    };
    let revoked = check("revoked.pem");
    assert!(!revoked.status.success(), "{}", text(&revoked));
    assert!(
        text(&revoked).contains("certificate revoked"),
        "{}",
        text(&revoked)
    );
    let good = check("good.pem");
    assert!(good.status.success(), "{}", text(&good));
    assert!(text(&good).contains("good.pem: OK"), "{}", text(&good));
}

#[test]
fn delta_crl_carries_a_critical_indicator() {
    let ca = make_ca();
    let t = now();
    let mut params = ca.params(12);
    params.delta_base = Some(10);
    params.freshest_crl = None;
    let entries = &sample_entries(t)[5..];
    let der = ca.build(&params, entries);
    let parsed = parse_crl(&der).unwrap();
    parsed.verify_signature(&ca.public).unwrap();
    assert!(parsed.is_delta());
    assert_eq!(parsed.delta_base_u64(), Some(10));
    assert_eq!(parsed.crl_number_u64(), Some(12));
    assert_eq!(parsed.freshest_crl, None);
    assert_eq!(parsed.entries().count(), 2);

    let file = ca.save("delta", &der);
    let out = ca.openssl_text(&file);
    assert!(
        out.contains("X509v3 Delta CRL Indicator: critical"),
        "{out}"
    );
    assert!(!out.contains("Freshest CRL"), "{out}");

    // A delta CRL cannot name a freshest CRL, nor a base that is not older.
    params.freshest_crl = Some("http://x/delta.crl".to_owned());
    assert!(matches!(
        tbs_frame(&params, 0),
        Err(X509Error::InvalidValue(_))
    ));
    params.freshest_crl = None;
    params.delta_base = Some(12);
    assert!(matches!(
        tbs_frame(&params, 0),
        Err(X509Error::InvalidValue(_))
    ));
}

#[test]
fn empty_crl_has_no_revoked_certificates_field() {
    let ca = make_ca();
    let mut params = ca.params(3);
    params.freshest_crl = None;
    let der = ca.build(&params, &[]);
    let parsed = parse_crl(&der).unwrap();
    parsed.verify_signature(&ca.public).unwrap();
    assert_eq!(parsed.entries().count(), 0);
    let frame = tbs_frame(&params, 0).unwrap();
    assert_eq!(frame.tbs_len(), parsed.tbs.len());
    // The TBSCertList goes straight from nextUpdate to crlExtensions [0].
    assert_eq!(frame.suffix[0], 0xa0);
    assert_eq!(parsed.tbs[frame.prefix.len()], 0xa0);
    let list = <CertificateList>::from_der(&der).unwrap();
    assert!(list.tbs_cert_list.revoked_certificates.is_none());

    let file = ca.save("empty", &der);
    let out = ca.openssl_text(&file);
    assert!(out.contains("No Revoked Certificates"), "{out}");
}

#[test]
fn issuing_distribution_point_and_dates_after_2049() {
    let ca = make_ca();
    let t = 2_900_000_000; // 2061: every Time is a GeneralizedTime
    let mut params = ca.params(4);
    params.this_update = t;
    params.next_update = t + DAY;
    params.issuing_dp = Some(IssuingDp {
        url: Some("http://127.0.0.1:8080/crl/test.crl".to_owned()),
        only_user_certs: true,
        only_ca_certs: false,
    });
    let entries = [CrlEntry {
        serial: &GOOD_LEAF,
        revoked_at: t - 1,
        reason: Some(RevocationReason::Superseded),
        invalidity_date: Some(t - DAY),
    }];
    let der = ca.build(&params, &entries);
    let parsed = parse_crl(&der).unwrap();
    parsed.verify_signature(&ca.public).unwrap();
    assert_eq!(parsed.issuing_dp, params.issuing_dp);
    assert_eq!(parsed.this_update, t);
    let read: Vec<_> = parsed.entries().collect::<Result<_, _>>().unwrap();
    assert_eq!(read, entries);
    let out = ca.openssl_text(&ca.save("future", &der));
    assert!(
        out.contains("X509v3 Issuing Distribution Point: critical"),
        "{out}"
    );
    assert!(out.contains("Only User Certificates"), "{out}");
    assert!(out.contains("2061 GMT"), "{out}");
}

/// The flow for large CRLs: entries encoded into a file, the TBSCertList hashed from
/// it, the digest signed once, the CRL written around the signature.
fn streamed(
    dir: &Path,
    params: &CrlParams,
    entries: &[CrlEntry<'_>],
    sign_digest: impl FnOnce(&aws_lc_rs::digest::Digest) -> Vec<u8>,
) -> Vec<u8> {
    let path: PathBuf = dir.join("entries.tmp");
    let mut writer = EntryWriter::new(fs::File::create_new(&path).unwrap());
    for e in entries {
        writer.push(e).unwrap();
    }
    assert_eq!(writer.count(), entries.len() as u64);
    let (_, len) = writer.finish().unwrap();
    let frame = tbs_frame(params, len).unwrap();

    let mut file = fs::File::open(&path).unwrap();
    let digest = digest_tbs(&frame, params.signature, &mut file).unwrap();
    assert_eq!(digest.algorithm(), digest_algorithm(params.signature));
    let signature = sign_digest(&digest);

    file.seek(SeekFrom::Start(0)).unwrap();
    let mut out = Vec::new();
    let written = write_crl(&frame, params.signature, &signature, &mut file, &mut out).unwrap();
    assert_eq!(written, out.len() as u64);
    fs::remove_file(&path).unwrap();
    out
}

fn many_entries(t: i64, n: u32) -> Vec<([u8; 16], CrlEntry<'static>)> {
    let reasons = [
        None,
        Some(RevocationReason::KeyCompromise),
        Some(RevocationReason::Superseded),
        Some(RevocationReason::CessationOfOperation),
    ];
    (0..n)
        .map(|i| {
            let mut serial = [0x7a; 16];
            serial[12..].copy_from_slice(&i.to_be_bytes());
            let entry = CrlEntry {
                serial: &[],
                revoked_at: t - i64::from(i),
                reason: reasons[i as usize % 4],
                invalidity_date: (i % 7 == 0).then_some(t - DAY),
            };
            (serial, entry)
        })
        .collect()
}

#[test]
fn streamed_ecdsa_crl_matches_build_crl() {
    let ca = make_ca();
    let t = now();
    let owned = many_entries(t, 3000);
    let mut entries: Vec<CrlEntry<'_>> = owned
        .iter()
        .map(|(serial, e)| CrlEntry { serial, ..*e })
        .collect();
    entries.extend(sample_entries(t));
    let params = ca.params(20);

    let built = ca.build(&params, &entries);
    let streamed = streamed(ca.path(), &params, &entries, |d| {
        ca.key.sign_digest(d).unwrap().as_ref().to_vec()
    });
    let (a, b) = (parse_crl(&built).unwrap(), parse_crl(&streamed).unwrap());
    // ECDSA signatures are randomised: the signed bytes must be identical.
    assert_eq!(a.tbs, b.tbs);
    a.verify_signature(&ca.public).unwrap();
    b.verify_signature(&ca.public).unwrap();
    assert_eq!(b.entries().count(), entries.len());
    ca.openssl_text(&ca.save("streamed", &streamed));
}

#[test]
fn streamed_rsa_crl_is_byte_identical_to_build_crl() {
    let dir = tempfile::tempdir().unwrap();
    let key = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let public = PublicKey::from_spki_der(key.public_key().as_der().unwrap().as_ref()).unwrap();
    let name = build_name(&[(Attr::Country, "FI"), (Attr::CommonName, "RSA CRL CA")]).unwrap();
    let t = now();
    let params = CrlParams {
        issuer_name_der: name_der(&name).unwrap(),
        signature: SignatureAlgorithm::RsaPkcs1Sha512,
        this_update: t,
        next_update: t + DAY,
        crl_number: 0x1234_5678_9abc,
        authority_key_id: public.key_identifier(),
        delta_base: None,
        freshest_crl: None,
        issuing_dp: None,
    };
    let entries = sample_entries(t);
    let sign = |digest: &aws_lc_rs::digest::Digest| {
        let mut sig = vec![0; key.public_modulus_len()];
        key.sign_digest(&RSA_PKCS1_SHA512, digest, &mut sig)
            .unwrap();
        sig
    };
    let built = build_crl(&params, &entries, |tbs| {
        Ok::<_, String>(sign(&aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA512,
            tbs,
        )))
    })
    .unwrap();
    let streamed = streamed(dir.path(), &params, &entries, sign);
    assert_eq!(built, streamed);
    let parsed = parse_crl(&streamed).unwrap();
    parsed.verify_signature(&public).unwrap();
    assert_eq!(parsed.crl_number_u64(), Some(0x1234_5678_9abc));
}

#[test]
fn streams_of_the_wrong_length_are_refused() {
    let ca = make_ca();
    let params = ca.params(1);
    let mut encoded = Vec::new();
    for e in sample_entries(now()) {
        encode_entry(&e, &mut encoded).unwrap();
    }
    let short = tbs_frame(&params, encoded.len() - 1).unwrap();
    let long = tbs_frame(&params, encoded.len() + 1).unwrap();
    let alg = SignatureAlgorithm::EcdsaSha384;
    assert!(digest_tbs(&short, alg, &encoded[..]).is_err());
    assert!(digest_tbs(&long, alg, &encoded[..]).is_err());
    assert!(write_crl(&short, alg, &[1], &encoded[..], Vec::new()).is_err());
    assert!(write_crl(&long, alg, &[1], &encoded[..], Vec::new()).is_err());
}

#[test]
fn a_tampered_crl_does_not_verify() {
    let ca = make_ca();
    let mut der = ca.build(&ca.params(5), &sample_entries(now()));
    // Change the last octet of the first entry's serial (0x01 -> 0x02).
    let pos = der
        .windows(3)
        .position(|w| w == [0x02, 0x01, 0x01])
        .unwrap();
    // Skip the version (02 01 01) and find the entry serial after it.
    let pos = pos
        + 3
        + der[pos + 3..]
            .windows(3)
            .position(|w| w == [0x02, 0x01, 0x01])
            .unwrap();
    der[pos + 2] = 0x02;
    let parsed = parse_crl(&der).unwrap();
    assert_eq!(parsed.entries().next().unwrap().unwrap().serial, [0x02]);
    assert!(parsed.verify_signature(&ca.public).is_err());
}

#[test]
fn wrong_params_are_refused() {
    let ca = make_ca();
    let good = ca.params(1);
    let mut p = good.clone();
    p.next_update = p.this_update;
    assert!(tbs_frame(&p, 0).is_err());
    let mut p = good.clone();
    p.issuer_name_der = vec![0x30, 0x01];
    assert!(tbs_frame(&p, 0).is_err());
    let mut p = good.clone();
    p.authority_key_id.clear();
    assert!(tbs_frame(&p, 0).is_err());
    let mut p = good.clone();
    p.issuing_dp = Some(IssuingDp {
        url: None,
        only_user_certs: false,
        only_ca_certs: false,
    });
    assert!(tbs_frame(&p, 0).is_err());
    let mut p = good;
    p.this_update = -1;
    assert!(tbs_frame(&p, 0).is_err());
}

/// pkilint's PKIX profile finds nothing to warn about in a full and a delta CRL.
#[test]
fn pkilint_finds_no_errors_or_warnings() {
    let Some(lint) = lint_crl() else {
        println!("lint_crl (pkilint) is not installed: skipping; `pip install pkilint` to run it");
        return;
    };
    let ca = make_ca();
    let t = now();
    let full = ca.build(&ca.params(30), &sample_entries(t));
    let mut delta_params = ca.params(31);
    delta_params.delta_base = Some(30);
    delta_params.freshest_crl = None;
    let delta = ca.build(&delta_params, &sample_entries(t)[4..]);
    let mut empty_params = ca.params(32);
    empty_params.issuing_dp = Some(IssuingDp {
        url: Some("http://127.0.0.1:8080/crl/test.crl".to_owned()),
        only_user_certs: true,
        only_ca_certs: false,
    });
    let empty = ca.build(&empty_params, &[]);
    for (name, der) in [("full", &full), ("delta", &delta), ("idp-empty", &empty)] {
        let file = ca.save(name, der);
        let out = Command::new(&lint)
            .current_dir(ca.path())
            .args(["lint", "-t", "CRL", "-p", "PKIX", "-s", "WARNING", &file])
            .output()
            .unwrap();
        let t = text(&out);
        assert!(
            out.status.success()
                && !t.contains("ERROR")
                && !t.contains("WARNING")
                && !t.contains("FATAL"),
            "pkilint on the {name} CRL:\n{t}"
        );
    }
}

fn lint_crl() -> Option<PathBuf> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join("lint_crl"))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(home) = std::env::var_os("HOME") {
                candidates.push(Path::new(&home).join(".local/bin/lint_crl"));
            }
            candidates.into_iter().find(|p| p.is_file())
        })
        .clone()
}

fn valid_crl() -> &'static [u8] {
    static CRL: OnceLock<Vec<u8>> = OnceLock::new();
    CRL.get_or_init(|| {
        let key = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
        let name = build_name(&[(Attr::CommonName, "Fuzz CA")]).unwrap();
        let params = CrlParams {
            issuer_name_der: name_der(&name).unwrap(),
            signature: SignatureAlgorithm::EcdsaSha384,
            this_update: 1_700_000_000,
            next_update: 1_700_086_400,
            crl_number: 300,
            authority_key_id: vec![1; 20],
            delta_base: None,
            freshest_crl: Some("http://x/d.crl".to_owned()),
            issuing_dp: Some(IssuingDp {
                url: Some("http://x/f.crl".to_owned()),
                only_user_certs: false,
                only_ca_certs: true,
            }),
        };
        let rng = SystemRandom::new();
        build_crl(&params, &sample_entries(1_700_000_000), |m| {
            key.sign(&rng, m)
                .map(|s| s.as_ref().to_vec())
                .map_err(|e| e.to_string())
        })
        .unwrap()
    })
}

/// Parse and read every entry; neither may panic.
fn read_all(der: &[u8]) -> Result<usize, X509Error> {
    let crl = parse_crl(der)?;
    let _ = crl.crl_number_u64();
    let _ = crl.delta_base_u64();
    crl.entries().try_fold(0, |n, e| e.map(|_| n + 1))
}

#[test]
fn every_truncation_is_refused() {
    let der = valid_crl();
    assert_eq!(read_all(der).unwrap(), 7);
    for len in 0..der.len() {
        assert!(parse_crl(&der[..len]).is_err(), "truncated to {len}");
    }
    let mut longer = der.to_vec();
    longer.push(0);
    assert!(parse_crl(&longer).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = read_all(&bytes);
        let mut wrapped = vec![0x30, 0x81, 0];
        wrapped.extend_from_slice(&bytes);
        let _ = read_all(&wrapped);
    }

    #[test]
    fn damaged_crls_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 1..4)
    ) {
        let mut der = valid_crl().to_vec();
        for (i, b, kind) in edits {
            if der.is_empty() {
                break;
            }
            let n = der.len();
            match kind {
                0 => der[i % n] ^= b.max(1),
                1 => der.insert(i % (n + 1), b),
                2 => { der.remove(i % n); }
                _ => der.truncate(i % n),
            }
        }
        let _ = read_all(&der);
    }
}
