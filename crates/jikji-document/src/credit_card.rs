//! Credit cards (spec §10, provisional in CLOVA too): number (Luhn, spaces normalised), valid-thru,
//! holder name, issuer. The number's polygons are also its `maskingPolys`.
//!
//! Embossed digits are often read as letters (`O`, `I`, `S`, `B`); inside a run of digit groups those
//! letters are mapped to digits before the Luhn check, and a single confusable digit is repaired only if
//! the repair is unique.

use crate::extract::{field, field_with_text};
use crate::field::{Check, DocField, Formatted};
use crate::labels;
use crate::patterns;
use crate::text::{Page, Span};
use crate::validate;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreditCardResult {
    pub number: Option<DocField>,
    pub valid_thru: Option<DocField>,
    pub name: Option<DocField>,
    pub issuer: Option<DocField>,
    pub recognized: bool,
}

/// Words on a card that are not the holder's name.
const NOT_NAMES: &[&str] = &[
    "VALID",
    "THRU",
    "FROM",
    "GOOD",
    "MONTH",
    "YEAR",
    "MEMBER",
    "SINCE",
    "VISA",
    "MASTERCARD",
    "MASTER",
    "CARD",
    "JCB",
    "AMEX",
    "AMERICAN",
    "EXPRESS",
    "UNIONPAY",
    "DEBIT",
    "CREDIT",
    "CHECK",
    "PLATINUM",
    "GOLD",
    "SIGNATURE",
    "INFINITE",
    "CLASSIC",
    "BUSINESS",
    "CORPORATE",
    "BC",
    "KB",
    "NH",
    "WORLD",
    "ELITE",
    "PREMIUM",
    "BANK",
    "GLOBAL",
    "ELECTRONIC",
    "USE",
    "ONLY",
    "EXPIRES",
    "END",
];

/// Issuer names printed on Korean cards (the Hangul line ending in `카드` covers most).
const ISSUERS: &[&str] = &["카드", "은행", "뱅크", "BANK", "Card"];

fn map_letters(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() || c == ' ' || c == '-' {
                c
            } else {
                validate::letter_to_digit(c).unwrap_or(c)
            }
        })
        .collect()
}

/// A 16-digit number read with one digit twice at a group's edge, standing alone between the groups
/// (`3589 9 9887 6781 2125`, `6210 5586 0363 3 2639`: embossed digits detected twice on photos): the
/// number without that lone digit, when that is the only one whose removal makes the Luhn check hold.
fn drop_stray_digit(text: &str) -> Option<Vec<u8>> {
    let groups: Vec<&str> = text.split_whitespace().collect();
    let mut found = None;
    for (i, g) in groups.iter().enumerate() {
        if g.len() != 1 || !g.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let rest: String = groups
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, g)| *g)
            .collect::<Vec<_>>()
            .join(" ");
        let d = validate::digits_of(&rest);
        if d.len() == 16 && validate::luhn_valid(&d) {
            if found.is_some() {
                return None;
            }
            found = Some(d);
        }
    }
    found
}

