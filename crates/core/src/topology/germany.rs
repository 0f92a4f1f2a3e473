//! The default topology for Germany: the 16 Länder, major operators and online services, and a
//! postcode → Land table.

use super::Topology;

/// The shipped topology text (`crates/core/data/topology-de.toml`).
pub const TOPOLOGY_TOML: &str = include_str!("../../data/topology-de.toml");

/// The default German topology, parsed. The file is tested, so this cannot fail at run time.
pub fn topology() -> Topology {
    Topology::from_toml("topology-de.toml", TOPOLOGY_TOML).expect("shipped topology is valid")
}
