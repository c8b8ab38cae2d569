//! Text from the page is untrusted: this is where it is made safe for a terminal.
//!
//! [`terminal`] removes everything that could move the cursor, recolour, retitle, reorder or hide
//! text: C0 and C1 controls (and whole ESC/CSI/OSC/DCS sequences, not just their first byte),
//! DEL, bidi overrides and isolates, zero-width characters, Hangul fillers (invisible, yet
//! terminals draw them one or two columns wide), line and paragraph separators. Every
//! string from a cache goes through it right before it is rendered, so the only escape sequences
//! in the output are the colour codes the renderer writes itself.
//!
//! [`plain_text`] turns update bodies (HTML with `<br>` and `<a href>`, entities, Markdown links)
//! into plain text. It is cosmetic, not a security boundary, and is done once by the fetcher.

/// Makes `s` safe to print: a single line of visible characters (newlines and tabs become
/// spaces, runs of spaces are collapsed, the ends are trimmed).
pub fn terminal(s: &str) -> String {
    // Most text is plain printable ASCII with single spaces: nothing to do.
    let b = s.as_bytes();
    if b.iter().all(|&c| (0x20..0x7f).contains(&c))
        && b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && memchr::memmem::find(b, b"  ").is_none()
    {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                skip_escape(&mut chars);
                continue;
            }
            '\u{9b}' => {
                skip_csi(&mut chars);
                continue;
            }
            '\u{90}' | '\u{9d}' | '\u{98}' | '\u{9e}' | '\u{9f}' => {
                skip_string(&mut chars);
                continue;
            }
            '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{2028}' | '\u{2029}' | '\u{85}' => {
                space = true;
                continue;
            }
            c if is_invisible(c) => continue,
            ' ' | '\u{a0}' => {
                space = true;
                continue;
            }
            _ => {}
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Controls and format characters that must never reach a terminal. The JSON output escapes
/// them (`\u202e`) rather than dropping them, so that it keeps the page's text.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // bidi marks, embeddings, overrides and isolates
        | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // zero-width and invisible operators, BOM, soft hyphen, interlinear annotations
        | '\u{00ad}' | '\u{180e}' | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}'
        | '\u{206a}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        // Hangul fillers: blank, yet terminals draw U+115F and U+3164 two columns wide and
        // U+FFA0 one, where unicode-width counts U+3164 and U+FFA0 as none
        | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
        // tag characters (invisible) and private-use/noncharacters are harmless but hidden
        | '\u{e0000}'..='\u{e007f}')
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After ESC: a CSI (`[`), a string (`]` OSC, `P` DCS, `X`, `^`, `_`), or a two-byte sequence.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // ESC + intermediate bytes + final byte (e.g. `ESC ( B`)
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some(&n) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&n) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Parameters and intermediates up to the final byte (0x40–0x7e).
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) || !('\u{20}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// An OSC/DCS/APC/PM string, ended by BEL, ST (`ESC \`) or C1 ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// Converts an update body to plain text: `<br>`/`<p>` become line breaks, `<a href="u">t</a>`
/// and `[t](u)` become `t (u)`, other tags are dropped, entities decoded, blank runs collapsed.
pub fn plain_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut href: Option<String> = None;
    let mut link_start = 0;
    while let Some(pos) = rest.find(['<', '&', '[']) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('<') {
            let Some(end) = rest.find('>') else {
                out.push_str(rest);
                rest = "";
                break;
            };
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            match name.as_str() {
                "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" => out.push('\n'),
                "a" if !tag.starts_with('/') => {
                    href = attr(tag, "href");
                    link_start = out.len();
                }
                "a" => {
                    if let Some(u) = href.take() {
                        let text = out[link_start..].trim().to_owned();
                        if !u.is_empty() && text != u {
                            out.push_str(&format!(" ({u})"));
                        }
                    }
                }
                _ => {}
            }
        } else if rest.starts_with('&') {
            let (decoded, used) = entity(rest);
            out.push_str(&decoded);
            rest = &rest[used..];
        } else {
            // Markdown link: [text](url)
            match markdown_link(rest) {
                Some((text, url, used)) => {
                    out.push_str(text);
                    if text != url {
                        out.push_str(&format!(" ({url})"));
                    }
                    rest = &rest[used..];
                }
                None => {
                    out.push('[');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    collapse_blank(&out)
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))? + name.len() + 1;
    let value = &tag[at..];
    let value = match value.chars().next()? {
        q @ ('"' | '\'') => value[1..].split(q).next()?,
        _ => value.split_whitespace().next()?,
    };
    Some(value.to_owned())
}

fn markdown_link(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find("](")?;
    let text = &s[1..close];
    if text.contains(['[', '\n']) {
        return None;
    }
    let after = &s[close + 2..];
    let end = after.find(')')?;
    let url = &after[..end];
    if url.contains(char::is_whitespace) || url.is_empty() {
        return None;
    }
    Some((text, url, close + 2 + end + 1))
}

/// Decodes one entity at the start of `s`; returns the text and the bytes used.
fn entity(s: &str) -> (String, usize) {
    let Some(end) = s[1..].find(';').map(|i| i + 1).filter(|&i| i <= 10) else {
        return ("&".to_owned(), 1);
    };
    let name = &s[1..end];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" | "#39" => Some('\''),
        "nbsp" => Some(' '),
        "ndash" => Some('–'),
        "mdash" => Some('—'),
        "hellip" => Some('…'),
        _ => {
            let num = name.strip_prefix('#');
            num.and_then(|n| match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => n.parse().ok(),
            })
            .and_then(char::from_u32)
        }
    };
    match c {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".to_owned(), 1),
    }
}

/// Trims each line, drops empty ones and joins them with single newlines.
fn collapse_blank(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_and_invisibles() {
        assert_eq!(terminal("a\x1b[31mred\x1b[0m b"), "ared b");
        assert_eq!(terminal("t\x1b]0;pwned\x07itle"), "title");
        assert_eq!(
            terminal("t\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"),
            "tlink"
        );
        assert_eq!(terminal("x\u{9b}2Jy"), "xy");
        assert_eq!(
            terminal("bell\x07 \u{202e}evil\u{2066}\u{200b}"),
            "bell evil"
        );
        assert_eq!(terminal("  two\n\nlines\t "), "two lines");
        assert_eq!(terminal("caf\u{e9} \u{30c4}"), "caf\u{e9} \u{30c4}");
        assert_eq!(
            terminal("\u{3164}\u{3164}a\u{115f}\u{1160}b \u{ffa0} c\u{3164}"),
            "ab c"
        );
        assert_eq!(
            terminal("\u{1100}\u{1161}\u{11a8}"),
            "\u{1100}\u{1161}\u{11a8}"
        );
        assert_eq!(terminal("\x1b"), "");
        assert_eq!(terminal("\x1b["), "");
    }

    #[test]
    fn html_and_markdown_become_text() {
        assert_eq!(
            plain_text("Fixed.<br>See <a href=\"https://x.org/a\">the notes</a> &amp; more"),
            "Fixed.\nSee the notes (https://x.org/a) & more"
        );
        assert_eq!(
            plain_text("Read [the FAQ](https://x.org/faq) now &lt;3 &#x41;&#66;"),
            "Read the FAQ (https://x.org/faq) now <3 AB"
        );
        assert_eq!(plain_text("a [b] c & d"), "a [b] c & d");
        assert_eq!(plain_text("<p>one</p>\n\n<p>two</p>"), "one\ntwo");
        assert_eq!(plain_text("<a href='u'>u</a>"), "u");
    }
}
