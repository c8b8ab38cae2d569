//! Resolving names: any case and any Unicode form, a group name holding the separator, and
//! page text in messages sanitised.

use crate::cache;
use crate::fetch::config::ClusterConfig;
use crate::fetch::resolve::{Catalog, Resolved, resolve_all};

fn source(groups: &[(&'static str, &[(&'static str, &'static str)])]) -> cache::Source {
    cache::Source {
        name: "Page".into(),
        url: "https://status.example.org".into(),
        components: groups
            .iter()
            .flat_map(|(g, leaves)| {
                leaves.iter().map(move |(id, name)| cache::Component {
                    id: (*id).into(),
                    name: (*name).into(),
                    group: Some((*g).into()),
                    status: "operational".into(),
                })
            })
            .collect(),
        ..Default::default()
    }
}

fn cluster(groups: &[&str], components: &[&str]) -> ClusterConfig {
    ClusterConfig {
        name: "C".into(),
        groups: groups.iter().map(|s| (*s).into()).collect(),
        components: components.iter().map(|s| (*s).into()).collect(),
        hosts: Vec::new(),
    }
}

fn ids(r: &Resolved<'_>) -> Vec<String> {
    r.components.iter().map(|c| c.id.clone()).collect()
}

#[test]
fn names_match_in_any_case_and_any_unicode_form() {
    let s = source(&[
        ("École Cluster", &[("c1", "Café")]),
        ("STRASSE", &[("c2", "Login")]),
    ]);
    let cat = [Catalog::of_cache(&s, &[])];
    for (groups, comps, want) in [
        (vec!["ÉCOLE CLUSTER"], vec![], vec!["c1"]),
        // NFD spelling of "École" and "Café".
        (vec!["E\u{301}cole cluster"], vec![], vec!["c1"]),
        (vec![], vec!["Cafe\u{301}"], vec!["c1"]),
        (vec!["straße"], vec![], vec!["c2"]),
    ] {
        let c = cluster(&groups, &comps);
        let r = resolve_all(std::slice::from_ref(&c), &cat).remove(0);
        assert_eq!(ids(&r), want, "{groups:?} {comps:?}: {:?}", r.problems());
    }
}

#[test]
fn a_group_name_holding_the_separator_can_qualify_its_components() {
    let s = source(&[
        ("Storage / Lustre", &[("ost", "OST"), ("mds", "MDS")]),
        ("Storage / NFS", &[("ost2", "OST")]),
    ]);
    let cat = [Catalog::of_cache(&s, &[])];
    let c = cluster(&[], &["storage / lustre / ost", "Storage / NFS - OST"]);
    let r = resolve_all(std::slice::from_ref(&c), &cat).remove(0);
    assert_eq!(ids(&r), ["ost", "ost2"], "{:?}", r.problems());
    let c = cluster(&[], &["OST"]);
    let r = resolve_all(std::slice::from_ref(&c), &cat).remove(0);
    assert!(ids(&r).is_empty());
    assert!(
        r.problems()[0].contains("matches 2 components"),
        "{:?}",
        r.problems()
    );
}

#[test]
fn messages_show_page_text_sanitised_and_odd_ids_escaped() {
    let s = source(&[("G\u{1b}]52;c;AAAA\u{7}x", &[("id\u{1b}[2J", "N\u{1b}[31m")])]);
    let cat = [Catalog::of_cache(&s, &[])];
    let c = cluster(&[], &["N\u{1b}[31m"]);
    let r = resolve_all(std::slice::from_ref(&c), &cat).remove(0);
    let report = r.report();
    assert!(report[0].contains("[\"id\\u{1b}[2J\"]"), "{report:?}");
    assert!(!report[0].contains("\u{1b}[31m"), "{report:?}");
}

/// A notices file's source: its components stand for the names `names`.
fn notices(names: &[&'static str]) -> cache::Source {
    cache::Source {
        name: "Notices".into(),
        url: String::new(),
        provider: cache::Provider::Notices,
        origin: String::new(),
        fetched_at: None,
        checked_at: None,
        failed: None,
        time_zone: None,
        components: names
            .iter()
            .map(|n| cache::Component {
                id: format!("affects:{}", n.to_lowercase()),
                name: (*n).into(),
                group: None,
                status: "operational".into(),
            })
            .collect(),
        items: Vec::new(),
        dropped: Vec::new(),
        slurm: None,
    }
}

#[test]
fn names_resolve_on_the_pages_and_reach_a_notices_files_names_beside() {
    let page = source(&[("Storage", &[("lus", "Lustre"), ("nfs", "NFS")])]);
    let file = notices(&["Lustre", "Storage", "C"]);
    let cat = [Catalog::of_cache(&page, &[]), Catalog::of_cache(&file, &[])];
    // "Lustre" names the page's component once (the file's "Lustre" is not a second match),
    // and the file's components named by the cluster's names join what it covers.
    let c = cluster(&["Storage"], &["Lustre"]);
    let r = resolve_all(std::slice::from_ref(&c), &cat).remove(0);
    assert!(r.problems().is_empty(), "{:?}", r.problems());
    assert_eq!(r.covers, Some(2));
    let got: Vec<(usize, String)> = r
        .components
        .iter()
        .map(|c| (c.source, c.id.clone()))
        .collect();
    let want: Vec<(usize, String)> = [
        (0, "lus"),
        (0, "nfs"),
        (1, "affects:c"),
        (1, "affects:storage"),
        (1, "affects:lustre"),
    ]
    .iter()
    .map(|(s, id)| (*s, (*id).to_owned()))
    .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted = want;
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted);
}

#[test]
fn with_notices_alone_a_clusters_names_are_names_notices_may_give() {
    let file = notices(&["Storage"]);
    let cat = [Catalog::of_cache(&file, &[])];
    let c = cluster(&["Storage", "Scratch"], &["Login nodes"]);
    let r = resolve_all(std::slice::from_ref(&c), &cat).remove(0);
    assert!(r.problems().is_empty(), "{:?}", r.problems());
    assert!(r.names.is_empty());
    assert_eq!(r.covers, None, "known by its names, not an unknown view");
    assert_eq!(ids(&r), ["affects:storage"]);
}
