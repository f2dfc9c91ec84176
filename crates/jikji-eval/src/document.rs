//! Document-field scoring (Document OCR): each expected field is compared with the extracted value
//! exactly — after NFKC and with all whitespace removed, since spacing is a rendering choice
//! (`2015 년 03 월 12 일`) — and by character accuracy (1 − Levenshtein / expected length, floored at
//! 0), per field and per document type.
//!
//! A field with several values (a name card's company in Korean and English) is scored against the
//! values joined with `" / "` or `", "`, the two joiners the synthetic ground truth uses; a missing
//! prediction scores 0 on both measures. Item fields (`items[3].price`) are reported under one name
//! (`items[].price`).

use crate::metrics::levenshtein;
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// NFKC with every whitespace character removed.
pub fn normalize_field(s: &str) -> String {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// 1 − edit distance / expected length, in 0..1 (1 when both are empty).
pub fn char_accuracy(pred: &str, gt: &str) -> f64 {
    let p: Vec<char> = normalize_field(pred).chars().collect();
    let g: Vec<char> = normalize_field(gt).chars().collect();
    if g.is_empty() {
        return if p.is_empty() { 1.0 } else { 0.0 };
    }
    (1.0 - levenshtein(&p, &g) as f64 / g.len() as f64).max(0.0)
}

/// The score of one expected field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldScore {
    /// Field name with item indices folded (`items[].name`).
    pub field: String,
    pub expected: String,
    /// The prediction compared (values joined), `None` when nothing was extracted.
    pub predicted: Option<String>,
    pub exact: bool,
    /// Not exact, but equal once letter case is folded too (a name printed `Sdn Bhd` against ground
    /// truth written `SDN BHD`).
    pub case_only: bool,
    pub char_accuracy: f64,
}

/// `items[3].price` → `items[].price`.
pub fn fold_name(name: &str) -> String {
    match (name.find('['), name.find(']')) {
        (Some(a), Some(b)) if b > a => format!("{}[]{}", &name[..a], &name[b + 1..]),
        _ => name.to_string(),
    }
}

/// Scores every expected `(field, text)` against the predicted `(field, text)` pairs (a field may be
/// predicted several times; see the module docs).
pub fn score_fields(expected: &[(String, String)], predicted: &[(String, String)]) -> Vec<FieldScore> {
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in predicted {
        by_name.entry(k.as_str()).or_default().push(v.as_str());
    }
    expected
        .iter()
        .map(|(k, gt)| {
            let values = by_name.get(k.as_str());
            let (predicted, exact, case_only, acc) = match values {
                None => (None, false, false, 0.0),
                Some(vs) => {
                    let joins = [vs.join(" / "), vs.join(", "), vs[0].to_string()];
                    let g = normalize_field(gt);
                    let best = joins
                        .iter()
                        .max_by(|a, b| char_accuracy(a, gt).total_cmp(&char_accuracy(b, gt)))
                        .cloned()
                        .unwrap_or_default();
                    let exact = joins.iter().any(|j| normalize_field(j) == g);
                    let folded = g.to_lowercase();
                    let case_only = !exact && joins.iter().any(|j| normalize_field(j).to_lowercase() == folded);
                    (Some(best.clone()), exact, case_only, if exact { 1.0 } else { char_accuracy(&best, gt) })
                }
            };
            FieldScore { field: fold_name(k), expected: gt.clone(), predicted, exact, case_only, char_accuracy: acc }
        })
        .collect()
}

/// Totals of one field (or one document type).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub n: usize,
    pub exact: usize,
    /// Fields that are exact only once letter case is folded ([`FieldScore::case_only`]).
    pub case_only: usize,
    pub char_sum: f64,
}

