//! Everything only the fetcher does; nothing here is reachable from `motd-status`, whose binary
//! the linker builds without it (checked by a test on the symbols).
//!
//! The rooms, from the program down: [`cli`] (arguments, the modes, one error path through
//! [`failure`]); [`refresh`] (a fetch under the cache's lock), [`report`] (`--check`,
//! `--list-groups`), [`status`] (`--status`); [`sources`] (one room per kind of source, behind
//! one interface); [`build`] (the cache builder), [`drift`] (pages against Slurm), [`resolve`] (cluster names to components),
//! [`motd_file`] and [`metrics`] (what a run writes besides the cache); [`session`],
//! [`http`], [`address`] (requests, the client, addresses parsed once); [`config`]; [`log`].
//! `docs/architecture.md` draws the house and which room may use which.

pub(crate) mod address;
pub(crate) mod build;
pub mod cli;
pub(crate) mod collect;
pub(crate) mod config;
pub(crate) mod drift;
pub(crate) mod failure;
pub(crate) mod http;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod motd_file;
pub(crate) mod overlay;
pub(crate) mod refresh;
pub(crate) mod report;
pub(crate) mod resolve;
pub(crate) mod session;
pub(crate) mod sources;
pub(crate) mod status;
#[cfg(test)]
mod tests;
