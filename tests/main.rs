//! The one integration-test binary: every module below runs the real binaries.

// A test reads as one story, start to end; the house's 80-line rule is for `src/`.
#![allow(clippy::too_many_lines)]

mod cli;
mod exact_views;
mod fetch_concurrency;
mod fetch_faults;
mod fetch_inputs;
mod fetch_private;
mod fetch_sources;
mod fetch_trust;
mod hostile_paths;
mod house;
mod login;
mod mirror_local;
mod mirror_nginx;
mod monitoring;
mod nginx;
mod notices;
mod notices_edits;
mod notices_examples;
mod notices_failing;
mod pam_motd;
mod property;
mod real_pages;
mod rendering;
mod seen;
mod selection;
mod server;
mod shells;
mod slurm;
mod sources_apart;
mod terminal_output;
mod tls_server;
mod util;
mod whole_path;