impl Tally {
    pub fn add(&mut self, s: &FieldScore) {
        self.n += 1;
        self.exact += usize::from(s.exact);
        self.case_only += usize::from(s.case_only);
        self.char_sum += s.char_accuracy;
    }
    pub fn exact_rate(&self) -> Option<f64> {
        (self.n > 0).then(|| self.exact as f64 / self.n as f64)
    }
    pub fn char_accuracy(&self) -> Option<f64> {
        (self.n > 0).then(|| self.char_sum / self.n as f64)
    }
}

/// Per-type and per-field tallies over many documents.
#[derive(Debug, Clone, Default)]
pub struct DocumentReport {
    /// type → totals over its fields.
    pub per_type: BTreeMap<String, Tally>,
    /// (type, field) → totals.
    pub per_field: BTreeMap<(String, String), Tally>,
    /// type → (documents, documents with every field exact).
    pub documents: BTreeMap<String, (usize, usize)>,
}

impl DocumentReport {
    pub fn add(&mut self, doc_type: &str, scores: &[FieldScore]) {
        let d = self.documents.entry(doc_type.to_string()).or_default();
        d.0 += 1;
        d.1 += usize::from(scores.iter().all(|s| s.exact));
        for s in scores {
            self.per_type.entry(doc_type.to_string()).or_default().add(s);
            self.per_field.entry((doc_type.to_string(), s.field.clone())).or_default().add(s);
        }
    }

    /// A markdown table: one row per type, then one per field.
    pub fn markdown(&self) -> String {
        let pct = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{:.1}%", 100.0 * x));
        let mut s = String::from("| type | field | n | exact | char acc |\n|---|---|---:|---:|---:|\n");
        for (t, tally) in &self.per_type {
            let (docs, all) = self.documents.get(t).copied().unwrap_or_default();
            s.push_str(&format!("| **{t}** | all ({docs} docs, {all} fully exact) | {} | **{}** | {} |\n", tally.n, pct(tally.exact_rate()), pct(tally.char_accuracy())));
            for ((t2, f), ft) in &self.per_field {
                if t2 == t {
                    s.push_str(&format!("| {t} | {f} | {} | {} | {} |\n", ft.n, pct(ft.exact_rate()), pct(ft.char_accuracy())));
                }
            }
        }
        // Ground truth written in capitals whatever the print (SROIE's) counts a name printed in mixed
        // case as a miss: say how many misses are only that, without changing the exact figure.
        for (t, tally) in self.per_type.iter().filter(|(_, t)| t.case_only > 0) {
            let folded = (tally.exact + tally.case_only) as f64 / tally.n as f64;
            s.push_str(&format!(
                "\n`{t}`: {} of the misses differ from the expected value only in letter case; \
                 case-folded, {} of the fields are exact.\n",
                tally.case_only,
                pct(Some(folded))
            ));
        }
        s
    }
}

/// A Document OCR run over a set whose documents are rendered as `flat` and `photo` variants: the report
/// is keyed `TYPE-VARIANT` (`receipt-flat`).
#[derive(Debug, Clone, Default)]
pub struct DocumentRun {
    pub report: DocumentReport,
    /// Document type → images not evaluated because nothing extracts that type.
    pub skipped: BTreeMap<String, usize>,
    /// Images whose OCR failed; they count as nothing extracted.
    pub failed: usize,
    /// `ID: error` of the first image that failed.
    pub first_error: Option<String>,
    /// `TYPE-VARIANT` → (documents classified, classified as their own type), for extractors that find
    /// the type themselves (identity documents).
    pub types: BTreeMap<String, (usize, usize)>,
}

/// `receipt-photo` → (`receipt`, `photo`); a key without a variant is its own type, variant `all`.
fn split_variant(key: &str) -> (&str, &str) {
    key.rsplit_once('-').unwrap_or((key, "all"))
}

