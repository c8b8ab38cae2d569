//! Work with a deadline, for calls that can block forever (a read on a hung NFS or Lustre
//! mount cannot be interrupted): the work runs on a worker thread, and the caller waits for it
//! only until the deadline. A worker still stuck then is left behind; the process exits soon
//! after anyway.

use std::sync::mpsc;
use std::time::Duration;

/// Why [`within`] returned without a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    /// The deadline passed first.
    TimedOut,
    /// The worker could not be started, or died (a panic) before answering.
    Failed,
}

/// Runs `work` on a thread named `name` and returns its result if it is ready within
/// `timeout`.
pub fn within<T: Send + 'static>(
    name: &str,
    timeout: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Missed> {
    let answers = start(name, move |answer| {
        let _ = answer.send(work());
    })?;
    wait(&answers, timeout)
}

/// Starts `work` on a thread named `name`; it may answer more than once (a first result, then
/// that it finished what it does after), each answer read with [`wait`].
pub fn start<T: Send + 'static>(
    name: &str,
    work: impl FnOnce(&mpsc::Sender<T>) + Send + 'static,
) -> Result<mpsc::Receiver<T>, Missed> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || work(&tx))
        .map_err(|_| Missed::Failed)?;
    Ok(rx)
}

/// The worker's next answer, if it comes within `timeout`.
pub fn wait<T>(answers: &mpsc::Receiver<T>, timeout: Duration) -> Result<T, Missed> {
    answers.recv_timeout(timeout).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => Missed::TimedOut,
        mpsc::RecvTimeoutError::Disconnected => Missed::Failed,
    })
}
