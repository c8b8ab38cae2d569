//! Resolving each cluster's groups and components, given by name or id, to component ids.
//!
//! Names are what sysadmins know and ids are what the page generates, so both are accepted:
//! a group or component matches by id exactly or by name in any case (full Unicode case
//! folding after NFC normalisation, so `ÉCOLE` names `école` however either was typed), and a
//! component may be qualified by its group (`"Canvas / Canvas"`, or `"Canvas - Canvas"` as the
//! page's own updates write it; every split is tried, so a group named `Storage / Lustre`
//! works too) because component names repeat across groups. A reference that matches nothing,
//! or several things, is a problem reported by name; it never silently widens a view.
//!
//! Resolution reads a [`Catalog`] of each source: a fetched source's groups and components, or
//! a mirrored cache's (whose groups are known by name only), so both are resolved by the same
//! code.

use super::config::ClusterConfig;
use super::sources::SourceData;
/// A name as compared (defined with the sources, whose notices files' names are compared so).
pub use super::sources::folded;
use crate::cache::{self, Cause, ComponentRef, Named, Unresolved};
use crate::sanitize::terminal;

/// A cluster's resolution: the cluster, what it covers, and what each of its names matched.
#[derive(Debug, Clone)]
pub struct Resolved<'c> {
    pub cluster: &'c ClusterConfig,
    /// Every component the names cover, operational or not.
    pub components: Vec<ComponentRef>,
    /// Each name of the config, groups first, with what it matched.
    pub names: Vec<NameMatch>,
    /// How many components the names cover (`None`: the config names none).
    pub covers: Option<usize>,
}

/// One name of a cluster's config and what it matched.
#[derive(Debug, Clone)]
pub struct NameMatch {
    pub name: String,
    pub what: Named,
    /// What it matched, as `--check` shows it: `[source: ]name [id]` (groups: with their
    /// number of components).
    pub matches: Vec<String>,
}

impl NameMatch {
    /// Why the name did not resolve, if it did not (a name that matches nothing is `Missing`
    /// here; the fetcher tells a renamed one apart with the previous cache).
    pub fn unresolved(&self) -> Option<Unresolved> {
        let cause = match self.matches.len() {
            1 => return None,
            0 => Cause::Missing,
            _ => Cause::Ambiguous,
        };
        Some(Unresolved {
            name: self.name.clone(),
            what: self.what,
            cause,
            matches: if cause == Cause::Ambiguous {
                self.matches.len()
            } else {
                0
            },
        })
    }
}

impl Resolved<'_> {
    /// The cluster as the cache holds it (its `unresolved` names as this fetch alone sees
    /// them; see [`mark_renamed`]).
    pub fn to_cluster(&self) -> cache::Cluster {
        let unresolved: Vec<Unresolved> = self
            .names
            .iter()
            .filter_map(NameMatch::unresolved)
            .collect();
        cache::Cluster {
            name: self.cluster.name.clone(),
            hosts: self.cluster.hosts.clone(),
            components: self.components.clone(),
            omitted: cache::Counts::default(),
            more: 0,
            unmatched: unresolved.iter().map(|u| u.name.clone()).collect(),
            unresolved,
            matched: self
                .names
                .iter()
                .filter(|n| n.matches.len() == 1)
                .map(|n| n.name.clone())
                .collect(),
            covers: self.covers,
        }
    }

    /// Lines for `--check`: what each name resolved to.
    pub fn report(&self) -> Vec<String> {
        self.names
            .iter()
            .filter(|n| n.matches.len() == 1)
            .map(|n| format!("{} {:?} -> {}", n.what.word(), n.name, n.matches[0]))
            .collect()
    }

    /// One message per name that did not resolve, for the log and `--check`.
    pub fn problems(&self) -> Vec<String> {
        let cluster = terminal(&self.cluster.name);
        self.names
            .iter()
            .filter_map(|n| {
                let u = n.unresolved()?;
                let (what, name) = (n.what.word(), &n.name);
                Some(match u.cause {
                    Cause::Ambiguous => format!(
                        "cluster {cluster:?}: {what} {name:?} matches {} {what}s ({}): {}",
                        n.matches.len(),
                        n.matches.join(", "),
                        if n.what == Named::Group {
                            "name it by id"
                        } else {
                            "write \"Group / Component\" or use an id"
                        }
                    ),
                    _ => format!(
                        "cluster {cluster:?}: {what} {name:?} matches no {} on the page (see \
                         motd-status-fetch --list-groups)",
                        if n.what == Named::Group {
                            "component group"
                        } else {
                            "component"
                        }
                    ),
                })
            })
            .collect()
    }
}

