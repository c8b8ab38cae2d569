//! The cache file: the one thing the fetcher writes and the login binary reads.
//!
//! It is versioned JSON holding only what a login could show: the fetcher trims the page to the
//! time windows, so the login binary's work stays flat however big the page grows. Writing is
//! atomic (temp file in the same directory, fsync, rename, fsync of the directory) under an
//! exclusive lock on a sibling `.lock` file, because a lock on a file that is later renamed over
//! protects nothing. Readers never lock: the rename hands them the old file or the new one, whole.
//!
//! Reading is careful in a different way: the file is checked before it is trusted (regular
//! file, owner root / the reader / the fetcher's system user, not writable by group or others),
//! and the bytes read are capped, because anything it says is put in front of every user.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The cache format version this build reads and writes.
pub const VERSION: u32 = 1;
/// Where the cache lives unless `--cache`, `MOTD_STATUS_CACHE` or the config say otherwise.
pub const DEFAULT_PATH: &str = "/var/cache/motd-status/status.json";
/// Environment variable naming the cache, for both binaries.
pub const ENV_PATH: &str = "MOTD_STATUS_CACHE";
/// A cache larger than this is refused unread: a trimmed cache of a huge page is well under it.
pub const MAX_BYTES: u64 = 4 << 20;
/// The system user the packaged fetcher runs as; a cache it owns is trusted.
pub const FETCH_USER: &str = "motd-status";

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Cache {
    pub version: u32,
    /// `motd-status-fetch <version>`, for whoever reads the file by hand.
    #[serde(default)]
    pub generator: String,
    /// The last time every source was fetched successfully.
    #[serde(deserialize_with = "ts::required")]
    pub fetched_at: DateTime<Utc>,
    /// The last time every source was confirmed current (a 304 moves this, not `fetched_at`).
    #[serde(default, deserialize_with = "ts::optional")]
    pub checked_at: Option<DateTime<Utc>>,
    pub settings: Settings,
    pub sources: Vec<Source>,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// Where the items that name no component are (`sources[source].items[index]`), for a host
    /// of no cluster. `None` in caches written without positions: then everything is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unscoped: Option<Vec<Pos>>,
    /// HTTP validators (ETag / Last-Modified) by URL, for conditional requests. Fetcher only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validators: Vec<Validator>,
}

/// Display settings resolved by the fetcher from the config, so the login binary needs no config.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Settings {
    /// Resolved incidents stay visible this long (seconds).
    pub recent_seconds: u64,
    /// Scheduled maintenance shows up this long before it starts (seconds).
    pub upcoming_seconds: u64,
    /// Items naming no component are shown on every cluster.
    pub show_unscoped: bool,
    /// Past this age the view ends with a "status as of" line (seconds).
    #[serde(default = "default_stale")]
    pub stale_seconds: u64,
    /// Past this age only the "status as of" line is shown (seconds).
    #[serde(default = "default_expire")]
    pub expire_seconds: u64,
    /// At most this many items at login; the rest are counted.
    #[serde(default = "default_max_items")]
    pub max_items: usize,
    /// The site's switch: false makes `--login` print nothing.
    #[serde(default = "default_true")]
    pub login: bool,
}

fn default_stale() -> u64 {
    3600
}
fn default_expire() -> u64 {
    7 * 86400
}
fn default_max_items() -> usize {
    8
}
fn default_true() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            recent_seconds: 2 * 86400,
            upcoming_seconds: 7 * 86400,
            show_unscoped: true,
            stale_seconds: default_stale(),
            expire_seconds: default_expire(),
            max_items: default_max_items(),
            login: true,
        }
    }
}

/// One status page (or mirror) the items came from.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Components a login may need: those named by items, those not operational, and those a
    /// cluster covers that could matter. Groups are not listed; each component names its group.
    #[serde(default)]
    pub components: Vec<Component>,
    #[serde(default)]
    pub items: Vec<Item>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Component {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub group: Option<String>,
    pub status: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Incident,
    Maintenance,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Incident => "incident",
            Kind::Maintenance => "maintenance",
        }
    }
}

/// An incident or a scheduled maintenance, reduced to what a login shows.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub shortlink: Option<String>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub scheduled_for: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    pub scheduled_until: Option<DateTime<Utc>>,
    /// Ids of the components it affects (of its own source).
    #[serde(default)]
    pub components: Vec<String>,
    /// The newest update's text, converted to plain text and shortened by the fetcher.
    #[serde(default)]
    pub update: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Cluster {
    pub name: String,
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The components this cluster covers, as (source index, component id).
    #[serde(default)]
    pub components: Vec<ComponentRef>,
    /// Entries of this cluster's view the fetcher left out to keep the cache small; the view
    /// counts them with the ones it does not show.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: usize,
    /// Where the items and components this cluster's view can use are, so that a login reads
    /// only those (see [`read_for`]). `None` in caches written without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<Uses>,
}

