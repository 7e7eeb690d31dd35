//! The `Signer` seam and the signing-rate benchmark.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};

use crate::KeyError;

/// A CA signing key: the only way the CA signs.
///
/// Implemented by [`SoftwareKey`](crate::SoftwareKey) and, for a key on a
/// PKCS#11 token, by [`Pkcs11Signer`](crate::Pkcs11Signer).
pub trait Signer: Send + Sync {
    /// The algorithm [`Signer::sign`] uses.
    fn signature_algorithm(&self) -> SignatureAlgorithm;

    /// The type and size of the key.
    fn key_algorithm(&self) -> KeyAlgorithm;

    /// DER SubjectPublicKeyInfo of the key.
    fn public_key_spki(&self) -> &[u8];

    /// Sign the message (hash-and-sign per the signature algorithm); ECDSA
    /// output is DER (ASN.1) as X.509 wants.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError>;

    /// A hash context of the digest [`Signer::signature_algorithm`] uses, for
    /// messages too large to hold in memory (a CRL of a million entries): feed
    /// it, finish it and pass the digest to [`Signer::sign_digest`].
    fn digest_context(&self) -> aws_lc_rs::digest::Context {
        aws_lc_rs::digest::Context::new(digest_algorithm(self.signature_algorithm()))
    }

    /// Signs a message given by its digest (from [`Signer::digest_context`]);
    /// the result is the same as [`Signer::sign`] over the message.
    fn sign_digest(&self, digest: &aws_lc_rs::digest::Digest) -> Result<Vec<u8>, KeyError>;
}

/// The hash function of a signature algorithm.
pub fn digest_algorithm(alg: SignatureAlgorithm) -> &'static aws_lc_rs::digest::Algorithm {
    match alg {
        SignatureAlgorithm::EcdsaSha256 | SignatureAlgorithm::RsaPkcs1Sha256 => {
            &aws_lc_rs::digest::SHA256
        }
        SignatureAlgorithm::EcdsaSha384 | SignatureAlgorithm::RsaPkcs1Sha384 => {
            &aws_lc_rs::digest::SHA384
        }
        SignatureAlgorithm::RsaPkcs1Sha512 => &aws_lc_rs::digest::SHA512,
    }
}

/// Signatures per second `signer` makes over `message` on the calling
/// thread, signing for about `duration` (at least one signature).
///
/// Fails with the signer's error if a signature fails.
pub fn measure_sign_rate(
    signer: &dyn Signer,
    message: &[u8],
    duration: Duration,
) -> Result<f64, KeyError> {
    let (count, elapsed) = sign_for(signer, message, duration)?;
    Ok(rate(count, elapsed))
}

/// Signatures per second `signer` makes over `message` from `threads`
/// threads at once (0 counts as 1), each signing for about `duration`: the
/// sum of the threads' rates.
///
/// Fails with the signer's error if a signature fails.
pub fn measure_sign_rate_threads(
    signer: Arc<dyn Signer>,
    message: &[u8],
    duration: Duration,
    threads: usize,
) -> Result<f64, KeyError> {
    let threads = threads.max(1);
    let barrier = Barrier::new(threads);
    let results: Vec<Result<(u64, Duration), KeyError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let signer: &dyn Signer = signer.as_ref();
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    sign_for(signer, message, duration)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut total = 0.0;
    for r in results {
        let (count, elapsed) = r?;
        total += rate(count, elapsed);
    }
    Ok(total)
}

fn sign_for(
    signer: &dyn Signer,
    message: &[u8],
    duration: Duration,
) -> Result<(u64, Duration), KeyError> {
    let start = Instant::now();
    let mut count: u64 = 0;
    loop {
        std::hint::black_box(signer.sign(std::hint::black_box(message))?);
        count += 1;
        let elapsed = start.elapsed();
        if elapsed >= duration {
            return Ok((count, elapsed));
        }
    }
}

#[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
fn rate(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}
