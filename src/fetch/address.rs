//! Addresses, parsed once: every http(s) address the fetcher uses (a page, a mirror, a private
//! page's `api_base`, a redirect's target) is a [`Url`], made when the config is read or the
//! `Location` arrives, by the parser the HTTP client itself connects with (`http::Uri`, which
//! ureq takes as it is). So "is it https", "which host and port" and "may the API key go there"
//! are answered about the very address that is then requested: there is no second parser to
//! disagree with the first.
//!
//! What the client's parser would accept but read against its writer's intent is refused: a
//! user name or password holding an unescaped `@` (two `@` in the authority), a port that is
//! not a number (`alice:s3cr/et@host`: the parser ends the authority at the `/` and would
//! connect to the host `alice`), anything but http and https.

use std::fmt;
use std::path::PathBuf;

use std::borrow::Cow;

/// An http or https address.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Url {
    uri: ::http::Uri,
    /// As given (scheme in lower case), for requests, validators and messages (redacted).
    text: String,
}

/// Where a source is read from: the web, or a local path (a directory of a page's
/// `api/v2/*.json`, or a published cache file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    Web(Url),
    Local(PathBuf),
}

impl Url {
    /// Parses an absolute http(s) address.
    pub fn parse(text: &str) -> Result<Url, String> {
        let text = text.trim();
        let uri: ::http::Uri = text
            .parse()
            .map_err(|e| format!("{:?} is not a valid address: {e}", redact_text(text)))?;
        let scheme = uri.scheme_str().unwrap_or("").to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "{:?}: only https:// and http:// addresses can be fetched",
                redact_text(text)
            ));
        }
        let authority = uri.authority().map_or("", |a| a.as_str());
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if authority.matches('@').count() > 1 || !port_is_sound(host_port) {
            return Err(format!(
                "{:?}: its user name or password holds a /, ?, # or @: write them as %2F, %3F, \
                 %23 and %40",
                redact_text(text)
            ));
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(format!("{:?} names no host", redact_text(text)));
        }
        // The scheme as the parser reads it, in lower case; the rest as written.
        let rest = &text[text.find("://").map_or(0, |i| i + 3)..];
        let text = format!("{scheme}://{rest}");
        Ok(Url { uri, text })
    }

    /// The address for the HTTP client: exactly what this was checked as.
    pub fn uri(&self) -> &::http::Uri {
        &self.uri
    }

    /// The whole address, credentials included: for requests and the session's records only.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_https(&self) -> bool {
        self.uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("https"))
    }

    /// The host, lower case, without the brackets of an IPv6 address.
    pub fn host(&self) -> String {
        let host = self.uri.host().unwrap_or("");
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase()
    }

    /// The port, given or the scheme's.
    pub fn port(&self) -> u16 {
        self.uri
            .port_u16()
            .unwrap_or(if self.is_https() { 443 } else { 80 })
    }

    /// Scheme, host and port: two addresses of one origin reach the same server.
    pub fn origin(&self) -> (bool, String, u16) {
        (self.is_https(), self.host(), self.port())
    }

    /// Whether the host is this machine: 127.0.0.0/8, ::1 or localhost.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host())
    }

    /// The address without its user name and password, for messages, logs and the cache.
    pub fn redacted(&self) -> String {
        redact_text(&self.text).into_owned()
    }

    /// This address with `path` appended below its own path: `…/api/v2` + `summary.json`.
    pub fn join(&self, path: &str) -> Url {
        let base = self.text.trim_end_matches('/');
        Url::parse(&format!("{base}/{}", path.trim_start_matches('/')))
            .expect("a sound address with a plain path appended stays sound")
    }

    /// The address a redirect's `Location` names, relative to this one (RFC 3986, 5.2),
    /// without its fragment.
    pub fn resolve(&self, location: &str) -> Result<Url, String> {
        let target = join_url(&self.text, location).map_err(str::to_owned)?;
        Url::parse(&target)
    }
}

/// Shown redacted: printing an address can never leak its password.
impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Url({:?})", self.redacted())
    }
}

