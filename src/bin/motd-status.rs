//! `motd-status`: this host's cluster view, from the local cache. See `motd_status::display`.

fn main() {
    std::process::exit(motd_status::display::main());
}
