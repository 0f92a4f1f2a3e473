//! Explaining: incidents (declared by operators or found by detection), their lifecycle, and
//! how two incidents relate.

pub mod incidents;
pub mod outages;
pub mod relations;
pub mod signals;
