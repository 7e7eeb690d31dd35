//! Serial numbers: an instance prefix octet, the issuance second, and 88 bits from the
//! system CSPRNG.
//!
//! The time in the high octets keeps new serials together in the database's indexes
//! (random keys scatter every insert over the whole B-tree and multiply what each commit
//! writes); the 88 random bits are well above the 64 that make serials unpredictable.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::CaError;

/// Octets of a serial number: the prefix (1..=127, so the INTEGER is positive and needs
/// no padding), the Unix time in seconds as 4 octets, then 11 random octets; 16 octets
/// in all, within RFC 5280's 20.
pub fn new_serial(prefix: u8, now: i64) -> Result<Vec<u8>, CaError> {
    let mut bytes = [0u8; 16];
    bytes[0] = prefix.clamp(1, 127);
    let seconds = u32::try_from(now.max(0)).unwrap_or(u32::MAX);
    bytes[1..5].copy_from_slice(&seconds.to_be_bytes());
    SystemRandom::new()
        .fill(&mut bytes[5..])
        .map_err(|_| CaError::DataDir("the system random number generator failed".into()))?;
    Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_prefixed_positive_and_distinct() {
        let a = new_serial(7, 1_800_000_000).unwrap();
        let b = new_serial(7, 1_800_000_000).unwrap();
        assert_eq!(a.len(), 16);
        assert_eq!(a[0], 7);
        assert_eq!(a[1..5], 1_800_000_000u32.to_be_bytes());
        assert_ne!(a[5..], b[5..], "88 random bits differ");
        assert!(
            new_serial(7, 1_800_000_001).unwrap() > a,
            "later serials sort later"
        );
        assert_eq!(new_serial(200, 0).unwrap()[0], 127);
    }
}
