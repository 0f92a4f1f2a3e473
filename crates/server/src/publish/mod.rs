//! Publishing: the JSON read API, the public HTML pages, the Atom feeds and the
//! Statuspage-compatible API.

pub mod api;
pub mod atom;
pub mod local_time;
pub mod pages;
pub mod statuspage;
pub mod wire;
