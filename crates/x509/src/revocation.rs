//! Revocation reasons (RFC 5280 §5.3.1), shared by CRL entries and OCSP responses.
//!
//! CarePKI accepts only the reasons of R-REVOKE-WHEN: revocation is final, so
//! `certificateHold` (and with it `removeFromCRL`) is never used, and the CA-level
//! reasons are not for subscriber certificates.

use std::fmt;

use crate::X509Error;

/// A CRLReason that CarePKI records for a subscriber certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1): the key is blocked from any future issuance.
    KeyCompromise,
    /// affiliationChanged (3): the purpose or the holder's organisation changed.
    AffiliationChanged,
    /// superseded (4): replaced by a new certificate.
    Superseded,
    /// cessationOfOperation (5): no longer needed.
    CessationOfOperation,
}

impl RevocationReason {
    /// Every accepted reason, in code order.
    pub const ALL: [RevocationReason; 5] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
    ];

    /// The ENUMERATED value of RFC 5280 §5.3.1.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
        }
    }

    /// The reason with this ENUMERATED value, if CarePKI accepts it.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The RFC 5280 name, e.g. `keyCompromise` (as stored and as typed on the CLI).
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
        }
    }

    /// Parses an RFC 5280 name, ignoring case and `-`/`_` (so `key-compromise` works).
    ///
    /// Fails with a message that lists the accepted reasons.
    pub fn from_name(name: &str) -> Result<Self, X509Error> {
        let norm: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Self::ALL
            .into_iter()
            .find(|r| r.name().to_ascii_lowercase() == norm)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|r| r.name()).collect();
                let hint = if norm == "certificatehold" || norm == "removefromcrl" {
                    " (revocation is final: certificates are never put on hold)"
                } else {
                    ""
                };
                X509Error::InvalidValue(format!(
                    "`{name}` is not a revocation reason CarePKI accepts{hint}; use one of: {}",
                    names.join(", ")
                ))
            })
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::from_code(r.code()), Some(r));
            assert_eq!(RevocationReason::from_name(r.name()), Ok(r));
        }
        assert_eq!(
            RevocationReason::from_name("key-compromise"),
            Ok(RevocationReason::KeyCompromise)
        );
        assert_eq!(RevocationReason::from_code(6), None);
        assert_eq!(RevocationReason::from_code(2), None);
    }

    #[test]
    fn hold_is_refused_with_the_reason_why() {
        let err = RevocationReason::from_name("certificateHold")
            .unwrap_err()
            .to_string();
        assert!(err.contains("never put on hold"), "{err}");
        assert!(err.contains("keyCompromise"), "{err}");
    }
}