/// Positions of what one view can use.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Uses {
    pub items: Vec<Pos>,
    pub components: Vec<Pos>,
}

/// `sources[source].items[index]` (or `.components[index]`).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos(pub usize, pub usize);

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ComponentRef {
    pub source: usize,
    pub id: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Validator {
    pub url: String,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
}

/// Why a cache could not be used. Each says what a sysadmin would check.
#[derive(Debug)]
pub enum ReadError {
    Missing(PathBuf),
    Io(PathBuf, io::Error),
    NotRegular(PathBuf),
    Untrusted(PathBuf, String),
    TooBig(PathBuf, u64),
    Empty(PathBuf),
    Malformed(PathBuf, String),
    Version(PathBuf, u32),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Missing(p) => write!(
                f,
                "{}: no cache yet (has motd-status-fetch run?)",
                p.display()
            ),
            ReadError::Io(p, e) => write!(f, "{}: cannot read the cache: {e}", p.display()),
            ReadError::NotRegular(p) => write!(f, "{}: not a regular file", p.display()),
            ReadError::Untrusted(p, why) => {
                write!(f, "{}: cache not trusted: {why}", p.display())
            }
            ReadError::TooBig(p, n) => write!(
                f,
                "{}: cache is {n} bytes, over the {MAX_BYTES}-byte limit",
                p.display()
            ),
            ReadError::Empty(p) => write!(f, "{}: cache is empty", p.display()),
            ReadError::Malformed(p, e) => write!(f, "{}: cache is malformed: {e}", p.display()),
            ReadError::Version(p, v) => write!(
                f,
                "{}: cache format version {v} is not supported (this build reads {VERSION}); \
                 run motd-status-fetch again",
                p.display()
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads and checks a cache. `O_NONBLOCK` keeps a FIFO from blocking the open; the caller still
/// runs this under a deadline, because a hung network filesystem can block any call.
pub fn read(path: &Path) -> Result<Cache, ReadError> {
    let bytes = read_bytes(path)?;
    parse(path, &bytes)
}

/// Reads the file after the trust checks, capped at [`MAX_BYTES`].
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => ReadError::Missing(path.to_owned()),
            _ => ReadError::Io(path.to_owned(), e),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Io(path.to_owned(), e))?;
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular(path.to_owned()));
    }
    check_trust(&meta).map_err(|why| ReadError::Untrusted(path.to_owned(), why))?;
    if meta.len() > MAX_BYTES {
        return Err(ReadError::TooBig(path.to_owned(), meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    // Read one byte past the cap so a file that grew after the stat is still caught.
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(path.to_owned(), e))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ReadError::TooBig(path.to_owned(), bytes.len() as u64));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty(path.to_owned()));
    }
    Ok(bytes)
}

