//! What `--check` and `--list-groups` print: the sources' groups and components with their ids
//! (what a config can name), and what every cluster resolved to, which cluster this host is
//! in, and every problem. Page text is sanitised and odd ids escaped, as everywhere the page
//! reaches a terminal; standard output hides the credentials of addresses like the log.

use std::io::Write;
use std::time::Instant;

use super::address::redact_text;
use super::build::{Part, build_cache};
use super::config::{Config, SourceKind};
use super::failure::Failure;
use super::http::Http;
use super::log;
use super::overlay;
use super::resolve::{self, Catalog, shown_id};
use super::session::Session;
use super::sources::{self, Fetched, notices};
use crate::exit::Exit;
use crate::sanitize::terminal;

/// `--check` (or `--list-groups`): the config against what the sources say now.
pub(crate) fn run(cfg: &Config, list: bool) -> Result<Exit, Failure> {
    let keys = sources::keys(cfg).map_err(Failure::Usage)?;
    let now = crate::clock::now().map_err(Failure::Usage)?;
    let http = Http::new(cfg.http.clone(), Instant::now() + cfg.http.deadline);
    let mut session = Session::new(&http);
    // A notices file with mistakes is answered in full, left out, and the check (or the list)
    // goes on with the other sources and the clusters: each source fails on its own, as in a
    // fetch.
    let broken = check_notices(cfg, &mut session);
    let read = |ci: usize| !broken.iter().any(|(b, _)| *b == ci);
    let fetched = match sources::fetch_all(cfg, &mut session, &keys, now, read) {
        Ok(fetched) => fetched,
        Err(e) => {
            for (_, line) in &broken {
                log::error(line);
            }
            return Err(e.into());
        }
    };
    let drift = if list {
        Vec::new()
    } else {
        drift(cfg, &fetched, now)
    };
    let mut catalogs: Vec<Catalog<'_>> = Vec::new();
    // What a mirror's own settings ask that its publisher's cache cannot give.
    let mut windows = Vec::new();
    for (_, f) in &fetched {
        match f {
            Fetched::Data(d) => catalogs.push(Catalog::of_data(d)),
            Fetched::Cache(c) => {
                catalogs.extend(
                    c.sources
                        .iter()
                        .enumerate()
                        .map(|(si, s)| Catalog::of_cache(s, c.catalog_of(si))),
                );
                windows.extend(overlay::settings(cfg, &c.settings).1);
            }
        }
    }
    let exit = if list {
        list_groups(&catalogs)
    } else {
        for line in drift {
            log::warn(line);
        }
        check(cfg, &catalogs, &windows, !broken.is_empty())
    };
    // Each broken file's count comes last, where a reader of the check looks for the verdict.
    for (_, line) in &broken {
        log::error(line);
    }
    Ok(if broken.is_empty() {
        exit
    } else {
        Exit::Failed
    })
}

/// The drift between the pages' maintenances and the clusters' Slurm reservations, as the cache
/// these sources make would show them now (see [`super::drift`]).
fn drift(
    cfg: &Config,
    fetched: &[(usize, Fetched)],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<String> {
    if cfg.mirror().is_some() {
        return Vec::new();
    }
    let parts: Vec<Part> = fetched
        .iter()
        .filter_map(|(ci, f)| match f {
            Fetched::Data(d) => Some(Part::Fresh {
                config: *ci,
                data: d.clone(),
            }),
            Fetched::Cache(_) => None,
        })
        .collect();
    let catalogs: Vec<Catalog<'_>> = parts.iter().map(Part::catalog).collect();
    let resolved = resolve::resolve_all(&cfg.clusters, &catalogs);
    let cache = build_cache(cfg, &parts, &resolved, now);
    super::drift::lines(&cache, cfg, now, &crate::localtime::LocalZone::from_env())
}

/// Every notices file's mistakes (errors) and warnings, each on its own line. Returns the
/// sources whose file has mistakes (or could not be read), each with the line that counts them.
fn check_notices(cfg: &Config, session: &mut Session<'_>) -> Vec<(usize, String)> {
    let mut broken = Vec::new();
    for (ci, source) in cfg.sources.iter().enumerate() {
        let SourceKind::Notices(at) = &source.kind else {
            continue;
        };
        let mistakes = match notices::check(session, at, &cfg.clusters) {
            Ok(answers) => answers
                .iter()
                .filter(|a| {
                    if a.warning {
                        log::warn(&a.line);
                    } else {
                        log::error(&a.line);
                    }
                    !a.warning
                })
                .count(),
            Err(e) => {
                log::error(e);
                1
            }
        };
        if mistakes > 0 {
            broken.push((ci, format!("{mistakes} problem(s) in {}", at.shown())));
        }
    }
    broken
}

/// Prints `text` (the help, the version) and exits 0, or 1 when standard output fails.
pub(crate) fn print(text: &str) -> Exit {
    print_as(text, Exit::Ok)
}

/// Prints `text` and exits with `exit`, unless standard output fails.
pub(crate) fn print_as(text: &str, exit: Exit) -> Exit {
    let mut out = Stdout::new();
    out.line(text);
    out.finish(exit)
}

/// Standard output for `--list-groups`, `--check` and `--help`: a reader that went away
/// (`| head`) ends the output quietly; a full disk is one logged line and [`Exit::Failed`].
pub(crate) struct Stdout {
    error: Option<std::io::Error>,
}

impl Stdout {
    pub(crate) fn new() -> Stdout {
        Stdout { error: None }
    }

    /// One line (or block) of output, with the credentials of addresses hidden like a log
    /// line's; the callers sanitise page text.
    pub(crate) fn line(&mut self, text: &str) {
        if self.error.is_none() {
            let text = redact_text(text);
            let mut out = std::io::stdout().lock();
            let written = out
                .write_all(text.as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush());
            self.error = written.err();
        }
    }

    /// `exit`, unless the output failed for another reason than its reader leaving.
    pub(crate) fn finish(self, exit: Exit) -> Exit {
        match self.error {
            Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                log::error(format!("cannot write to standard output: {e}"));
                Exit::Failed
            }
            _ => exit,
        }
    }
}