impl DocumentRun {
    /// Totals per variant (`flat`, `photo`) over every type: (documents, fully exact documents, fields).
    pub fn variant_totals(&self) -> BTreeMap<String, (usize, usize, Tally)> {
        let mut out: BTreeMap<String, (usize, usize, Tally)> = BTreeMap::new();
        for (key, t) in &self.report.per_type {
            let e = out.entry(split_variant(key).1.to_string()).or_default();
            let (docs, all) = self.report.documents.get(key).copied().unwrap_or_default();
            e.0 += docs;
            e.1 += all;
            e.2.n += t.n;
            e.2.exact += t.exact;
            e.2.char_sum += t.char_sum;
        }
        out
    }

    /// Markdown: flat vs photo totals, one row per type with both variants, the types not evaluated,
    /// then every field of every type and variant.
    pub fn markdown(&self) -> String {
        let pct = |v: Option<f64>| v.map_or("–".to_string(), |x| format!("{:.1}%", 100.0 * x));
        let mut s = String::from(
            "| variant | documents | all fields exact | fields | field accuracy (exact) | char accuracy |\n\
             |---|---:|---:|---:|---:|---:|\n",
        );
        let totals = self.variant_totals();
        let mut all = (0, 0, Tally::default());
        for (variant, (docs, exact_docs, t)) in &totals {
            s.push_str(&format!(
                "| {variant} | {docs} | {exact_docs} | {} | {} | {} |\n",
                t.n,
                pct(t.exact_rate()),
                pct(t.char_accuracy())
            ));
            all.0 += docs;
            all.1 += exact_docs;
            all.2.n += t.n;
            all.2.exact += t.exact;
            all.2.char_sum += t.char_sum;
        }
        if totals.len() > 1 {
            s.push_str(&format!(
                "| **all** | {} | {} | {} | **{}** | {} |\n",
                all.0,
                all.1,
                all.2.n,
                pct(all.2.exact_rate()),
                pct(all.2.char_accuracy())
            ));
        }
        let variants: Vec<&String> = totals.keys().collect();
        let types: std::collections::BTreeSet<&str> =
            self.report.per_type.keys().map(|k| split_variant(k).0).collect();
        s.push_str("\nField accuracy (exact) by type, char accuracy in brackets:\n\n| type |");
        for v in &variants {
            s.push_str(&format!(" {v} |"));
        }
        s.push_str("\n|---|");
        s.push_str(&"---:|".repeat(variants.len()));
        s.push('\n');
        for ty in types {
            s.push_str(&format!("| {ty} |"));
            for v in &variants {
                let t = self
                    .report
                    .per_type
                    .get(&format!("{ty}-{v}"))
                    .or_else(|| (v.as_str() == "all").then(|| self.report.per_type.get(ty)).flatten());
                s.push_str(&match t {
                    Some(t) => format!(
                        " {} ({}) |",
                        pct(t.exact_rate()),
                        pct(t.char_accuracy())
                    ),
                    None => " – |".to_string(),
                });
            }
            s.push('\n');
        }
        if !self.types.is_empty() {
            let list: Vec<String> = self.types.iter().map(|(k, (n, right))| format!("{k} {right}/{n}")).collect();
            let (n, right) = self.types.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            s.push_str(&format!(
                "\nDocument type found by the extractor (identity documents): right on {right} of {n} ({}).\n",
                list.join(", ")
            ));
        }
        if !self.skipped.is_empty() {
            let list: Vec<String> = self
                .skipped
                .iter()
                .map(|(t, n)| format!("`{t}` ({n} images)"))
                .collect();
            s.push_str(&format!(
                "\nNot evaluated (no Document OCR for the type): {}.\n",
                list.join(", ")
            ));
        }
        if self.failed > 0 {
            s.push_str(&format!(
                "\n**{} image(s) failed** and count as nothing extracted.\n",
                self.failed
            ));
        }
        s.push_str("\nEvery field:\n\n");
        s.push_str(&self.report.markdown());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn exact_ignores_spacing_and_width() {
        let s = score_fields(&kv(&[("birth", "1959 년 12 월 26 일"), ("total", "12,500")]), &kv(&[("birth", "1959년12월26일"), ("total", "１２,５００")]));
        assert!(s.iter().all(|x| x.exact));
        let s = score_fields(&kv(&[("name", "GIN KEE SDN BHD")]), &kv(&[("name", "Gin Kee Sdn Bhd")]));
        assert!(!s[0].exact && s[0].case_only);
        let mut r = DocumentReport::default();
        r.add("receipt", &s);
        assert!(r.markdown().contains("1 of the misses differ from the expected value only in letter case; case-folded, 100.0% of the fields are exact."));
        let s = score_fields(&kv(&[("total", "12,500")]), &kv(&[("total", "12.500")]));
        assert!(!s[0].case_only);
        assert!(!s[0].exact);
        assert!((s[0].char_accuracy - 0.8333).abs() < 0.01);
    }

    #[test]
    fn multi_values_and_missing_fields() {
        let s = score_fields(
            &kv(&[("company", "주식회사 한빛 / Hanbit Co."), ("fax", "02-1"), ("items[2].name", "두부")]),
            &kv(&[("company", "주식회사 한빛"), ("company", "Hanbit Co."), ("items[2].name", "두부")]),
        );
        assert!(s[0].exact);
        assert!(!s[1].exact && s[1].predicted.is_none() && s[1].char_accuracy == 0.0);
        assert_eq!(s[2].field, "items[].name");
        let mut r = DocumentReport::default();
        r.add("namecard", &s);
        assert_eq!(r.per_type["namecard"].exact, 2);
        assert!(r.markdown().contains("| namecard | fax | 1 | 0.0% |"));
    }

    #[test]
    fn runs_total_flat_and_photo() {
        let ok = score_fields(&kv(&[("a", "1"), ("b", "2")]), &kv(&[("a", "1"), ("b", "2")]));
        let half = score_fields(&kv(&[("a", "1"), ("b", "2")]), &kv(&[("a", "1")]));
        let mut run = DocumentRun::default();
        run.report.add("receipt-flat", &ok);
        run.report.add("receipt-photo", &half);
        run.report.add("passport-flat", &half);
        run.skipped.insert("idcard".into(), 6);
        let t = run.variant_totals();
        assert_eq!((t["flat"].0, t["flat"].1, t["flat"].2.exact, t["flat"].2.n), (2, 1, 3, 4));
        assert_eq!((t["photo"].0, t["photo"].1, t["photo"].2.exact), (1, 0, 1));
        let md = run.markdown();
        assert!(md.contains("| flat | 2 | 1 | 4 | 75.0% | 75.0% |"), "{md}");
        assert!(md.contains("| **all** | 3 | 1 | 6 | **66.7%** |"), "{md}");
        assert!(md.contains("| receipt | 100.0% (100.0%) | 50.0% (50.0%) |"), "{md}");
        assert!(md.contains("| passport | 50.0% (50.0%) | – |"), "{md}");
        assert!(md.contains("`idcard` (6 images)"), "{md}");
        assert!(!md.contains("Document type found"), "{md}");
        run.types.insert("aliencard-flat".into(), (3, 3));
        run.types.insert("idcard-photo".into(), (3, 2));
        let md = run.markdown();
        assert!(md.contains("right on 5 of 6 (aliencard-flat 3/3, idcard-photo 2/3)"), "{md}");
    }

    #[test]
    fn a_set_without_variants_reports_its_types_under_all() {
        // Real receipts (`sroie`, `korean_photos`) have no flat/photo group: the type key has no variant.
        let half = score_fields(&kv(&[("a", "1"), ("b", "2")]), &kv(&[("a", "1")]));
        let mut run = DocumentRun::default();
        run.report.add("receipt", &half);
        let md = run.markdown();
        assert!(md.contains("| all | 1 | 0 | 2 | 50.0% | 50.0% |"), "{md}");
        assert!(md.contains("| receipt | 50.0% (50.0%) |"), "{md}");
    }
}
