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

/// An instant as RFC 3339 in UTC: `2024-03-01T00:04:18Z`, with the fraction of a
/// second when there is one (`2023-05-05T15:54:22.5071276Z`).
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The items as JSON values whose timestamps, under the object keys `fields`, are
/// rewritten as RFC 3339 by `parse` (which reads the vendor's own text: Kaisa's
/// `2024-03-01 00:04:18`, Keyavi's offset-less `2023-05-05T15:54:22.5071276`, both
/// UTC). A text `parse` cannot read is kept as the vendor sent it.
pub fn with_rfc3339<T: Serialize>(
    items: &[T],
    fields: &[&str],
    parse: impl Fn(&str) -> Option<time::OffsetDateTime> + Copy,
) -> Vec<serde_json::Value> {
    fn walk(
        value: &mut serde_json::Value,
        fields: &[&str],
        parse: &dyn Fn(&str) -> Option<time::OffsetDateTime>,
    ) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if let serde_json::Value::String(text) = v {
                        if fields.contains(&key.as_str()) {
                            if let Some(at) = parse(text) {
                                *text = rfc3339(at);
                            }
                        }
                    } else {
                        walk(v, fields, parse);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    walk(v, fields, parse);
                }
            }
            _ => {}
        }
    }
    items
        .iter()
        .filter_map(|item| serde_json::to_value(item).ok())
        .map(|mut v| {
            walk(&mut v, fields, &parse);
            v
        })
        .collect()
}

/// A table cell for an optional flag: `yes`, `no`, or blank when unknown.
pub fn yes_no(flag: Option<bool>) -> String {
    match flag {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => String::new(),
    }
}

/// The form results are printed in (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for people (long cells cut).
    #[default]
    Table,
    /// JSON: lists as `{"items": [...], "count": n, "page": {...}}`.
    Json,
    /// YAML, the same document as JSON.
    Yaml,
    /// Tab-separated values: a header line, then one line per row, nothing cut.
    Tsv,
}

/// Where results go and in which form.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// The form of the results on stdout.
    pub format: Format,
    /// Whether progress lines go to stderr (it is a terminal).
    pub progress: bool,
}

/// Where a list stands among its pages, for the `page` member of a list document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageInfo {
    /// This page's number, as the API counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Items per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
    /// Pages in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
    /// Items in all, over every page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_items: Option<u64>,
    /// Pages fetched (with `--all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages_fetched: Option<u64>,
    /// Whether `--max-items` stopped the listing before its end.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl PageInfo {
    /// A list's title: `what (n; page 1 of 7, 134 in all)`, or `what (n)` when
    /// nothing is known of its place.
    pub fn title(&self, what: &str, n: usize) -> String {
        let place = self.describe();
        if place.is_empty() {
            format!("{what} ({n})")
        } else {
            format!("{what} ({n}; {place})")
        }
    }

    /// "page 2 of 7, 134 in all" (what is known of it).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match (self.page, self.total_pages) {
            (Some(p), Some(n)) => parts.push(format!("page {p} of {n}")),
            (Some(p), None) => parts.push(format!("page {p}")),
            _ => {}
        }
        if let Some(n) = self.pages_fetched {
            parts.push(format!("{n} pages fetched"));
        }
        if let Some(n) = self.total_items {
            parts.push(format!("{n} in all"));
        }
        if self.truncated {
            parts.push("cut at --max-items".to_owned());
        }
        parts.join(", ")
    }
}

/// A table of text cells with a title.
#[derive(Debug, Default)]
pub struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Cells are never cut (a table of values meant to be copied).
    whole: bool,
}

impl Table {
    /// A table with a title and column headers.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Self {
            title: terminal_safe(&title.into()),
            headers: headers.iter().map(|h| terminal_safe(h)).collect(),
            rows: Vec::new(),
            whole: false,
        }
    }

    /// Shows every cell whole, however long (a token, a list of roles).
    #[must_use]
    pub fn whole_cells(mut self) -> Self {
        self.whole = true;
        self
    }

    /// Adds a row (cells beyond the headers are dropped, missing ones left blank).
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        let mut row: Vec<String> = cells
            .into_iter()
            .map(|c| terminal_safe(&c.to_string()))
            .collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// Replaces the title.
    pub fn set_title(&mut self, title: impl Into<String>) {
        self.title = terminal_safe(&title.into());
    }

    /// Renders the table with aligned columns.
    pub fn render(&self) -> String {
        let cell = |c: &String| if self.whole { c.clone() } else { cut(c) };
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(cell).collect())
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
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
        for row in &rows {
            let _ = writeln!(out, "  {}", line(row));
        }
        if rows.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        out
    }

    /// Renders the table as tab-separated values: the headers, then the rows, whole.
    pub fn render_tsv(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.headers.join("\t"));
        for row in &self.rows {
            let _ = writeln!(out, "{}", row.join("\t"));
        }
        out
    }
}

/// Cuts a cell to a reasonable width for a table on a terminal.
fn cut(cell: &str) -> String {
    if cell.chars().count() > 60 {
        let cut: String = cell.chars().take(57).collect();
        format!("{cut}...")
    } else {
        cell.to_owned()
    }
}

/// `value` as block-style YAML (a YAML 1.2 document of the same value as its JSON):
/// strings are double-quoted with JSON's escapes (valid YAML, and terminal-safe as
/// [`to_json`] makes them), keys plain where they can be.
pub fn to_yaml(value: &serde_json::Value) -> String {
    let mut out = String::new();
    yaml_node(value, 0, &mut out);
    out
}

fn yaml_scalar(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::Null => Some("null".to_owned()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(yaml_string(s)),
        Value::Array(a) if a.is_empty() => Some("[]".to_owned()),
        Value::Object(m) if m.is_empty() => Some("{}".to_owned()),
        _ => None,
    }
}

