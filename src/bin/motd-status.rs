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
    // A panic (a bug) ends the program at once, from whichever thread: at login (and in the
    // job hint) silently and with status 0, whatever happened; otherwise with one line and status 2. The release build
    // aborts on panic rather than unwinding (a tenth of the binary is unwinding tables), so
    // this hook is what decides the status; it never returns into the abort.
    // The job hint runs inside sbatch: it too must never fail or speak up.
    let login = args.iter().any(|a| a == "--login" || a == "--job-hint");
    std::panic::set_hook(Box::new(move |_| {
        if !login {
            // SAFETY: write(2) of a static buffer to stderr; nothing else is touched.
            let msg = b"motd-status: internal error\n";
            let _ = unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        }
        // SAFETY: _exit ends the process without running anything of ours.
        unsafe { libc::_exit(if login { 0 } else { 2 }) }
    }));
    // Unwinding builds (the tests') must not unwind into C either.
    match std::panic::catch_unwind(move || motd_status::cli::run(args)) {
        Ok(exit) => c_int::from(exit.code()),
        Err(_) if login => 0,
        Err(_) => 2,
    }
}
