//! 주민등록증 (resident registration card, `ic` of spec §11).
//!
//! The card prints no labels: under the title come the name (Hangul, the hanja in brackets where
//! given), the registration number, the address on one to three lines, the issue date, and the issuing
//! authority (`○○시장`, `○○구청장`, `○○군수`) with its seal. So the fields are found by their form and
//! their order around the registration number: the name just before it, the address lines after it in
//! its column, the first full date after it, the authority below that date.

use crate::extract::field;
use crate::field::{Check, DocField, Formatted};
use crate::id_card::{self, RegNumber};
use crate::text::{Page, Span};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResidentCard {
    /// As printed, hanja included (`윤아우(尹雅宇)`); `formatted` is the Hangul name.
    pub name: Option<DocField>,
    /// The bracketed hanja part of the name (`(尹雅宇)`), where printed.
    pub name_hanja: Option<DocField>,
    pub personal_num: Option<DocField>,
    pub address: Option<DocField>,
    pub issue_date: Option<DocField>,
    pub authority: Option<DocField>,
}

impl ResidentCard {
    /// `(key, values)` of the `ic` member.
    pub fn fields(&self) -> Vec<(&'static str, Vec<&DocField>)> {
        vec![
            ("name", self.name.iter().collect()),
            ("personalNum", self.personal_num.iter().collect()),
            ("address", self.address.iter().collect()),
            ("issueDate", self.issue_date.iter().collect()),
            ("authority", self.authority.iter().collect()),
        ]
    }

    /// Test-data names: `name` is the Hangul part, `nameHanja` the bracketed hanja.
    pub fn named_values(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(n) = &self.name {
            let hangul = match &n.formatted {
                Formatted::Value(v) => v.clone(),
                _ => n.text.clone(),
            };
            out.push(("name".to_string(), hangul));
        }
        if let Some(h) = &self.name_hanja {
            out.push(("nameHanja".to_string(), h.text.clone()));
        }
        for (k, v) in self.fields().into_iter().skip(1) {
            for f in v {
                out.push((k.to_string(), f.text.clone()));
            }
        }
        out
    }
}

pub(crate) fn extract(page: &Page, today: (i32, u32, u32)) -> ResidentCard {
    let mut r = ResidentCard::default();
    let numbers = id_card::registration_numbers_or_partial(page);
    let number: Option<&RegNumber> = numbers
        .iter()
        .find(|n| !n.is_foreigner())
        .or(numbers.first());
    let number_row = number.map(|n| n.row(page));

    // The issue date: the first full date after the number (the number's own `YYMMDD` is no full date).
    let mut issue: Option<(Span, crate::patterns::DateHit)> = None;
    for s in page.reading_order() {
        if number_row.is_some_and(|r| page.segs[s].row <= r) {
            continue;
        }
        if let Some(d) = id_card::full_dates(page, s).into_iter().next() {
            issue = Some(d);
            break;
        }
    }
    let issued = issue.as_ref().map(|(_, d)| (d.year, d.month));
    let issue_row = issue.as_ref().map(|(sp, _)| page.segs[sp.seg].row);

    if let Some(n) = number {
        r.personal_num = Some(id_card::registration_field(page, n, "", issued));
        if let Some((name, hanja)) = id_card::name_near(page, n) {
            let hangul = page.span_text(name);
            let spans: Vec<Span> = std::iter::once(name).chain(hanja).collect();
            let all = Span {
                end: spans.last().map_or(name.end, |s| s.end),
                ..name
            };
            let text = page.span_text(all);
            r.name = Some(crate::extract::field_with_text(
                page,
                &spans,
                text,
                "",
                Formatted::Value(hangul),
                Check::None,
            ));
            r.name_hanja = hanja.map(|h| {
                let t = page.span_text(h);
                field(page, &[h], "", Formatted::Value(t), Check::None)
            });
        }
        let x0 = page.segs[n.span.seg].rect.x0;
        let before = issue_row.unwrap_or(usize::MAX);
        r.address = id_card::address(page, n.row(page), before, x0, &[]);
    }
    if let Some((sp, d)) = &issue {
        r.issue_date = Some(id_card::issue_date_field(page, *sp, d, "", today));
    }
    r.authority = id_card::authority(page, issue_row.map_or(number_row.unwrap_or(0), |x| x + 1));
    r
}
