//! Table recognition over a ground-truth set: TEDS and structure-only TEDS ([`crate::teds`]) per page,
//! summarised per group (all, flat vs photo, each style).
//!
//! # Set format
//! A directory with `gt.jsonl`, one line per page:
//! `{"image": "images/t00.png", "html": "<table>…</table>", "style": "ruled", "variant": "flat"}`
//! (`style` and `variant` optional) — what `scripts/gen-tables/gen_tables.py` writes. Each page holds one
//! table; the largest predicted table (most grid slots) is scored against it, and a page where no table
//! was found scores 0. Extra tables found on a page are not penalised here (the page has one).
//!
//! The OCR and the table stage run through [`jikji_pipeline::run_file_with`], exactly as a request with
//! `enableTableDetection` does; their times are reported apart.

use std::path::{Path, PathBuf};

use jikji_pipeline::{Cancel, Options, PageReader, Table, TableReader};

use crate::teds::teds;

/// One page of a table set.
#[derive(Debug, Clone)]
pub struct TableGt {
    pub image: PathBuf,
    pub html: String,
    pub style: String,
    pub variant: String,
}

/// Reads `dir/gt.jsonl` (or a `gt.jsonl` path).
pub fn load_table_set(path: &Path) -> Result<Vec<TableGt>, String> {
    let (dir, file) = if path.is_dir() {
        (path.to_path_buf(), path.join("gt.jsonl"))
    } else {
        (path.parent().unwrap_or(Path::new(".")).to_path_buf(), path.to_path_buf())
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", file.display(), i + 1))?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let (Some(image), Some(html)) = (field("image"), field("html")) else {
            return Err(format!("{}:{}: needs \"image\" and \"html\"", file.display(), i + 1));
        };
        out.push(TableGt {
            image: dir.join(image),
            html,
            style: field("style").unwrap_or_default(),
            variant: field("variant").unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The score of one page.
#[derive(Debug, Clone)]
pub struct TablePageScore {
    pub image: String,
    pub style: String,
    pub variant: String,
    /// Tables found on the page.
    pub found: usize,
    pub teds: f64,
    pub teds_struct: f64,
    /// OCR of the page (decode included), milliseconds.
    pub ocr_ms: f64,
    /// The table stage alone, milliseconds.
    pub table_ms: f64,
}

/// The HTML of the largest predicted table (most grid slots) — the one scored against a page's table.
pub fn largest_table_html(predicted: &[Table]) -> Option<String> {
    predicted.iter().max_by_key(|t| t.rows * t.cols).map(jikji_table::to_html)
}

/// TEDS and structure-TEDS of a predicted table's HTML against the page's table (0 when none was found).
/// Also scores other engines' output (`jikji bench --tables` scores RapidTable's HTML with it).
pub fn score_html(predicted: Option<&str>, gt_html: &str) -> (f64, f64) {
    match predicted {
        Some(html) => (teds(html, gt_html, false), teds(html, gt_html, true)),
        None => (0.0, 0.0),
    }
}

/// TEDS and structure-TEDS of the largest predicted table against the page's table (0 when none).
pub fn score_page(predicted: &[Table], gt_html: &str) -> (f64, f64) {
    score_html(largest_table_html(predicted).as_deref(), gt_html)
}

/// The tables of one file's first page, read as a request with `enableTableDetection` is.
#[derive(Debug, Clone)]
pub struct PageTables {
    pub tables: Vec<Table>,
    /// Decoding and OCR of the page, milliseconds.
    pub ocr_ms: f64,
    /// The table stage alone, milliseconds.
    pub table_ms: f64,
}

/// Reads the first page of `path` with `reader` and `tables` ([`jikji_pipeline::run_file_with`]).
pub fn read_page_tables(
    reader: &dyn PageReader,
    tables: &dyn TableReader,
    path: &Path,
    opts: &Options,
) -> Result<PageTables, String> {
    let mut page = None;
    jikji_pipeline::run_file_with(reader, Some(tables), path, opts, &Cancel::new(), |p| {
        if page.is_none() {
            page = Some(p);
        }
    })
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let p = page.ok_or_else(|| format!("{}: no page", path.display()))?;
    let t = p.times;
    Ok(PageTables {
        tables: p.tables.unwrap_or_default(),
        ocr_ms: t.decode_ms + t.stages.detect_ms + t.stages.classify_ms + t.stages.recognize_ms + t.stages.layout_ms,
        table_ms: t.tables_ms,
    })
}

/// Reads every page of `set` with `reader` and `tables` (first page of each file) and scores it;
/// `progress` sees each score as it is made. A file that cannot be read is an error naming it.
pub fn run_table_set(
    reader: &dyn PageReader,
    tables: &dyn TableReader,
    set: &[TableGt],
    opts: &Options,
    mut progress: impl FnMut(&TablePageScore),
) -> Result<Vec<TablePageScore>, String> {
    let mut out = Vec::new();
    for gt in set {
        let p = read_page_tables(reader, tables, &gt.image, opts)?;
        let (teds, teds_struct) = score_page(&p.tables, &gt.html);
        let s = TablePageScore {
            image: gt.image.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default(),
            style: gt.style.clone(),
            variant: gt.variant.clone(),
            found: p.tables.len(),
            teds,
            teds_struct,
            ocr_ms: p.ocr_ms,
            table_ms: p.table_ms,
        };
        progress(&s);
        out.push(s);
    }
    Ok(out)
}

/// Means over one group of pages.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSummary {
    pub group: String,
    pub pages: usize,
    /// Pages where at least one table was found.
    pub found: usize,
    pub teds: f64,
    pub teds_struct: f64,
    pub table_ms: f64,
}

/// `all`, then each variant (`flat`, `photo`), then each style, in order of first appearance.
pub fn summarize_tables(scores: &[TablePageScore]) -> Vec<TableSummary> {
    let mut groups: Vec<(String, Box<dyn Fn(&TablePageScore) -> bool>)> = vec![("all".into(), Box::new(|_| true))];
    let mut seen: Vec<String> = Vec::new();
    for s in scores {
        if !s.variant.is_empty() && !seen.contains(&s.variant) {
            seen.push(s.variant.clone());
        }
    }
    let variants = seen.len();
    for s in scores {
        if !s.style.is_empty() && !seen[variants..].contains(&s.style) {
            seen.push(s.style.clone());
        }
    }
    for (i, name) in seen.iter().enumerate() {
        let n = name.clone();
        if i < variants {
            groups.push((name.clone(), Box::new(move |s: &TablePageScore| s.variant == n)));
        } else {
            groups.push((name.clone(), Box::new(move |s: &TablePageScore| s.style == n)));
        }
    }
    groups
        .into_iter()
        .map(|(group, keep)| {
            let sel: Vec<&TablePageScore> = scores.iter().filter(|s| keep(s)).collect();
            let n = sel.len().max(1) as f64;
            TableSummary {
                group,
                pages: sel.len(),
                found: sel.iter().filter(|s| s.found > 0).count(),
                teds: sel.iter().map(|s| s.teds).sum::<f64>() / n,
                teds_struct: sel.iter().map(|s| s.teds_struct).sum::<f64>() / n,
                table_ms: sel.iter().map(|s| s.table_ms).sum::<f64>() / n,
            }
        })
        .collect()
}

/// The summary as a Markdown table (for ACCURACY.md).
pub fn tables_markdown(summary: &[TableSummary]) -> String {
    let mut s = String::from("| pages | n | found | TEDS | structure TEDS | table stage ms/page |\n|---|---|---|---|---|---|\n");
    for g in summary {
        s.push_str(&format!(
            "| {} | {} | {} | {:.3} | {:.3} | {:.0} |\n",
            g.group, g.pages, g.found, g.teds, g.teds_struct, g.table_ms
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::{Point, Quad};

    fn table(rows: usize, cols: usize, text: &[&str]) -> Table {
        let q = Quad::new([Point::new(0.0, 0.0), Point::new(1.0, 0.0), Point::new(1.0, 1.0), Point::new(0.0, 1.0)]);
        let cells = (0..rows * cols)
            .map(|i| jikji_table::Cell {
                row: i / cols,
                col: i % cols,
                row_span: 1,
                col_span: 1,
                quad: q,
                confidence: 1.0,
                lines: text
                    .get(i)
                    .map(|t| {
                        vec![jikji_table::CellLine {
                            quad: q,
                            confidence: 1.0,
                            words: vec![jikji_table::CellWord { text: t.to_string(), quad: q, confidence: 1.0 }],
                        }]
                    })
                    .unwrap_or_default(),
            })
            .collect();
        Table { quad: q, confidence: 1.0, rows, cols, cells }
    }

    #[test]
    fn the_largest_prediction_is_scored_and_none_scores_zero() {
        let gt = "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>";
        assert_eq!(score_page(&[], gt), (0.0, 0.0));
        let exact = table(2, 2, &["a", "b", "c", "d"]);
        let small = table(1, 1, &["x"]);
        let (t, s) = score_page(&[small.clone(), exact], gt);
        assert!((t - 1.0).abs() < 1e-9 && (s - 1.0).abs() < 1e-9, "{t} {s}");
        let (t, s) = score_page(&[small], gt);
        assert!(t < 0.5 && s < 1.0, "{t} {s}");
        // Right structure, wrong text: structure-TEDS is perfect, TEDS is not.
        let (t, s) = score_page(&[table(2, 2, &["a", "b", "c", "zzz"])], gt);
        assert!(t < 1.0 && (s - 1.0).abs() < 1e-9, "{t} {s}");
    }

    #[test]
    fn sets_load_and_summaries_group_by_variant_and_style() {
        let dir = std::env::temp_dir().join(format!("jikji-table-set-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("gt.jsonl"),
            "{\"image\":\"images/a.png\",\"html\":\"<table></table>\",\"style\":\"ruled\",\"variant\":\"flat\"}\n\n{\"image\":\"b.png\",\"html\":\"<table></table>\"}\n",
        )
        .unwrap();
        let set = load_table_set(&dir).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set[0].image, dir.join("images/a.png"));
        assert_eq!((set[1].style.as_str(), set[1].variant.as_str()), ("", ""));
        std::fs::write(dir.join("gt.jsonl"), "{\"image\":\"a.png\"}\n").unwrap();
        assert!(load_table_set(&dir).unwrap_err().contains("html"));
        std::fs::remove_dir_all(&dir).unwrap();

        let score = |style: &str, variant: &str, teds: f64, found: usize| TablePageScore {
            image: String::new(),
            style: style.into(),
            variant: variant.into(),
            found,
            teds,
            teds_struct: teds,
            ocr_ms: 0.0,
            table_ms: 100.0,
        };
        let scores = [
            score("ruled", "flat", 1.0, 1),
            score("ruled", "photo", 0.5, 1),
            score("zebra", "flat", 0.0, 0),
        ];
        let sum = summarize_tables(&scores);
        let names: Vec<&str> = sum.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["all", "flat", "photo", "ruled", "zebra"]);
        assert_eq!((sum[0].pages, sum[0].found), (3, 2));
        assert!((sum[0].teds - 0.5).abs() < 1e-9);
        assert!((sum[3].teds - 0.75).abs() < 1e-9);
        assert!(tables_markdown(&sum).contains("| ruled | 2 | 2 | 0.750 | 0.750 | 100 |"));
    }
}
