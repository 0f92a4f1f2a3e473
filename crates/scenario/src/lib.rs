//! Offline harnesses around the core: scenario packages (read, generate, replay, evaluate) and
//! the NAB benchmark. This crate reads and writes files; the decisions stay in `radar-core`.

pub mod eval;
pub mod generate;
pub mod may2017;
pub mod nab;
pub mod package;
pub mod petshop;
pub mod replay;
