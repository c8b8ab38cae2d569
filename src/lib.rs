//! motd-status: a Statuspage page at the login prompt of a cluster.
//!
//! Two binaries share this library. `motd-status-fetch` (timer-driven) pulls the page and writes
//! the cache; `motd-status` (every login) reads only that cache and prints this host's view.
//!
//! The rule of what a view shows lives in [`select`] alone; [`view`] turns a cache and a
//! request into output for the login ([`cli`]) and for the fetcher's `motd_file`. The modules
//! the login binary uses touch no network, TLS or TOML code; everything that does lives under
//! [`fetch`], which only the fetcher calls, so the linker leaves it out of the login binary.

pub(crate) mod cache;
pub mod cli;
pub(crate) mod clock;
pub(crate) mod deadline;
pub(crate) mod env;
pub mod exit;
pub mod fetch;
pub(crate) mod glob;
pub(crate) mod localtime;
pub(crate) mod pam_motd;
pub(crate) mod render;
pub(crate) mod rng;
pub(crate) mod sanitize;
pub(crate) mod seen;
pub(crate) mod select;
pub(crate) mod slurm_time;
#[doc(hidden)]
pub mod testing;
pub(crate) mod view;
