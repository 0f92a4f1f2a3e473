//! Postcode → region lookup. The German table is `crates/core/data/postcodes-de.csv`.

use std::collections::BTreeMap;

use crate::ids::RegionId;

/// Maps postcode prefixes to regions. Longest prefix wins.
#[derive(Clone, Debug, Default)]
pub struct PostcodeMap {
    by_prefix: BTreeMap<String, RegionId>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("{0:?} is not a postcode: German postcodes have five digits, e.g. 80331")]
    Syntax(String),
    #[error("postcode {0:?} is not assigned to any region")]
    Unknown(String),
}

impl PostcodeMap {
    /// Builds a map from `(prefix, region)` rows.
    pub fn from_rows(rows: impl IntoIterator<Item = (String, RegionId)>) -> Self {
        PostcodeMap {
            by_prefix: rows.into_iter().collect(),
        }
    }

    pub fn lookup(&self, postcode: &str) -> Result<RegionId, PostcodeError> {
        let pc = postcode.trim();
        if pc.len() != 5 || !pc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PostcodeError::Syntax(postcode.to_owned()));
        }
        for len in (1..=5).rev() {
            if let Some(r) = self.by_prefix.get(&pc[..len]) {
                return Ok(r.clone());
            }
        }
        Err(PostcodeError::Unknown(postcode.to_owned()))
    }

    pub fn len(&self) -> usize {
        self.by_prefix.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }
}
