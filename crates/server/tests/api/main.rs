//! HTTP-level tests of the server: one binary, every test with its own server and store.

mod detection;
mod helpers;
mod incidents;
mod intake;
mod publish;
mod time;
