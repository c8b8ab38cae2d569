//! Reading the cache: checked before it is trusted, capped, and for one view only partly
//! parsed.
//!
//! Anything the cache says is put in front of every user, so the file must pass the
//! [`super::trust`] check (regular file, owner root / the reader / the fetcher's system user,
//! not writable by group or others) and the bytes read are capped. A login wants one view:
//! [`read_for`] parses every item only as far as the components it names, asks the view's
//! [`Filter`] (the selection rule's, from [`crate::select`]) whether it concerns that view, and
//! parses in full only those. What it
//! returns selects and renders that view exactly as the whole cache would, because the same
//! rule chose what to keep. Where the walk over an item's text cannot be sure of its own
//! top-level key, it takes the full parse, so the partial and the whole reading never differ.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::scan::{component_id, item_components};
use super::timestamp as ts;
use super::{
    Cache, Cluster, ComponentRef, Counts, MAX_BYTES, MotdView, Provider, Settings, Source,
    Unresolved, VERSION,
};

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
    let (file, meta) = super::trust::open_regular(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ReadError::Missing(path.to_owned()),
        io::ErrorKind::InvalidInput => ReadError::NotRegular(path.to_owned()),
        _ => ReadError::Io(path.to_owned(), e),
    })?;
    super::trust::check(&meta).map_err(|why| ReadError::Untrusted(path.to_owned(), why))?;
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

/// The part of the selection rule a partial read needs, which [`crate::select`] supplies (the
/// cache's format does not know the rule): which cluster a view is of, and then which items and
/// components that view can use.
pub trait Wanted {
    /// The index of the wanted cluster among `clusters`, of which only names, hosts and counts
    /// are read yet; `None` when the view is of no cluster.
    fn cluster(&self, clusters: &[Cluster]) -> Option<usize>;
    /// What the view of `chosen` (whose coverage is read by now) can use.
    fn filter<'c>(
        &self,
        clusters: &'c [Cluster],
        chosen: Option<usize>,
        show_unscoped: bool,
    ) -> Box<dyn Filter + 'c>;
}

/// Which items and components one view can use.
pub trait Filter {
    /// Whether an item of source `source` that names `components` concerns the view.
    fn item(&self, source: usize, components: &[Cow<'_, str>]) -> bool;
    /// Whether the component `id` of source `source` belongs to the view.
    fn component(&self, source: usize, id: &str) -> bool;
}

/// Reads the cache for one view: every cluster's name and hosts, and of the sources only
/// the items and components that view can use (see the module doc). Returns the cache and
/// the index of the wanted cluster, `None` when the host matches no cluster (or no cluster has
/// that name: the caller says so).
pub fn read_for(path: &Path, want: &dyn Wanted) -> Result<(Cache, Option<usize>), ReadError> {
    let mut bytes = read_bytes(path)?;
    let end = super::scan::cut_catalogs(&mut bytes);
    let lazy: Result<Lazy<'_>, ()> = utf8(path, &bytes[..end])
        .map_err(|_| ())
        .and_then(|text| serde_json::from_str(text).map_err(|_| ()));
    let lazy = match lazy {
        Ok(l) => l,
        // Let the full parse say precisely what is wrong.
        Err(()) => {
            super::scan::restore_catalogs(&mut bytes, end);
            return whole(path, &bytes, want);
        }
    };
    if lazy.version != VERSION {
        return Err(ReadError::Version(path.to_owned(), lazy.version));
    }
    let mut clusters: Vec<Cluster> = lazy.clusters.iter().map(LazyCluster::head).collect();
    let chosen = want.cluster(&clusters);
    if let Some(i) = chosen {
        match lazy.clusters[i].components() {
            Some(c) => clusters[i].components = c,
            None => return whole(path, &bytes, want),
        }
    }
    let mut sources: Vec<Source> = Vec::with_capacity(lazy.sources.len());
    {
        let filter = want.filter(&clusters, chosen, lazy.settings.show_unscoped);
        for (si, s) in lazy.sources.iter().enumerate() {
            let items = wanted(&s.items, |t| Some(filter.item(si, &item_components(t)?)));
            let components = wanted(&s.components, |t| {
                Some(filter.component(si, &component_id(t)?))
            });
            let (Some(items), Some(components)) = (items, components) else {
                return whole(path, &bytes, want);
            };
            sources.push(Source {
                name: s.name.clone(),
                url: s.url.clone(),
                provider: s.provider,
                origin: s.origin.clone(),
                fetched_at: s.fetched_at,
                checked_at: s.checked_at,
                failed: s.failed.clone(),
                time_zone: s.time_zone.clone(),
                components,
                items,
                dropped: Vec::new(),
                slurm: s.slurm.clone(),
            });
        }
    }
    let cache = Cache {
        version: lazy.version,
        generator: String::new(),
        fetched_at: lazy.fetched_at,
        checked_at: lazy.checked_at,
        settings: lazy.settings,
        sources,
        clusters,
        no_cluster_omitted: lazy.no_cluster_omitted,
        unclaimed_omitted: Counts::default(),
        motd_file: lazy.motd_file,
        motd_view: lazy.motd_view,
        validators: Vec::new(),
        catalogs: None,
    };
    Ok((cache, chosen))
}

/// The whole cache, for a view: what [`read_for`] falls back to when the file does not parse
/// lazily, so that the full parser's message says what is wrong.
fn whole(
    path: &Path,
    bytes: &[u8],
    want: &dyn Wanted,
) -> Result<(Cache, Option<usize>), ReadError> {
    let cache = parse(path, bytes)?;
    let chosen = want.cluster(&cache.clusters);
    Ok((cache, chosen))
}

/// The values among `raws` that `keep` accepts (it looks at a field or two of the text),
/// parsed in full; `None` if any does not parse.
fn wanted<'a, T: serde::de::DeserializeOwned>(
    raws: &[&'a RawValue],
    mut keep: impl FnMut(&'a str) -> Option<bool>,
) -> Option<Vec<T>> {
    let mut out = Vec::new();
    for raw in raws {
        if keep(raw.get())? {
            out.push(serde_json::from_str(raw.get()).ok()?);
        }
    }
    Some(out)
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
    no_cluster_omitted: Counts,
    #[serde(default)]
    motd_file: Option<String>,
    #[serde(default)]
    motd_view: Option<MotdView>,
}

/// A cluster whose coverage stays raw until it turns out to be the one wanted.
#[derive(Deserialize)]
struct LazyCluster<'a> {
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default)]
    omitted: Counts,
    #[serde(default)]
    more: usize,
    #[serde(default)]
    unmatched: Vec<String>,
    #[serde(default)]
    unresolved: Vec<Unresolved>,
    #[serde(default)]
    covers: Option<usize>,
    #[serde(default, borrow, deserialize_with = "present")]
    components: Option<&'a RawValue>,
}

