//! `motd-status-fetch`: fetch the page into the cache. See `motd_status::fetch::run`.

fn main() -> std::process::ExitCode {
    motd_status::fetch::run::run(std::env::args_os().skip(1)).into()
}
