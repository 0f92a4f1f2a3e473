//! One module per subcommand.

pub mod eval;
pub mod nab;
pub mod replay;
pub mod simulate;