fn yaml_string(s: &str) -> String {
    to_json(s)
        .map(|j| j.trim().to_owned())
        .unwrap_or_else(|_| "\"\"".to_owned())
}

fn yaml_key(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        key.to_owned()
    } else {
        yaml_string(key)
    }
}

fn yaml_node(value: &serde_json::Value, indent: usize, out: &mut String) {
    use serde_json::Value;
    let pad = " ".repeat(indent);
    if let Some(scalar) = yaml_scalar(value) {
        let _ = writeln!(out, "{pad}{scalar}");
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match yaml_scalar(v) {
                    Some(scalar) => {
                        let _ = writeln!(out, "{pad}{}: {scalar}", yaml_key(k));
                    }
                    None => {
                        let _ = writeln!(out, "{pad}{}:", yaml_key(k));
                        yaml_node(v, indent + 2, out);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                // The item at indent + 2, its first line's indent replaced by "- ".
                let mut nested = String::new();
                yaml_node(item, indent + 2, &mut nested);
                let rest = nested.get(indent + 2..).unwrap_or_default();
                let _ = write!(out, "{pad}- {rest}");
            }
        }
        _ => {}
    }
}

impl Output {
    /// Whether results are tables for people (not a format for programs).
    pub fn is_table(&self) -> bool {
        self.format == Format::Table
    }

    /// Prints `value` (JSON, YAML), or the tables made by `tables` (table, TSV).
    pub fn emit<T: Serialize>(&self, value: &T, tables: impl FnOnce() -> Vec<Table>) {
        match self.format {
            Format::Json => match to_json(value) {
                Ok(text) => println!("{text}"),
                Err(e) => eprintln!("error: could not encode the result as JSON: {e}"),
            },
            Format::Yaml => match serde_json::to_value(value) {
                Ok(doc) => print!("{}", to_yaml(&doc)),
                Err(e) => eprintln!("error: could not encode the result as YAML: {e}"),
            },
            Format::Table => {
                for table in tables() {
                    println!("{}", table.render());
                }
            }
            Format::Tsv => {
                for table in tables() {
                    print!("{}", table.render_tsv());
                }
            }
        }
    }

    /// Prints a list: as the document `{"items": [...], "count": n, "page": {...}}`
    /// (`page` when there is one), or as the tables made by `tables`.
    pub fn emit_list<T: Serialize>(
        &self,
        items: &[T],
        page: Option<&PageInfo>,
        tables: impl FnOnce() -> Vec<Table>,
    ) {
        #[derive(Serialize)]
        struct List<'a, T> {
            items: &'a [T],
            count: usize,
            #[serde(skip_serializing_if = "Option::is_none")]
            page: Option<&'a PageInfo>,
        }
        self.emit(
            &List {
                items,
                count: items.len(),
                page,
            },
            tables,
        );
    }

    /// Writes a progress line to stderr when it is a terminal.
    pub fn progress(&self, line: impl std::fmt::Display) {
        if self.progress {
            eprint!("\r\x1b[2K{line}");
        }
    }

    /// Ends the progress line, if one was written.
    pub fn progress_done(&self) {
        if self.progress {
            eprintln!();
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
    fn long_cells_are_cut_unless_whole_or_tsv() {
        let mut t = Table::new("", &["x"]);
        t.row(["y".repeat(100)]);
        assert!(t.render().contains(&format!("{}...", "y".repeat(57))));
        assert!(t.render_tsv().contains(&"y".repeat(100)));
        let mut whole = Table::new("", &["x"]).whole_cells();
        whole.row(["y".repeat(100)]);
        assert!(whole.render().contains(&"y".repeat(100)));
    }

    #[test]
    fn tsv_has_a_header_line_and_no_tab_inside_a_cell() {
        let mut t = Table::new("title", &["id", "name"]);
        t.row(["1", "a\tb"]);
        assert_eq!(t.render_tsv(), "id\tname\n1\ta b\n");
    }

    #[test]
    fn timestamps_are_rewritten_as_rfc3339_where_named() {
        let items = [serde_json::json!({
            "start": "2024-03-01 00:04:18",
            "other": "2024-03-01 00:04:18",
            "nested": [{"start": "not a time"}],
        })];
        let parse = |text: &str| {
            kaisa::KaisaDateTime::parse(text)
                .ok()
                .map(|t| t.as_offset_date_time())
        };
        let out = with_rfc3339(&items, &["start"], parse);
        assert_eq!(out[0]["start"], "2024-03-01T00:04:18Z");
        assert_eq!(
            out[0]["other"], "2024-03-01 00:04:18",
            "only the named fields"
        );
        assert_eq!(
            out[0]["nested"][0]["start"], "not a time",
            "kept when unreadable"
        );
        let fraction = time::macros::datetime!(2023-05-05 15:54:22.5071276 UTC);
        assert_eq!(rfc3339(fraction), "2023-05-05T15:54:22.5071276Z");
    }

    #[test]
    fn yaml_is_block_style_with_quoted_strings() {
        let doc = serde_json::json!({
            "items": [{"id": 1, "name": "a: b"}, {"id": 2, "tags": ["x", "y"]}],
            "count": 2,
            "page": {},
            "yes": null,
            "esc": "\x1b[2J"
        });
        assert_eq!(
            to_yaml(&doc),
            // serde_json's maps keep their keys sorted.
            "count: 2\nesc: \"\\u001b[2J\"\nitems:\n  - id: 1\n    name: \"a: b\"\n  - id: 2\n    tags:\n      - \"x\"\n      - \"y\"\npage: {}\n\"yes\": null\n"
        );
        assert_eq!(to_yaml(&serde_json::json!([])), "[]\n");
    }
}
