//! Identifier newtypes that exist only valid: parse, don't validate.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("empty {kind} id")]
    Empty { kind: &'static str },
    #[error("{kind} id {value:?} is too long (at most 64 characters)")]
    TooLong { kind: &'static str, value: String },
    #[error("{kind} id {value:?} is not valid: ids match {pattern}")]
    Syntax {
        kind: &'static str,
        value: String,
        pattern: &'static str,
    },
}

/// `[a-z0-9][a-z0-9-]*`, at most 64 characters.
fn check_slug(kind: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.len() > 64 {
        return Err(IdError::TooLong {
            kind,
            value: s.to_owned(),
        });
    }
    let b = s.as_bytes();
    let ok_first = b[0].is_ascii_lowercase() || b[0].is_ascii_digit();
    let ok_rest = b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if ok_first && ok_rest {
        Ok(())
    } else {
        Err(IdError::Syntax {
            kind,
            value: s.to_owned(),
            pattern: "[a-z0-9][a-z0-9-]*",
        })
    }
}

/// Region ids are ISO 3166-2 codes such as `DE-BY`: letters, digits and `-`, starting with a
/// letter or digit. (`*`, "all regions", is not a region id; see [`crate::topology::RegionSet`].)
fn check_region(kind: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.len() > 64 {
        return Err(IdError::TooLong {
            kind,
            value: s.to_owned(),
        });
    }
    let b = s.as_bytes();
    let ok_first = b[0].is_ascii_alphanumeric();
    let ok_rest = b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-');
    if ok_first && ok_rest {
        Ok(())
    } else {
        Err(IdError::Syntax {
            kind,
            value: s.to_owned(),
            pattern: "[A-Za-z0-9][A-Za-z0-9-]* (ISO 3166-2, e.g. DE-BY)",
        })
    }
}

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident, $kind:literal, $check:ident) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, IdError> {
                $check($kind, s)?;
                Ok(Self(s.to_owned()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                $check($kind, &s)?;
                Ok(Self(s))
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::try_from(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A provider (operator or online service), e.g. `o2-de`.
    ProviderId, "provider", check_slug
);
id_type!(
    /// A service of a provider, e.g. `mobile-data`.
    ServiceId, "service", check_slug
);
id_type!(
    /// A component of a provider, e.g. `mobile-core`.
    ComponentId, "component", check_slug
);
id_type!(
    /// An operator signal of a provider (a real-valued measurement), e.g. `hotline-wait`.
    SignalId, "signal", check_slug
);
id_type!(
    /// A region (ISO 3166-2 subdivision), e.g. `DE-BY`.
    RegionId, "region", check_region
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(ProviderId::parse("o2-de").is_ok());
        assert!(ProviderId::parse("1und1").is_ok());
        assert!(ProviderId::parse("-x").is_err());
        assert!(ProviderId::parse("O2").is_err());
        assert!(ProviderId::parse("").is_err());
        assert!(ServiceId::parse("a_b").is_err());
        assert!(ServiceId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn regions() {
        assert!(RegionId::parse("DE-BY").is_ok());
        assert!(RegionId::parse("*").is_err());
        assert!(RegionId::parse("DE BY").is_err());
    }

    #[test]
    fn serde_rejects_invalid() {
        let r: Result<ProviderId, _> = serde_json::from_str("\"Bad Id\"");
        assert!(r.is_err());
        let ok: ProviderId = serde_json::from_str("\"o2-de\"").unwrap();
        assert_eq!(ok.as_str(), "o2-de");
    }
}