impl Location {
    /// How messages name it: the redacted address, or the path.
    pub fn shown(&self) -> String {
        match self {
            Location::Web(url) => url.redacted(),
            Location::Local(path) => path.display().to_string(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

/// `text` with the user name and password of every address in it replaced by `…`: each
/// `scheme://` word loses everything up to its last `@`. Every line the fetcher prints and every
/// address it stores passes through here. The last `@` rather than the first `/` ends the part
/// hidden, because a password may hold an unescaped `/`, `:`, `?` or `#` (RFC 3986 would end the
/// authority there, and leave the rest of the password in view); an `@` further on, in a path or
/// a query, only hides a little more than it must.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    if !(text.contains("://") && text.contains('@')) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        let word = &tail[..end];
        match word.rfind('@') {
            Some(i) => {
                out.push('…');
                out.push_str(&word[i..]);
            }
            None => out.push_str(word),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The absolute address a `Location` names, relative to `base` (RFC 3986, section 5.2),
/// without its fragment. Only http and https addresses are accepted.
fn join_url(base: &str, location: &str) -> Result<String, &'static str> {
    let location = location.trim();
    if location.is_empty() || location.chars().any(|c| c.is_control() || c == ' ') {
        return Err("which is not a valid address");
    }
    let location = location.split('#').next().unwrap_or("");
    let scheme_end = location.find(':').filter(|&i| {
        let s = &location[..i];
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let (base_scheme, base_rest) = base
        .split_once("://")
        .ok_or("from an address without a scheme")?;
    let (authority, base_path) = match base_rest.find(['/', '?']) {
        Some(i) => base_rest.split_at(i),
        None => (base_rest, ""),
    };
    let out = if let Some(i) = scheme_end {
        let scheme = location[..i].to_ascii_lowercase();
        let rest = &location[i + 1..];
        if !matches!(scheme.as_str(), "http" | "https") || !rest.starts_with("//") {
            return Err("which is not an http(s) address");
        }
        let rest = &rest[2..];
        let (auth, path) = match rest.find(['/', '?']) {
            Some(j) => rest.split_at(j),
            None => (rest, ""),
        };
        format!("{scheme}://{auth}{}", normal_path(path))
    } else if let Some(rest) = location.strip_prefix("//") {
        let (auth, path) = match rest.find(['/', '?']) {
            Some(j) => rest.split_at(j),
            None => (rest, ""),
        };
        format!("{base_scheme}://{auth}{}", normal_path(path))
    } else if location.starts_with('/') {
        format!("{base_scheme}://{authority}{}", normal_path(location))
    } else if location.starts_with('?') {
        let path = base_path.split('?').next().unwrap_or("");
        format!("{base_scheme}://{authority}{path}{location}")
    } else {
        let path = base_path.split('?').next().unwrap_or("");
        let dir = match path.rfind('/') {
            Some(i) => &path[..=i],
            None => "/",
        };
        format!(
            "{base_scheme}://{authority}{}",
            normal_path(&format!("{dir}{location}"))
        )
    };
    Ok(out)
}

/// A path (with its query) without `.` and `..` segments (RFC 3986, section 5.2.4).
fn normal_path(path: &str) -> String {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    if path.is_empty() {
        return match query {
            Some(q) => format!("/?{q}"),
            None => String::new(),
        };
    }
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." | ".." => {
                if *seg == ".." {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut p = format!("/{}", out.join("/"));
    if let Some(q) = query {
        p.push('?');
        p.push_str(q);
    }
    p
}

/// Whether `host` (as [`Url::host`] gives it) is this machine: 127.0.0.0/8, ::1 or localhost.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A `host[:port]` (or `[v6][:port]`) whose port, if any, is a number from 1 to 65535: the
/// client's parser takes a port it cannot read for none at all.
fn port_is_sound(host_port: &str) -> bool {
    let port = match host_port.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((_, rest)) => rest.strip_prefix(':'),
            None => return false,
        },
        None => host_port.split_once(':').map(|(_, p)| p),
    };
    port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_client_would_misread_is_refused() {
        for bad in [
            "http://alice:s3cr/et@status.example.org/",
            "http://a@b@status.example.org/",
            "http://h:99999/",
            "http://h:0/",
            "http://h:port/",
            "http://127.0.0.1:8\\@127.0.0.2:9/x",
            "http://%31%32%37.0.0.1/",
            "ftp://h/",
            "file:///etc/passwd",
            "http:///x",
            "status.example.org",
            "https://h/a b",
        ] {
            let e = Url::parse(bad).unwrap_err();
            assert!(!e.contains("s3cr/et"), "{e}");
        }
    }

    #[test]
    fn one_parse_answers_every_question() {
        let u = Url::parse("HTTPS://reader:p%40ss@Status.Example.org:8443/base/").unwrap();
        assert!(u.is_https());
        assert_eq!(u.origin(), (true, "status.example.org".to_owned(), 8443));
        assert_eq!(u.redacted(), "https://…@Status.Example.org:8443/base/");
        assert_eq!(u.to_string(), u.redacted());
        assert_eq!(
            u.join("api/v2/summary.json").as_str(),
            "https://reader:p%40ss@Status.Example.org:8443/base/api/v2/summary.json"
        );
        let v6 = Url::parse("http://[::1]:8080/x").unwrap();
        assert_eq!(v6.origin(), (false, "::1".to_owned(), 8080));
        assert!(v6.is_loopback());
        let spoof = Url::parse("http://127.0.0.1:80@evil.example/").unwrap();
        assert_eq!(spoof.host(), "evil.example");
        assert!(!spoof.is_loopback());
        assert_eq!(
            Url::parse("http://h/a/b")
                .unwrap()
                .resolve("../c?x#f")
                .unwrap()
                .as_str(),
            "http://h/c?x"
        );
    }

    #[test]
    fn redirect_targets() {
        let base = "https://status.example.org/api/v2/summary.json?x=1";
        let base = Url::parse(base).unwrap();
        let join = |l: &str| base.resolve(l).map(|u| u.as_str().to_owned());
        assert_eq!(
            join("http://Other.example:8080/a"),
            Ok("http://Other.example:8080/a".to_owned())
        );
        assert_eq!(
            join("HTTPS://h/a/./b/../c#frag"),
            Ok("https://h/a/c".to_owned())
        );
        assert_eq!(
            join("//cdn.example/x"),
            Ok("https://cdn.example/x".to_owned())
        );
        assert_eq!(
            join("/moved?y=2"),
            Ok("https://status.example.org/moved?y=2".to_owned())
        );
        assert_eq!(
            join("../old/summary.json"),
            Ok("https://status.example.org/api/old/summary.json".to_owned())
        );
        assert_eq!(
            join("incidents.json"),
            Ok("https://status.example.org/api/v2/incidents.json".to_owned())
        );
        assert_eq!(
            join("?page=2"),
            Ok("https://status.example.org/api/v2/summary.json?page=2".to_owned())
        );
        assert_eq!(
            join("/../../etc"),
            Ok("https://status.example.org/etc".to_owned())
        );
        assert!(join("file:///etc/passwd").is_err());
        assert!(join("ftp://h/x").is_err());
        assert!(join("javascript:alert(1)").is_err());
        assert!(join("http:/no-authority").is_err());
        assert!(join("http:///path").is_err());
        assert!(join("/a b").is_err());
        assert!(join("/a\nSet-Cookie: x").is_err());
        assert!(join("").is_err());
    }

    #[test]
    fn origins() {
        let origin = |u: &str| Url::parse(u).unwrap().origin();
        assert_eq!(
            origin("http://127.0.0.1:8080/x"),
            (false, "127.0.0.1".to_owned(), 8080)
        );
        assert_eq!(
            origin("https://H.example/x"),
            (true, "h.example".to_owned(), 443)
        );
        assert_eq!(origin("http://u:p@[::1]/x"), (false, "::1".to_owned(), 80));
        assert_eq!(origin("http://[::1]:81"), (false, "::1".to_owned(), 81));
        assert_ne!(origin("http://127.0.0.1:1/"), origin("http://localhost:1/"));
        assert_ne!(origin("http://h/"), origin("https://h/"));
    }

    #[test]
    fn loopback_hosts() {
        for host in ["127.0.0.1", "127.3.2.1", "::1", "localhost", "LOCALHOST."] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["128.0.0.1", "10.0.0.1", "::2", "localhost.example.org", ""] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    fn redact_url_text(url: &str) -> String {
        redact_text(url).into_owned()
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact_url_text("https://user:pw@status.example.org/api"),
            "https://…@status.example.org/api"
        );
        assert_eq!(redact_url_text("http://token@h:80"), "http://…@h:80");
        assert_eq!(redact_url_text("/var/cache/a@b"), "/var/cache/a@b");
        // A password holding what RFC 3986 would end the authority at.
        for password in ["s3cr/et", "p@ss", "p:w", "p%2Fw%40x", "p?q#r", "a/b@c:d"] {
            let url = format!("http://alice:{password}@status.example.org:8080/api/v2/x.json");
            let shown = redact_url_text(&url);
            assert_eq!(
                shown, "http://…@status.example.org:8080/api/v2/x.json",
                "{url}"
            );
            let line = format!("GET {url}: HTTP 404 (\"{url}\") and https://{password}@h");
            let shown = redact_text(&line);
            assert!(!shown.contains(password), "{shown}");
            assert!(!shown.contains("alice"), "{shown}");
        }
        // An @ in a path or query hides more than it must, never less.
        assert_eq!(redact_url_text("http://h/a@b"), "http://…@b");
        assert_eq!(redact_text("no address: a@b"), "no address: a@b");
    }
}
