//! Publishing: the JSON read API and the public HTML pages.

pub mod api;
pub mod local_time;
pub mod pages;
pub mod wire;
