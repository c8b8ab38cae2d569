//! Rendering a view as text (coloured or plain), JSON for scripts, or Markdown for web portals.
//!
//! Every string that came from the page passes through [`sanitize::terminal`] here, the one
//! place where it meets the output; the only escape sequences written are this module's own SGR
//! colour codes, and none when colour is off. Lines are cut to the terminal width by display
//! width, so wide characters cannot push the layout past the edge.
//!
//! The parts: [`words`] holds what every format says (counts, causes, times, markers),
//! [`text`] the terminal's layout (colour, width), [`json`] the typed document for scripts and
//! [`markdown`] the one for web portals.

mod json;
mod markdown;
mod text;
mod when;
mod words;

use chrono::{DateTime, Utc};

use crate::cache::Cache;
use crate::localtime::{LocalZone, age};
use crate::sanitize::terminal;
use crate::select::{View, Whose};
pub(crate) use words::cause_words;

/// Text (coloured or not), JSON for scripts, Markdown for web portals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

impl Format {
    pub fn parse(v: &str) -> Result<Format, String> {
        match v {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!("takes text, json or markdown, not {other:?}")),
        }
    }
}

/// What to show and how.
pub struct Request<'a> {
    pub whose: Whose<'a>,
    pub now: DateTime<Utc>,
    pub zone: &'a LocalZone,
    pub format: Format,
    pub color: bool,
    /// Columns; every text line is cut to this display width.
    pub width: usize,
    /// At login: nothing at all when there is nothing to report, at most `max_items` entries.
    pub login: bool,
    /// The program's own decorations (`…`, `–`, `·`) in ASCII, for a terminal whose locale is
    /// not UTF-8 (C or POSIX); page text passes as it is.
    pub ascii: bool,
    /// The view goes into a file that is read later, at times nobody knows (`motd_file`, which
    /// pam_motd or a web portal shows until the next run rewrites it, and which a stopped
    /// fetcher leaves as it is): times are written as dates only, never "2 hours ago", and
    /// the view always ends saying as of when.
    pub frozen: bool,
}

/// Whether the locale, as the C library reads it (`LC_ALL`, then `LC_CTYPE`, then `LANG`; the
/// first set wins; none is the C locale), is not UTF-8.
pub fn ascii_locale() -> bool {
    let value = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    match value {
        None => true,
        Some(v) => {
            let v = v.to_ascii_lowercase();
            !(v.contains("utf-8") || v.contains("utf8"))
        }
    }
}

/// What the layout needs to know of a request.
struct Options<'a> {
    now: DateTime<Utc>,
    zone: &'a LocalZone,
    color: bool,
    width: usize,
    /// At login: at most this many entries, then "… and K more".
    max_items: Option<usize>,
    login: bool,
    /// `--all`: titles say "Not in any cluster" for the unclaimed part.
    all: bool,
    /// The command that lists every entry of this view, for the "… and K more" line.
    more_command: String,
    /// The program's own decorations.
    deco: Deco,
    /// Written to a file read at unknown times: dates only, and always "as of" (see
    /// [`Request::frozen`]).
    frozen: bool,
}

/// The program's own decorations: typographic in a UTF-8 locale, ASCII in the C locale.
#[derive(Clone, Copy)]
struct Deco {
    ellipsis: &'static str,
    dash: &'static str,
    dot: &'static str,
}

const UTF8: Deco = Deco {
    ellipsis: "…",
    dash: "–",
    dot: "·",
};
const ASCII: Deco = Deco {
    ellipsis: "...",
    dash: "-",
    dot: "-",
};

/// Lays out `views` as the request asks.
pub fn render(cache: &Cache, views: &[View<'_>], req: &Request<'_>) -> String {
    let opts = options(cache, req);
    match req.format {
        Format::Text => text::text(cache, views, &opts),
        Format::Json => json::json(cache, views, &opts),
        Format::Markdown => markdown::markdown(cache, views, &opts),
    }
}

/// What the layout needs of a request.
fn options<'a>(cache: &Cache, req: &Request<'a>) -> Options<'a> {
    Options {
        now: req.now,
        zone: req.zone,
        color: req.color && req.format == Format::Text,
        width: req.width,
        max_items: req.login.then_some(cache.settings.max_items),
        login: req.login,
        all: matches!(req.whose, Whose::All),
        deco: if req.ascii { ASCII } else { UTF8 },
        frozen: req.frozen,
        more_command: match req.whose {
            Whose::Cluster(name) => format!("motd-status --cluster {}", shell_word(name)),
            _ => "motd-status".to_owned(),
        },
    }
}

/// `name` as one shell word, quoted when it needs to be, sanitised.
fn shell_word(name: &str) -> String {
    let name = terminal(name);
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.,:+@%/".contains(c))
    {
        name
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

pub fn age_note(cache: &Cache, req: &Request<'_>) -> String {
    let opts = options(cache, req);
    let a = crate::select::age(cache, opts.now);
    let text = match a.ahead {
        Some(ahead) => format!(
            "(the status above has a time {} ahead of this host's clock: its age is unknown)",
            age(ahead)
        ),
        None if a.expired => format!(
            "(the status above is as of {} ago: too old to rely on)",
            age(a.seconds)
        ),
        None if a.stale => format!("(the status above is as of {} ago)", age(a.seconds)),
        None => return String::new(),
    };
    let mut out = text::Out {
        buf: String::new(),
        color: opts.color,
        width: opts.width,
        ellipsis: opts.deco.ellipsis,
    };
    out.line(&[(&text, Some(words::Paint::Dim))]);
    out.buf
}

pub fn display_width(s: &str) -> usize {
    text::cols(s)
}
