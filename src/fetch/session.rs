//! One run's requests, and conditional requests across runs.
//!
//! Every URL a run asks for is recorded with the `ETag`/`Last-Modified` it answered with (a 404
//! is recorded too, with neither), and each source's record goes into the cache's
//! `validators`. The next run first *probes* each source: it asks for the same URLs again with
//! `If-None-Match`/`If-Modified-Since`. When every one answers 304 (and every recorded 404 is
//! still a 404), nothing changed: the fetcher keeps that source's data and only moves its
//! `checked_at`, which costs the page nothing and re-parses nothing.
//!
//! When some answer 304 and others 200, the fetcher cannot rebuild the page from the 304s (it
//! keeps no raw bodies: they would bloat the cache every login reads), so it fetches the page
//! in full, unconditionally; the bodies that came back with 200 during the probe are reused, so
//! only the URLs that said 304 are asked again. The probe stops at the first change.
//!
//! A probe is only tried when it can prove nothing changed: the previous run recorded a
//! validator for every URL of the source (a file read, or an answer without one, records
//! nothing for it), ran under the same config (its digest is recorded as the first entry) and
//! fetched the source in full less than [`FULL_EVERY`] ago, so items that were out of every
//! window then (maintenance far ahead) come in on time.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::address::Url;
use super::http::{Answer, Body, FetchError, Get, Http, Secret};
use crate::cache::{Cache, Validator};

/// Fetch in full, unconditionally, at least this often.
pub const FULL_EVERY: Duration = Duration::from_secs(24 * 3600);
/// The `url` of the validator entry that holds the config digest.
const DIGEST_URL: &str = "motd-status:config";

/// What a GET came to, for the source-specific code to interpret.
#[derive(Debug)]
pub enum Got {
    Body(Vec<u8>),
    /// A status that is not success and was not worth retrying (404, 401, 403, …).
    Status(u16),
}

/// When a served file last changed, and when it was served, by the server's clock (the
/// `Last-Modified` and `Date` headers, where it sent them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Served {
    pub last_modified: Option<String>,
    pub date: Option<String>,
}

/// A local file as read: its bytes, what it was when opened, and whether it stayed so while it
/// was read.
#[derive(Debug)]
pub struct LocalRead {
    pub bytes: Vec<u8>,
    pub stamp: FileStamp,
    /// Its size and modification time were the same after the read as before it.
    pub steady: bool,
}

/// What tells one version of a file from another without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub modified: std::time::SystemTime,
    pub len: u64,
    pub dev: u64,
    pub ino: u64,
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            modified: meta.modified().unwrap_or(std::time::UNIX_EPOCH),
            len: meta.len(),
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// What one address cost this run, for the metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traffic {
    /// GETs asked (retries and redirect hops of one GET count once) and files read.
    pub requests: u64,
    /// 304 answers to conditional requests.
    pub not_modified: u64,
    /// Bytes of the bodies received (or read).
    pub bytes: u64,
}

pub struct Session<'a> {
    pub http: &'a Http,
    /// Traffic by address, in the order first asked.
    pub traffic: Vec<(String, Traffic)>,
    /// Bodies the probe already has (answered 200 to a conditional request).
    memo: HashMap<String, Body>,
    record: Vec<Validator>,
    /// Addresses (and files) whose answers a later run cannot ask about conditionally: read
    /// from a file, or answered without a validator.
    inconclusive: HashSet<String>,
}

