//! 사업자등록증 (business registration certificate, spec §9).
//!
//! The certificate is a table of letter-spaced labels (`상          호`, `개 업 연 월 일`) with the value
//! right of each label; the business address may wrap onto a second line; `업태`/`종목` are paired
//! columns under `사업의 종류`, each value right of its label and any further ones listed one per line
//! under it. The issue date is the one unlabelled date near the bottom, above the
//! tax office (`○○세무서장`). The registration number is validated by its check digit and repaired
//! when exactly one confusable digit makes it valid.

use crate::extract::{self, field, find_in, label_values};
use crate::field::{Check, DocField, Formatted};
use crate::geometry;
use crate::labels::{self, Label};
use crate::patterns;
use crate::text::{Page, Span};
use crate::validate;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BizLicenseResult {
    pub document_type: Option<DocField>,
    pub tax_type: Option<DocField>,
    pub register_number: Option<DocField>,
    pub corp_name: Option<DocField>,
    pub company_name: Option<DocField>,
    pub rep_name: Option<DocField>,
    pub open_date: Option<DocField>,
    pub birth: Option<DocField>,
    pub corp_register_num: Option<DocField>,
    pub bis_address: Option<DocField>,
    pub head_address: Option<DocField>,
    pub bis_type: Vec<DocField>,
    pub bis_item: Vec<DocField>,
    pub issuance_reason: Option<DocField>,
    pub issuance_date: Option<DocField>,
    pub tax_office: Option<DocField>,
    pub recognized: bool,
}

impl BizLicenseResult {
    /// `(key, values)` under the CLOVA keys (which are also the synthetic test data's names).
    pub fn fields(&self) -> Vec<(&'static str, Vec<&DocField>)> {
        fn one(f: &Option<DocField>) -> Vec<&DocField> {
            f.iter().collect()
        }
        vec![
            ("documentType", one(&self.document_type)),
            ("taxType", one(&self.tax_type)),
            ("registerNumber", one(&self.register_number)),
            ("corpName", one(&self.corp_name)),
            ("companyName", one(&self.company_name)),
            ("repName", one(&self.rep_name)),
            ("openDate", one(&self.open_date)),
            ("birth", one(&self.birth)),
            ("corpRegisterNum", one(&self.corp_register_num)),
            ("bisAddress", one(&self.bis_address)),
            ("headAddress", one(&self.head_address)),
            ("bisType", self.bis_type.iter().collect()),
            ("bisItem", self.bis_item.iter().collect()),
            ("issuanceReason", one(&self.issuance_reason)),
            ("issuanceDate", one(&self.issuance_date)),
            ("taxOffice", one(&self.tax_office)),
        ]
    }
}

fn all_labels() -> Vec<&'static Label> {
    use labels::*;
    vec![
        &BIZ_TITLE,
        &REGISTER_NUMBER,
        &COMPANY_NAME,
        &CORP_NAME,
        &REP_NAME,
        &OPEN_DATE,
        &BIRTH,
        &CORP_REGISTER_NUM,
        &BIS_ADDRESS,
        &HEAD_ADDRESS,
        &BIS_TYPE,
        &BIS_ITEM,
        &BIS_KIND,
        &ISSUE_REASON,
        &JOINT,
        &ISSUE_NUMBER,
        &TAX_FLAG,
    ]
}

/// A value must not itself be another label (an empty cell followed by the next label on the row).
fn text_value(page: &Page, label: &Label, stop: &[&Label]) -> Option<(String, Span)> {
    label_values(page, label)
        .into_iter()
        .find(|(_, v)| !extract::is_label(page, v.seg, stop) || v.start > 0)
        .map(|(f, v)| (extract::label_text(page, &f), v))
}

