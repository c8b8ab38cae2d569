//! A view, from cache to output: `(cache, request) → text`, the one call behind the login,
//! `--cluster`, `--all` and the fetcher's `motd_file`.
//!
//! A request says whose view (this host's, a cluster's, or everyone's), at what time and in
//! what form. The views are chosen from the cache by [`crate::select`]; [`render`] only lays
//! them out.

use std::path::Path;

use crate::cache::{self, Cache};
use crate::render::{self, Request};
use crate::seen::{self, Seen};
use crate::select::{Scope, View, Whose, age};

/// Reads what `whose` view needs of the cache at `path`: one view's part, or all of it for
/// `--all`. Returns the cache and the index of the view's cluster.
pub fn load(path: &Path, whose: Whose<'_>) -> Result<(Cache, Option<usize>), String> {
    let read = match whose {
        Whose::All => cache::read(path).map(|c| (c, None)),
        one => cache::read_for(path, &one),
    };
    read.map_err(|e| e.to_string())
}

/// Renders `req` from a whole cache (the fetcher's `motd_file`, tests).
pub fn render(cache: &Cache, req: &Request<'_>) -> Result<String, String> {
    render_loaded(cache, req.whose.find(&cache.clusters), req)
}

/// Renders `req` from what [`load`] returned.
pub fn render_loaded(
    cache: &Cache,
    chosen: Option<usize>,
    req: &Request<'_>,
) -> Result<String, String> {
    let views = views_of(cache, chosen, req)?;
    Ok(finish(cache, &views, req))
}

/// A login's view with what this user has already seen folded into one line (see
/// [`crate::seen`]): the output, and the user's new state when it changed.
pub fn render_login(
    cache: &Cache,
    chosen: Option<usize>,
    req: &Request<'_>,
    seen: &Seen,
) -> Result<(String, Option<Seen>), String> {
    let mut views = views_of(cache, chosen, req)?;
    let [view] = views.as_mut_slice() else {
        return Ok((finish(cache, &views, req), None));
    };
    seen::fold(view, seen, &cache.settings, req.now);
    let out = finish(cache, &views, req);
    // What the login printed in full is what the user has now seen; nothing, when it printed
    // nothing.
    let next = match views.first() {
        Some(v) if !out.is_empty() => seen::after(
            seen,
            v,
            v.listed(cache.settings.max_items),
            &cache.settings,
            req.now,
        ),
        _ => None,
    };
    Ok((out, next))
}

/// The views `req` asks for.
fn views_of<'c>(
    cache: &'c Cache,
    chosen: Option<usize>,
    req: &Request<'_>,
) -> Result<Vec<View<'c>>, String> {
    Ok(match (req.whose, chosen) {
        (Whose::All, _) => cache
            .clusters
            .iter()
            .map(Scope::Cluster)
            .chain([Scope::Unclaimed])
            .map(|s| View::of(cache, s, req.now))
            .collect(),
        (Whose::Cluster(name), None) => return Err(no_such_cluster(cache, name)),
        (_, Some(i)) => vec![View::of(cache, Scope::Cluster(&cache.clusters[i]), req.now)],
        (Whose::Host(_), None) => vec![View::of(cache, Scope::NoCluster, req.now)],
    })
}