impl<'a> Session<'a> {
    pub fn new(http: &'a Http) -> Session<'a> {
        Session {
            http,
            traffic: Vec::new(),
            memo: HashMap::new(),
            record: Vec::new(),
            inconclusive: HashSet::new(),
        }
    }

    /// Counts one request to `url`: its 304, its bytes.
    fn count(&mut self, url: &str, not_modified: bool, bytes: usize) {
        let at = match self.traffic.iter().position(|(u, _)| u == url) {
            Some(at) => at,
            None => {
                self.traffic.push((url.to_owned(), Traffic::default()));
                self.traffic.len() - 1
            }
        };
        let t = &mut self.traffic[at].1;
        t.requests += 1;
        t.not_modified += u64::from(not_modified);
        t.bytes = t.bytes.saturating_add(bytes as u64);
    }

    /// GETs `url` (with `key` as its API key, paced), recording its validators.
    pub fn get(&mut self, url: &Url, key: Option<&Secret>) -> Result<Got, FetchError> {
        self.get_served(url, key).map(|(got, _)| got)
    }

    /// [`Session::get`], with when the body last changed and when it was served. Asked again
    /// in the same run, the address's validators are those of the last answer.
    pub fn get_served(
        &mut self,
        url: &Url,
        key: Option<&Secret>,
    ) -> Result<(Got, Served), FetchError> {
        let body = match self.memo.remove(url.as_str()) {
            Some(b) => b,
            None => match self.counted(
                url,
                Get {
                    url,
                    key,
                    validator: None,
                    paced: key.is_some(),
                },
            )? {
                Answer::Body(b) => b,
                Answer::NotModified => {
                    return Err(FetchError {
                        url: url.redacted(),
                        cause: "HTTP 304 to a request that was not conditional".to_owned(),
                    });
                }
                Answer::Status(s) => {
                    if s == 404 {
                        self.note(url.as_str(), None, None);
                    } else {
                        self.inconclusive.insert(url.as_str().to_owned());
                    }
                    return Ok((Got::Status(s), Served::default()));
                }
            },
        };
        if body.etag.is_none() && body.last_modified.is_none() {
            self.inconclusive.insert(url.as_str().to_owned());
        }
        let served = Served {
            last_modified: body.last_modified.clone(),
            date: body.date,
        };
        self.note(url.as_str(), body.etag, body.last_modified);
        Ok((Got::Body(body.bytes), served))
    }

    /// Reads a local file with the byte cap and the run's deadline (a hung network filesystem
    /// blocks a read forever; the run then gives up on it). `None` if it does not exist.
    pub fn read_file(&mut self, path: &Path) -> Result<Option<Vec<u8>>, FetchError> {
        Ok(self.read_local(path)?.map(|r| r.bytes))
    }

    /// [`Session::read_file`], with what the file was when opened and whether it changed
    /// while it was read.
    pub fn read_local(&mut self, path: &Path) -> Result<Option<LocalRead>, FetchError> {
        self.inconclusive.insert(path.display().to_string());
        let fail = |cause: String| FetchError {
            url: path.display().to_string(),
            cause,
        };
        let max = self.http.config().max_bytes;
        let timeout = self.http.config().timeout.min(self.http.remaining());
        let owned = path.to_owned();
        let read = move || {
            // Local pages and mirrors are trusted like the cache itself: a regular file of
            // root, this user or the fetcher's user, that nobody else can write or replace.
            use crate::cache::trust;
            let (file, meta) = match trust::open_regular(&owned) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e.to_string()),
            };
            trust::check(&meta).map_err(|why| format!("not trusted: {why}"))?;
            trust::check_ancestors(&owned).map_err(|why| format!("not trusted: {why}"))?;
            let mut body = Vec::new();
            let mut file = file.take(max + 1);
            file.read_to_end(&mut body).map_err(|e| e.to_string())?;
            if body.len() as u64 > max {
                return Err(format!("larger than max_bytes ({max} bytes)"));
            }
            let stamp = FileStamp::of(&meta);
            let after = file.get_ref().metadata().map_err(|e| e.to_string())?;
            Ok(Some(LocalRead {
                steady: FileStamp::of(&after) == stamp && body.len() as u64 == stamp.len,
                bytes: body,
                stamp,
            }))
        };
        let shown = path.display().to_string();
        match crate::deadline::within("read", timeout, read) {
            Ok(r) => {
                let r = r.map_err(fail);
                let n = r
                    .as_ref()
                    .ok()
                    .and_then(|b| b.as_ref())
                    .map_or(0, |b| b.bytes.len());
                self.count(&shown, false, n);
                r
            }
            Err(crate::deadline::Missed::TimedOut) => Err(fail(format!(
                "no answer from the file system within {} (a hung mount?)",
                humantime::format_duration(timeout)
            ))),
            Err(crate::deadline::Missed::Failed) => Err(fail("the reader failed".to_owned())),
        }
    }

    /// Records the validators of `url`'s answer (of its last, when it was asked again).
    fn note(&mut self, url: &str, etag: Option<String>, last_modified: Option<String>) {
        let v = Validator {
            url: url.to_owned(),
            etag,
            last_modified,
        };
        match self.record.iter_mut().find(|v| v.url == url) {
            Some(old) => *old = v,
            None => self.record.push(v),
        }
    }

    /// The validators a later run may probe the addresses `owns` accepts with (one source's):
    /// every address it asked, or none when one of them cannot be asked about conditionally.
    /// An address with credentials in it (`https://user:pass@…`) never goes into the cache,
    /// which every user can read and mirrors publish: such a source is fetched in full.
    pub fn validators(&self, owns: impl Fn(&str) -> bool) -> Vec<Validator> {
        let mine: Vec<&Validator> = self.record.iter().filter(|v| owns(&v.url)).collect();
        let secret = mine
            .iter()
            .any(|v| super::address::redact_text(&v.url) != v.url);
        if secret || self.inconclusive.iter().any(|u| owns(u)) {
            return Vec::new();
        }
        mine.into_iter().cloned().collect()
    }

    /// The validators of a cache: the config's digest first, then every source's.
    pub fn with_digest(digest: &str, rest: impl IntoIterator<Item = Validator>) -> Vec<Validator> {
        let rest: Vec<Validator> = rest.into_iter().collect();
        if rest.is_empty() {
            return rest;
        }
        std::iter::once(Validator {
            url: DIGEST_URL.to_owned(),
            etag: Some(digest.to_owned()),
            last_modified: None,
        })
        .chain(rest)
        .collect()
    }

    /// Whether validators of `prev` may confirm data fetched in full at `fetched`: recorded under
    /// the same config and this build (the digest), and fetched in full less than
    /// [`FULL_EVERY`] ago, so that what was out of every window then comes in on time.
    pub fn can_probe(
        prev: &Cache,
        digest: &str,
        fetched: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        let fresh = now
            .signed_duration_since(fetched)
            .to_std()
            .is_ok_and(|age| age < FULL_EVERY);
        prev.validators
            .first()
            .is_some_and(|first| first.url == DIGEST_URL && first.etag.as_deref() == Some(digest))
            && fresh
    }

    /// `http.get`, counted.
    fn counted(&mut self, url: &Url, get: Get<'_>) -> Result<Answer, FetchError> {
        let answer = self.http.get(get);
        let url = url.as_str();
        match &answer {
            Ok(Answer::Body(b)) => self.count(url, false, b.bytes.len()),
            Ok(Answer::NotModified) => self.count(url, true, 0),
            _ => self.count(url, false, 0),
        }
        answer
    }

    /// Asks again for every URL of `prev` (one source's record), conditionally. `Ok(true)`: nothing
    /// changed. `Ok(false)`: something did; the full fetch follows and reuses what came back.
    pub fn probe(
        &mut self,
        prev: &[Validator],
        key_for: impl Fn(&Url) -> Option<&'a Secret>,
    ) -> Result<bool, FetchError> {
        if prev.is_empty() {
            return Ok(false);
        }
        for v in prev {
            // An address this build cannot read proves nothing: fetch in full.
            let Ok(url) = Url::parse(&v.url) else {
                return Ok(false);
            };
            let key = key_for(&url);
            let conditional = v.etag.is_some() || v.last_modified.is_some();
            let answer = self.counted(
                &url,
                Get {
                    url: &url,
                    key,
                    validator: conditional.then_some(v),
                    paced: key.is_some(),
                },
            )?;
            match answer {
                Answer::NotModified if conditional => {}
                Answer::Status(404) if !conditional => {}
                Answer::Body(b) => {
                    self.memo.insert(v.url.clone(), b);
                    return Ok(false);
                }
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}
