//! Table mode of `jikji bench` (`--tables DIR`): Jikji's OCR + table stage against RapidOCR + RapidTable
//! 0.3.0 on the pages of a table set, timed in the same run and scored with the same TEDS
//! ([`jikji_eval::tables::score_html`]: the largest table found on a page against the page's table).

use std::fmt::Write as _;
use std::path::PathBuf;

use jikji_eval::metrics::median;
use jikji_eval::tables::{score_html, TableGt};
use serde::Serialize;

use super::EngineResult;

/// Engines of the table mode when `--engines` was left at its default.
pub const DEFAULT_ENGINES: [&str; 2] = ["jikji", "rapidtable"];

/// TEDS of one engine's tables over the set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableAccuracy {
    pub pages: usize,
    /// Pages where the engine returned a table.
    pub found: usize,
    pub teds: f64,
    pub teds_struct: f64,
    /// Median time of the table stage alone (Jikji: the stage after OCR; RapidTable: its call after
    /// RapidOCR), seconds.
    pub table_median_s: Option<f64>,
}

/// The set's pages as absolute image paths, in set order.
pub fn images(set: &[TableGt]) -> Vec<PathBuf> {
    set.iter().map(|g| std::path::absolute(&g.image).unwrap_or_else(|_| g.image.clone())).collect()
}

/// Scores `r`'s first-round tables against `set` (a page the engine failed on scores 0).
pub fn score(r: &EngineResult, set: &[TableGt]) -> TableAccuracy {
    let (mut teds, mut teds_struct, mut found) = (0.0, 0.0, 0);
    for (gt, path) in set.iter().zip(images(set)) {
        let path = path.display().to_string();
        let html = r.tables_html.iter().find(|(img, _)| *img == path).and_then(|(_, h)| h.as_deref());
        let html = html.filter(|h| !h.trim().is_empty());
        found += usize::from(html.is_some());
        let (t, s) = score_html(html, &gt.html);
        teds += t;
        teds_struct += s;
    }
    let n = set.len().max(1) as f64;
    TableAccuracy {
        pages: set.len(),
        found,
        teds: teds / n,
        teds_struct: teds_struct / n,
        table_median_s: median(&r.table_latencies_s),
    }
}

/// The markdown table of [`TableAccuracy`] per engine.
pub fn markdown(results: &[EngineResult]) -> String {
    let mut o = String::new();
    if !results.iter().any(|r| r.table_accuracy.is_some()) {
        return o;
    }
    let _ = writeln!(o, "Tables found and scored (TEDS of the largest table per page; first round):\n");
    let _ = writeln!(o, "| engine | pages | with a table | TEDS | structure TEDS | median s of the table step |");
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|");
    for r in results {
        if let Some(a) = &r.table_accuracy {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {:.3} | {:.3} | {} |",
                r.engine,
                a.pages,
                a.found,
                a.teds,
                a.teds_struct,
                jikji_eval::report::secs(a.table_median_s)
            );
        }
    }
    let _ = writeln!(
        o,
        "\nJikji's latency is decode + OCR + table stage (rule scan, column alignment, SLANet per \
         region, cell filling; the layout model is off by default); RapidTable's is RapidOCR + RapidTable on the whole image (no table finding: the image is \
         taken as the table, as RapidTable's README does). The table-step column is each engine's table part \
         alone, so the OCR share is the difference. RapidOCR reads no Hangul: on Korean cells its TEDS counts \
         misread text, so structure TEDS is the fair comparison there.\n"
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_found_and_missing_tables() {
        let set = vec![
            TableGt { image: "/s/a.png".into(), html: "<table><tr><td>1</td><td>2</td></tr></table>".into(), style: String::new(), variant: String::new() },
            TableGt { image: "/s/b.png".into(), html: "<table><tr><td>x</td></tr></table>".into(), style: String::new(), variant: String::new() },
        ];
        let r = EngineResult {
            engine: "e".into(),
            tables_html: vec![
                ("/s/a.png".into(), Some("<table><tr><td>1</td><td>2</td></tr></table>".into())),
                ("/s/b.png".into(), None),
            ],
            table_latencies_s: vec![0.1, 0.3, 0.2],
            ..Default::default()
        };
        let a = score(&r, &set);
        assert_eq!((a.pages, a.found), (2, 1));
        assert!((a.teds - 0.5).abs() < 1e-9, "{a:?}");
        assert!((a.teds_struct - 0.5).abs() < 1e-9);
        assert_eq!(a.table_median_s, Some(0.2));
        assert!(markdown(&[EngineResult { table_accuracy: Some(a), ..r }]).contains("| e | 2 | 1 | 0.500 |"));
    }
}
