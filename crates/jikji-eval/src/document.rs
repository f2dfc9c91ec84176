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
            let (predicted, exact, acc) = match values {
                None => (None, false, 0.0),
                Some(vs) => {
                    let joins = [vs.join(" / "), vs.join(", "), vs[0].to_string()];
                    let g = normalize_field(gt);
                    let best = joins
                        .iter()
                        .max_by(|a, b| char_accuracy(a, gt).total_cmp(&char_accuracy(b, gt)))
                        .cloned()
                        .unwrap_or_default();
                    let exact = joins.iter().any(|j| normalize_field(j) == g);
                    (Some(best.clone()), exact, if exact { 1.0 } else { char_accuracy(&best, gt) })
                }
            };
            FieldScore { field: fold_name(k), expected: gt.clone(), predicted, exact, char_accuracy: acc }
        })
        .collect()
}

/// Totals of one field (or one document type).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub n: usize,
    pub exact: usize,
    pub char_sum: f64,
}

impl Tally {
    pub fn add(&mut self, s: &FieldScore) {
        self.n += 1;
        self.exact += usize::from(s.exact);
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
        let s = score_fields(&kv(&[("total", "12,500")]), &kv(&[("total", "12.500")]));
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
}
