//! Serial numbers: an instance prefix octet and 120 bits from the system CSPRNG.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::CaError;

/// Octets of a serial number: the prefix (1..=127, so the INTEGER is positive and needs
/// no padding) then 15 random octets; 16 octets in all, within RFC 5280's 20.
pub fn new_serial(prefix: u8) -> Result<Vec<u8>, CaError> {
    let mut bytes = [0u8; 16];
    bytes[0] = prefix.clamp(1, 127);
    SystemRandom::new()
        .fill(&mut bytes[1..])
        .map_err(|_| CaError::DataDir("the system random number generator failed".into()))?;
    Ok(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_prefixed_positive_and_distinct() {
        let a = new_serial(7).unwrap();
        let b = new_serial(7).unwrap();
        assert_eq!(a.len(), 16);
        assert_eq!(a[0], 7);
        assert_ne!(a, b);
        assert_eq!(new_serial(200).unwrap()[0], 127);
    }
}
