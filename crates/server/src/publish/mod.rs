//! Publishing: the JSON read API, the public HTML pages (with their message catalogue, chart,
//! map and history), the Atom feeds and the Statuspage-compatible API; conditional GET and
//! compression for all of them (`cache`); rendered pages kept as snapshots (`snapshot`).

pub mod api;
pub mod atom;
pub mod cache;
pub mod chart;
pub mod history;
pub mod i18n;
pub mod live;
pub mod local_time;
pub mod map;
pub mod pages;
pub mod snapshot;
pub mod statuspage;
pub mod wire;
