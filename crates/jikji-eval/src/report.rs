//! A set's results, and their text / Markdown renderings (JSON is the serde form of [`SetReport`]).

use crate::gt::{GtFormat, GtSet};
use crate::document::DocumentRun;
use crate::harness::SetRun;
use crate::run_info;
use crate::confusion::{bucket_label, confusion_label, CharStats};
use crate::score::{
    summarize, CerCounts, summarize_doc_types, summarize_groups, ImageScore, Summary, TextScores, TextSummary,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Everything measured on one set.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    pub set: String,
    pub source: String,
    pub format: GtFormat,
    /// True when the per-image rows show case-folded CER (`--casefold`); summaries always carry both.
    pub casefold_primary: bool,
    pub overall: Summary,
    /// `flat` / `photo` for synthetic docs.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, Summary>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub doc_types: BTreeMap<String, Summary>,
    /// At least a fifth of the GT characters are Hangul ([`crate::confusion::mostly_korean`]): the
    /// reports show the confusion and crop-height tables.
    pub korean: bool,
    /// Wall-clock seconds of the whole run over the set, when measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_s: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_image: Vec<ImageScore>,
}

impl SetReport {
    pub fn new(
        set: &GtSet,
        scores: Vec<ImageScore>,
        casefold_primary: bool,
        keep_per_image: bool,
    ) -> Self {
        SetReport {
            set: set.name.clone(),
            source: set.source.display().to_string(),
            format: set.format,
            casefold_primary,
            overall: summarize(&scores),
            groups: summarize_groups(&scores),
            doc_types: summarize_doc_types(&scores),
            korean: crate::confusion::mostly_korean(
                set.images.iter().flat_map(|g| g.lines.iter().map(|l| l.text.as_str())),
            ),
            wall_s: None,
            per_image: if keep_per_image { scores } else { Vec::new() },
        }
    }
}

/// `12.34%`, or `–` when undefined.
pub fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{:.2}%", v * 100.0))
}