fn date_value(page: &Page, label: &Label) -> Option<DocField> {
    for (f, v) in label_values(page, label) {
        let row = extract::rest_of_row(page, v);
        for s in row {
            let s = page.trim(s);
            let text: String = page.segs[s.seg].chars[s.start..s.end]
                .iter()
                .map(|c| c.ch)
                .collect();
            if let Some(d) = patterns::find_dates(&text).into_iter().next() {
                let sp = extract::sub(s, &d.hit);
                let check = if d.exists() {
                    Check::Valid
                } else {
                    Check::Invalid
                };
                return Some(field(
                    page,
                    &[sp],
                    &extract::label_text(page, &f),
                    patterns::format_date(d.year, d.month, d.day),
                    check,
                ));
            }
        }
    }
    None
}

/// At most this many lines of 업태 or 종목 listed one per line under the first: the generated
/// certificates list up to 4 (`scripts/gen-bizdocs`), real ones rarely more than a handful.
const BIS_LIST_LINES: usize = 6;

pub fn extract(result: &jikji_types::PageResult) -> BizLicenseResult {
    let page = Page::new(result);
    let stop = all_labels();
    let mut r = BizLicenseResult::default();

    // The title is a word of its own: `사업자등록번호` (a receipt's or a bill's number label) starts
    // within one edit of `사업자등록증` but goes on; with the rest of its word it is two edits off.
    let title = labels::find_all(&page, &labels::BIZ_TITLE)
        .into_iter()
        .find(|f| f.dist == 0 || title_word_holds(&page, f));
    if let Some(t) = &title {
        let sp = Span {
            end: t.end,
            ..t.span
        };
        r.document_type = Some(field(
            &page,
            &[sp],
            "",
            Formatted::Value("사업자등록증".into()),
            Check::None,
        ));
    }

    // taxType: the parenthesised type line under the title, `(법인사업자)` / `(일반과세자)` / `(간이과세자)`.
    for s in page.reading_order() {
        let t = page.segs[s].text();
        let k = labels::key(&t);
        if [
            "법인사업자",
            "일반과세자",
            "간이과세자",
            "면세사업자",
            "개인사업자",
        ]
        .iter()
        .any(|x| k.contains(x))
            && k.chars().count() <= 8
        {
            let sp = page.trim(page.seg_span(s));
            let value = if k.contains("법인") {
                "법인사업자"
            } else {
                "개인사업자"
            };
            r.tax_type = Some(field(
                &page,
                &[sp],
                "",
                Formatted::Value(value.into()),
                Check::None,
            ));
            break;
        }
    }

    // Registration number: `등록번호 : 528-75-02751` (not the 법인등록번호 row, which has its own label).
    for (f, v) in label_values(&page, &labels::REGISTER_NUMBER) {
        if labels::match_at(&page, f.span.seg, &labels::CORP_REGISTER_NUM).is_some() {
            continue;
        }
        if let Some((sp, t)) = find_in(&page, v, patterns::find_biz_numbers)
            .into_iter()
            .next()
        {
            let (d, check) =
                validate::repair_digits(&patterns::biz_digits(&t), validate::biz_number_valid);
            let formatted = patterns::format_biz_number(&d);
            let text = if check == Check::Repaired || t.chars().any(|c| c.is_ascii_alphabetic()) {
                formatted.clone()
            } else {
                t
            };
            r.register_number = Some(extract::field_with_text(
                &page,
                &[sp],
                text,
                &extract::label_text(&page, &f),
                Formatted::Value(formatted),
                check,
            ));
            break;
        }
    }

    let plain = |label: &Label| -> Option<DocField> {
        text_value(&page, label, &stop).map(|(k, v)| {
            let t = page.span_text(v);
            field(&page, &[v], &k, Formatted::Value(t), Check::None)
        })
    };
    r.corp_name = plain(&labels::CORP_NAME);
    if r.corp_name.is_none() {
        r.company_name = plain(&labels::COMPANY_NAME);
    }
    r.rep_name = plain(&labels::REP_NAME);
    r.open_date = date_value(&page, &labels::OPEN_DATE);
    r.birth = date_value(&page, &labels::BIRTH);
    r.issuance_reason = plain(&labels::ISSUE_REASON);

    // 법인등록번호: 13 digits `######-#######`.
    if let Some((k, v)) = text_value(&page, &labels::CORP_REGISTER_NUM, &stop) {
        let t = page.span_text(v);
        let d = validate::digits_of(&t);
        let check = if validate::corp_number_valid(&d) {
            Check::Valid
        } else {
            Check::Invalid
        };
        let formatted = if d.len() == 13 {
            let s: String = d.iter().map(|x| (b'0' + x) as char).collect();
            format!("{}-{}", &s[..6], &s[6..])
        } else {
            t.clone()
        };
        r.corp_register_num = Some(field(&page, &[v], &k, Formatted::Value(formatted), check));
    }

    let address = |label: &Label| -> Option<DocField> {
        let (k, v) = text_value(&page, label, &stop)?;
        let mut spans = vec![v];
        spans.extend(geometry::continuation(&page, v, &stop, 2));
        let mut df = field(&page, &spans, &k, Formatted::None, Check::None);
        df.formatted = Formatted::Value(df.text.clone());
        Some(df)
    };
    r.bis_address = address(&labels::BIS_ADDRESS);
    r.head_address = address(&labels::HEAD_ADDRESS);

    // 업태 / 종목: the value right of each label (several values on one printed line stay one value),
    // then one value per line listed under it (`업태 정보통신업` / `도매 및 소매업`), up to the next label
    // or a line that starts left of the values.
    for (label, out) in [
        (&labels::BIS_TYPE, &mut r.bis_type),
        (&labels::BIS_ITEM, &mut r.bis_item),
    ] {
        for (f, v) in extract::label_values_inline(&page, label) {
            if extract::is_label(&page, v.seg, &stop) && v.start == 0 {
                continue;
            }
            let key = extract::label_text(&page, &f);
            let listed = geometry::continuation(&page, v, &stop, BIS_LIST_LINES);
            for sp in std::iter::once(v).chain(listed) {
                let t = page.span_text(sp);
                out.push(field(&page, &[sp], &key, Formatted::Value(t), Check::None));
            }
            break;
        }
    }

    // Tax office: `○○세무서장` (the seal `○○세무서장인` is not it, unless the signature line itself
    // reads with the seal's `인` glued on, `남인천세무서장 인`: taken only when no clean line is found).
    let mut office_row = None;
    for seal_too in [false, true] {
        if r.tax_office.is_some() {
            break;
        }
        for s in page.reading_order() {
            // Letter-spaced (`관 악 세 무 서 장`) and followed by seal characters on photos: cut after `장`.
            let sp = page.trim(page.seg_span(s));
            let t = page.span_text(sp);
            let k = labels::key(&t);
            if let Some(p) = k.find("세무서장") {
                let head = k[..p].chars().count();
                if !(1..=6).contains(&head) || k[p..].starts_with("세무서장인") && !seal_too {
                    continue;
                }
                // Character index of the `장` that ends the key's `세무서장`.
                let want = head + 4;
                let chars = &page.segs[s].chars;
                let mut seen = 0;
                let mut end = sp.start;
                for i in sp.start..sp.end {
                    if !chars[i].ch.is_whitespace() {
                        seen += 1;
                    }
                    if seen == want {
                        end = i + 1;
                        break;
                    }
                }
                let vsp = Span { end, ..sp };
                let value = labels::key(&page.span_text(vsp));
                r.tax_office = Some(field(
                    &page,
                    &[vsp],
                    "",
                    Formatted::Value(value),
                    Check::None,
                ));
                office_row = Some(page.segs[s].row);
            }
        }
    }

    // Issue date: the last unlabelled date above the tax office (or the last date on the page).
    let labelled: Vec<usize> = [&r.open_date, &r.birth]
        .iter()
        .filter_map(|f| f.as_ref())
        .map(|f| f.polys.len())
        .collect();
    let _ = labelled;
    let mut issue: Option<(Span, patterns::DateHit)> = None;
    for s in page.reading_order() {
        let row = page.segs[s].row;
        if office_row.is_some_and(|o| row > o) {
            continue;
        }
        // Skip dates on a labelled row.
        let row_first = page.rows[row][0];
        if extract::is_label(&page, row_first, &stop) {
            continue;
        }
        let sp = page.trim(page.seg_span(s));
        let text = page.span_text(sp);
        if let Some(d) = patterns::find_dates(&text).into_iter().next() {
            issue = Some((extract::sub(sp, &d.hit), d));
        }
    }
    if let Some((sp, d)) = issue {
        let check = if d.exists() {
            Check::Valid
        } else {
            Check::Invalid
        };
        r.issuance_date = Some(field(
            &page,
            &[sp],
            "",
            patterns::format_date(d.year, d.month, d.day),
            check,
        ));
    }

    // A certificate: its title, or the registration number with two other labelled fields.
    let found = [
        r.company_name.is_some() || r.corp_name.is_some(),
        r.rep_name.is_some(),
        r.open_date.is_some(),
        r.bis_address.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    // Without the title, a registration number with two other labelled fields: what a certificate
    // whose title was lost (cut, glare) still shows, and also what a receipt or a bill prints in its
    // header (a medical bill's 사업자등록번호, 상호, 대표자 and address). A certificate bills nothing:
    // a page where the receipt reader finds a total, items or a card payment is not one.
    r.recognized = (title.is_some() && (r.register_number.is_some() || found >= 2))
        || (r.register_number.is_some() && found >= 2 && !bills_something(result));
    if !r.recognized {
        return BizLicenseResult::default();
    }
    r
}

/// A receipt's or a bill's page: the receipt reader recognises it with a total, items or a card payment
/// (its registration number and dates alone a certificate prints too).
fn bills_something(result: &jikji_types::PageResult) -> bool {
    let r = crate::receipt::extract(result);
    r.recognized && (r.total_price.is_some() || !r.items.is_empty() || r.card_number.is_some())
}

/// Whether a fuzzy title match is still the title with the rest of its word (`사업자등록층` matched
/// as `사업자등록` + `층` is; `사업자등록번호` is not).
fn title_word_holds(page: &Page, f: &labels::Found) -> bool {
    let chars = &page.segs[f.end_seg].chars;
    let rest: String = chars[f.end.min(chars.len())..]
        .iter()
        .map(|c| c.ch)
        .take_while(|c| labels::is_hangul(*c))
        .collect();
    if rest.is_empty() {
        return true;
    }
    let matched = if f.end_seg == f.span.seg {
        page.span_text(Span { end: f.end, ..f.span })
    } else {
        page.span_text(f.span)
    };
    let word: Vec<char> = labels::key(&format!("{matched}{rest}")).chars().collect();
    labels::BIZ_TITLE.variants.iter().any(|v| {
        let v: Vec<char> = labels::key(v).chars().collect();
        labels::edit_distance(&word, &v) <= 1
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::page;

    fn corp() -> jikji_types::PageResult {
        page(&[
            ("발급번호 : 144-2025-2-96706191", 0.0, 0.0),
            ("사 업 자 등 록 증", 200.0, 40.0),
            ("(법인사업자)", 240.0, 80.0),
            ("등록번호 : 569-88-27281", 180.0, 110.0),
            ("법인명(단체명)", 0.0, 160.0),
            ("주식회사 코리아엔지니어링", 250.0, 160.0),
            ("대    표    자", 0.0, 200.0),
            ("이숙정", 250.0, 200.0),
            ("개 업 연 월 일", 0.0, 240.0),
            ("2022년 01월 03일", 250.0, 240.0),
            ("법 인 등 록 번 호", 0.0, 280.0),
            ("134571-6573530", 250.0, 280.0),
            ("사업장 소재지", 0.0, 320.0),
            ("서울특별시 동작구 퇴계로 252-2, 2층", 250.0, 320.0),
            ("(상무동, KT센터)", 250.0, 344.0),
            ("본 점 소 재 지", 0.0, 380.0),
            ("서울특별시 동작구 퇴계로 252-2, 2층", 250.0, 380.0),
            ("사 업 의 종 류", 0.0, 440.0),
            ("업태", 200.0, 420.0),
            ("서비스, 교육 서비스업", 260.0, 420.0),
            ("종목", 200.0, 460.0),
            ("소프트웨어 개발, 외국어학원", 260.0, 460.0),
            ("발 급 사 유", 0.0, 500.0),
            ("신규", 250.0, 500.0),
            ("2025 년 08 월 08 일", 200.0, 600.0),
            ("청주세무서장", 200.0, 640.0),
            ("청주세무서장인", 500.0, 640.0),
        ])
    }

    #[test]
    fn corporate_certificate() {
        let r = extract(&corp());
        assert!(r.recognized);
        assert_eq!(r.tax_type.as_ref().unwrap().text, "(법인사업자)");
        assert_eq!(
            r.tax_type.as_ref().unwrap().formatted,
            Formatted::Value("법인사업자".into())
        );
        assert_eq!(r.register_number.as_ref().unwrap().text, "569-88-27281");
        assert_eq!(r.register_number.as_ref().unwrap().check, Check::Valid);
        assert_eq!(
            r.corp_name.as_ref().unwrap().text,
            "주식회사 코리아엔지니어링"
        );
        assert!(r.company_name.is_none());
        assert_eq!(r.rep_name.as_ref().unwrap().text, "이숙정");
        assert_eq!(
            r.open_date.as_ref().unwrap().formatted,
            Formatted::Date {
                year: "2022".into(),
                month: "01".into(),
                day: "03".into()
            }
        );
        assert_eq!(r.corp_register_num.as_ref().unwrap().text, "134571-6573530");
        assert_eq!(
            r.bis_address.as_ref().unwrap().text,
            "서울특별시 동작구 퇴계로 252-2, 2층 (상무동, KT센터)"
        );
        assert_eq!(
            r.head_address.as_ref().unwrap().text,
            "서울특별시 동작구 퇴계로 252-2, 2층"
        );
        assert_eq!(r.bis_type[0].text, "서비스, 교육 서비스업");
        assert_eq!(r.bis_item[0].text, "소프트웨어 개발, 외국어학원");
        assert_eq!(r.issuance_reason.as_ref().unwrap().text, "신규");
        assert_eq!(
            r.issuance_date.as_ref().unwrap().text,
            "2025 년 08 월 08 일"
        );
        assert_eq!(r.tax_office.as_ref().unwrap().text, "청주세무서장");
    }

    #[test]
    fn listed_business_types_and_a_tax_office_read_with_the_seal() {
        // 업태 and 종목 listed one per line under the first value; the office's line reads `… 인`.
        let lines = [
            ("사 업 자 등 록 증", 200.0, 0.0),
            ("등록번호 : 569-88-27281", 180.0, 40.0),
            ("상 호", 0.0, 80.0),
            ("다온에너지", 250.0, 80.0),
            ("대 표 자", 0.0, 120.0),
            ("문지주", 250.0, 120.0),
            ("사업의 종류 : 업태 정보통신업", 0.0, 160.0),
            ("도매 및 소매업", 172.0, 184.0),
            ("종목 소프트웨어 개발", 124.0, 220.0),
            ("시스템 통합 자문", 172.0, 244.0),
            ("의류 소매", 172.0, 268.0),
            ("발 급 사 유 : 신규", 0.0, 300.0),
            ("2015년 9월 12일", 200.0, 340.0),
            ("남인천세무서장 인", 200.0, 380.0),
        ];
        let r = extract(&page(&lines));
        let texts = |v: &[DocField]| v.iter().map(|f| f.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&r.bis_type), ["정보통신업", "도매 및 소매업"]);
        assert_eq!(texts(&r.bis_item), ["소프트웨어 개발", "시스템 통합 자문", "의류 소매"]);
        assert_eq!(r.tax_office.as_ref().unwrap().text, "남인천세무서장");
    }

    #[test]
    fn individual_certificate_with_a_misread_number() {
        let p = page(&[
            ("사 업 자 등 록 증", 200.0, 0.0),
            ("(일반과세자)", 240.0, 40.0),
            ("등록번호 : 528-75-02757", 180.0, 80.0), // last digit 1 read as 7
            ("상          호", 0.0, 120.0),
            ("누리네트웍스", 250.0, 120.0),
            ("성          명", 0.0, 160.0),
            ("방호충", 250.0, 160.0),
            ("생  년  월  일", 0.0, 200.0),
            ("1959 년 12 월 26 일", 250.0, 200.0),
        ]);
        let r = extract(&p);
        assert_eq!(r.company_name.as_ref().unwrap().text, "누리네트웍스");
        assert_eq!(r.rep_name.as_ref().unwrap().text, "방호충");
        assert_eq!(r.birth.as_ref().unwrap().text, "1959 년 12 월 26 일");
        assert_eq!(
            r.tax_type.as_ref().unwrap().formatted,
            Formatted::Value("개인사업자".into())
        );
        // Several confusable one-digit repairs would validate: returned as read, marked, less confident.
        let n = r.register_number.unwrap();
        assert_eq!(n.check, Check::Invalid);
        assert_eq!(n.text, "528-75-02757");
        assert!(n.confidence < 0.5);
    }

    #[test]
    fn a_street_photo_gives_no_fields() {
        let p = page(&[
            ("카페", 0.0, 0.0),
            ("OPEN 10:00", 0.0, 30.0),
            ("2024.01.01", 0.0, 60.0),
            ("서울 강남구", 0.0, 90.0),
        ]);
        let r = extract(&p);
        assert!(!r.recognized);
        assert_eq!(r, BizLicenseResult::default());
    }

    #[test]
    fn a_card_slip_with_a_business_number_is_no_licence() {
        // `사업자등록번호` is one edit from the title `사업자등록증` over its first five syllables: only
        // a title that ends its word counts.
        let p = page(&[
            ("카드 매출전표", 0.0, 0.0),
            ("사업자등록번호 120-87-65763", 0.0, 30.0),
            ("승인일시 2022-08-19 12:01", 0.0, 60.0),
        ]);
        assert!(!extract(&p).recognized);
        let titled = page(&[
            ("사업자등록층", 0.0, 0.0),
            ("등록번호 : 569-88-27281", 0.0, 30.0),
        ]);
        let r = extract(&titled);
        assert!(r.recognized, "a misread title still counts: {r:?}");
    }

    #[test]
    fn an_untitled_certificate_counts_and_a_bill_does_not() {
        // The title lost (cut off the photo): the number and three labelled fields still make it one.
        let untitled = [
            ("등록번호 : 528-75-02751", 0.0, 0.0),
            ("상 호 : 가나상사", 0.0, 30.0),
            ("대 표 자 : 홍길동", 0.0, 60.0),
            ("개업연월일 : 2019 년 03 월 04 일", 0.0, 90.0),
            ("사업장소재지 : 서울특별시 강남구 테헤란로 1", 0.0, 120.0),
        ];
        let r = extract(&page(&untitled));
        assert!(r.recognized, "{r:?}");
        // A medical bill prints the same header fields, and a total it bills: no certificate.
        let mut bill = untitled.to_vec();
        bill.extend([("진료비 총액 45,000", 0.0, 150.0), ("합계 45,000", 0.0, 180.0), ("2023-10-13", 0.0, 210.0)]);
        assert!(!extract(&page(&bill)).recognized);
    }
}