/// Which view a login wants: a cluster by name, or the cluster of a host.
#[derive(Debug, Clone, Copy)]
pub enum Want<'a> {
    Cluster(&'a str),
    Host(&'a str),
}

/// Reads the cache for one view: only the clusters, and the items and components that view
/// can use (by the positions the fetcher recorded); the rest of the file is skipped over, not
/// parsed into values. What it returns is a [`Cache`] that selects and renders that view
/// exactly as the whole one would. A cache without positions is read whole.
pub fn read_for(path: &Path, want: Want<'_>) -> Result<Cache, ReadError> {
    let bytes = read_bytes(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| ReadError::Malformed(path.to_owned(), format!("not UTF-8 text: {e}")))?;
    let lazy: Lazy<'_> = match serde_json::from_str(text) {
        Ok(l) => l,
        // Let the full parse say precisely what is wrong.
        Err(_) => return parse(path, &bytes),
    };
    if lazy.version != VERSION {
        return Err(ReadError::Version(path.to_owned(), lazy.version));
    }
    let chosen = match want {
        Want::Cluster(name) => lazy
            .clusters
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name)),
        Want::Host(host) => lazy
            .clusters
            .iter()
            .position(|c| c.hosts.iter().any(|p| crate::glob::host_matches(p, host))),
    };
    let full = match chosen {
        Some(i) => match lazy.clusters[i].parse() {
            Some(c) => Some(c),
            None => return parse(path, &bytes),
        },
        None => None,
    };
    let cluster = full.as_ref();
    let empty = Uses::default();
    let uses = match cluster {
        Some(c) => c.uses.as_ref(),
        None => lazy.unscoped.as_ref().map(|_| &empty),
    };
    let Some(uses) = uses else {
        return parse(path, &bytes);
    };
    let mut sources: Vec<Source> = lazy
        .sources
        .iter()
        .map(|s| Source {
            name: s.name.clone(),
            url: s.url.clone(),
            time_zone: s.time_zone.clone(),
            components: Vec::new(),
            items: Vec::new(),
        })
        .collect();
    let item_pos = match cluster {
        Some(_) => &uses.items,
        None => lazy.unscoped.as_ref().unwrap_or(&empty.items),
    };
    // Positions that do not fit the file (edited by hand?) or values that do not parse: read
    // it whole instead, which says what is wrong if anything is.
    for &Pos(si, i) in item_pos {
        let item = lazy.sources.get(si).and_then(|s| s.items.get(i));
        match item.and_then(|raw| serde_json::from_str(raw.get()).ok()) {
            Some(item) => sources[si].items.push(item),
            None => return parse(path, &bytes),
        }
    }
    for &Pos(si, i) in &uses.components {
        let comp = lazy.sources.get(si).and_then(|s| s.components.get(i));
        match comp.and_then(|raw| serde_json::from_str(raw.get()).ok()) {
            Some(comp) => sources[si].components.push(comp),
            None => return parse(path, &bytes),
        }
    }
    Ok(Cache {
        version: lazy.version,
        generator: String::new(),
        fetched_at: lazy.fetched_at,
        checked_at: lazy.checked_at,
        settings: lazy.settings,
        sources,
        // The wanted cluster whole; the others by name and hosts, which is all a view of
        // another cluster needs of them.
        clusters: lazy
            .clusters
            .iter()
            .enumerate()
            .map(|(i, c)| match (&full, chosen) {
                (Some(f), Some(at)) if at == i => f.clone(),
                _ => c.head(),
            })
            .collect(),
        unscoped: lazy.unscoped,
        validators: Vec::new(),
    })
}

/// The cache with its sources' items and components left as raw JSON text.
#[derive(Deserialize)]
struct Lazy<'a> {
    version: u32,
    #[serde(deserialize_with = "ts::required")]
    fetched_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "ts::optional")]
    checked_at: Option<DateTime<Utc>>,
    settings: Settings,
    #[serde(borrow)]
    sources: Vec<LazySource<'a>>,
    #[serde(default, borrow)]
    clusters: Vec<LazyCluster<'a>>,
    #[serde(default)]
    unscoped: Option<Vec<Pos>>,
}

/// A cluster whose coverage and positions stay raw until it turns out to be the one wanted.
#[derive(Deserialize)]
struct LazyCluster<'a> {
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    more: usize,
    #[serde(default, borrow)]
    components: Option<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    uses: Option<&'a serde_json::value::RawValue>,
}

impl LazyCluster<'_> {
    /// The whole cluster, or `None` if its raw parts do not parse.
    fn parse(&self) -> Option<Cluster> {
        let components = match self.components {
            Some(raw) => serde_json::from_str(raw.get()).ok()?,
            None => Vec::new(),
        };
        let uses = match self.uses {
            Some(raw) => serde_json::from_str(raw.get()).ok()?,
            None => None,
        };
        Some(Cluster {
            name: self.name.clone(),
            hosts: self.hosts.clone(),
            components,
            more: self.more,
            uses,
        })
    }

    /// Name and hosts only: enough to find the host's cluster, nothing to select with.
    fn head(&self) -> Cluster {
        Cluster {
            name: self.name.clone(),
            hosts: self.hosts.clone(),
            components: Vec::new(),
            more: self.more,
            uses: None,
        }
    }
}

#[derive(Deserialize)]
struct LazySource<'a> {
    name: String,
    url: String,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default, borrow)]
    components: Vec<&'a serde_json::value::RawValue>,
    #[serde(default, borrow)]
    items: Vec<&'a serde_json::value::RawValue>,
}

/// Parses cache bytes, telling a wrong version apart from a broken file.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Cache, ReadError> {
    // Validating the UTF-8 once, in bulk, is much cheaper than serde_json checking every string
    // on its own, which was a tenth of a login's work.
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ReadError::Malformed(path.to_owned(), format!("not UTF-8 text: {e}")))?;
    match serde_json::from_str::<Cache>(text) {
        Ok(c) if c.version == VERSION => Ok(c),
        Ok(c) => Err(ReadError::Version(path.to_owned(), c.version)),
        Err(e) => {
            #[derive(Deserialize)]
            struct Probe {
                version: u32,
            }
            match serde_json::from_str::<Probe>(text) {
                Ok(p) if p.version != VERSION => {
                    Err(ReadError::Version(path.to_owned(), p.version))
                }
                _ => Err(ReadError::Malformed(path.to_owned(), e.to_string())),
            }
        }
    }
}