/// `0.953`, or `–`.
pub fn frac(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

/// Seconds with 3 decimals, or `–`.
pub fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

fn cer_cell(s: &TextSummary, page: bool) -> String {
    let c = if page { s.page } else { s.line };
    match c {
        Some(c) => format!("{} ({}/{})", pct(c.cer()), c.errors, c.gt_chars),
        None => "–".into(),
    }
}

fn summary_row(name: &str, s: &Summary) -> String {
    let d = s.det;
    format!(
        "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        s.images,
        cer_cell(&s.exact, true),
        pct(s.casefold.page_cer()),
        cer_cell(&s.exact, false),
        pct(s.casefold.line_cer()),
        frac(d.and_then(|d| d.precision())),
        frac(d.and_then(|d| d.recall())),
        frac(d.and_then(|d| d.f1())),
        secs(s.latency_median_s),
    )
}

fn text_of(sc: &ImageScore, casefold: bool) -> &TextScores {
    if casefold {
        &sc.casefold
    } else {
        &sc.exact
    }
}

/// Markdown for one set: a `###` heading, the summary table (all images, then groups), best-match lines,
/// per-document-type rows and, when kept, per-image rows.
pub fn markdown(r: &SetReport) -> String {
    let mut o = String::new();
    let o_ = &mut o;
    let _ = writeln!(o_, "### {} ({} images)\n", r.set, r.overall.images);
    if r.overall.failed > 0 {
        let _ = writeln!(
            o_,
            "**{} image(s) failed** and count as empty predictions.\n",
            r.overall.failed
        );
    }
    let has_page = r.overall.exact.page.is_some();
    if has_page || r.overall.exact.line.is_some() {
        let _ = writeln!(
            o_,
            "| subset | images | page CER (errors/chars) | page CER casefold | line CER (errors/chars) | line CER casefold | det P | det R | det F1 | median s/img |"
        );
        let _ = writeln!(o_, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let _ = writeln!(o_, "{}", summary_row("all", &r.overall));
        for (g, s) in &r.groups {
            let _ = writeln!(o_, "{}", summary_row(g, s));
        }
        let _ = writeln!(o_);
    }
    let partial = r.overall.exact.best_match.first().map_or(0, |b| b.images);
    if partial > 0 && partial < r.overall.images {
        let _ = writeln!(
            o_,
            "{partial} of {} images are partial transcriptions (`text_complete: false`): page CER covers the other {}; the aligned CER below covers all.\n",
            r.overall.images,
            r.overall.images - partial
        );
    }
    if partial > 0 && partial == r.overall.images {
        let _ = writeln!(
            o_,
            "Partial transcription (`text_complete: false`): page CER skipped. Per GT line, the smallest edit distance to any predicted line (spaces removed):\n"
        );
        let _ = writeln!(
            o_,
            "| GT line | images | read exactly | Σ edit distance | Σ chars | CER | CER casefold |"
        );
        let _ = writeln!(o_, "|---:|---:|---:|---:|---:|---:|---:|");
        for (b, cf) in r
            .overall
            .exact
            .best_match
            .iter()
            .zip(&r.overall.casefold.best_match)
        {
            let _ = writeln!(
                o_,
                "| {} | {} | {} | {} | {} | {} | {} |",
                b.index + 1,
                b.images,
                b.exact,
                b.distance,
                b.gt_chars,
                pct(crate::metrics::ratio(b.distance, b.gt_chars)),
                pct(crate::metrics::ratio(cf.distance, cf.gt_chars)),
            );
        }
        let _ = writeln!(o_);
        if !r.per_image.is_empty() {
            for sc in &r.per_image {
                for (i, b) in text_of(sc, r.casefold_primary)
                    .best_match
                    .iter()
                    .enumerate()
                {
                    let _ = writeln!(
                        o_,
                        "- `{}` line {}: distance {} — GT `{}` / best `{}`",
                        sc.id,
                        i + 1,
                        b.distance,
                        b.gt,
                        b.pred.as_deref().unwrap_or("")
                    );
                }
            }
            let _ = writeln!(o_);
        }
    }
    if r.korean {
        chars_markdown(o_, &r.overall.chars);
    }
    if r.doc_types.len() > 1 {
        let _ = writeln!(o_, "By document type:\n");
        let _ = writeln!(
            o_,
            "| type | images | page CER (errors/chars) | page CER casefold | line CER (errors/chars) | line CER casefold | det P | det R | det F1 | median s/img |"
        );
        let _ = writeln!(o_, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (t, s) in &r.doc_types {
            let _ = writeln!(o_, "{}", summary_row(t, s));
        }
        let _ = writeln!(o_);
    }
    if !r.per_image.is_empty() && (has_page || r.overall.exact.line.is_some()) {
        let cf = if r.casefold_primary {
            " (casefold)"
        } else {
            ""
        };
        let (ah, ad) = if r.korean {
            (" aligned CER |", "---:|")
        } else {
            ("", "")
        };
        let _ = writeln!(
            o_,
            "| image | GT lines | pred lines | page CER{cf} | line CER{cf} |{ah} det P | det R | det F1 | s | error |"
        );
        let _ = writeln!(o_, "|---|---:|---:|---:|---:|{ad}---:|---:|---:|---:|---|");
        for sc in &r.per_image {
            let t = text_of(sc, r.casefold_primary);
            let d = sc.det;
            let aligned = if r.korean {
                format!(" {} |", pct(sc.chars.aligned.cer()))
            } else {
                String::new()
            };
            let _ = writeln!(
                o_,
                "| {} | {} | {} | {} | {} |{aligned} {} | {} | {} | {} | {} |",
                sc.id,
                sc.gt_lines,
                sc.pred_lines,
                pct(t.page.and_then(|c| c.cer())),
                pct(t.line.and_then(|c| c.cer())),
                frac(d.and_then(|d| d.precision())),
                frac(d.and_then(|d| d.recall())),
                frac(d.and_then(|d| d.f1())),
                secs(sc.latency_s),
                sc.error.as_deref().unwrap_or("").replace('|', "\\|"),
            );
        }
        let _ = writeln!(o_);
    }
    o
}

/// How many confusions the Markdown and text reports list.
pub const TOP_CONFUSIONS: usize = 20;

fn counts_cell(c: &CerCounts) -> String {
    format!("{} ({}/{})", pct(c.cer()), c.errors, c.gt_chars)
}

/// The character-alignment block of a Korean set: aligned CER, CER by crop height, top confusions.
fn chars_markdown(o: &mut String, c: &CharStats) {
    if c.aligned.gt_chars == 0 {
        return;
    }
    let _ = writeln!(
        o,
        "Character alignment (each GT line against one predicted line, exact normalisation; \
         `crates/jikji-eval/src/confusion.rs`): aligned CER {}; GT lines left unread: {} chars.\n",
        counts_cell(&c.aligned),
        c.unread.gt_chars
    );
    let _ = writeln!(o, "| crop height | GT chars | aligned CER (errors/chars) |");
    let _ = writeln!(o, "|---|---:|---:|");
    for (i, b) in c.by_height.iter().enumerate() {
        if b.gt_chars > 0 {
            let _ = writeln!(o, "| {} | {} | {} |", bucket_label(i), b.gt_chars, counts_cell(b));
        }
    }
    if c.unread.gt_chars > 0 {
        let _ = writeln!(o, "| unread | {} | {} |", c.unread.gt_chars, counts_cell(&c.unread));
    }
    let top = c.top(TOP_CONFUSIONS);
    if !top.is_empty() {
        let list: Vec<String> = top
            .iter()
            .map(|(k, n)| format!("`{}` {n}", confusion_label(k).replace('`', "'")))
            .collect();
        let _ = writeln!(
            o,
            "\nTop confusions (expected→read, ∅ = nothing; unread lines included): {}\n",
            list.join(", ")
        );
    } else {
        let _ = writeln!(o);
    }
}

fn chars_text(o: &mut String, c: &CharStats) {
    if c.aligned.gt_chars == 0 {
        return;
    }
    let _ = write!(o, "  aligned CER {}  by crop height:", counts_cell(&c.aligned));
    for (i, b) in c.by_height.iter().enumerate() {
        if b.gt_chars > 0 {
            let _ = write!(o, " [{} {}]", bucket_label(i), counts_cell(b));
        }
    }
    if c.unread.gt_chars > 0 {
        let _ = write!(o, " [unread {} chars]", c.unread.gt_chars);
    }
    let top: Vec<String> = c
        .top(TOP_CONFUSIONS)
        .iter()
        .map(|(k, n)| format!("{} {n}", confusion_label(k)))
        .collect();
    let _ = writeln!(o, "\n  top confusions: {}", top.join(", "));
}

fn text_summary(o: &mut String, name: &str, s: &Summary) {
    let _ = write!(o, "  {name:<8} images {:>3}", s.images);
    if s.exact.page.is_some() {
        let _ = write!(
            o,
            "  page CER {:>7} (casefold {:>7})",
            pct(s.exact.page_cer()),
            pct(s.casefold.page_cer())
        );
    }
    if s.exact.line.is_some() {
        let _ = write!(
            o,
            "  line CER {:>7} (casefold {:>7})",
            pct(s.exact.line_cer()),
            pct(s.casefold.line_cer())
        );
    }
    if let Some(d) = s.det {
        let _ = write!(
            o,
            "  det P {} R {} F1 {}",
            frac(d.precision()),
            frac(d.recall()),
            frac(d.f1())
        );
    }
    // Whole-line best match is the figure of sets that are all partial transcriptions (the MRZ set); a
    // mixed set (Korean photos) is judged by page and aligned CER instead.
    if s.exact.best_match.first().is_some_and(|b| b.images == s.images) {
        let _ = write!(
            o,
            "  best-match CER {} (casefold {})",
            pct(s.exact.best_match_cer()),
            pct(s.casefold.best_match_cer())
        );
        for b in &s.exact.best_match {
            let _ = write!(
                o,
                "  [line {}: {} errors / {} chars, {}/{} exact]",
                b.index + 1,
                b.distance,
                b.gt_chars,
                b.exact,
                b.images
            );
        }
    }
    if s.latency_median_s.is_some() {
        let _ = write!(
            o,
            "  median {} s p95 {} s",
            secs(s.latency_median_s),
            secs(s.latency_p95_s)
        );
    }
    if s.failed > 0 {
        let _ = write!(o, "  FAILED {}", s.failed);
    }
    let _ = writeln!(o);
}

/// Plain text for a terminal.
pub fn text(r: &SetReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} ({})", r.set, r.source);
    text_summary(&mut o, "all", &r.overall);
    if r.korean {
        chars_text(&mut o, &r.overall.chars);
    }
    for (g, s) in &r.groups {
        text_summary(&mut o, g, s);
    }
    if r.doc_types.len() > 1 {
        for (t, s) in &r.doc_types {
            text_summary(&mut o, t, s);
        }
    }
    for sc in &r.per_image {
        let t = text_of(sc, r.casefold_primary);
        let _ = write!(
            o,
            "    {:<28} gt {:>3} pred {:>3}",
            sc.id, sc.gt_lines, sc.pred_lines
        );
        if let Some(p) = t.page {
            let _ = write!(o, "  page {:>7}", pct(p.cer()));
        }
        if let Some(l) = t.line {
            let _ = write!(o, "  line {:>7}", pct(l.cer()));
        }
        if r.korean {
            let _ = write!(o, "  aligned {:>7}", pct(sc.chars.aligned.cer()));
        }
        if let Some(d) = sc.det {
            let _ = write!(o, "  F1 {}", frac(d.f1()));
        }
        if !r.korean {
            for b in &t.best_match {
                let _ = write!(o, "  [{} → {}]", b.gt, b.distance);
            }
        }
        if let Some(s) = sc.latency_s {
            let _ = write!(o, "  {s:.3}s");
        }
        if let Some(e) = &sc.error {
            let _ = write!(o, "  ERROR {e}");
        }
        let _ = writeln!(o);
    }
    o
}

// ---------------------------------------------------------------------------------------------------------
// Several runs in one report (`jikji eval`).

/// Opens the generated block of `ACCURACY.md`; everything outside the markers is kept.
pub const ACCURACY_BEGIN: &str =
    "<!-- jikji-eval:begin (generated by `jikji eval --all --markdown --out ACCURACY.md`) -->";
/// Closes the generated block.
pub const ACCURACY_END: &str = "<!-- jikji-eval:end -->";

/// The engine the runs used, for the report's header and JSON.
#[derive(Debug, Clone)]
pub struct EngineSetup {
    /// The model set (`ppocrv6-small`).
    pub model_set: String,
    pub workers: usize,
    /// ONNX Runtime intra-op threads per worker.
    pub threads: usize,
    /// Where the models came from.
    pub models: std::path::PathBuf,
    /// The Korean recogniser's directory when it is not `korean-rec-v1` under `models`.
    pub korean_model: Option<std::path::PathBuf>,
}

/// Plain text, one block per run headed by its label.
pub fn runs_text(runs: &[SetRun]) -> String {
    runs.iter()
        .map(|r| format!("[{}] {}", r.label, text(&r.report)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Markdown, one section per run with its label in the heading; with `header`, the run's header
/// ([`accuracy_header`]) first.
pub fn runs_markdown(runs: &[SetRun], header: Option<&EngineSetup>) -> String {
    let mut md = header.map(accuracy_header).unwrap_or_default();
    for r in runs {
        let mut sec = markdown(&r.report);
        // Name the language and model set in the heading line.
        if let Some(nl) = sec.find('\n') {
            sec.insert_str(nl, &format!(" — {}", r.label));
        }
        md.push_str(&sec);
    }
    md
}

/// JSON: each run's [`SetReport`] with `lang` and `model_set`; with `with_run_info`, wrapped in an object
/// carrying the command, date, machine and commit.
pub fn runs_json(runs: &[SetRun], model_set: &str, with_run_info: bool) -> serde_json::Value {
    let v: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(&r.report).unwrap_or_default();
            v["lang"] = serde_json::Value::String(r.lang.clone());
            v["model_set"] = serde_json::Value::String(model_set.to_string());
            v
        })
        .collect();
    if with_run_info {
        serde_json::json!({
            "command": run_info::command_line(), "date": run_info::utc_now(),
            "machine": run_info::machine(), "commit": run_info::git_commit(),
            "sets": v,
        })
    } else {
        v.into_iter().next().unwrap_or_default()
    }
}

/// The `## Accuracy run` header: how the figures below were produced and what they mean.
pub fn accuracy_header(engine: &EngineSetup) -> String {
    format!(
        "## Accuracy run\n\n{}\
         - Metrics (defined in `crates/jikji-eval/src/lib.rs`): CER counts non-space characters after \
           normalisation (NFC, full-width → ASCII, dot/dash/tilde variants unified). *Page CER* is \
           reading-order free (bag of characters, Σ errors / Σ GT chars); *line CER* compares each GT line \
           with the predicted line of highest IoU ≥ 0.5 (unmatched GT line = all its chars wrong); *det P/R/F1* \
           is one-to-one greedy IoU ≥ 0.5 matching of predicted lines to GT lines. `casefold` columns \
           lower-case both sides (SROIE GT is upper case). GT lines with role `stamp` (red seals) are don't \
           care. Sets without boxes get page CER only; partially transcribed sets (passport MRZ) get the \
           best-match edit distance per GT line instead. The `s/img` latencies come from concurrent workers \
           on a possibly busy machine: they are for orientation only, `jikji bench` measures speed.\n\n",
        run_lines(engine)
    )
}

/// Command, date, machine, commit and engine, one Markdown list item each.
fn run_lines(engine: &EngineSetup) -> String {
    format!(
        "- Command: `{}`\n\
         - Date: {}\n\
         - Machine: {}\n\
         - Git commit: {}\n\
         - Engine: model set `{}`, {} worker(s) × {} ONNX Runtime thread(s); models from `{}`{}\n",
        run_info::command_line(),
        run_info::utc_now(),
        run_info::machine(),
        run_info::git_commit(),
        engine.model_set,
        engine.workers,
        engine.threads,
        engine.models.display(),
        engine
            .korean_model
            .as_ref()
            .map(|k| format!("; Korean recogniser from `{}`", k.display()))
            .unwrap_or_default(),
    )
}

/// Opens the generated Document OCR block of `ACCURACY.md`.
pub const DOCUMENT_BEGIN: &str =
    "<!-- jikji-eval-document:begin (generated by `jikji eval --document --markdown --out ACCURACY.md`) -->";
/// Closes it.
pub const DOCUMENT_END: &str = "<!-- jikji-eval-document:end -->";

/// The markers of one set's generated Document OCR block: [`DOCUMENT_BEGIN`]/[`DOCUMENT_END`] for the
/// synthetic documents, markers naming the set for any other (`sroie`, `korean_photos`, a generated
/// unseen set), so that runs over several sets each keep their own block in one `ACCURACY.md`.
pub fn document_markers(set: &str) -> (String, String) {
    if set == "synthetic-docs" {
        return (DOCUMENT_BEGIN.to_string(), DOCUMENT_END.to_string());
    }
    (
        format!(
            "<!-- jikji-eval-document:begin {set} (generated by `jikji eval --document --gt …/{set} --markdown --out ACCURACY.md`) -->"
        ),
        format!("<!-- jikji-eval-document:end {set} -->"),
    )
}

/// Markdown of a Document OCR run over `set`: a `## Document OCR run` header (how it was produced,
/// what is measured), then the run's tables ([`DocumentRun::markdown`]).
pub fn document_markdown(set: &str, label: &str, run: &DocumentRun, engine: &EngineSetup) -> String {
    let docs: usize = run.variant_totals().values().map(|v| v.0).sum();
    let heading = if set == "synthetic-docs" {
        "## Document OCR run".to_string()
    } else {
        format!("## Document OCR run: `{set}`")
    };
    format!(
        "{heading}\n\n{}\
         - Set: `{set}`, {docs} documents evaluated, {label}. Each image is read by the engine (first page), \
           its type's fields are extracted by `jikji-document` as `jikji ocr --document` does, and each \
           expected field is compared with the extracted value: *field accuracy* counts values equal after \
           NFKC with whitespace removed, *char accuracy* is the mean of 1 − edit distance / expected length \
           (a field not extracted scores 0 on both; metrics in `crates/jikji-eval/src/document.rs`).\n\n{}",
        run_lines(engine),
        run.markdown()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gt::{GtImage, GtLine};
    use crate::score::{score_image, EvalOptions, PredLine};
    use jikji_geometry::Rect;
    use std::path::PathBuf;

    #[test]
    fn markdown_has_summary_groups_and_per_image_rows() {
        let q = Rect::new(0., 0., 10., 10.).to_quad();
        let mk = |id: &str, group: &str| GtImage {
            id: id.into(),
            image: PathBuf::from(format!("{id}.jpg")),
            lines: vec![GtLine {
                text: "AB".into(),
                quad: Some(q),
                role: None,
            }],
            text_complete: true,
            group: Some(group.into()),
            doc_type: Some("receipt".into()),
            fields: vec![],
        };
        let set = GtSet {
            name: "synthetic-docs".into(),
            source: PathBuf::from("x"),
            format: GtFormat::SyntheticDocs,
            images: vec![mk("a", "flat"), mk("b", "photo")],
        };
        let scores: Vec<_> = set
            .images
            .iter()
            .map(|g| score_image(g, &[PredLine::new("AB", q)], &EvalOptions::default()))
            .collect();
        let r = SetReport::new(&set, scores, false, true);
        let md = markdown(&r);
        assert!(md.contains("### synthetic-docs (2 images)"), "{md}");
        assert!(md.contains("| all | 2 | 0.00% (0/4) |"), "{md}");
        assert!(md.contains("| flat | 1 |"), "{md}");
        assert!(md.contains("| photo | 1 |"), "{md}");
        assert!(md.contains("| a | 1 | 1 |"), "{md}");
        let t = text(&r);
        assert!(t.contains("page CER   0.00%"), "{t}");
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["overall"]["det"]["tp"], 2);
        assert_eq!(j["groups"]["photo"]["images"], 1);
    }
}
