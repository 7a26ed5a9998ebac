//! Strings that other people control, and the one rendering that shows them to a person.
//!
//! Account, OU and tag names, emails, AWS error messages, failure reasons and every CloudTrail
//! field are written by someone other than the user: an invited account's owner, an identity
//! provider's sync, any caller CloudTrail recorded, whoever wrote a `--snapshot` file. They are
//! held as [`Text`], whose `Display` makes every control character visible (`\e`, `\n`,
//! `\u{202e}`), so that printing one is safe by default and printing one raw takes a visible
//! step ([`Text::raw`]). JSON keeps the exact string (`Text` serialises transparently).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Text from AWS or a snapshot. `Display` is the visible form; [`Text::raw`] is the exact string,
/// for JSON, matching and AWS calls, never for a person.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    pub fn new(text: impl Into<String>) -> Text {
        Text(text.into())
    }

    /// The exact string, as AWS sent it. Not for a terminal, the clipboard or CSV.
    pub fn raw(&self) -> &str {
        &self.0
    }

    pub fn into_raw(self) -> String {
        self.0
    }

    /// The string with every control character made visible (what `Display` writes).
    pub fn shown(&self) -> Cow<'_, str> {
        visible(&self.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` keeps width and alignment (`{:<20}`) working on the visible form.
        f.pad(&visible(&self.0))
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(text.to_string())
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The visible forms of `items`, joined with `separator` (an OU path: `Root / Prod / Web`).
pub fn join<'a>(items: impl IntoIterator<Item = &'a Text>, separator: &str) -> String {
    items.into_iter().map(Text::to_string).collect::<Vec<_>>().join(separator)
}

/// `.raw()` on an optional [`Text`]: the exact string, for matching and AWS calls.
pub trait RawText {
    fn raw(&self) -> Option<&str>;
}

impl RawText for Option<Text> {
    fn raw(&self) -> Option<&str> {
        self.as_ref().map(Text::raw)
    }
}

/// True for a character that must not reach a terminal as it is: C0 controls, DEL, C1 controls,
/// bidirectional overrides, embeddings, isolates and marks, line and paragraph separators, and the
/// other invisible format characters (zero-width spaces and joiners, word joiner, BOM, soft
/// hyphen, interlinear annotations, tag characters).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{8e2}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}' | '\u{110cd}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}'
    )
}

/// `text` with every [unsafe](is_unsafe) character written as a visible escape: `\e`, `\n`,
/// `\r`, `\t`, `\0`, `\x01` for the other C0 controls and DEL, `\u{202e}` for the rest. The
/// result holds only printable characters, each as wide as it would be alone, so a row keeps
/// its width and nothing in it can move the cursor, set a title, write the clipboard or reorder
/// the line. Borrowed when there is nothing to escape.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// Like [`visible`], but keeps `\n`: for text orgscope composed itself, whose untrusted parts
/// were already made visible and whose own line breaks are meant (a last line of defence for
/// error messages and popups).
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\n' { out.push(c) } else { push_visible(&mut out, c) }
    }
    Cow::Owned(out)
}

fn push_visible(out: &mut String, c: char) {
    use std::fmt::Write as _;
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// A CSV cell for a spreadsheet: the visible form, with a `'` in front when it would begin with
/// `=`, `+`, `-`, `@`, a tab or a carriage return (which a spreadsheet reads as a formula).
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    // Checked on the raw text too: a leading tab or CR becomes `\t`/`\r` once visible.
    let formula = |t: &str| t.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let shown = visible(text);
    if formula(text) || formula(&shown) { Cow::Owned(format!("'{shown}")) } else { shown }
}

/// How long ago `at` was, for people: "just now", "4 min ago", "3 h ago", "2 days ago".
pub fn ago(at: chrono::DateTime<chrono::Utc>) -> String {
    match (chrono::Utc::now() - at).num_minutes().max(0) {
        0 => "just now".to_string(),
        m if m < 120 => format!("{m} min ago"),
        m if m < 48 * 60 => format!("{} h ago", m / 60),
        m => format!("{} days ago", m / (24 * 60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unsafe_character_is_made_visible() {
        let cases = [
            ("plain name", "plain name"),
            ("Platform\u{1b}]0;pwned\u{7}", "Platform\\e]0;pwned\\x07"),
            ("\u{1b}]52;c;ZXZpbA==\u{7}", "\\e]52;c;ZXZpbA==\\x07"),
            ("x\u{1b}[2J", "x\\e[2J"),
            ("a\rb\nc\td\0", "a\\rb\\nc\\td\\0"),
            ("del\u{7f}", "del\\x7f"),
            ("c1\u{9b}31m", "c1\\u{9b}31m"),
            ("gpj.\u{202e}exe", "gpj.\\u{202e}exe"),
            ("iso\u{2066}late\u{2069}", "iso\\u{2066}late\\u{2069}"),
            ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
            ("zero\u{200b}width\u{feff}", "zero\\u{200b}width\\u{feff}"),
            ("tag\u{e0041}", "tag\\u{e0041}"),
            ("Zürich → 東京 ✓", "Zürich → 東京 ✓"),
        ];
        for (raw, shown) in cases {
            assert_eq!(visible(raw), shown, "{raw:?}");
            assert!(!visible(raw).chars().any(is_unsafe), "{raw:?}");
            assert_eq!(Text::from(raw).to_string(), shown);
        }
    }

    #[test]
    fn the_visible_form_is_stable() {
        let once = visible("a\u{1b}b\u{202e}c").into_owned();
        assert_eq!(visible(&once), once, "rendering twice changes nothing");
    }

    #[test]
    fn visible_lines_keeps_only_line_feeds() {
        assert_eq!(visible_lines("one\ntwo\u{1b}[2J\r"), "one\ntwo\\e[2J\\r");
    }

    #[test]
    fn display_pads_the_visible_form() {
        assert_eq!(format!("[{:<6}]", Text::from("a\u{1b}")), "[a\\e   ]");
    }

    #[test]
    fn json_keeps_the_exact_string() {
        let raw = "OU\u{1b}]0;x\u{7}\r\n[profile evil]\u{202e}";
        let json = serde_json::to_string(&Text::from(raw)).unwrap_or_default();
        let back: Text = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back.raw(), raw);
    }

    #[test]
    fn formula_cells_are_defused() {
        for (raw, cell) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\\t=1"),
            ("\r=1", "'\\r=1"),
            ("prod-1", "prod-1"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(raw), cell, "{raw:?}");
        }
    }
}
