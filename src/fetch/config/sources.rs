//! Where the sources are: the top-level page (public or private), `[[source]]` tables, or a
//! mirror, each resolved into a [`SourceConfig`] whose address is parsed once.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::toml::{ConfigText, Raw, RawSource, line_of};
use super::{ConfigError, DEFAULT_API_BASE, ManageConfig, SourceConfig, SourceKind};
use crate::fetch::address::{Location, Url};

/// `mirror`, resolved like `page`. A mirror copies another fetcher's cache whole, so it
/// excludes every way of naming a page.
fn mirror(file: &ConfigText, raw: &Raw) -> Result<Option<SourceConfig>, ConfigError> {
    let Some(m) = &raw.mirror else {
        return Ok(None);
    };
    if raw.names_top_page() || !raw.source.is_empty() {
        return Err(file.error(
            Some(m.span()),
            Some("mirror"),
            "is set beside page, page_id or [[source]]: a mirror copies another \
             fetcher's cache whole, sources included",
        ));
    }
    if m.get_ref().trim().is_empty() {
        return Err(file.error(Some(m.span()), Some("mirror"), "is empty"));
    }
    let at = resolve_page(file.dir(), m.get_ref())
        .map_err(|e| file.error(Some(m.span()), Some("mirror"), e))?;
    Ok(Some(SourceConfig {
        name: None,
        kind: SourceKind::Mirror(at),
    }))
}

/// The sources: a mirror alone, or the top-level page first (required unless there are
/// `[[source]]` tables) and then each `[[source]]` in order.
pub(super) fn sources(file: &ConfigText, raw: &Raw) -> Result<Vec<SourceConfig>, ConfigError> {
    if let Some(m) = mirror(file, raw)? {
        return Ok(vec![m]);
    }
    let mut sources = Vec::new();
    // A top-level page, unless the config names only [[source]]s, or only clusters' schedulers.
    let only_slurm = raw.source.is_empty() && super::slurm::wanted(raw);
    if raw.mirror.is_none() && (raw.names_top_page() || (raw.source.is_empty() && !only_slurm)) {
        let m = manage(
            file,
            raw.page_id.as_ref(),
            raw.api_key_file.as_ref(),
            raw.api_base.as_deref(),
            "",
        )?;
        let page = raw.page.as_ref().map(|p| p.get_ref().as_str());
        sources.push(source(file, None, page, m, "").map_err(|mut e| {
            // `source` cannot know where the top-level page is; point at it when it is there.
            if let Some(p) = &raw.page {
                e.line = Some(line_of(file.text, p.span().start));
                e.column = Some(super::toml::column_of(file.text, p.span().start));
            }
            e
        })?);
    }
    for s in &raw.source {
        if let Some(n) = &s.notices {
            sources.push(notices(file, s, n)?);
            continue;
        }
        let m = manage(
            file,
            s.page_id.as_ref(),
            s.api_key_file.as_ref(),
            s.api_base.as_deref(),
            "source.",
        )?;
        sources.push(source(
            file,
            s.name.clone(),
            s.page.as_deref(),
            m,
            "source.",
        )?);
    }
    Ok(sources)
}

/// A `[[source]]` with `notices`: the site's notices file, which no page's key may join.
fn notices(
    file: &ConfigText,
    s: &RawSource,
    at: &Spanned<String>,
) -> Result<SourceConfig, ConfigError> {
    let error = |message: String| file.error(Some(at.span()), Some("source.notices"), message);
    let beside = [
        ("page", s.page.is_some()),
        ("page_id", s.page_id.is_some()),
        ("api_key_file", s.api_key_file.is_some()),
        ("api_base", s.api_base.is_some()),
    ];
    if let Some((key, _)) = beside.iter().find(|(_, set)| *set) {
        return Err(error(format!(
            "is set beside {key}: a source is either a page (page, or page_id and \
             api_key_file) or the site's notices file (notices); give each its own [[source]]"
        )));
    }
    if at.get_ref().trim().is_empty() {
        return Err(error("is empty".to_owned()));
    }
    let location = resolve_location(file.dir(), at.get_ref(), "file").map_err(error)?;
    Ok(SourceConfig {
        name: s.name.clone(),
        kind: SourceKind::Notices(location),
    })
}

