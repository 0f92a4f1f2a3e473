//! HTTP-level tests of the server: one binary, every test with its own server and store.

mod abuse;
mod accounts;
mod browser;
mod consoles;
mod detection;
mod feeds;
mod guard;
mod helpers;
mod incidents;
mod intake;
mod limits;
mod live_equals_replay;
mod openapi;
mod pages;
mod pages_browser;
mod publish;
mod signals;
mod statuspage;
mod subscriptions;
mod time;
mod unwritable;
