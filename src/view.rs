//! A view, from cache to output: `(cache, request) → text`, the one call behind the login,
//! `--cluster`, `--all` and the fetcher's `motd_file`.
//!
//! A request says whose view (this host's, a cluster's, or everyone's), at what time and in
//! what form. The views are chosen from the cache by [`crate::select`]; [`render`] only lays
//! them out.

use std::path::Path;

use crate::cache::{self, Cache};
use crate::render::{self, Request};
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
    let views: Vec<View<'_>> = match (req.whose, chosen) {
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
    };
    // At login, in every format (a pam_motd or Open OnDemand file too): nothing at all when
    // the site turned it off or there is nothing to report. Expired data still says so.
    if req.login {
        let nothing = views.iter().all(View::is_empty);
        if !cache.settings.login || (nothing && !age(cache, req.now).expired) {
            return Ok(String::new());
        }
    }
    Ok(render::render(cache, &views, req))
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
