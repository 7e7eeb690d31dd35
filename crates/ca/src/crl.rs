//! CRL publication (RFC 5280 §5; docs/REVOCATION.md).
//!
//! A CRL is built as a stream so that a million entries never sit in memory as
//! rows or structures: the revoked entries of a fixed snapshot (revocation
//! positions up to the newest at the start) are read from a database cursor and
//! encoded one by one into a temporary file; the TBSCertList around them is then
//! hashed from that file, the digest signed once, and the CRL written to
//! `crl/<ca>-<number>.crl` (synced, then renamed into place) and recorded with
//! its number, which only ever increases, across restarts.
//!
//! Full CRLs carry freshestCRL (the delta CRL URL); delta CRLs carry a critical
//! deltaCRLIndicator with the number of the full CRL they update and hold the
//! revocations after that CRL's snapshot. Entries stay until the certificate
//! expires (`not_after` before thisUpdate drops them).

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use carepki_store::CrlRow;
use carepki_x509::RevocationReason;
use carepki_x509::crl::{CrlEntry, CrlParams, EntryWriter, digest_tbs, tbs_frame, write_crl};
use futures_util::StreamExt;

use crate::{Authority, CaError};

/// Which CRL to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrlKind {
    /// A complete CRL.
    Full,
    /// A delta CRL relative to the latest full CRL.
    Delta,
}

impl CrlKind {
    /// `"full"` or `"delta"`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Delta => "delta",
        }
    }
}

/// A published CRL: its record and where its DER is.
#[derive(Debug, Clone)]
pub struct PublishedCrl {
    /// The record in the database.
    pub row: CrlRow,
    /// The DER file.
    pub path: PathBuf,
}

/// How many CRL files of each CA are kept (the newest; older ones are removed
/// after a new one is published, so clients that are still downloading one
/// finish).
const KEEP_FILES: usize = 6;

impl Authority {
    /// Builds, signs and publishes a CRL of `ca_id` with thisUpdate `now`.
    ///
    /// A delta CRL needs a full CRL to refer to: when there is none yet, a full
    /// CRL is published first. Publications in this process take turns; when
    /// another process took the CRL number meanwhile (the database refuses a
    /// number that is not above the last), the CRL is built again with the next.
    pub async fn publish_crl(
        &self,
        ca_id: &str,
        kind: CrlKind,
        now: i64,
    ) -> Result<PublishedCrl, CaError> {
        let _turn = self.crl_lock().lock().await;
        let mut attempt = 0;
        loop {
            match self.publish_crl_once(ca_id, kind, now).await {
                Err(CaError::Store(carepki_store::StoreError::Conflict { what }))
                    if attempt < 4 =>
                {
                    attempt += 1;
                    tracing::info!(ca = %ca_id, %what, "CRL number taken by another publisher; building again");
                }
                other => return other,
            }
        }
    }

    async fn publish_crl_once(
        &self,
        ca_id: &str,
        kind: CrlKind,
        now: i64,
    ) -> Result<PublishedCrl, CaError> {
        let started = std::time::Instant::now();
        let ca = self.loaded_ca(ca_id)?;
        let signer = self.signer(ca_id)?;
        let store = self.store();
        let ceremony = self.ceremony();
        // The snapshot: every revocation up to this position and none after.
        let upto = store.max_revocation_seq(ca_id).await?;
        let (after, delta_base, validity) = match kind {
            CrlKind::Full => (0, None, ceremony.crl_validity),
            CrlKind::Delta => {
                let base = match store.latest_crl(ca_id, "full").await? {
                    Some(base) => base,
                    None => {
                        Box::pin(self.publish_crl(ca_id, CrlKind::Full, now))
                            .await?
                            .row
                    }
                };
                (
                    base.revocation_seq,
                    Some(base.number),
                    ceremony.delta_crl_validity,
                )
            }
        };
        let number = store.next_crl_number(ca_id).await?;
        let dir = self.data_dir().root().join("crl");
        create_private_dir(&dir)?;

        // 1. Entries of the snapshot, encoded into a temporary file.
        // Names no other publisher (thread or process) uses: a random tag.
        let tag = random_tag()?;
        let tmp_entries = dir.join(format!(".{ca_id}-{number}.{tag}.entries"));
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp_entries)
            .map_err(|e| CaError::io(&tmp_entries, e))?;
        let _cleanup = RemoveOnDrop(tmp_entries.clone());
        let mut writer = EntryWriter::new(BufWriter::with_capacity(256 * 1024, file));
        let mut serial = Vec::with_capacity(20);
        let mut rows = store.revoked_entries(ca_id, after, upto, now);
        while let Some(row) = rows.next().await {
            let row = row?;
            serial.clear();
            decode_hex_into(&row.serial, &mut serial).map_err(|e| {
                CaError::DataDir(format!(
                    "revoked serial {:?} in the database: {e}",
                    row.serial
                ))
            })?;
            let reason = RevocationReason::from_name(&row.reason).ok();
            writer
                .push(&CrlEntry {
                    serial: &serial,
                    revoked_at: row.revoked_at,
                    reason: reason.filter(|r| *r != RevocationReason::Unspecified),
                    invalidity_date: row.invalidity_date,
                })
                .map_err(|e| CaError::io(&tmp_entries, e))?;
        }
        drop(rows);
        tracing::debug!(elapsed = ?started.elapsed(), "CRL entries read and encoded");
        let entries = writer.count();
        let (buffered, entries_len) = writer.finish().map_err(|e| CaError::io(&tmp_entries, e))?;
        let mut file = buffered
            .into_inner()
            .map_err(|e| CaError::io(&tmp_entries, e.into_error()))?;

