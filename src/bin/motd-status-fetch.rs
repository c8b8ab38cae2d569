//! `motd-status-fetch`: fetch the page into the cache. See `motd_status::fetch::run`.

fn main() {
    std::process::exit(motd_status::fetch::run::main());
}
