//! Loads the shared test sets (when present at `../shared/testdata` from the repo root) and checks that a
//! prediction equal to the ground truth scores perfectly. Skips with a notice when the data is not there
//! (fails instead under `JIKJI_REQUIRE_MODELS=1`, as in CI).

use jikji_eval::{gt, score_image, summarize, EvalOptions, GtSet, PredLine};
use std::path::PathBuf;

fn testdata() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    if !p.is_dir() {
        // CI sets JIKJI_REQUIRE_MODELS=1: there the models and the shared test data must be present.
        assert!(
            std::env::var("JIKJI_REQUIRE_MODELS").as_deref() != Ok("1"),
            "JIKJI_REQUIRE_MODELS=1 but {} is missing",
            p.display()
        );
        eprintln!("NOTICE: {} absent — test-set checks skipped", p.display());
    }
    p.is_dir().then_some(p)
}

fn perfect(set: &GtSet) -> jikji_eval::Summary {
    let scores: Vec<_> = set
        .images
        .iter()
        .map(|g| {
            let pred: Vec<PredLine> = g
                .lines
                .iter()
                .map(|l| PredLine::new(l.text.clone(), l.quad.unwrap_or_default()))
                .collect();
            score_image(g, &pred, &EvalOptions::default())
        })
        .collect();
    summarize(&scores)
}

#[test]
fn sroie_loads_and_scores_itself_perfectly() {
    let Some(td) = testdata() else { return };
    let set = gt::load(&td.join("sroie/gt.jsonl")).unwrap();
    assert_eq!(set.name, "sroie");
    assert_eq!(set.images.len(), 26);
    assert!(set
        .images
        .iter()
        .all(|i| i.has_boxes() && i.image.is_file()));
    let s = perfect(&set);
    assert_eq!(s.exact.page.unwrap().errors, 0);
    assert_eq!(s.exact.line.unwrap().errors, 0);
    let d = s.det.unwrap();
    assert_eq!(d.fp + d.fn_, 0, "{d:?}");
}

#[test]
fn synthetic_docs_load_with_groups() {
    let Some(td) = testdata() else { return };
    let set = gt::load(&td.join("synthetic-docs")).unwrap();
    assert_eq!(set.images.len(), 48);
    assert_eq!(
        set.images
            .iter()
            .filter(|i| i.group.as_deref() == Some("photo"))
            .count(),
        24
    );
    assert!(
        set.images.iter().all(|i| i.image.is_file()),
        "every JSON has its image"
    );
    let s = perfect(&set);
    assert_eq!(s.exact.page.unwrap().errors, 0);
    assert_eq!(s.exact.line.unwrap().errors, 0);
}

#[test]
fn partial_and_boxless_sets_load() {
    let Some(td) = testdata() else { return };
    let mrz = gt::load(&td.join("passport_mrz")).unwrap();
    assert_eq!(mrz.images.len(), 2);
    assert!(mrz
        .images
        .iter()
        .all(|i| !i.text_complete && i.image.is_file()));
    let s = perfect(&mrz);
    assert_eq!(s.exact.page, None);
    assert_eq!(s.exact.best_match.len(), 2);
    assert!(s
        .exact
        .best_match
        .iter()
        .all(|b| b.distance == 0 && b.images == 2));
    let ko = gt::load(&td.join("korean_real/gt.jsonl")).unwrap();
    assert!(ko.images.iter().all(|i| !i.has_boxes() && i.text_complete));
    assert_eq!(perfect(&ko).exact.line, None);
}

#[test]
fn korean_photos_score_partial_records_without_counting_untranscribed_text() {
    let Some(td) = testdata() else { return };
    let set = gt::load(&td.join("korean_photos")).unwrap();
    assert_eq!(set.images.len(), 21);
    assert!(set.images.iter().all(|i| !i.has_boxes() && i.image.is_file()));
    let partial = set.images.iter().filter(|i| !i.text_complete).count();
    assert!(partial > 0 && partial < set.images.len());
    let s = perfect(&set);
    assert_eq!(s.exact.page.unwrap().errors, 0);
    assert_eq!(s.chars.aligned.errors, 0);
    let total: usize = set
        .images
        .iter()
        .flat_map(|g| &g.lines)
        .map(|l| l.text.chars().filter(|c| !c.is_whitespace()).count())
        .sum();
    assert_eq!(s.chars.aligned.gt_chars, total);
    // On a partial record, text the GT leaves out (an extra line, or a line merged with extra words)
    // costs nothing in the aligned CER; on a complete one it costs page CER.
    let g = set.images.iter().find(|i| !i.text_complete).unwrap();
    let mut pred: Vec<PredLine> = g
        .lines
        .iter()
        .map(|l| PredLine::new(format!("광고 {} 문구", l.text), Default::default()))
        .collect();
    pred.push(PredLine::new("화면 밖 글자", Default::default()));
    let sc = score_image(g, &pred, &EvalOptions::default());
    assert_eq!(sc.exact.page, None);
    assert_eq!(sc.chars.aligned.errors, 0);
    let c = set.images.iter().find(|i| i.text_complete).unwrap();
    let mut pred: Vec<PredLine> = c
        .lines
        .iter()
        .map(|l| PredLine::new(l.text.clone(), Default::default()))
        .collect();
    pred.push(PredLine::new("화면", Default::default()));
    let sc = score_image(c, &pred, &EvalOptions::default());
    assert_eq!(sc.exact.page.unwrap().errors, 2);
    assert_eq!(sc.chars.aligned.errors, 0);
}

/// `testdata/tables-real` (hand-written GT of real table images, README there): every page's image
/// resolves into the shared test data, its GT has the rows it says, and it scores itself perfectly.
#[test]
fn real_table_set_loads_and_scores_itself_perfectly() {
    let Some(_) = testdata() else { return };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/tables-real");
    let mut pages = 0;
    for (file, want) in [("gt-ko.jsonl", 7), ("gt-en.jsonl", 7)] {
        let set = jikji_eval::tables::load_table_set(&dir.join(file)).unwrap();
        assert_eq!(set.len(), want, "{file}");
        let raw = std::fs::read_to_string(dir.join(file)).unwrap();
        for (g, line) in set.iter().zip(raw.lines()) {
            assert!(g.image.is_file(), "{}", g.image.display());
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(g.html.matches("<tr>").count() as u64, v["rows"].as_u64().unwrap(), "{}", g.image.display());
            assert_eq!(jikji_eval::teds::teds(&g.html, &g.html, false), 1.0);
            pages += 1;
        }
    }
    assert_eq!(pages, jikji_eval::tables::load_table_set(&dir.join("gt.jsonl")).unwrap().len());
}
