//! Printing results: readable tables for people, JSON for programs.
//!
//! Text that came from a server (vendor messages and codes, table cells, JSON
//! strings) never reaches the terminal raw: [`terminal_safe`] makes every control
//! character visible, so an answer cannot move the cursor, retitle the window,
//! recolour or erase what the user sees (ANSI escape injection).

use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// Whether printing `c` raw could drive the terminal or mislead the reader: the C0
/// controls (ESC, BEL, backspace, CR, LF, ...), DEL, the C1 controls (CSI `U+009B`,
/// OSC `U+009D`, ...), the line and paragraph separators, and the bidirectional
/// overrides and isolates that reorder what is shown.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Makes text from outside the program (a server's message, code or field) safe to
/// print on a terminal, on one line.
///
/// Line breaks and tabs become a space (`\r\n` a single one); every other control
/// character is written as a visible escape (`\x1b`, `\x07`, `\x9b`), and the
/// bidirectional and line-separator characters as `\u{202e}`. Everything else,
/// non-ASCII letters included, is kept. Applying it twice changes nothing more.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Pretty JSON whose strings carry no raw control character: serde_json escapes
/// only U+0000..U+001F, so DEL, the C1 controls and the bidirectional characters
/// are escaped here as `\uXXXX` (still the same JSON value).
struct SafeFormatter<'a>(PrettyFormatter<'a>);

impl Formatter for SafeFormatter<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// `value` as pretty JSON that is safe to print on a terminal (see [`terminal_safe`]).
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut buf = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut buf, SafeFormatter(PrettyFormatter::new()));
    value.serialize(&mut ser)?;
    // The serializer writes only valid UTF-8.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Where results go and in which form.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Print JSON instead of tables.
    pub json: bool,
}

/// A table of text cells with a title.
#[derive(Debug, Default)]
pub struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with a title and column headers.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Self {
            title: terminal_safe(&title.into()),
            headers: headers.iter().map(|h| clean(h)).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (cells beyond the headers are dropped, missing ones left blank).
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        let mut row: Vec<String> = cells.into_iter().map(|c| clean(&c.to_string())).collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// Replaces the title.
    pub fn set_title(&mut self, title: impl Into<String>) {
        self.title = terminal_safe(&title.into());
    }

    /// Renders the table with aligned columns.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        if !self.title.is_empty() {
            let _ = writeln!(out, "{}", self.title);
        }
        let line = |cells: &[String]| -> String {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        let _ = writeln!(out, "  {}", line(&self.headers));
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        let _ = writeln!(out, "  {}", line(&rule));
        for row in &self.rows {
            let _ = writeln!(out, "  {}", line(row));
        }
        if self.rows.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        out
    }
}

/// Keeps a cell terminal-safe, on one line and of reasonable width.
fn clean(text: &str) -> String {
    let one_line = terminal_safe(text);
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

impl Output {
    /// Prints `value` as JSON, or the tables made by `tables`.
    pub fn emit<T: Serialize>(&self, value: &T, tables: impl FnOnce() -> Vec<Table>) {
        if self.json {
            match to_json(value) {
                Ok(text) => println!("{text}"),
                Err(e) => eprintln!("error: could not encode the result as JSON: {e}"),
            }
        } else {
            for table in tables() {
                println!("{}", table.render());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned_columns() {
        let mut t = Table::new("Things", &["id", "name"]);
        t.row(["1", "alpha"]);
        t.row(["22", "b\nc"]);
        let text = t.render();
        assert_eq!(
            text,
            "Things\n  id  name\n  --  -----\n  1   alpha\n  22  b c\n"
        );
    }

    #[test]
    fn terminal_safe_escapes_every_control_character() {
        let hostile =
            "ok\x1b]0;pwn\x07\x1b[31m red\x08\x08\r\nnext\tcol\u{9b}2J\u{7f}\u{202e}cba\0";
        let safe = terminal_safe(hostile);
        assert_eq!(
            safe,
            "ok\\x1b]0;pwn\\x07\\x1b[31m red\\x08\\x08 next col\\x9b2J\\x7f\\u{202e}cba\\x00"
        );
        assert!(!safe.chars().any(is_unsafe), "{safe:?}");
        assert_eq!(terminal_safe(&safe), safe, "idempotent");
        assert_eq!(terminal_safe("Zoë – 東京 ✓"), "Zoë – 東京 ✓");
    }

    #[test]
    fn tables_escape_titles_headers_and_cells() {
        let mut t = Table::new("title \x1b[2J", &["he\x1bad"]);
        t.row(["\x1b]0;pwn\x07\x1b[31m"]);
        let text = t.render();
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(text.contains("\\x1b]0;pwn\\x07\\x1b[31m"), "{text}");
        assert!(text.contains("title \\x1b[2J"), "{text}");
    }

    #[test]
    fn json_output_escapes_what_serde_json_leaves_raw() {
        let value = serde_json::json!({ "m\u{9b}k": ["\x1b[31m\u{9b}31m\u{7f}\u{202e}x", 1] });
        let text = to_json(&value).unwrap();
        assert!(!text.chars().any(|c| c != '\n' && is_unsafe(c)), "{text:?}");
        assert!(text.contains(r"\u001b[31m\u009b31m\u007f\u202ex"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value, "the same JSON value");
        assert_eq!(
            to_json(&vec![1, 2]).unwrap(),
            serde_json::to_string_pretty(&vec![1, 2]).unwrap()
        );
    }

    #[test]
    fn long_cells_are_cut() {
        let mut t = Table::new("", &["x"]);
        t.row(["y".repeat(100)]);
        assert!(t.render().contains(&format!("{}...", "y".repeat(57))));
    }
}
