//! One module per subcommand.

pub mod audit;
pub mod backup;
pub mod customers;
pub mod demo;
pub mod eval;
pub mod import;
pub mod nab;
pub mod rca;
pub mod replay;
pub mod restore;
pub mod serve;
pub mod simulate;
pub mod token;
pub mod user;