/// A field that is there, `null` included, as its raw text: `Option`'s own rule would take
/// `null` for "absent", an empty coverage, where the full parse refuses it.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

impl LazyCluster<'_> {
    /// Name, hosts and counts: enough to find the host's cluster, nothing to select with.
    fn head(&self) -> Cluster {
        Cluster {
            name: self.name.clone(),
            hosts: self.hosts.clone(),
            components: Vec::new(),
            omitted: self.omitted,
            more: self.more,
            unmatched: self.unmatched.clone(),
            unresolved: self.unresolved.clone(),
            matched: Vec::new(),
            covers: self.covers,
        }
    }

    /// The components it covers, or `None` if they do not parse.
    fn components(&self) -> Option<Vec<ComponentRef>> {
        match self.components {
            Some(raw) => serde_json::from_str(raw.get()).ok(),
            None => Some(Vec::new()),
        }
    }
}

#[derive(Deserialize)]
struct LazySource<'a> {
    name: String,
    url: String,
    #[serde(default)]
    provider: Provider,
    #[serde(default)]
    origin: String,
    #[serde(default, deserialize_with = "ts::optional")]
    fetched_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "ts::optional")]
    checked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    failed: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default, borrow)]
    components: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    items: Vec<&'a RawValue>,
    #[serde(default)]
    slurm: Option<Box<super::SlurmInfo>>,
}

/// Validating the UTF-8 once, in bulk, is much cheaper than serde_json checking every string
/// on its own, which was a tenth of a login's work.
fn utf8<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str, ReadError> {
    std::str::from_utf8(bytes)
        .map_err(|e| ReadError::Malformed(path.to_owned(), format!("not UTF-8 text: {e}")))
}

