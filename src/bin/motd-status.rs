//! `motd-status`: this host's cluster view, from the local cache. See `motd_status::cli`.
//!
//! `no_main`: this runs at every login, and the standard runtime set-up skipped here (finding
//! the main thread's stack by parsing `/proc/self/maps` for a stack-overflow message, ignoring
//! SIGPIPE) was a fifth of the work on a typical cache. The arguments are taken from the
//! `argc`/`argv` the C runtime passes here, so they do not depend on the C library handing
//! them to Rust's standard library before `main` (glibc does, musl does not).

#![no_main]

use std::ffi::{CStr, OsString, c_char, c_int};
use std::os::unix::ffi::OsStringExt;

#[unsafe(no_mangle)]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    let mut args = Vec::new();
    for i in 1..usize::try_from(argc).unwrap_or(0) {
        // SAFETY: the C runtime passes `argc` valid pointers to NUL-terminated strings.
        let arg = unsafe { *argv.add(i) };
        if arg.is_null() {
            break;
        }
        // SAFETY: as above; the string lives for the whole process.
        let bytes = unsafe { CStr::from_ptr(arg) }.to_bytes().to_vec();
        args.push(OsString::from_vec(bytes));
    }
    // A panic must not unwind into C; at login (or at sbatch, --job-hint) it must not change
    // the exit status either.
    let login = args.iter().any(|a| a == "--login" || a == "--job-hint");
    match std::panic::catch_unwind(move || motd_status::cli::run(args)) {
        Ok(exit) => c_int::from(exit.code()),
        Err(_) if login => 0,
        Err(_) => 2,
    }
}
