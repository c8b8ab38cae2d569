//! Whose view: this host's (the cluster its hostname matches), a cluster's by name, or every
//! cluster's; and, once the cache says which cluster that is, the scope a view selects for.

use std::borrow::Cow;

use super::Coverage;
use crate::cache::{Cluster, Filter, Wanted};
use crate::glob::host_matches;

/// Whose view a request asks for, before the cache says which cluster that is.
#[derive(Debug, Clone, Copy)]
pub enum Whose<'a> {
    /// The cluster whose host globs match this hostname (unscoped items only if none does).
    Host(&'a str),
    /// A cluster by name.
    Cluster(&'a str),
    /// Every cluster, then what no cluster covers (`--all`).
    All,
}

impl Whose<'_> {
    /// The index of the wanted cluster among `clusters`: the one rule for host → cluster.
    /// `None` for a host of no cluster, an unknown name, and `--all`.
    pub fn find(&self, clusters: &[Cluster]) -> Option<usize> {
        let found = match *self {
            Whose::Cluster(name) => cluster_by_name(clusters, name),
            Whose::Host(host) => cluster_for_host(clusters, host),
            Whose::All => None,
        }?;
        clusters.iter().position(|c| std::ptr::eq(c, found))
    }
}

/// What a view is about.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// A cluster's view.
    Cluster(&'a Cluster),
    /// A host that matches no cluster: unscoped items only.
    NoCluster,
    /// For `--all`: what concerns no cluster (and unscoped items when they are not shown on
    /// every cluster).
    Unclaimed,
}

/// The first cluster whose `hosts` globs match `host`.
pub fn cluster_for_host<'a>(clusters: &'a [Cluster], host: &str) -> Option<&'a Cluster> {
    clusters
        .iter()
        .find(|c| c.hosts.iter().any(|p| host_matches(p, host)))
}

/// This machine's hostname, from the kernel (no name-service lookup).
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or fails.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// A cluster by name, case-insensitively.
pub fn cluster_by_name<'a>(clusters: &'a [Cluster], name: &str) -> Option<&'a Cluster> {
    clusters.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// What a partial read of the cache needs of the rule: the cluster, then its coverage.
impl Wanted for Whose<'_> {
    fn cluster(&self, clusters: &[Cluster]) -> Option<usize> {
        self.find(clusters)
    }

    fn filter<'c>(
        &self,
        clusters: &'c [Cluster],
        chosen: Option<usize>,
        show_unscoped: bool,
    ) -> Box<dyn Filter + 'c> {
        let scope = match chosen {
            Some(i) => Scope::Cluster(&clusters[i]),
            None => Scope::NoCluster,
        };
        Box::new(Coverage::new(clusters, scope, show_unscoped))
    }
}

impl Filter for Coverage<'_> {
    fn item(&self, source: usize, components: &[Cow<'_, str>]) -> bool {
        self.concerns(source, components)
    }

    fn component(&self, source: usize, id: &str) -> bool {
        self.holds(source, id)
    }
}