/// Like OpenSSH's StrictModes: whoever could write the cache could put a fake "your password
/// expired, run this" in front of everyone, so only root, the reader itself and the fetcher's
/// system user may own it, and nobody else may write it.
fn check_trust(meta: &fs::Metadata) -> Result<(), String> {
    let mode = meta.permissions().mode();
    if mode & 0o022 != 0 {
        return Err(format!(
            "mode {:04o} lets group or others write it",
            mode & 0o7777
        ));
    }
    let owner = meta.uid();
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if owner == 0 || owner == me || Some(owner) == fetch_user_uid() {
        return Ok(());
    }
    Err(format!(
        "owned by uid {owner}, not root or the {FETCH_USER} user"
    ))
}

/// The fetcher's uid, from `/etc/passwd` itself: a name-service lookup could block on LDAP at
/// login, and the packaged user is a local system user created by sysusers.d.
fn fetch_user_uid() -> Option<u32> {
    let passwd = fs::read("/etc/passwd").ok()?;
    // One vectorised substring search over the bytes, not a split of every line: sites list
    // thousands of local users.
    let needle = format!("\n{FETCH_USER}:");
    let at = if passwd.starts_with(&needle.as_bytes()[1..]) {
        0
    } else {
        memchr::memmem::find(&passwd, needle.as_bytes())? + 1
    };
    let end = memchr::memchr(b'\n', &passwd[at..]).map_or(passwd.len(), |n| at + n);
    let line = std::str::from_utf8(&passwd[at..end]).ok()?;
    line.split(':').nth(2)?.parse().ok()
}

/// An exclusive lock on `<cache>.lock`, held for a whole fetch so two fetchers never interleave.
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the lock without waiting: `Ok(None)` means another fetcher holds it.
    pub fn try_acquire(cache: &Path) -> io::Result<Option<Lock>> {
        let path = sibling(cache, ".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o644)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// `dir/.name<suffix>` beside `path`. Hidden, so a glob over the directory skips it.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{suffix}"))
}

/// Writes `bytes` to `path` atomically with mode 0644. The caller holds the [`Lock`], so one
/// fixed temp name is enough and a writer killed half-way leaves at most that one file, which the
/// next write replaces.
pub fn write_atomic(path: &Path, bytes: &[u8], _lock: &Lock) -> io::Result<()> {
    replace_file(path, bytes)
}

/// Replaces `path` with `bytes` atomically, mode 0644, through `.<name>.tmp` beside it. Two
/// writers of the same file must not run at once: the fetcher calls it under the [`Lock`].
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = sibling(path, ".tmp");
    let result = (|| {
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o644)
            .open(&tmp)?;
        // The mode given to open() is filtered by the umask; the cache must be readable by all.
        file.set_permissions(fs::Permissions::from_mode(0o644))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Serialises a cache the way the fetcher writes it: compact, because every login parses it
/// (`jq . status.json` shows it indented).
pub fn to_bytes(cache: &Cache) -> Vec<u8> {
    let mut out = serde_json::to_vec(cache).expect("a cache always serialises");
    out.push(b'\n');
    out
}

/// The cache path from `--cache`, then `MOTD_STATUS_CACHE`, then the default.
pub fn resolve_path(flag: Option<PathBuf>) -> PathBuf {
    flag_env_or(flag, ENV_PATH, DEFAULT_PATH)
}

/// A path from a flag, else a non-empty environment variable, else a default.
pub fn flag_env_or(flag: Option<PathBuf>, var: &str, default: &str) -> PathBuf {
    flag.or_else(|| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .unwrap_or_else(|| PathBuf::from(default))
}

/// Timestamps, read strictly as RFC 3339 straight from the input: chrono's own `Deserialize`
/// goes through a lenient parser and an owned string, which made them a good part of a
/// login's work.
mod ts {
    use std::fmt;

    use chrono::{DateTime, Utc};
    use serde::Deserializer;
    use serde::de::{self, Visitor};

    struct Ts;

    impl Visitor<'_> for Ts {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| E::custom(format_args!("{v:?}: {e}")))
        }
    }

    struct OptTs;

    impl<'de> Visitor<'de> for OptTs {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            required(d).map(Some)
        }
    }

    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(Ts)
    }

    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        d.deserialize_option(OptTs)
    }
}
