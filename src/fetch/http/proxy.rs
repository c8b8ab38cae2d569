//! Which proxy an address goes through: the config's `proxy`, else the environment's
//! (`HTTPS_PROXY`, `https_proxy`, `ALL_PROXY`; `http_proxy`, `HTTP_PROXY` for http), unless
//! `no_proxy` (the config's, else `NO_PROXY`) names the host, by curl's rules.

use super::Http;
use crate::fetch::address::{Url, redact_text};

impl Http {
    /// The proxy for `url`, if any (the config's, else the environment's, unless `no_proxy`
    /// names the host), with where it was set.
    pub(super) fn proxy_from(&self, url: &Url) -> Option<(String, ProxyFrom)> {
        let env = |names: &[&'static str]| {
            names.iter().find_map(|n| {
                std::env::var(n)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (v, *n))
            })
        };
        let https = url.is_https();
        let proxy = match &self.cfg.proxy {
            Some(p) => Some((p.clone(), ProxyFrom::Config)).filter(|(p, _)| !p.is_empty()),
            None if https => env(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
                .map(|(p, n)| (p, ProxyFrom::Env(n))),
            None => env(&["http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"])
                .map(|(p, n)| (p, ProxyFrom::Env(n))),
        }?;
        let no_proxy = self
            .cfg
            .no_proxy
            .clone()
            .or_else(|| env(&["NO_PROXY", "no_proxy"]).map(|(v, _)| v))
            .unwrap_or_default();
        let host = url.host();
        (!no_proxy_matches(&no_proxy, &host)).then_some(proxy)
    }
}

/// Where a proxy address was set, for messages.
#[derive(Clone, Copy)]
pub(super) enum ProxyFrom {
    /// The config's `proxy`.
    Config,
    /// This environment variable.
    Env(&'static str),
}

impl ProxyFrom {
    pub(super) fn show(self, proxy: &str) -> String {
        match self {
            ProxyFrom::Config => format!("the config's proxy {:?}", redact(proxy)),
            ProxyFrom::Env(name) => format!("{name}={}", redact(proxy)),
        }
    }
}

/// curl's `NO_PROXY` rules: a comma-separated list of host names, domain suffixes (with or
/// without a leading dot) and IP addresses; `*` alone matches everything. Ports are ignored.
pub fn no_proxy_matches(list: &str, host: &str) -> bool {
    list.split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            let entry = match entry.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or(""),
                None if entry.matches(':').count() == 1 => entry.split(':').next().unwrap_or(""),
                None => entry,
            };
            !entry.is_empty()
                && (host == entry
                    || host
                        .strip_suffix(entry)
                        .is_some_and(|rest| rest.ends_with('.')))
        })
}

/// A proxy address without its credentials, for messages.
pub fn redact(proxy: &str) -> String {
    if proxy.contains("://") {
        return redact_text(proxy).into_owned();
    }
    match proxy.rsplit_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => proxy.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules() {
        assert!(no_proxy_matches("*", "status.example.org"));
        assert!(no_proxy_matches("example.org", "status.example.org"));
        assert!(no_proxy_matches(".example.org", "status.example.org"));
        assert!(no_proxy_matches("localhost, 127.0.0.1", "127.0.0.1"));
        assert!(no_proxy_matches("127.0.0.1:8080", "127.0.0.1"));
        assert!(!no_proxy_matches("ample.org", "status.example.org"));
        assert!(!no_proxy_matches("", "status.example.org"));
        assert!(!no_proxy_matches("127.0.0.2", "127.0.0.1"));
    }

    #[test]
    fn proxies_are_shown_without_credentials() {
        assert_eq!(redact("http://user:pw@proxy:3128"), "http://…@proxy:3128");
        assert_eq!(redact("proxy:3128"), "proxy:3128");
        assert_eq!(redact("user:pw@proxy:3128"), "…@proxy:3128");
    }
}