pub fn extract(result: &jikji_types::PageResult) -> CreditCardResult {
    let page = Page::new(result);
    let mut r = CreditCardResult::default();

    // Number: per row, the segments made of digit groups joined (embossed groups are often separate
    // detections).
    let mut best: Option<(Vec<Span>, String, Vec<u8>, Check)> = None;
    for row in &page.rows {
        let mut spans = Vec::new();
        let mut text = String::new();
        for &s in row {
            let sp = page.trim(page.seg_span(s));
            let t = page.span_text(sp);
            let m = map_letters(&t);
            let digits = m.chars().filter(char::is_ascii_digit).count();
            let others = m
                .chars()
                .filter(|c| !c.is_ascii_digit() && !c.is_whitespace() && *c != '-')
                .count();
            if digits >= 3 && others == 0 {
                spans.push(sp);
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&t);
            }
        }
        let mut d = validate::digits_of(&map_letters(&text));
        let mut repaired = false;
        if d.len() == 17 {
            if let Some(fixed) = drop_stray_digit(&map_letters(&text)) {
                d = fixed;
                repaired = true;
            }
        }
        if !(15..=16).contains(&d.len()) {
            continue;
        }
        let (fixed, mut check) = validate::repair_digits(&d, validate::luhn_valid);
        if repaired && check == Check::Valid {
            check = Check::Repaired;
        }
        let better = best
            .as_ref()
            .map_or(true, |b| b.3 == Check::Invalid && check != Check::Invalid);
        if better {
            best = Some((spans, text, fixed, check));
        }
    }
    if let Some((spans, text, digits, check)) = best {
        let ds: String = digits.iter().map(|x| (b'0' + x) as char).collect();
        // As printed: groups of four (Amex 4-6-5), space separated.
        let grouped = if ds.len() == 15 {
            format!("{} {} {}", &ds[..4], &ds[4..10], &ds[10..])
        } else {
            ds.as_bytes()
                .chunks(4)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let shown = if check == Check::Valid && text.split_whitespace().count() >= 3 {
            map_letters(&text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            grouped
        };
        let mut df = field_with_text(&page, &spans, shown, "", Formatted::Value(ds), check);
        df.masks = df.polys.clone();
        r.number = Some(df);
    }

    // Valid thru: MM/YY, the last one on the card (a `MEMBER SINCE` date comes first).
    if let Some((sp, t)) = crate::extract::find_everywhere(&page, patterns::find_valid_thru)
        .into_iter()
        .last()
    {
        let (mm, yy) = t
            .split_once('/')
            .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
            .unwrap_or_default();
        let yy = if yy.len() == 4 {
            yy[2..].to_string()
        } else {
            yy
        };
        r.valid_thru = Some(field(
            &page,
            &[sp],
            "",
            Formatted::Value(format!("{mm}/{yy}")),
            Check::Valid,
        ));
    }

    // Holder: a Latin upper-case line of 2-4 words that are not card vocabulary; the lowest one. A `0`
    // among a word's capitals is the letter `O` (`HA-IN YO0`).
    for s in page.reading_order() {
        let sp = page.trim(page.seg_span(s));
        let t: String = page
            .span_text(sp)
            .split(' ')
            .map(|w| {
                let letters = w.chars().filter(char::is_ascii_uppercase).count();
                let digits: Vec<char> = w.chars().filter(char::is_ascii_digit).collect();
                if letters >= 2 && !digits.is_empty() && digits.iter().all(|&c| c == '0') {
                    w.replace('0', "O")
                } else {
                    w.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        let ws: Vec<&str> = t.split_whitespace().collect();
        let ok = (2..=4).contains(&ws.len())
            && ws.iter().all(|w| {
                w.len() >= 2
                    && w.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '-' || c == '.')
            })
            && !ws.iter().any(|w| NOT_NAMES.contains(&w.trim_matches('.')));
        if ok {
            r.name = Some(field_with_text(
                &page,
                &[sp],
                t.clone(),
                "",
                Formatted::Value(t.clone()),
                Check::None,
            ));
        }
    }

    // Issuer: the first line naming a card company or bank.
    for s in page.reading_order() {
        let sp = page.trim(page.seg_span(s));
        let t = page.span_text(sp);
        if ISSUERS.iter().any(|i| t.contains(i))
            && t.chars().any(labels::is_hangul)
            && t.chars().count() <= 12
        {
            r.issuer = Some(field(
                &page,
                &[sp],
                "",
                Formatted::Value(t.clone()),
                Check::None,
            ));
            break;
        }
    }

    r.recognized = r.number.as_ref().is_some_and(|n| n.check != Check::Invalid)
        || (r.number.is_some() && r.valid_thru.is_some());
    if !r.recognized {
        return CreditCardResult::default();
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::page;

    #[test]
    fn printed_card() {
        let p = page(&[
            ("NH농협카드", 0.0, 0.0),
            ("Mr.Life", 300.0, 0.0),
            ("3589 0442 3848 7723", 0.0, 100.0),
            ("VALID", 0.0, 140.0),
            ("THRU", 0.0, 160.0),
            ("09/30", 80.0, 150.0),
            ("CHOI UNG BIN", 0.0, 200.0),
            ("JCB", 400.0, 200.0),
        ]);
        let r = extract(&p);
        assert_eq!(r.number.as_ref().unwrap().text, "3589 0442 3848 7723");
        assert_eq!(r.number.as_ref().unwrap().check, Check::Valid);
        assert!(!r.number.as_ref().unwrap().masks.is_empty());
        assert_eq!(r.valid_thru.as_ref().unwrap().text, "09/30");
        assert_eq!(r.name.as_ref().unwrap().text, "CHOI UNG BIN");
        assert_eq!(r.issuer.as_ref().unwrap().text, "NH농협카드");
    }

    #[test]
    fn embossed_groups_with_letters_are_joined_and_mapped() {
        let p = page(&[
            ("4679", 0.0, 100.0),
            ("58O2", 100.0, 100.0),
            ("5273", 200.0, 100.0),
            ("5397", 300.0, 100.0),
            ("KIM HYEYUN", 0.0, 200.0),
        ]);
        let r = extract(&p);
        let n = r.number.unwrap();
        assert_eq!(n.formatted, Formatted::Value("4679580252735397".into()));
        assert_eq!(n.check, Check::Valid);
        assert_eq!(n.text, "4679 5802 5273 5397");
    }

    #[test]
    fn a_digit_read_twice_a_glued_expiry_a_zero_in_the_name_and_a_bank_issuer() {
        let p = page(&[
            ("카카오뱅크", 0.0, 0.0),
            ("3589 9 9887 6781 2125", 0.0, 100.0),
            ("VAID THRU07/27", 0.0, 150.0),
            ("HA-IN YO0", 0.0, 200.0),
        ]);
        let r = extract(&p);
        let n = r.number.unwrap();
        assert_eq!(n.formatted, Formatted::Value("3589988767812125".into()));
        assert_eq!(n.check, Check::Repaired);
        assert_eq!(r.valid_thru.unwrap().text, "07/27");
        assert_eq!(r.name.unwrap().text, "HA-IN YOO");
        assert_eq!(r.issuer.unwrap().text, "카카오뱅크");
        // Two lone digits that would each make a valid number: not guessed.
        assert_eq!(drop_stray_digit("4679 2 5802 9 5273 539"), None);
    }

    #[test]
    fn failing_luhn_is_kept_with_low_confidence() {
        let p = page(&[("4679 5802 5273 5390", 0.0, 100.0), ("06/32", 0.0, 140.0)]);
        let r = extract(&p);
        let n = r.number.unwrap();
        assert!(matches!(n.check, Check::Invalid | Check::Repaired));
        assert!(n.confidence < 0.95);
    }
}