/// A private page's settings, `None` when neither `page_id` nor `api_key_file` is set.
/// `prefix` is how error messages name the table (`""` or `"source."`).
fn manage(
    file: &ConfigText,
    page_id: Option<&Spanned<String>>,
    api_key_file: Option<&PathBuf>,
    api_base: Option<&str>,
    prefix: &str,
) -> Result<Option<ManageConfig>, ConfigError> {
    let (id, key) = match (page_id, api_key_file) {
        (None, None) => return Ok(None),
        (Some(id), Some(key)) => (id, key),
        (Some(id), None) => {
            return Err(file.error(
                Some(id.span()),
                Some(&format!("{prefix}api_key_file")),
                "is missing: a private page needs page_id and api_key_file",
            ));
        }
        (None, Some(_)) => {
            return Err(file.error(
                None,
                Some(&format!("{prefix}page_id")),
                "is missing: a private page needs page_id and api_key_file",
            ));
        }
    };
    let page_id = id.get_ref().trim();
    if page_id.is_empty()
        || !page_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(file.error(
            Some(id.span()),
            Some(&format!("{prefix}page_id")),
            format!("{page_id:?} is not a Statuspage page id like \"abcdefghijkl\""),
        ));
    }
    let api_base = api_base
        .unwrap_or(DEFAULT_API_BASE)
        .trim()
        .trim_end_matches('/');
    let api_base = Url::parse(api_base)
        .map_err(|e| file.error(None, Some(&format!("{prefix}api_base")), e))?;
    // `%d/…` is left for the fetcher to expand: it names systemd's credentials directory.
    let api_key_file = if key.starts_with("%d") {
        key.clone()
    } else {
        file.beside(key)
    };
    Ok(Some(ManageConfig {
        page_id: page_id.to_owned(),
        api_key_file,
        api_base,
    }))
}

/// One source from its `page` or its private-page settings: exactly one of the two.
pub(super) fn source(
    file: &ConfigText,
    name: Option<String>,
    page: Option<&str>,
    manage: Option<ManageConfig>,
    prefix: &str,
) -> Result<SourceConfig, ConfigError> {
    match (page, manage) {
        (Some(_), Some(_)) => Err(file.error(
            None,
            Some(&format!("{prefix}page")),
            "is set beside page_id: a source is either a public page (page) or a \
             private one (page_id and api_key_file)",
        )),
        (Some(p), None) if p.trim().is_empty() => {
            Err(file.error(None, Some(&format!("{prefix}page")), "is empty"))
        }
        (Some(p), None) => Ok(SourceConfig {
            name,
            kind: SourceKind::Page(
                resolve_page(file.dir(), p)
                    .map_err(|e| file.error(None, Some(&format!("{prefix}page")), e))?,
            ),
        }),
        (None, Some(m)) => Ok(SourceConfig {
            name,
            kind: SourceKind::Private(m),
        }),
        (None, None) => Err(file.error(
            None,
            Some(&format!("{prefix}page")),
            "is missing: set it to the status page's address, e.g. \
             page = \"https://status.example.org\"",
        )),
    }
}

/// A page or mirror address as the fetcher uses it: `http(s)://…` as written; a `file:` URL
/// (RFC 8089: `file:///path`, `file://localhost/path` or `file:/path`, percent-encoded) or a
/// path becomes a local path, a relative one taken from the config file's directory.
pub(super) fn resolve_page(base: &Path, page: &str) -> Result<Location, String> {
    let page = page.trim();
    if let Some((scheme, rest)) = page.split_once("://")
        && !scheme.eq_ignore_ascii_case("file")
    {
        // The base address is wanted; one ending in the API's own path is taken as meant.
        let rest = rest.trim_end_matches('/');
        let rest = rest.strip_suffix("/api/v2").unwrap_or(rest);
        return Url::parse(&format!("{scheme}://{rest}")).map(Location::Web);
    }
    resolve_location(base, page, "directory")
}

/// An address as [`resolve_page`] reads it, of a `what` ("directory", "file"): `http(s)://…`
/// as written, a `file:` URL or a path (relative to the config file's directory) as a path.
fn resolve_location(base: &Path, page: &str, what: &str) -> Result<Location, String> {
    let page = page.trim();
    if let Some((scheme, _)) = page.split_once("://")
        && !scheme.eq_ignore_ascii_case("file")
    {
        return Url::parse(page).map(Location::Web);
    }
    let Some(rest) = page
        .get(..5)
        .filter(|s| s.eq_ignore_ascii_case("file:"))
        .map(|_| &page[5..])
    else {
        // A path: absolute, or relative as ./dir or ../dir (to the config file's directory).
        // A bare "status.example.org" is a web address missing its scheme far more often than
        // a directory beside the config.
        if !(page.starts_with('/') || page.starts_with("./") || page.starts_with("../")) {
            return Err(format!(
                "{page:?} is neither an address nor a path: write https://{page} for a web \
                 address, or ./{page} (or an absolute path) for a {what}"
            ));
        }
        return Ok(Location::Local(super::toml::beside(base, Path::new(page))));
    };
    let path = match rest.strip_prefix("//") {
        Some(auth_path) => {
            let (host, path) = auth_path.split_at(auth_path.find('/').unwrap_or(auth_path.len()));
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                return Err(format!(
                    "{page:?} names the host {host:?}: a file: URL reaches local files only \
                     (file:///path/to/page, or a plain path)"
                ));
            }
            path
        }
        None => rest,
    };
    if !path.starts_with('/') {
        return Err(format!(
            "{page:?} is not an absolute file: URL; write file:///path/to/page, or a plain \
             path (relative to the config file's directory)"
        ));
    }
    percent_decode(path)
        .map(|p| Location::Local(PathBuf::from(p)))
        .ok_or_else(|| format!("{page:?} has a broken %-escape"))
}

/// `%XX` escapes decoded (RFC 3986), as UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
