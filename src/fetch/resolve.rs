//! Resolving each cluster's groups and components, given by name or id, to component ids.
//!
//! Names are what sysadmins know and ids are what the page generates, so both are accepted:
//! a group or component matches by id exactly or by name case-insensitively, and a component
//! may be qualified by its group (`"Canvas / Canvas"`, or `"Canvas - Canvas"` as the page's own
//! updates write it) because component names repeat across groups. A reference that matches
//! nothing, or several things, is a problem reported by name; it never silently widens a view.

use super::Page;
use super::config::ClusterConfig;
use super::model::Component;
use crate::cache::ComponentRef;

/// A cluster's resolution: the cluster, what it covers, and what it named that did not resolve
/// cleanly.
#[derive(Debug, Clone)]
pub struct Resolved<'c> {
    pub cluster: &'c ClusterConfig,
    pub components: Vec<ComponentRef>,
    /// Lines for `--check`: what each reference resolved to.
    pub report: Vec<String>,
    pub problems: Vec<String>,
}

impl Resolved<'_> {
    /// The cluster as the cache holds it.
    pub fn to_cluster(&self) -> crate::cache::Cluster {
        crate::cache::Cluster {
            name: self.cluster.name.clone(),
            hosts: self.cluster.hosts.clone(),
            components: self.components.clone(),
            omitted: crate::cache::Counts::default(),
            more: 0,
        }
    }
}

/// Whether a component row is a group header.
pub fn is_group(c: &Component) -> bool {
    c.group == Some(true) || c.components.is_some()
}

/// Resolves every cluster against the fetched pages.
pub fn resolve_all<'c>(clusters: &'c [ClusterConfig], pages: &[Page]) -> Vec<Resolved<'c>> {
    clusters.iter().map(|c| resolve(c, pages)).collect()
}

fn resolve<'c>(cluster: &'c ClusterConfig, pages: &[Page]) -> Resolved<'c> {
    let mut out = Resolved {
        cluster,
        components: Vec::new(),
        report: Vec::new(),
        problems: Vec::new(),
    };
    let many = pages.len() > 1;
    let label = |si: usize, c: &Component| {
        let src = if many {
            format!("{}: ", pages[si].name)
        } else {
            String::new()
        };
        format!("{src}{} [{}]", c.name, c.id)
    };
    for wanted in &cluster.groups {
        let found: Vec<(usize, &Component)> = each(pages)
            .filter(|(_, c)| is_group(c) && named(c, wanted))
            .collect();
        match found.as_slice() {
            [] => out.problems.push(format!(
                "cluster {:?}: group {wanted:?} matches no component group on the page \
                 (see motd-status-fetch --list-groups)",
                cluster.name
            )),
            [(si, group)] => {
                let children = children(&pages[*si], group);
                out.report.push(format!(
                    "group {wanted:?} -> {} ({} components)",
                    label(*si, group),
                    children.len()
                ));
                for child in children {
                    push(&mut out.components, *si, &child.id);
                }
            }
            several => out.problems.push(format!(
                "cluster {:?}: group {wanted:?} matches {} groups ({}): name it by id",
                cluster.name,
                several.len(),
                several
                    .iter()
                    .map(|(si, c)| label(*si, c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    for wanted in &cluster.components {
        let found: Vec<(usize, &Component)> = each(pages)
            .filter(|(si, c)| !is_group(c) && component_named(&pages[*si], c, wanted))
            .collect();
        match found.as_slice() {
            [] => out.problems.push(format!(
                "cluster {:?}: component {wanted:?} matches no component on the page \
                 (see motd-status-fetch --list-groups)",
                cluster.name
            )),
            [(si, c)] => {
                out.report
                    .push(format!("component {wanted:?} -> {}", label(*si, c)));
                push(&mut out.components, *si, &c.id);
            }
            several => out.problems.push(format!(
                "cluster {:?}: component {wanted:?} matches {} components ({}): \
                 write \"Group / Component\" or use an id",
                cluster.name,
                several.len(),
                several
                    .iter()
                    .map(|(si, c)| {
                        let group = group_of(&pages[*si], c).map_or("no group", |g| &g.name);
                        format!("{} in {group}", label(*si, c))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    out
}

fn each(pages: &[Page]) -> impl Iterator<Item = (usize, &Component)> {
    pages
        .iter()
        .enumerate()
        .flat_map(|(si, p)| p.components.iter().map(move |c| (si, c)))
}

fn named(c: &Component, wanted: &str) -> bool {
    let wanted = wanted.trim();
    c.id == wanted || c.name.trim().eq_ignore_ascii_case(wanted)
}

fn component_named(page: &Page, c: &Component, wanted: &str) -> bool {
    if named(c, wanted) {
        return true;
    }
    let Some(group) = group_of(page, c) else {
        return false;
    };
    [" / ", "/", " - "].iter().any(|sep| {
        wanted.split_once(sep).is_some_and(|(g, n)| {
            group.name.trim().eq_ignore_ascii_case(g.trim())
                && c.name.trim().eq_ignore_ascii_case(n.trim())
        })
    })
}

fn group_of<'a>(page: &'a Page, c: &Component) -> Option<&'a Component> {
    let gid = c.group_id.as_deref()?;
    page.components.iter().find(|g| g.id == gid && is_group(g))
}

/// A group's children: by `group_id`, and by the group's own `components` list (the two agree
/// on every page seen, but either may be missing). Ids that name nothing are skipped.
fn children<'a>(page: &'a Page, group: &Component) -> Vec<&'a Component> {
    let listed = group.components.as_deref().unwrap_or_default();
    page.components
        .iter()
        .filter(|c| !is_group(c))
        .filter(|c| c.group_id.as_deref() == Some(&group.id) || listed.contains(&c.id))
        .collect()
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
