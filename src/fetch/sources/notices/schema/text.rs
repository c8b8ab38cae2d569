//! The text values of a notice that must be one line of a terminal: its title, and addresses
//! a view shows as written.

use super::{Fields, Reader};
use crate::fetch::address::Url;
use crate::fetch::sources::NAME_CHARS;
use crate::sanitize::is_invisible;

impl Reader {
    /// The notice's title: one line, not too long for one.
    pub(super) fn title(&mut self, f: &Fields<'_>, table: usize) -> Option<String> {
        let title = self.string(f, "title");
        if let Some(t) = &title
            && t.trim().contains(['\n', '\r'])
        {
            let at = f.get("title").map_or(table, |n| n.at);
            let what = format!(
                "`title`{} is more than one line: put the rest in `body`",
                f.context
            );
            self.mistake(at, what);
        }
        if let Some(t) = &title
            && t.chars().count() > NAME_CHARS
        {
            let at = f.get("title").map_or(table, |n| n.at);
            self.mistake(
                at,
                format!(
                    "`title`{} is longer than {NAME_CHARS} characters",
                    f.context
                ),
            );
        }
        title
    }

    /// An http(s) address at `key`, short enough for one line of a terminal.
    pub(super) fn address(&mut self, f: &Fields<'_>, key: &str) -> Option<String> {
        let s = self.string(f, key)?;
        let at = f.get(key).map_or(0, |n| n.at);
        let lower = s.trim().to_ascii_lowercase();
        let why = if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            Some(format!(
                "{s:?} is not an http(s) address such as \"https://www.example.org/maintenance\""
            ))
        } else if s.chars().count() > NAME_CHARS {
            Some(format!("is longer than {NAME_CHARS} characters"))
        } else if let Some(c) = s
            .trim()
            .chars()
            .find(|&c| c.is_whitespace() || c.is_control() || is_invisible(c))
        {
            // A view shows the address without it, which would not be the address written.
            Some(format!(
                "holds {} (U+{:04X}); an address is written without spaces or invisible \
                 characters (escape them: %20)",
                if c.is_whitespace() {
                    "a space"
                } else {
                    "an invisible character"
                },
                u32::from(c)
            ))
        } else {
            Url::parse(&s).err()
        };
        match why {
            Some(why) => {
                self.mistake(at, format!("`{key}`{}: {why}", f.context));
                None
            }
            None => Some(s.trim().to_owned()),
        }
    }
}
