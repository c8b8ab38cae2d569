//! The one integration-test binary: every module below runs the real binaries.

mod server;
mod util;
