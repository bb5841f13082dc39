//! Printing results: readable tables for people, JSON for programs.

use std::fmt::Write as _;

use serde::Serialize;

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
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
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
        self.title = title.into();
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

/// Keeps a cell on one line and of reasonable width.
fn clean(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
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
            match serde_json::to_string_pretty(value) {
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
    fn long_cells_are_cut() {
        let mut t = Table::new("", &["x"]);
        t.row(["y".repeat(100)]);
        assert!(t.render().contains(&format!("{}...", "y".repeat(57))));
    }
}
