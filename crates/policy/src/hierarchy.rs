//! The two CA hierarchies and the CAs in each (R-TYPES).

use serde::{Deserialize, Serialize};

/// Production or TEST. Test certificates are never issued by a production CA, nor
/// production certificates by a TEST CA (R-TYPES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hierarchy {
    /// The production hierarchy.
    Production,
    /// The separate TEST hierarchy.
    Test,
}

impl Hierarchy {
    /// "production" or "test", as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Test => "test",
        }
    }

    /// Both hierarchies, production first.
    pub const ALL: [Hierarchy; 2] = [Hierarchy::Production, Hierarchy::Test];
}

impl std::fmt::Display for Hierarchy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CA's place in its hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaRole {
    /// The self-signed root.
    Root,
    /// Issues service certificates (server, system signature, email).
    ServiceProviders,
    /// Issues the card certificates of professionals, staff and actors.
    Professionals,
    /// Issues temporary card certificates.
    Temporary,
}

impl CaRole {
    /// Every role, root first.
    pub const ALL: [CaRole; 4] = [
        CaRole::Root,
        CaRole::ServiceProviders,
        CaRole::Professionals,
        CaRole::Temporary,
    ];

    /// The role's id as used in CA ids and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Root => "root",
            Self::ServiceProviders => "service-providers",
            Self::Professionals => "professionals",
            Self::Temporary => "temporary",
        }
    }

    /// The role named by `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The id of a CA: its role, prefixed with `test-` in the TEST hierarchy
/// (`root`, `service-providers`, ..., `test-root`, `test-service-providers`, ...).
pub fn ca_id(hierarchy: Hierarchy, role: CaRole) -> String {
    match hierarchy {
        Hierarchy::Production => role.as_str().to_owned(),
        Hierarchy::Test => format!("test-{}", role.as_str()),
    }
}

/// The hierarchy and role a CA id names.
pub fn parse_ca_id(id: &str) -> Option<(Hierarchy, CaRole)> {
    match id.strip_prefix("test-") {
        Some(rest) => CaRole::parse(rest).map(|r| (Hierarchy::Test, r)),
        None => CaRole::parse(id).map(|r| (Hierarchy::Production, r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_ids_round_trip() {
        for h in Hierarchy::ALL {
            for r in CaRole::ALL {
                assert_eq!(parse_ca_id(&ca_id(h, r)), Some((h, r)));
            }
        }
        assert_eq!(ca_id(Hierarchy::Test, CaRole::Root), "test-root");
        assert_eq!(parse_ca_id("test-nothing"), None);
    }
}