/// The sources' groups and components with their ids: what a config can name. Page text is
/// sanitised and odd ids escaped, as everywhere the page reaches a terminal.
fn list_groups(catalogs: &[Catalog<'_>]) -> Exit {
    let mut out = Stdout::new();
    let line = |out: &mut Stdout, indent: &str, name: &str, id: Option<&str>, status: &str| {
        let id = id.map_or_else(
            || "(no id in a mirror)".to_owned(),
            |i| format!("id {}", shown_id(i)),
        );
        out.line(&format!(
            "{indent}{:?}  {id}  {}",
            terminal(name),
            terminal(status)
        ));
    };
    for source in catalogs {
        out.line(&format!(
            "{} ({})",
            terminal(source.name),
            terminal(source.url)
        ));
        for (gi, g) in source.groups.iter().enumerate() {
            line(&mut out, "  group ", g.name, g.id, g.status);
            for c in source.components.iter().filter(|c| c.group == Some(gi)) {
                line(&mut out, "    ", c.name, Some(c.id), c.status);
            }
        }
        let loose: Vec<_> = source
            .components
            .iter()
            .filter(|c| c.group.is_none())
            .collect();
        if !loose.is_empty() {
            out.line("  (not in a group)");
            for c in loose {
                line(&mut out, "    ", c.name, Some(c.id), c.status);
            }
        }
    }
    out.finish(Exit::Ok)
}

/// `--check`: what every cluster resolved to, which cluster this host is in, and every
/// problem (names that match nothing or several things, host patterns that cannot match).
/// With `notices_broken` (a notices file with mistakes, left out of `catalogs`), a config
/// without problems is not called ok.
fn check(cfg: &Config, catalogs: &[Catalog<'_>], windows: &[String], notices_broken: bool) -> Exit {
    let resolved = resolve::resolve_all(&cfg.clusters, catalogs);
    let mut out = Stdout::new();
    let mut problems = 0;
    for w in windows {
        log::error(w);
        problems += 1;
    }
    for r in &resolved {
        let c = r.cluster;
        out.line(&format!(
            "cluster {:?}: hosts {}",
            terminal(&c.name),
            terminal(&c.hosts.join(", "))
        ));
        for line in &r.report() {
            out.line(&format!("  {line}"));
        }
        let n = r.components.len();
        out.line(&format!(
            "  covers {n} component{}",
            if n == 1 { "" } else { "s" }
        ));
        for s in &cfg.sources {
            if let SourceKind::Slurm(slurm) = &s.kind
                && slurm.cluster == c.name
            {
                out.line(&format!(
                    "  and its Slurm maintenance reservations: {}",
                    s.shown()
                ));
            }
        }
        if c.hosts.is_empty() {
            log::error(format!(
                "cluster {:?} has no hosts: only --cluster can select it",
                c.name
            ));
            problems += 1;
        }
        for p in &r.problems() {
            log::error(p);
            problems += 1;
        }
        for h in &c.hosts {
            if let Some(why) = crate::glob::pattern_problem(h) {
                log::warn(format!("cluster {:?}: host pattern {h:?} {why}", c.name));
            }
        }
    }
    if cfg.clusters.is_empty() {
        out.line("no clusters: every host sees only the items that name no component");
    } else {
        let host = crate::select::hostname();
        let clusters: Vec<_> = resolved.iter().map(|r| r.to_cluster()).collect();
        out.line(&match crate::select::cluster_for_host(&clusters, &host) {
            Some(c) => format!(
                "this host ({}) is in cluster {:?}",
                terminal(&host),
                terminal(&c.name)
            ),
            None => format!(
                "this host ({}) is in no cluster: it sees only the items that name no component",
                terminal(&host)
            ),
        });
    }
    let exit = if problems > 0 {
        log::error(format!("{problems} problem(s) in {}", cfg.path.display()));
        Exit::Failed
    } else if notices_broken {
        Exit::Failed
    } else {
        out.line(&format!("ok: {}", cfg.path.display()));
        Exit::Ok
    };
    out.finish(exit)
}
