//! The consoles behind sign-in: the agent console (`agent`) and the operator console
//! (`operator`). They read the same product view as the public pages and change incidents
//! only through the functions the JSON API calls. Their routes are in `auth::routes`.

pub mod agent;
pub mod operator;