/// The output of `views`: at login, nothing at all when there is nothing to say.
fn finish(cache: &Cache, views: &[View<'_>], req: &Request<'_>) -> String {
    // At login, in every format (a pam_motd or Open OnDemand file too): nothing at all when
    // the site turned it off or there is nothing to report. Expired data still says so.
    if req.login {
        let nothing = views.iter().all(View::is_empty);
        if !cache.settings.login || (nothing && !age(cache, req.now).expired) {
            return String::new();
        }
    }
    render::render(cache, views, req)
}

/// What a login prints after pam_motd showed it this very view: nothing, or one line saying
/// how old the data is when it is stale (or of unknown age), since the file pam_motd showed
/// says only as of when.
pub fn after_pam_motd(cache: &Cache, req: &Request<'_>) -> String {
    if !cache.settings.login {
        return String::new();
    }
    render::age_note(cache, req)
}

fn no_such_cluster(cache: &Cache, name: &str) -> String {
    let names: Vec<String> = cache
        .clusters
        .iter()
        .map(|c| crate::sanitize::terminal(&c.name))
        .collect();
    format!(
        "no cluster named {:?} in the cache (clusters: {})",
        crate::sanitize::terminal(name),
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    )
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, TimeZone, Utc};

    use super::*;
    use crate::cache::{ComponentRef, Counts, Item, Kind, Settings, Source};
    use crate::localtime::LocalZone;
    use crate::render::Format;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap() + Duration::hours(h)
    }

    /// A cache with one cluster "Alpha" (hosts `alpha-*`) covering `covers` components, and
    /// `items` on its component `a`.
    fn cache(items: usize, covers: usize) -> Cache {
        let item = |i: usize| Item {
            kind: Kind::Incident,
            id: format!("i{i}"),
            name: format!("Trouble {i}"),
            status: "identified".into(),
            impact: "minor".into(),
            shortlink: None,
            started_at: Some(at(-1)),
            updated_at: None,
            resolved_at: None,
            scheduled_for: None,
            scheduled_until: None,
            components: vec!["a".into()],
            update: None,
        };
        Cache {
            version: crate::cache::VERSION,
            generator: String::new(),
            fetched_at: at(0),
            checked_at: Some(at(0)),
            settings: Settings::default(),
            sources: vec![Source {
                name: "Page".into(),
                url: "https://status.example.org".into(),
                items: (0..items).map(item).collect(),
                ..Default::default()
            }],
            clusters: vec![crate::cache::Cluster {
                name: "Alpha".into(),
                hosts: vec!["alpha-*".into()],
                components: vec![ComponentRef {
                    source: 0,
                    id: "a".into(),
                }],
                omitted: Counts::default(),
                more: 0,
                unmatched: Vec::new(),
                unresolved: Vec::new(),
                matched: Vec::new(),
                covers: Some(covers),
            }],
            no_cluster_omitted: Counts::default(),
            unclaimed_omitted: Counts::default(),
            motd_file: None,
            motd_view: None,
            validators: Vec::new(),
            catalogs: None,
        }
    }

    /// A login's request for `whose` view at `now`.
    fn request<'a>(whose: Whose<'a>, now: DateTime<Utc>, zone: &'a LocalZone) -> Request<'a> {
        Request {
            whose,
            now,
            zone,
            format: Format::Text,
            color: false,
            width: 80,
            login: true,
            ascii: false,
            frozen: false,
        }
    }

    fn login(c: &Cache, whose: Whose<'_>, now: DateTime<Utc>) -> Result<String, String> {
        render(c, &request(whose, now, &LocalZone::utc()))
    }

    #[test]
    fn a_login_says_nothing_only_when_there_is_nothing_to_say() {
        let host = Whose::Host("alpha-1");
        assert_eq!(login(&cache(0, 1), host, at(0)), Ok(String::new()));
        assert!(
            login(&cache(1, 1), host, at(0))
                .unwrap()
                .starts_with("Status of Alpha: 1 incident")
        );
        // A view that covers nothing knows nothing: it says so.
        let blind = login(&cache(0, 0), host, at(0)).unwrap();
        assert!(blind.starts_with("Status of Alpha: unknown"), "{blind}");
        // Expired data says how old it is, even with nothing else to say.
        let old = login(&cache(0, 1), host, at(24 * 8)).unwrap();
        assert!(old.contains("(too old to show)"), "{old}");
        // The site's switch silences everything.
        let mut off = cache(3, 1);
        off.settings.login = false;
        assert_eq!(login(&off, host, at(0)), Ok(String::new()));
    }

    #[test]
    fn at_login_at_most_max_items_then_where_the_rest_is() {
        let mut c = cache(12, 1);
        c.settings.max_items = 3;
        let out = login(&c, Whose::Host("alpha-1"), at(0)).unwrap();
        assert_eq!(out.matches("  MINOR").count(), 3, "{out}");
        assert!(out.contains("… and 9 more: motd-status\n"), "{out}");
        let out = login(&c, Whose::Cluster("alpha"), at(0)).unwrap();
        assert!(
            out.contains("… and 9 more: motd-status --cluster alpha\n"),
            "{out}"
        );
    }

    #[test]
    fn an_unknown_cluster_is_an_error_naming_the_ones_there_are() {
        let e = login(&cache(1, 1), Whose::Cluster("Gamma"), at(0)).unwrap_err();
        assert_eq!(
            e,
            "no cluster named \"Gamma\" in the cache (clusters: Alpha)"
        );
        // A host of no cluster sees the unscoped items only: none here.
        assert_eq!(
            login(&cache(1, 1), Whose::Host("gamma-1"), at(0)),
            Ok(String::new())
        );
    }

    #[test]
    fn after_pam_motd_only_the_age_of_stale_data() {
        let c = cache(1, 1);
        let zone = LocalZone::utc();
        let req = |now| request(Whose::Host("alpha-1"), now, &zone);
        assert_eq!(after_pam_motd(&c, &req(at(0))), "");
        assert_eq!(
            after_pam_motd(&c, &req(at(3))),
            "(the status above is as of 3 hours ago)\n"
        );
    }
}