/// Marks the names of `clusters` that match nothing now but matched at the fetch of `prev` (or
/// were already marked so there) as renamed or removed on the page, rather than mistyped.
pub fn mark_renamed(clusters: &mut [cache::Cluster], prev: Option<&cache::Cache>) {
    let Some(prev) = prev else {
        return;
    };
    for c in clusters {
        let Some(before) = prev.clusters.iter().find(|p| p.name == c.name) else {
            continue;
        };
        for u in c
            .unresolved
            .iter_mut()
            .filter(|u| u.cause == Cause::Missing)
        {
            let was_renamed = before
                .unresolved
                .iter()
                .any(|b| b.name == u.name && b.cause == Cause::Renamed);
            if was_renamed || before.matched.contains(&u.name) {
                u.cause = Cause::Renamed;
            }
        }
    }
}

/// What resolution needs to know of one source: its groups and its components.
#[derive(Debug)]
pub struct Catalog<'a> {
    pub name: &'a str,
    pub url: &'a str,
    /// Its components stand for names clusters give (a notices file's `affects`): a cluster
    /// covers those named by its own name or by a name in its config.
    pub by_name: bool,
    /// The one cluster it is for (a cluster's Slurm): that cluster covers all of it, no other
    /// cluster any of it.
    pub owner: Option<&'a str>,
    pub groups: Vec<Group<'a>>,
    pub components: Vec<Leaf<'a>>,
}

#[derive(Debug)]
pub struct Group<'a> {
    /// The page's id; `None` for a mirrored cache, which knows groups by name.
    pub id: Option<&'a str>,
    pub name: &'a str,
    pub status: &'a str,
}

#[derive(Debug)]
pub struct Leaf<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub status: &'a str,
    /// Index into [`Catalog::groups`].
    pub group: Option<usize>,
}

impl<'a> Catalog<'a> {
    /// A fetched source: its groups (with their ids) and components.
    pub fn of_data(data: &'a SourceData) -> Catalog<'a> {
        let group_of = |id: &str| {
            data.groups
                .iter()
                .position(|g| g.members.iter().any(|m| m == id))
        };
        Catalog {
            name: &data.name,
            url: &data.url,
            by_name: data.named_by_clusters,
            owner: data.slurm.as_ref().map(|s| s.cluster.as_str()),
            components: data
                .components
                .iter()
                .map(|c| Leaf {
                    id: &c.id,
                    name: &c.name,
                    status: &c.status,
                    group: group_of(&c.id),
                })
                .collect(),
            groups: data
                .groups
                .iter()
                .map(|g| Group {
                    id: g.id.as_deref(),
                    name: &g.name,
                    status: &g.status,
                })
                .collect(),
        }
    }

    /// A source of a mirrored cache: the components that matter, each naming its group, and
    /// the catalog of the others (when the publisher kept one).
    pub fn of_cache(source: &'a cache::Source, catalog: &'a [cache::Listed]) -> Catalog<'a> {
        let mut groups: Vec<Group<'a>> = Vec::new();
        let mut components = Vec::new();
        let listed = catalog.iter();
        let all = source
            .components
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.name.as_str(),
                    c.group.as_deref(),
                    c.status.as_str(),
                )
            })
            .chain(listed.map(|c| {
                (
                    c.id.as_str(),
                    c.name.as_str(),
                    c.group.as_deref(),
                    "operational",
                )
            }));
        for (id, name, group, status) in all {
            let group = group.map(|name| {
                groups
                    .iter()
                    .position(|g| g.name == name)
                    .unwrap_or_else(|| {
                        groups.push(Group {
                            id: None,
                            name,
                            status: "",
                        });
                        groups.len() - 1
                    })
            });
            components.push(Leaf {
                id,
                name,
                status,
                group,
            });
        }
        Catalog {
            name: &source.name,
            url: &source.url,
            by_name: matches!(
                source.provider,
                cache::Provider::Notices | cache::Provider::Slurm
            ),
            owner: source.slurm.as_ref().map(|s| s.cluster.as_str()),
            groups,
            components,
        }
    }

    fn group_name(&self, c: &Leaf<'_>) -> Option<&'a str> {
        c.group.map(|g| self.groups[g].name)
    }
}

