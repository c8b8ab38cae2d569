//! `motd-status-fetch`: fetch the page into the cache. See `motd_status::fetch::cli`.

fn main() -> std::process::ExitCode {
    motd_status::fetch::cli::run(std::env::args_os().skip(1)).into()
}
