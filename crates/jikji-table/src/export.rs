//! Writers: HTML (with `rowspan`/`colspan`), Markdown and CSV.
//!
//! Markdown and CSV have no merged cells, so a merged cell's text is written in its top-left slot and
//! the other slots it covers are left empty (a reader sees the grid as it is printed; a spreadsheet
//! gets every value once). Markdown needs a header row: the first grid row is used.

use crate::Table;

/// A cell's text: its lines joined by a space (HTML/CSV/Markdown are one string per cell).
pub fn cell_text(c: &crate::Cell) -> String {
    c.lines
        .iter()
        .map(|l| l.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" ")
}

fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// `<table>` with one `<tr>` per grid row and a `<td>` for each cell starting in it.
pub fn to_html(t: &Table) -> String {
    let mut s = String::from("<table>");
    for r in 0..t.rows {
        s.push_str("<tr>");
        let mut row: Vec<&crate::Cell> = t.cells.iter().filter(|c| c.row == r).collect();
        row.sort_by_key(|c| c.col);
        for c in row {
            s.push_str("<td");
            if c.row_span > 1 {
                s.push_str(&format!(" rowspan=\"{}\"", c.row_span));
            }
            if c.col_span > 1 {
                s.push_str(&format!(" colspan=\"{}\"", c.col_span));
            }
            s.push('>');
            s.push_str(&html_escape(&cell_text(c)));
            s.push_str("</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    s
}

/// The grid as rows of strings: a merged cell's text in its top-left slot, `""` elsewhere.
pub fn to_rows(t: &Table) -> Vec<Vec<String>> {
    let mut g = vec![vec![String::new(); t.cols]; t.rows];
    for c in &t.cells {
        if c.row < t.rows && c.col < t.cols {
            g[c.row][c.col] = cell_text(c);
        }
    }
    g
}

/// GitHub-flavoured Markdown table (`|` escaped, line breaks as spaces).
pub fn to_markdown(t: &Table) -> String {
    let rows = to_rows(t);
    if rows.is_empty() || t.cols == 0 {
        return String::new();
    }
    let esc = |s: &str| s.replace('\\', "\\\\").replace('|', "\\|").replace('\n', " ");
    let line = |r: &[String]| format!("| {} |\n", r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | "));
    let mut s = line(&rows[0]);
    s.push_str(&format!("|{}\n", " --- |".repeat(t.cols)));
    for r in &rows[1..] {
        s.push_str(&line(r));
    }
    s
}

/// RFC 4180 CSV (CRLF line ends; fields with `,`, `"` or line breaks quoted).
pub fn to_csv(t: &Table) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    to_rows(t)
        .iter()
        .map(|r| r.iter().map(|c| field(c)).collect::<Vec<_>>().join(",") + "\r\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cell, CellLine, CellWord};
    use jikji_geometry::Quad;

    fn cell(row: usize, col: usize, rs: usize, cs: usize, text: &str) -> Cell {
        let lines = if text.is_empty() {
            vec![]
        } else {
            vec![CellLine {
                quad: Quad::default(),
                confidence: 1.0,
                words: text
                    .split(' ')
                    .map(|w| CellWord { text: w.into(), quad: Quad::default(), confidence: 1.0 })
                    .collect(),
            }]
        };
        Cell { row, col, row_span: rs, col_span: cs, quad: Quad::default(), confidence: 1.0, lines }
    }

    /// | 구분 (2 rows) | 금액 (2 cols)      |
    /// |               | 1,200  | a "b", c  |
    fn sample() -> Table {
        Table {
            quad: Quad::default(),
            confidence: 1.0,
            rows: 2,
            cols: 3,
            cells: vec![
                cell(0, 0, 2, 1, "구분"),
                cell(0, 1, 1, 2, "금액 <원>"),
                cell(1, 1, 1, 1, "1,200"),
                cell(1, 2, 1, 1, "a \"b\", c|d"),
            ],
        }
    }

    #[test]
    fn html_has_spans_and_escapes() {
        assert_eq!(
            to_html(&sample()),
            "<table><tr><td rowspan=\"2\">구분</td><td colspan=\"2\">금액 &lt;원&gt;</td></tr>\
             <tr><td>1,200</td><td>a &quot;b&quot;, c|d</td></tr></table>"
        );
    }

    #[test]
    fn markdown_puts_merged_text_once() {
        assert_eq!(
            to_markdown(&sample()),
            "| 구분 | 금액 <원> |  |\n| --- | --- | --- |\n|  | 1,200 | a \"b\", c\\|d |\n"
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(to_csv(&sample()), "구분,금액 <원>,\r\n,\"1,200\",\"a \"\"b\"\", c|d\"\r\n");
    }
}