/// Resolves every cluster against the sources.
pub fn resolve_all<'c>(
    clusters: &'c [ClusterConfig],
    sources: &[Catalog<'_>],
) -> Vec<Resolved<'c>> {
    clusters.iter().map(|c| resolve(c, sources)).collect()
}

fn resolve<'c>(cluster: &'c ClusterConfig, sources: &[Catalog<'_>]) -> Resolved<'c> {
    let mut components = Vec::new();
    let mut names = Vec::new();
    // Names are looked up on the pages; with no page (a site of notices alone) they are only
    // names the notices may give, which match nothing and are no mistake.
    if sources.iter().any(|s| !s.by_name) {
        for wanted in &cluster.groups {
            names.push(group(wanted, sources, &mut components));
        }
        for wanted in &cluster.components {
            names.push(component(wanted, sources, &mut components));
        }
    }
    // What the names cover of the pages: none of it, while the cluster names something,
    // leaves its view without a word about the cluster; a cluster that names nothing of a
    // page (or has none to name) is known by its names alone.
    let covers = (!names.is_empty()).then_some(components.len());
    components.extend(named_by(cluster, sources));
    Resolved {
        cluster,
        components,
        names,
        covers,
    }
}

/// How `--check` shows a match: `[source: ]name [id]` (the source when there are several).
fn label(sources: &[Catalog<'_>], si: usize, name: &str, id: Option<&str>) -> String {
    let src = if sources.len() > 1 {
        format!("{}: ", terminal(sources[si].name))
    } else {
        String::new()
    };
    match id {
        Some(id) => format!("{src}{} [{}]", terminal(name), shown_id(id)),
        None => format!("{src}{}", terminal(name)),
    }
}

/// What the group name `wanted` matches; its components join `covered` when it matches one.
fn group(wanted: &str, sources: &[Catalog<'_>], covered: &mut Vec<ComponentRef>) -> NameMatch {
    let found = find_groups(sources, wanted);
    let children = |si: usize, g: usize| {
        sources[si]
            .components
            .iter()
            .filter(move |c| c.group == Some(g))
    };
    if let [(si, g)] = found.as_slice() {
        for child in children(*si, *g) {
            push(covered, *si, child.id);
        }
    }
    let matches = found
        .iter()
        .map(|&(si, g)| {
            let group = &sources[si].groups[g];
            let n = children(si, g).count();
            format!(
                "{} ({n} components)",
                label(sources, si, group.name, group.id)
            )
        })
        .collect();
    NameMatch {
        name: wanted.to_owned(),
        what: Named::Group,
        matches,
    }
}

/// What the component name `wanted` matches; it joins `covered` when it matches one.
fn component(wanted: &str, sources: &[Catalog<'_>], covered: &mut Vec<ComponentRef>) -> NameMatch {
    let found = find_components(sources, wanted);
    if let [(si, c)] = found.as_slice() {
        push(covered, *si, c.id);
    }
    let one = found.len() == 1;
    let matches = found
        .iter()
        .map(|(si, c)| {
            let shown = label(sources, *si, c.name, Some(c.id));
            if one {
                return shown;
            }
            let group = sources[*si]
                .group_name(c)
                .map_or_else(|| "no group".to_owned(), terminal);
            format!("{shown} in {group}")
        })
        .collect();
    NameMatch {
        name: wanted.to_owned(),
        what: Named::Component,
        matches,
    }
}

/// What a cluster covers of the sources whose components stand for names clusters give: those
/// named by the cluster's own name, or by a group or component name in its config.
fn named_by(cluster: &ClusterConfig, sources: &[Catalog<'_>]) -> Vec<ComponentRef> {
    let given: Vec<String> = std::iter::once(&cluster.name)
        .chain(&cluster.groups)
        .chain(&cluster.components)
        .map(|n| folded(n))
        .collect();
    sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.by_name)
        .filter(|(_, s)| {
            s.owner
                .is_none_or(|o| o.eq_ignore_ascii_case(&cluster.name))
        })
        .flat_map(|(si, s)| s.components.iter().map(move |c| (si, c)))
        .filter(|(si, c)| sources[*si].owner.is_some() || given.contains(&folded(c.name)))
        .map(|(si, c)| ComponentRef {
            source: si,
            id: c.id.to_owned(),
        })
        .collect()
}

/// The groups `wanted` names, as (source, group) indices (of the pages: a notices file's
/// components are reached by [`named_by`]).
fn find_groups(sources: &[Catalog<'_>], wanted: &str) -> Vec<(usize, usize)> {
    sources
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.by_name)
        .flat_map(|(si, s)| {
            s.groups
                .iter()
                .enumerate()
                .map(move |(g, group)| (si, g, group))
        })
        .filter(|(_, _, group)| names(wanted, group.id, group.name))
        .map(|(si, g, _)| (si, g))
        .collect()
}

/// The components `wanted` names, with their source (of the pages, as [`find_groups`]).
fn find_components<'s, 'a>(sources: &'s [Catalog<'a>], wanted: &str) -> Vec<(usize, &'s Leaf<'a>)> {
    sources
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.by_name)
        .flat_map(|(si, s)| s.components.iter().map(move |c| (si, c)))
        .filter(|(si, c)| component_named(&sources[*si], c, wanted))
        .collect()
}

/// Whether `wanted` names the thing with this id and name.
fn names(wanted: &str, id: Option<&str>, name: &str) -> bool {
    let wanted = wanted.trim();
    id == Some(wanted) || folded(name) == folded(wanted)
}

/// Whether `wanted` names component `c`: by id or name, or as "group / name" (also "group/name"
/// and "group - name"), trying every place the separator occurs.
fn component_named(source: &Catalog<'_>, c: &Leaf<'_>, wanted: &str) -> bool {
    if names(wanted, Some(c.id), c.name) {
        return true;
    }
    let Some(group) = source.group_name(c) else {
        return false;
    };
    let (group, name) = (folded(group), folded(c.name));
    [" / ", "/", " - "].iter().any(|sep| {
        wanted.match_indices(sep).any(|(at, _)| {
            folded(&wanted[..at]) == group && folded(&wanted[at + sep.len()..]) == name
        })
    })
}

/// An id as shown in messages: as is when plain, else escaped (ids come from the page).
pub fn shown_id(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
    {
        id.to_owned()
    } else {
        format!("{:?}", id)
    }
}

fn push(list: &mut Vec<ComponentRef>, source: usize, id: &str) {
    let r = ComponentRef {
        source,
        id: id.to_owned(),
    };
    if !list.contains(&r) {
        list.push(r);
    }
}
