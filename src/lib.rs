//! motd-status: a Statuspage page at the login prompt of a cluster.
//!
//! Two binaries share this library. `motd-status-fetch` (timer-driven) pulls the page and writes
//! the cache; `motd-status` (every login) reads only that cache and prints this host's view.
//! The modules the login binary uses (`cache`, `select`, `render`, `sanitize`, `glob`,
//! `localtime`, `clock`) touch no network, TLS or TOML code; everything that does lives under
//! [`fetch`], which only the fetcher calls, so the linker leaves it out of the login binary.

pub mod cache;
pub mod clock;
pub mod display;
pub mod fetch;
pub mod glob;
pub mod localtime;
pub mod render;
pub mod sanitize;
pub mod select;