/// Parses cache bytes, telling a wrong version apart from a broken file.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Cache, ReadError> {
    let text = utf8(path, bytes)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Rng, cases};

    /// What the full parse makes of an item's components: the oracle.
    fn full_components(text: &str) -> Option<Vec<String>> {
        #[derive(Deserialize)]
        struct Full {
            #[serde(default)]
            components: Vec<String>,
        }
        serde_json::from_str::<Full>(text)
            .ok()
            .map(|f| f.components)
    }

    fn full_id(text: &str) -> Option<String> {
        #[derive(Deserialize)]
        struct Full {
            id: String,
        }
        serde_json::from_str::<Full>(text).ok().map(|f| f.id)
    }

    /// Fields a later release may add, or a hand-edited file may hold, that look like the
    /// keys the partial reader looks for.
    const LOOK_ALIKES: &[&str] = &[
        r#""extra": {"components": ["zz"], "id": "nested"}"#,
        r#""x\"components": ["zz"]"#,
        r#""x\"id": "zz""#,
        r#""note": "\"components\": [\"zz\"], \"id\": \"zz\"""#,
        r#""list": [{"components": ["zz"]}, {"id": "zz"}]"#,
        r#""deep": [[{"a": {"components": ["zz"]}}]]"#,
        r#""compon\u0065nts": ["zz"]"#,
        r#""i\u0064": "zz""#,
        r#""components" : ["spaced"]"#,
        r#""components": null"#,
        r#""id": "twice""#,
        r#""components": ["twice"]"#,
        r#""s": "\\\\\"""#,
        r#""n": -1.5e3"#,
        r#""b": [true, false, null, {}, []]"#,
    ];

    #[test]
    fn the_partial_reader_finds_only_an_objects_own_top_level_keys() {
        let mut r = Rng::seeded(0x7265_6164);
        for case in 0..cases(3000) {
            let mut fields: Vec<String> = vec![
                r#""kind": "incident""#.into(),
                format!(r#""id": "i{case}""#),
                r#""name": "GPU jobs fail \"components\": x""#.into(),
            ];
            if r.chance(90) {
                let ids: Vec<String> = (0..r.below(3)).map(|k| format!("\"c{k}\"")).collect();
                fields.push(format!(r#""components":[{}]"#, ids.join(",")));
            }
            for _ in 0..r.below(4) {
                let at = r.below(fields.len() as u64 + 1) as usize;
                fields.insert(at, (*r.pick(LOOK_ALIKES)).to_owned());
            }
            let sep = *r.pick(&[",", ", ", ",\n  "]);
            let text = format!("{{{}}}", fields.join(sep));
            let got = item_components(&text).map(|v| v.into_iter().map(Cow::into_owned).collect());
            assert_eq!(got, full_components(&text), "components of {text}");
            let got = component_id(&text).map(Cow::into_owned);
            assert_eq!(got, full_id(&text), "id of {text}");
        }
    }

    /// A cluster's `"components": null`: the partial and the whole reading agree that the
    /// cache is malformed, instead of one showing an empty coverage.
    #[test]
    fn a_null_coverage_is_malformed_for_every_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json");
        let text = r#"{"version": 1, "fetched_at": "2026-11-26T08:00:00Z",
            "settings": {"recent_seconds": 1, "upcoming_seconds": 1, "show_unscoped": true},
            "sources": [], "clusters": [{"name": "A", "hosts": ["*"], "components": null}]}"#;
        std::fs::write(&path, text).unwrap();
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o644);
        std::fs::set_permissions(&path, perms).unwrap();
        let whole = read(&path).map(|_| ()).map_err(|e| e.to_string());
        let partial = read_for(&path, &crate::select::Whose::Host("h"))
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(
            whole.as_ref().is_err_and(|e| e.contains("malformed")),
            "{whole:?}"
        );
        assert_eq!(partial, whole);
    }

    /// The catalogs are cut off unread only where the cut leaves the same cache: a look-alike
    /// key earlier in the text (a field a later release may add) makes the reader take the
    /// full parse, and the result is the same either way.
    #[test]
    fn cutting_the_catalogs_never_changes_what_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.json");
        let head = r#"{"version": 1, "fetched_at": "2026-11-26T08:00:00Z",
            "settings": {"recent_seconds": 1, "upcoming_seconds": 1, "show_unscoped": true},
            "sources": [{"name": "P", "url": "u", "items": [{"kind": "incident", "components": [],
              "id": "i", "name": "N", "status": "identified"NESTED}]}],
            "clusters": [{"name": "A", "hosts": ["*"], "components": []}]"#;
        for nested in ["", r#", "extra": {"catalogs": [1]}"#] {
            for tail in ["}", r#", "catalogs": [[{"id": "c", "name": "C"}]]}"#] {
                let text = format!("{}{tail}", head.replace("NESTED", nested));
                std::fs::write(&path, &text).unwrap();
                let mut perms = std::fs::metadata(&path).unwrap().permissions();
                std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o644);
                std::fs::set_permissions(&path, perms).unwrap();
                let (partial, _) = read_for(&path, &crate::select::Whose::Host("h")).unwrap();
                let whole = read(&path).unwrap();
                assert_eq!(partial.sources[0].items, whole.sources[0].items, "{text}");
                assert_eq!(partial.clusters.len(), 1);
            }
        }
    }
}
