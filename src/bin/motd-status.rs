//! `motd-status`: this host's cluster view, from the local cache. See `motd_status::display`.
//!
//! `no_main`: this runs at every login, and the standard runtime set-up skipped here (finding
//! the main thread's stack by parsing `/proc/self/maps` for a stack-overflow message, ignoring
//! SIGPIPE) was a fifth of the work on a typical cache. Arguments still come from
//! `std::env::args_os`, which glibc hands to Rust before `main`; output is flushed explicitly.

#![no_main]

#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // A panic must not unwind into C; at login it must not change the exit status either.
    let login = std::env::args_os().any(|a| a == "--login");
    match std::panic::catch_unwind(motd_status::display::main) {
        Ok(code) => code,
        Err(_) if login => 0,
        Err(_) => 2,
    }
}