        // 2. The frame, the digest, one signature.
        let params = CrlParams {
            issuer_name_der: ca.subject_der.clone(),
            signature: ca.signature_algorithm,
            this_update: now,
            next_update: now + validity,
            crl_number: u64::try_from(number).unwrap_or_default(),
            authority_key_id: ca.key_identifier.clone(),
            delta_base: delta_base.map(|b| u64::try_from(b).unwrap_or_default()),
            freshest_crl: match kind {
                CrlKind::Full => Some(ceremony.delta_crl_url(ca_id)),
                CrlKind::Delta => None,
            },
            issuing_dp: None,
        };
        let frame = tbs_frame(&params, entries_len)?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| CaError::io(&tmp_entries, e))?;
        let digest = digest_tbs(&frame, ca.signature_algorithm, BufReader::new(&mut file))
            .map_err(|e| CaError::io(&tmp_entries, e))?;
        let signature = signer.sign_digest(&digest)?;
        tracing::debug!(elapsed = ?started.elapsed(), "CRL hashed and signed");

        // 3. The CRL file, synced and renamed into place.
        let name = format!("{ca_id}-{number}.{tag}.crl");
        let path = dir.join(&name);
        let tmp_crl = dir.join(format!(".{name}.tmp"));
        let _cleanup_crl = RemoveOnDrop(tmp_crl.clone());
        file.seek(SeekFrom::Start(0))
            .map_err(|e| CaError::io(&tmp_entries, e))?;
        let out = File::create(&tmp_crl).map_err(|e| CaError::io(&tmp_crl, e))?;
        let mut hashing = HashingWriter {
            inner: BufWriter::with_capacity(256 * 1024, out),
            ctx: aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256),
        };
        let bytes = write_crl(
            &frame,
            ca.signature_algorithm,
            &signature,
            BufReader::new(&mut file),
            &mut hashing,
        )
        .map_err(|e| CaError::io(&tmp_crl, e))?;
        let sha256 = hex::encode(hashing.ctx.finish().as_ref());
        let out = hashing
            .inner
            .into_inner()
            .map_err(|e| CaError::io(&tmp_crl, e.into_error()))?;
        tracing::debug!(elapsed = ?started.elapsed(), "CRL written");
        out.sync_all().map_err(|e| CaError::io(&tmp_crl, e))?;
        tracing::debug!(elapsed = ?started.elapsed(), "CRL synced");
        std::fs::rename(&tmp_crl, &path).map_err(|e| CaError::io(&path, e))?;

        // 4. The record: from now on this is the CRL that is served.
        let row = CrlRow {
            ca_id: ca_id.to_owned(),
            number,
            kind: kind.as_str().to_owned(),
            base_number: delta_base,
            revocation_seq: upto,
            this_update: now,
            next_update: now + validity,
            entries: i64::try_from(entries).unwrap_or(i64::MAX),
            bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
            sha256,
            file: format!("crl/{name}"),
            created_at: now,
        };
        if let Err(e) = store.record_crl(&row, "carepki-crl").await {
            // Only this publisher's own file (its name is unique) is removed.
            let _ = std::fs::remove_file(&path);
            return Err(e.into());
        }
        prune(&dir, ca_id, number);
        tracing::info!(
            ca = %ca_id,
            number,
            kind = %kind.as_str(),
            entries,
            bytes,
            "published a CRL"
        );
        Ok(PublishedCrl { row, path })
    }
}

/// How often the publisher checks whether a CRL is due (it is also woken by
/// this process's revocations).
pub const CRL_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// A full CRL is rebuilt to include newer revocations once it is this old
/// (seconds), so that relying parties without delta CRL support learn of a
/// revocation within minutes; before that, the delta CRL lists it.
pub const FULL_CRL_REFRESH_AFTER_REVOCATION: i64 = 300;

