//! The Outage Radar server: intake → detection → publishing, over HTTP.
//!
//! Architecture invariant: this is the only crate that knows HTTP, HTML and JSON wire formats.
//! It owns no SQL (that is `radar-store`) and no detection logic (that is `radar-core`).

pub mod auth;
pub mod cluster;
pub mod console;
pub mod detection;
pub mod explain;
pub mod guard;
pub mod intake;
pub mod metrics;
pub mod openapi;
pub mod playback;
pub mod problem;
pub mod publish;
pub mod settings;
pub mod startup;
pub mod state;
pub mod store_health;
pub mod subscribe;

pub use settings::Settings;
pub use startup::Application;