impl Authority {
    /// Publishes what is due for `ca_id` at `now`: a full CRL when there is none,
    /// half of its validity has passed, or it misses revocations and is older
    /// than [`FULL_CRL_REFRESH_AFTER_REVOCATION`] (and then a delta on top of it); a
    /// delta CRL when there is none for the current full CRL, a revocation is
    /// newer than it, or half of its validity has passed. Returns what was
    /// published.
    pub async fn publish_due_crls(
        &self,
        ca_id: &str,
        now: i64,
    ) -> Result<Vec<PublishedCrl>, CaError> {
        let store = self.store();
        let mut out = Vec::new();
        let half_passed =
            |row: &CrlRow| now >= row.this_update + (row.next_update - row.this_update) / 2;
        let newest = store.max_revocation_seq(ca_id).await?;
        let full = match store.latest_crl(ca_id, "full").await? {
            Some(full)
                if !half_passed(&full)
                    && (full.revocation_seq >= newest
                        || now - full.this_update < FULL_CRL_REFRESH_AFTER_REVOCATION) =>
            {
                full
            }
            _ => {
                let published = self.publish_crl(ca_id, CrlKind::Full, now).await?;
                let row = published.row.clone();
                out.push(published);
                row
            }
        };
        let delta_due = match store.latest_crl(ca_id, "delta").await? {
            Some(delta) => {
                delta.base_number != Some(full.number)
                    || delta.revocation_seq < newest
                    || half_passed(&delta)
            }
            None => true,
        };
        if delta_due {
            out.push(self.publish_crl(ca_id, CrlKind::Delta, now).await?);
        }
        Ok(out)
    }

    /// Runs until the process ends: publishes due CRLs of every CA every
    /// [`CRL_CHECK_INTERVAL`], and a delta CRL right after a revocation made in
    /// this process.
    pub async fn run_crl_publisher(self: std::sync::Arc<Self>) {
        let mut wake = self.subscribe_status_changes();
        loop {
            let now = crate::authority::now_unix();
            for id in self.cas().keys() {
                if let Err(e) = self.publish_due_crls(id, now).await {
                    tracing::error!(ca = %id, error = %e, "CRL publication failed");
                }
            }
            tokio::select! {
                _ = wake.changed() => {}
                () = tokio::time::sleep(CRL_CHECK_INTERVAL) => {}
            }
        }
    }
}

/// Removes the oldest CRL files of `ca_id` (`<ca>-<number>.<tag>.crl`), keeping
/// those of the newest [`KEEP_FILES`] numbers. Files of numbers above `newest`
/// (another publisher's, just written) are left alone.
fn prune(dir: &Path, ca_id: &str, newest: i64) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{ca_id}-");
    let mut files: Vec<(i64, PathBuf)> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let rest = name.strip_prefix(&prefix)?.strip_suffix(".crl")?;
            let number = rest.split('.').next()?.parse().ok()?;
            Some((number, e.path()))
        })
        .filter(|(n, _)| *n <= newest)
        .collect();
    let mut numbers: Vec<i64> = files.iter().map(|(n, _)| *n).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let Some(&oldest_kept) = numbers
        .len()
        .checked_sub(KEEP_FILES)
        .and_then(|i| numbers.get(i))
    else {
        return;
    };
    files.retain(|(n, _)| *n < oldest_kept);
    for (_, path) in files {
        let _ = std::fs::remove_file(path);
    }
}

/// 8 random hex digits.
fn random_tag() -> Result<String, CaError> {
    let mut bytes = [0u8; 4];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| CaError::DataDir("the random generator failed".into()))?;
    Ok(hex::encode(bytes))
}

fn create_private_dir(dir: &Path) -> Result<(), CaError> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
        .map_err(|e| CaError::io(dir, e))
}

/// Lower- or upper-case hex into bytes (a leading zero nibble added for odd lengths).
fn decode_hex_into(hex: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let bytes = hex.as_bytes();
    let nibble = |c: u8| -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(format!("{:?} is not a hex digit", char::from(c))),
        }
    };
    let (first, rest) = if bytes.len() % 2 == 1 {
        (Some(bytes[0]), &bytes[1..])
    } else {
        (None, bytes)
    };
    if let Some(c) = first {
        out.push(nibble(c)?);
    }
    for pair in rest.chunks_exact(2) {
        out.push((nibble(pair[0])? << 4) | nibble(pair[1])?);
    }
    if out.is_empty() {
        return Err("empty serial".to_owned());
    }
    Ok(())
}

/// A writer that also hashes what goes through it.
struct HashingWriter<W: Write> {
    inner: W,
    ctx: aws_lc_rs::digest::Context,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.ctx.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Removes a temporary file when dropped (whether the build succeeded or not).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding() {
        let mut out = Vec::new();
        decode_hex_into("01aB", &mut out).unwrap();
        assert_eq!(out, [0x01, 0xab]);
        out.clear();
        decode_hex_into("abc", &mut out).unwrap();
        assert_eq!(out, [0x0a, 0xbc]);
        out.clear();
        assert!(decode_hex_into("zz", &mut out).is_err());
        out.clear();
        assert!(decode_hex_into("", &mut out).is_err());
    }
}
