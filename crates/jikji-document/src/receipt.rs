//! Receipts (spec §7): store, payment, card, items and totals; Korean POS slips and card slips, and
//! English (SROIE-style) receipts.
//!
//! Flow: labels first (`사업자번호`, `주소`, `TEL`, `거래일시`, `합계`, `카드번호`…), patterns second
//! (a business number, phone or date printed without a label), then the item table under its header
//! row (`상품명 단가 수량 금액`), then the cross-checks: `unit × count = price` per item, items adding up
//! to the total, `subtotal + VAT = total`. A failed cross-check lowers the confidence of the values it
//! involves; nothing is changed to make it hold.

use crate::extract::{self, field, find_everywhere, find_in, label_values, rest_of_row};
use crate::field::{Check, DocField, Formatted};
use crate::geometry;
use crate::labels::{self, Label};
use crate::patterns;
use crate::text::{Page, Span};
use crate::validate;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    pub name: Option<DocField>,
    pub count: Option<DocField>,
    pub unit_price: Option<DocField>,
    pub price: Option<DocField>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceiptResult {
    pub store_name: Option<DocField>,
    pub sub_name: Option<DocField>,
    pub biz_num: Option<DocField>,
    pub addresses: Vec<DocField>,
    pub tel: Vec<DocField>,
    pub date: Option<DocField>,
    pub time: Option<DocField>,
    pub card_company: Option<DocField>,
    pub card_number: Option<DocField>,
    pub confirm_num: Option<DocField>,
    pub items: Vec<Item>,
    pub tax_price: Vec<DocField>,
    pub discount_price: Vec<DocField>,
    pub sub_total_price: Vec<DocField>,
    pub total_price: Option<DocField>,
    pub credit_card_price: Option<DocField>,
    /// Whether the page looked like a receipt at all (see [`extract`]).
    pub recognized: bool,
}

/// Store-name labels (card slips print `가맹점명`).
const STORE_NAME: Label = Label {
    variants: &[
        "상호",
        "상호명",
        "가맹점명",
        "매장명",
        "점포명",
        "store",
        "merchant",
    ],
};
/// Titles that are not the store name.
const TITLES: Label = Label {
    variants: &[
        "영수증",
        "매출전표",
        "신용카드매출전표",
        "카드영수증",
        "현금영수증",
        "신용승인",
        "receipt",
        "tax invoice",
        "invoice",
        "cash sale",
        "simplified tax invoice",
        // Restaurants' bill title, printed under the address (`Guest Check`).
        "guest check",
        "거래명세서",
        "주문서",
    ],
};

fn all_labels() -> Vec<&'static Label> {
    use labels::*;
    vec![
        &RECEIPT_BIZ_NUM,
        &RECEIPT_REP,
        &RECEIPT_ADDRESS,
        &RECEIPT_TEL,
        &RECEIPT_DATETIME,
        &ITEM_NAME,
        &ITEM_UNIT,
        &ITEM_COUNT,
        &ITEM_PRICE,
        &SUBTOTAL,
        &VAT,
        &TOTAL,
        &DISCOUNT,
        &CARD_COMPANY,
        &CARD_NUMBER,
        &CONFIRM_NUM,
        &CARD_PRICE,
        &INSTALLMENT,
        &MERCHANT_NO,
        &STORE_NAME,
    ]
}

fn money_field(page: &Page, v: Span, key: &str) -> Option<DocField> {
    // The last money figure of the value (`합계 3 35,000`: count then amount). Not a rate (`GST @6%`);
    // on an English receipt (no Hangul) only an amount with cents (`42.90`): whole numbers there are
    // counts and codes, and a cents amount read without its point (`15000` for `150.00`) is wrong.
    let english = !page.korean;
    let chars = &page.segs[v.seg].chars;
    let hits = find_in(page, v, patterns::find_money);
    let (sp, t) = hits
        .into_iter()
        .filter(|(_, t)| t.chars().any(|c| c.is_ascii_digit()))
        .filter(|(sp, _)| {
            let after = chars[sp.end..].iter().map(|c| c.ch).find(|c| !c.is_whitespace());
            after != Some('%')
        })
        .filter(|(_, t)| !english || has_cents(t))
        .last()?;
    Some(money_doc_field(page, sp, &t, key))
}

/// `42.90`, `1,007.50`: a point and two digits at the end.
fn has_cents(t: &str) -> bool {
    let t = t.trim();
    t.rfind('.').is_some_and(|p| {
        let dec = &t[p + 1..];
        dec.len() == 2 && dec.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Won amounts have no decimals: `7.480` on a Korean slip is `7,480` with its comma misread (a format
/// repair; the digits are untouched). English receipts keep `.` as the decimal point.
fn money_doc_field(page: &Page, sp: Span, t: &str, key: &str) -> DocField {
    let korean = page.korean;
    let dotted = {
        let parts: Vec<&str> = t.split('.').collect();
        parts.len() >= 2
            && parts[0].len() <= 3
            && parts[1..]
                .iter()
                .all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
            && !t.contains(',')
    };
    if korean && dotted {
        let fixed = t.replace('.', ",");
        let value = fixed.replace(',', "");
        return extract::field_with_text(
            page,
            &[sp],
            fixed,
            key,
            Formatted::Value(value),
            Check::Repaired,
        );
    }
    let value = patterns::money_value(t).unwrap_or_else(|| t.to_string());
    field(page, &[sp], key, Formatted::Value(value), Check::None)
}

/// Money-valued label: the value right of the first matching label that carries an amount.
fn money_by_label(page: &Page, label: &Label) -> Vec<DocField> {
    let mut out = Vec::new();
    for (f, v) in label_values(page, label) {
        let key = extract::label_text(page, &f);
        if let Some(df) = money_field(page, v, &key) {
            out.push(df);
        }
    }
    out
}

pub fn extract(result: &jikji_types::PageResult) -> ReceiptResult {
    let page = Page::new(result);
    let mut r = ReceiptResult::default();
    let stop = all_labels();

    // Business number: by label, else the first number of that shape.
    let biz = label_values(&page, &labels::RECEIPT_BIZ_NUM)
        .into_iter()
        .find_map(|(f, v)| {
            find_in(&page, v, patterns::find_biz_numbers)
                .into_iter()
                .next()
                .map(|h| (extract::label_text(&page, &f), h))
        })
        .or_else(|| {
            find_everywhere(&page, patterns::find_biz_numbers)
                .into_iter()
                .next()
                .map(|h| (String::new(), h))
        });
    if let Some((key, (sp, t))) = biz {
        let (d, check) =
            validate::repair_digits(&patterns::biz_digits(&t), validate::biz_number_valid);
        let formatted = Formatted::Value(patterns::format_biz_number(&d));
        let text = if check == Check::Repaired || t.chars().any(|c| c.is_ascii_alphabetic()) {
            patterns::format_biz_number(&d)
        } else {
            t.clone()
        };
        r.biz_num = Some(extract::field_with_text(
            &page,
            &[sp],
            text,
            &key,
            formatted,
            check,
        ));
    }

    // Phones: by label; else the first phone that is not on a card/merchant line.
    for (f, v) in label_values(&page, &labels::RECEIPT_TEL) {
        for (sp, t) in find_in(&page, v, patterns::find_phones) {
            let d = patterns::phone_value(&t);
            let check = if validate::phone_valid(&d) {
                Check::Valid
            } else {
                Check::Invalid
            };
            r.tel.push(field(
                &page,
                &[sp],
                &extract::label_text(&page, &f),
                Formatted::Value(d),
                check,
            ));
        }
    }
    if r.tel.is_empty() {
        if let Some((sp, t)) = find_everywhere(&page, patterns::find_phones)
            .into_iter()
            .find(|(sp, t)| {
                let d = patterns::phone_value(t);
                validate::phone_valid(&d) && !page.span_text(page.seg_span(sp.seg)).contains('*')
            })
        {
            let d = patterns::phone_value(&t);
            r.tel
                .push(field(&page, &[sp], "", Formatted::Value(d), Check::Valid));
        }
    }

    // Address: by label, with its continuation lines.
    if let Some((f, v)) = label_values(&page, &labels::RECEIPT_ADDRESS)
        .into_iter()
        .next()
    {
        let mut spans = vec![v];
        spans.extend(
            geometry::continuation(&page, v, &stop, 2)
                .into_iter()
                .filter(|s| looks_like_address_tail(&page.span_text(*s))),
        );
        r.addresses.push(field(
            &page,
            &spans,
            &extract::label_text(&page, &f),
            Formatted::None,
            Check::None,
        ));
    }

    if r.addresses.is_empty() {
        r.addresses.extend(unlabelled_address(&page, &stop));
    }

    // Date and time: on the labelled row first, else the first real date on the page.
    let mut date_row = None;
    for (f, v) in label_values(&page, &labels::RECEIPT_DATETIME) {
        let row = rest_of_row(&page, v);
        if let Some((sp, dh)) = row
            .iter()
            .find_map(|&s| dates_in(&page, s, patterns::find_dates).into_iter().next())
        {
            r.date = Some(date_field(&page, sp, &dh, &extract::label_text(&page, &f)));
            date_row = Some(page.segs[sp.seg].row);
            break;
        }
    }
    if r.date.is_none() {
        let all: Vec<(Span, patterns::DateHit)> = page_dates(&page, patterns::find_dates)
            .into_iter()
            .filter(|(_, d)| d.exists())
            .collect();
        if let Some((sp, dh)) = prefer_timed(&page, &all) {
            date_row = Some(page.segs[sp.seg].row);
            // The same day printed with its full year elsewhere (`2022/09/26` in the header,
            // `22/09/26 18:17:25` on the payment line) is the text given; the time is still looked
            // for on the picked date's row.
            let full_year = |d: &patterns::DateHit| d.hit.text.contains(&d.year.to_string());
            let (sp, dh) = match all.iter().find(|(_, d)| {
                full_year(d) && (d.year, d.month, d.day) == (dh.year, dh.month, dh.day)
            }) {
                Some(full) if !full_year(&dh) => full.clone(),
                _ => (sp, dh),
            };
            r.date = Some(date_field(&page, sp, &dh, ""));
        }
    }
    if r.date.is_none() {
        // Eight digits that make a date (`30032018`, `20220927`) when nothing better was printed. The
        // time is looked for over the whole page, as without a date (`date_row` stays unset): such a
        // number is often a receipt or approval number (`20190829-10008`) with the time printed
        // elsewhere.
        let all = page_dates(&page, patterns::find_compact_dates);
        if let Some((sp, dh)) = prefer_timed(&page, &all) {
            r.date = Some(date_field(&page, sp, &dh, ""));
        }
    }
    let time_rows: Vec<usize> = match date_row {
        Some(rw) => vec![rw, rw + 1],
        None => (0..page.rows.len()).collect(),
    };
    'time: for rw in time_rows {
        for &s in page.rows.get(rw).into_iter().flatten() {
            for (sp, _) in find_in(&page, page.seg_span(s), |t| {
                patterns::find_times(t).into_iter().map(|x| x.hit).collect()
            }) {
                let t = page.span_text(sp);
                if let Some(th) = patterns::find_times(&t).into_iter().next() {
                    r.time = Some(field(
                        &page,
                        &[sp],
                        "",
                        patterns::format_time(&th),
                        Check::None,
                    ));
                    break 'time;
                }
            }
        }
    }

    // Card information.
    if let Some((f, v)) = label_values(&page, &labels::CARD_COMPANY)
        .into_iter()
        .next()
    {
        r.card_company = Some(field(
            &page,
            &[v],
            &extract::label_text(&page, &f),
            Formatted::Value(page.span_text(v)),
            Check::None,
        ));
    }
    if let Some((f, v)) = label_values(&page, &labels::CARD_NUMBER).into_iter().next() {
        let sp = find_in(&page, v, patterns::find_masked_cards)
            .into_iter()
            .next()
            .map(|x| x.0)
            .unwrap_or(v);
        let mut df = field(
            &page,
            &[sp],
            &extract::label_text(&page, &f),
            Formatted::None,
            Check::None,
        );
        df.formatted = Formatted::Value(
            df.text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect(),
        );
        df.masks = df.polys.clone();
        r.card_number = Some(df);
    }
    if let Some((f, v)) = label_values(&page, &labels::CONFIRM_NUM).into_iter().next() {
        let t = page.span_text(v);
        let tok: String = t.split_whitespace().next().unwrap_or("").to_string();
        let n = tok.chars().count();
        let sp = Span {
            end: v.start + n,
            ..v
        };
        r.confirm_num = Some(field(
            &page,
            &[sp],
            &extract::label_text(&page, &f),
            Formatted::Value(tok.clone()),
            Check::None,
        ));
    }

    // Totals.
    r.sub_total_price = money_by_label(&page, &labels::SUBTOTAL)
        .into_iter()
        .take(1)
        .collect();
    r.tax_price = money_by_label(&page, &labels::VAT)
        .into_iter()
        .take(1)
        .collect();
    r.discount_price = money_by_label(&page, &labels::DISCOUNT)
        .into_iter()
        .take(1)
        .collect();
    r.credit_card_price = money_by_label(&page, &labels::CARD_PRICE)
        .into_iter()
        .next();
    r.total_price = pick_total(&page);

    r.items = items(&page, &stop);
    let korean = page.korean;
    // The top lines of the page in reading order, where an English name and address are looked for.
    let order = page.reading_order();
    let header = &order[..order.len().min(ENGLISH_HEADER_LINES)];
    if !korean {
        english_header(&page, header, &order, &mut r);
    }
    // An English receipt's name with its legal form (`… SDN BHD`) is evidence of a receipt on its own.
    let english_name = !korean && r.store_name.is_some();
    if r.store_name.is_none() {
        r.store_name = store_name(&page, &stop);
        // An English name without a company word (`GL HANDICRAFT & TAILORING`) anchors the
        // address as one with it does.
        if let Some(name) = r.store_name.as_ref().filter(|_| !korean && r.addresses.is_empty()) {
            let name = name.text.clone();
            if let Some(k0) = header.iter().position(|&s| page.segs[s].text().trim() == name) {
                english_address(&page, &order[k0 + 1..], &mut r);
            }
        }
    }
    if let Some(name) = &r.store_name {
        // A trailing `…점` word is the branch (`새벽찌개 정자점`).
        if let Some(last) = name.text.split_whitespace().last() {
            if name.text.split_whitespace().count() > 1
                && last.ends_with('점')
                && last.chars().count() >= 2
            {
                r.sub_name = Some(DocField {
                    text: last.to_string(),
                    formatted: Formatted::Value(last.to_string()),
                    ..name.clone()
                });
            }
        }
    }

    cross_check(&mut r);
    r.recognized = r.total_price.is_some() as u8
        + r.biz_num.is_some() as u8
        + r.date.is_some() as u8
        + (!r.items.is_empty()) as u8
        + r.card_number.is_some() as u8
        + english_name as u8
        >= 2;
    if !r.recognized {
        // Not a receipt (or unreadable): no fields from noise.
        return ReceiptResult::default();
    }
    r
}

/// Legal-form and trade words that end an English (Malaysian, SROIE-style) store name.
const COMPANY_WORDS: &[&str] = &[
    "SDN BHD",
    "SDN. BHD",
    "BHD",
    "S/B",
    "ENTERPRISE",
    "TRADING",
    "RESTAURANT",
    "STATIONERY",
    "COMPANY",
    "HARDWARE",
    "MART",
    "STORE",
    "BAKERIES",
    "PHARMACY",
    "(M)",
    // Malay: `SYARIKAT` (company) and `PERNIAGAAN` (trading) open many Malaysian sole
    // proprietors' names, which carry no legal form (`SYARIKAT PERNIAGAAN …`).
    "SYARIKAT",
    "PERNIAGAAN",
];

/// Lines at the top of an English receipt where its store name is looked for.
const ENGLISH_HEADER_LINES: usize = 12;

/// English receipt header: the store name is the first of the `header` lines (the top of the page's
/// reading `order`) carrying a legal-form or trade word (a trailing company number `(519537-X)` is not
/// part of it), with the segments set wide beside it and a line above when it starts with its legal
/// form; the address follows ([`english_address`]).
fn english_header(page: &Page, header: &[usize], order: &[usize], r: &mut ReceiptResult) {
    let mut name_at = None;
    for (k, &s) in header.iter().enumerate() {
        let t = page.segs[s].text().to_uppercase();
        if COMPANY_WORDS.iter().any(|w| t.contains(w)) && !is_registration_line(&t) {
            let mut sp = page.trim(page.seg_span(s));
            // Drop a trailing `(123456-X)` company number.
            let text = page.span_text(sp);
            if let Some(p) = text.rfind('(') {
                let tail = &text[p..];
                if tail.chars().filter(char::is_ascii_digit).count() >= 4 {
                    sp.end = sp.start + text[..p].trim_end().chars().count();
                }
            }
            // A name set wide (`SIN  THYE  &  COMPANY` in double-width print) falls into several
            // segments of its row: the ones beside it without digits belong to it (a company number
            // ends it on the right).
            let row = &page.rows[page.segs[s].row];
            let at = row.iter().position(|&o| o == s).unwrap_or(0);
            let no_digits = |o: &&usize| !page.segs[**o].text().chars().any(|c| c.is_ascii_digit());
            let left = row[..at].iter().rev().take_while(no_digits).collect::<Vec<_>>();
            let right = row[at + 1..].iter().take_while(no_digits);
            let mut spans: Vec<Span> = left
                .into_iter()
                .rev()
                .map(|&o| page.trim(page.seg_span(o)))
                .collect();
            spans.push(sp);
            spans.extend(right.map(|&o| page.trim(page.seg_span(o))));
            // A name wrapped before its legal form (`POPULAR BOOK` over `CO. (M) SDN BHD`) starts on
            // the line above.
            if k > 0 && spans.len() == 1 && starts_with_legal_form(&t) {
                let above = page.segs[order[k - 1]].text().to_uppercase();
                if !above.chars().any(|c| c.is_ascii_digit()) && !is_registration_line(&above) {
                    spans.insert(0, page.trim(page.seg_span(order[k - 1])));
                }
            }
            let printed: Vec<String> = spans.iter().map(|&sp| page.span_text(sp)).collect();
            let text = repair_english_name(&printed.join(" "));
            let value = Formatted::Value(text.clone());
            r.store_name = Some(extract::field_with_text(page, &spans, text, "", value, Check::None));
            name_at = Some(k);
            break;
        }
    }
    if let Some(k0) = name_at {
        english_address(page, &order[k0 + 1..], r);
    }
}

/// The address of an English receipt: the lines `after` the store name (and after company-number,
/// tax-id, franchise and date-only lines) up to the first line with a phone, tax id, date, amount in
/// cents or receipt title, five lines at most.
fn english_address(page: &Page, after: &[usize], r: &mut ReceiptResult) {
    let mut spans = Vec::new();
    for &s in after {
        let t = page.segs[s].text();
        let u = t.to_uppercase();
        let digits = t.chars().filter(char::is_ascii_digit).count();
        let is_reg = t.trim().starts_with('(') && digits >= 4 && t.len() < 20
            || is_registration_line(&u);
        // Registration and tax-id lines may stand between the name and the address (`REG.NO:…` then
        // `GST NO: …`); once the address has started, they end it.
        let tax_id = (u.contains("GST") || u.contains("SST")) && digits >= 6;
        // A franchise or ownership statement under the company's name (`Licensee of McDonald's`)
        // names another company, not a place.
        let owner = OWNERSHIP_PHRASES.iter().any(|p| u.trim_start().starts_with(p));
        // So may the receipt's date and time printed alone on a line (`30 May 2018 18:24`); later a
        // date ends the address as usual.
        if spans.is_empty() && (is_reg || tax_id || owner || is_date_line(&t)) {
            continue;
        }
        // A receipt title (`Guest Check`) ends the address like the labels below.
        if is_reg || owner || labels::match_at(page, s, &TITLES).is_some() {
            break;
        }
        let stop = [
            "TEL", "FAX", "GST", "PHONE", "H/P", "INVOICE", "RECEIPT", "DATE", "CASHIER", "EMAIL",
            "E-MAIL", "WWW", "DOC NO", "DOCUMENT NO", "SST",
        ];
        if stop.iter().any(|w| u.contains(w))
            || !patterns::find_phones(&t).is_empty()
            || !patterns::find_dates(&t).is_empty()
            || patterns::holds_cents_amount(&t)
            || spans.len() >= 5
        {
            break;
        }
        spans.push(page.trim(page.seg_span(s)));
    }
    if !spans.is_empty() {
        let df = field(page, &spans, "", Formatted::None, Check::None);
        let text = df
            .text
            .split(' ')
            .map(fix_o_zero)
            .collect::<Vec<_>>()
            .join(" ");
        r.addresses = vec![DocField {
            formatted: Formatted::Value(text.clone()),
            text,
            ..df
        }];
    }
}

/// Openings of a line that says whose franchise or subsidiary the store is (`Licensee of McDonald's`,
/// `A member of …`): such a line may stand between an English store name and its address.
const OWNERSHIP_PHRASES: &[&str] = &[
    "LICENSEE OF",
    "LICENSED BY",
    "FRANCHISEE OF",
    "A FRANCHISEE",
    "A MEMBER OF",
    "A SUBSIDIARY OF",
    "A DIVISION OF",
    "OPERATED BY",
    "MANAGED BY",
];

/// A line that begins with a legal form rather than a name (`CO. (M) SDN BHD`, `SDN BHD`).
fn starts_with_legal_form(upper: &str) -> bool {
    let first = upper.split_whitespace().next().unwrap_or("");
    matches!(first, "CO." | "CO" | "SDN" | "SDN." | "BHD" | "BHD." | "(M)" | "S/B")
}

/// Two misreadings the recogniser makes in English store names, repaired where the name's shape
/// leaves no doubt: a last word `5/8`, `S/8` or `5/B` is the legal form `S/B`, and a lone `8`
/// between two words of letters is `&` (`STATIONERY 8 BOOKS`).
fn repair_english_name(name: &str) -> String {
    let mut words: Vec<String> = name.split(' ').map(str::to_string).collect();
    if let Some(last) = words.last_mut() {
        if matches!(last.as_str(), "5/8" | "S/8" | "5/B") {
            *last = "S/B".into();
        }
    }
    let lettered = |w: &str| w.chars().count() >= 2 && w.chars().all(|c| c.is_alphabetic());
    for i in 1..words.len().saturating_sub(1) {
        if words[i] == "8" && lettered(&words[i - 1]) && lettered(&words[i + 1]) {
            words[i] = "&".into();
        }
    }
    words.join(" ")
}

/// A line that is a date, perhaps with a time, and nothing else (`30 May 2018 18:24`,
/// `30/05/2018`).
fn is_date_line(t: &str) -> bool {
    let t = t.trim();
    let Some(d) = patterns::find_dates(t).into_iter().find(|d| d.hit.start == 0) else {
        return false;
    };
    let rest: String = t.chars().skip(d.hit.end).collect();
    let rest = rest.trim();
    let whole = |h: &patterns::TimeHit| h.hit.start == 0 && h.hit.end == rest.chars().count();
    rest.is_empty() || patterns::find_times(rest).first().is_some_and(whole)
}

/// A company-registration line under an English store name: `Company Reg No.:75495-W`, `REG.NO:…`,
/// `ROC …`, or the number alone (`789417-W`: digits, a hyphen and a check letter). Never the name, and
/// not yet the address.
fn is_registration_line(upper: &str) -> bool {
    let t = upper.trim();
    let bare_number = t.split_once('-').is_some_and(|(d, l)| {
        d.len() >= 4
            && d.bytes().all(|b| b.is_ascii_digit())
            && l.len() == 1
            && l.bytes().all(|b| b.is_ascii_uppercase())
    });
    bare_number
        || t.starts_with("CO") && t.contains("REG")
        || t.starts_with("COMPANY NO")
        || t.starts_with("REG")
        || t.starts_with("ROC")
}

/// `O`/`0` confusions inside one address word, repaired by the word's own type: a postcode-like word
/// of at least three digits whose only letters are `O` (`456OO` → `45600`), or a word of at least three
/// letters whose only digits are `0` (`SELANG0R` → `SELANGOR`). Mixed words (`T2`, `23/1`, `31G`) stay.
fn fix_o_zero(w: &str) -> String {
    let digits = w.chars().filter(char::is_ascii_digit).count();
    let letters: Vec<char> = w.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    if digits >= 3 && !letters.is_empty() && letters.iter().all(|&c| c == 'O' || c == 'o') {
        return w.replace(['O', 'o'], "0");
    }
    let zeros = w.chars().filter(|&c| c == '0').count();
    if letters.len() >= 3
        && zeros > 0
        && zeros == digits
        && letters.iter().all(|c| c.is_ascii_uppercase())
    {
        return w.replace('0', "O");
    }
    w.to_string()
}

/// A Korean address printed without a label (most POS receipts print it under the store's name, some
/// after `본사:`): the first segment in reading order where [`patterns::korean_address_start`] finds
/// one, from there up to a later word that is a label (`경기도 용인시 기흥구 대표자 홍길동`), with one
/// wrapped line when nothing was cut.
fn unlabelled_address(page: &Page, stop: &[&Label]) -> Option<DocField> {
    for s in page.reading_order() {
        let sp = page.trim(page.seg_span(s));
        let text = page.span_text(sp);
        let Some(at) = patterns::korean_address_start(&text) else {
            continue;
        };
        let from = Span {
            start: sp.start + at,
            ..sp
        };
        let cut = page
            .words(from)
            .into_iter()
            .skip(1)
            .find(|w| is_label_word(&page.span_text(*w), stop));
        let v = page.trim(Span {
            end: cut.map_or(sp.end, |w| w.start),
            ..from
        });
        let mut spans = vec![v];
        if cut.is_none() {
            spans.extend(
                geometry::continuation(page, v, stop, 1)
                    .into_iter()
                    .filter(|c| looks_like_address_tail(&page.span_text(*c))),
            );
        }
        return Some(field(page, &spans, "", Formatted::None, Check::None));
    }
    None
}

/// A whole word that is one of the labels (`대표자`, `TEL:`); one-letter label variants (`t`) never
/// count, they are too often part of a value.
fn is_label_word(w: &str, stop: &[&Label]) -> bool {
    let k = labels::key(w.trim_end_matches([':', '：']));
    k.chars().count() >= 2 && stop.iter().any(|l| l.has_key(&k))
}

fn looks_like_address_tail(t: &str) -> bool {
    // A wrapped address line: building/room numbers or a parenthesised dong, never a phone or a date.
    !t.is_empty()
        && patterns::find_phones(t).is_empty()
        && patterns::find_dates(t).is_empty()
        && patterns::find_biz_numbers(t).is_empty()
}

fn dates_in(
    page: &Page,
    s: Span,
    find: fn(&str) -> Vec<patterns::DateHit>,
) -> Vec<(Span, patterns::DateHit)> {
    let s = page.trim(s);
    find(&page.span_text(s))
        .into_iter()
        .map(|d| (extract::sub(s, &d.hit), d))
        .collect()
}

/// Every date `find` sees on the page, in reading order.
fn page_dates(
    page: &Page,
    find: fn(&str) -> Vec<patterns::DateHit>,
) -> Vec<(Span, patterns::DateHit)> {
    page.reading_order()
        .into_iter()
        .flat_map(|s| dates_in(page, page.seg_span(s), find))
        .collect()
}

/// The first of `dates` with a time on its row (the transaction, not a validity or print date), else
/// the first.
fn prefer_timed(
    page: &Page,
    dates: &[(Span, patterns::DateHit)],
) -> Option<(Span, patterns::DateHit)> {
    dates
        .iter()
        .find(|(sp, _)| row_has_time(page, page.segs[sp.seg].row))
        .or_else(|| dates.first())
        .cloned()
}

fn row_has_time(page: &Page, row: usize) -> bool {
    page.rows[row]
        .iter()
        .any(|&s| !patterns::find_times(&page.segs[s].text()).is_empty())
}

fn date_field(page: &Page, sp: Span, d: &patterns::DateHit, key: &str) -> DocField {
    let check = if d.exists() {
        Check::Valid
    } else {
        Check::Invalid
    };
    field(
        page,
        &[sp],
        key,
        patterns::format_date(d.year, d.month, d.day),
        check,
    )
}

/// The total: among the values of total labels (not counts), the most specific label, then the largest
/// amount (the amount payable comes after rounding and tax).
fn pick_total(page: &Page) -> Option<DocField> {
    let mut best: Option<(u8, f64, DocField)> = None;
    // The first amount right of the label in its row (a label followed by more words has it further
    // along: `Total Amt Payable: | 159.00`, `Total Incl. GST@6% | RM 42.90`); on a two-column card slip
    // (`원거래일자 | 합계` over `102,500원`) the label ends its row and the value stands beside or below.
    let found = labels::find_all(page, &labels::TOTAL)
        .into_iter()
        .filter_map(|f| {
            let key = extract::label_text(page, &f);
            let right = geometry::value_right(page, &f).and_then(|v| {
                rest_of_row(page, v)
                    .into_iter()
                    .find_map(|sp| money_field(page, sp, &key))
            });
            right
                .or_else(|| {
                    // Beside or below, the value must be the amount alone (not `카드No: …-8777`).
                    let v = below_if_row_ends(page, &f)?;
                    let bare = page.span_text(v).chars().all(|c| {
                        c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | ' ' | '원' | '₩' | '\\')
                    });
                    bare.then(|| money_field(page, v, &key)).flatten()
                })
                .map(|df| (f, df))
        });
    for (f, df) in found {
        let row_text: String = page.rows[page.segs[f.span.seg].row]
            .iter()
            .map(|&s| page.segs[s].text())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if ["qty", "quantity", "수량", "item", "점수"]
            .iter()
            .any(|k| row_text.contains(k))
            || TOTAL_NOT_PAYABLE.iter().any(|k| row_text.contains(k))
        {
            continue;
        }
        let Some(a) = patterns::money_amount(&df.text) else {
            continue;
        };
        let label_key: Vec<char> = labels::key(&extract::label_text(page, &f)).chars().collect();
        let paid = TOTAL_PAID.iter().any(|v| {
            let v: Vec<char> = labels::key(v).chars().collect();
            labels::edit_distance(&label_key, &v) <= 1
        });
        let rank = if paid || TOTAL_FINAL.iter().any(|k| row_text.contains(k)) {
            2
        } else if row_text.contains("incl") {
            1
        } else {
            0
        };
        if best.as_ref().map_or(true, |b| (rank, a) > (b.0, b.1)) {
            best = Some((rank, a, df));
        }
    }
    best.map(|b| b.2)
}

/// Rows starting with a total label that are not the amount paid: totals before tax, the tax itself,
/// per-rate supplies of a GST summary (English receipts).
const TOTAL_NOT_PAYABLE: &[&str] = &["excl", "total gst", "total tax", "supplies", "saving", "discount"];

/// Korean labels of the amount charged (after discounts), which beat `합계` (before them: `합계 7,960`,
/// `할인 3,980`, `결제금액 3,980`); compared with the label as found, one misread letter allowed where
/// the label's own match allows one (`총결세금액`; labels of four letters match exactly).
const TOTAL_PAID: &[&str] = &["결제금액", "총결제금액", "받을금액", "받을돈", "청구금액"];

/// Words of the final amount on English receipts, which print a running total, a total with tax and
/// then the amount after rounding: `Total Payable`, `Total After Adj`, `Total Rounded`, `Nett Total`.
/// Such a row beats one with `incl` (tax included), which beats a plain `Total`; the largest amount
/// decides among equals (Korean labels carry none of these words).
const TOTAL_FINAL: &[&str] = &["payable", "due", "round", "after adj", "nett", "net total", "grand"];

/// The value of a label that ends its row (nothing right of it in the row): a segment right of the
/// label at its height that the row grouping put in another row (a card slip's right column, drawn a
/// few pixels lower: `원거래일자 | 합계` and `102,500원`), else the segment under the label (two-column
/// slips print `가맹점명` over `치즈웨이브`).
fn below_if_row_ends(page: &Page, f: &labels::Found) -> Option<Span> {
    let seg = &page.segs[f.end_seg];
    let rest_empty = seg.chars[f.end..].iter().all(|c| c.ch.is_whitespace() || c.ch == ':');
    let row = &page.rows[seg.row];
    if !rest_empty || row.last() != Some(&f.end_seg) {
        return None;
    }
    let lab = page.span_rect(f.span);
    let beside = page
        .segs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.row != seg.row && o.rect.x0 >= lab.x1)
        .filter(|(_, o)| {
            let overlap = o.rect.y1.min(lab.y1) - o.rect.y0.max(lab.y0);
            overlap > 0.6 * lab.height().min(o.rect.height())
        })
        .min_by(|a, b| a.1.rect.x0.total_cmp(&b.1.rect.x0))
        .map(|(i, _)| page.trim(page.seg_span(i)));
    beside.or_else(|| geometry::value_below(page, f, 1))
}

/// How much a top line looks like the store's name rather than a slogan or a logo read as text: a
/// branch (`경상대교육문화점`, the last word ending in `점`) 2, a corporate marker (`(주)`, `㈜`,
/// `주식회사`) 1, else 0. Receipts print a brand slogan above the name as often as not.
fn store_name_evidence(t: &str) -> u8 {
    let branch = t.split_whitespace().last().is_some_and(|w| {
        w.chars().count() >= 3 && w.ends_with('점') && !["가맹점", "판매점", "편의점"].contains(&w)
    });
    if branch {
        2
    } else if ["(주)", "㈜", "주식회사", "(유)", "유한회사"].iter().any(|m| t.contains(m)) {
        1
    } else {
        0
    }
}

/// The store name: a `상호`/`가맹점명` label's value (right of it, or below a label that ends its row),
/// else among the first lines at the top that are neither a title nor a label nor a number, the one with
/// the most [`store_name_evidence`], the first of equals.
fn store_name(page: &Page, stop: &[&Label]) -> Option<DocField> {
    let labelled = labels::find_all(page, &STORE_NAME).into_iter().find_map(|f| {
        geometry::value_right(page, &f)
            .or_else(|| {
                below_if_row_ends(page, &f).filter(|v| !extract::is_label(page, v.seg, stop))
            })
            .map(|v| (f, v))
    });
    if let Some((f, v)) = labelled {
        return Some(field(
            page,
            &[v],
            &extract::label_text(page, &f),
            Formatted::Value(page.span_text(v)),
            Check::None,
        ));
    }
    let mut best: Option<(u8, Span)> = None;
    for row in page.rows.iter().take(6) {
        for &s in row {
            let mut sp = page.trim(page.seg_span(s));
            let t = page.span_text(sp);
            // A title and the name on one line: `[영 수 증] 새벽찌개` is rare; skip titles as a whole.
            if labels::match_at(page, s, &TITLES).is_some() {
                let k = labels::key(&t);
                if k.chars().count() <= 12 {
                    continue;
                }
            }
            if extract::is_label(page, s, stop) {
                continue;
            }
            let letters = t.chars().filter(|c| c.is_alphabetic()).count();
            // `교환권 번호 : 81`: a label and its number, not a name.
            let numbered = t.split_once(':').is_some_and(|(_, v)| {
                let v = v.trim();
                !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
            });
            if letters < 2
                || numbered
                || !patterns::find_phones(&t).is_empty()
                || !patterns::find_dates(&t).is_empty()
            {
                continue;
            }
            // Strip decoration around a name (`*** 이마트 ***`).
            let chars = &page.segs[s].chars;
            while sp.start < sp.end
                && !chars[sp.start].ch.is_alphanumeric()
                && chars[sp.start].ch != '('
                && chars[sp.start].ch != '㈜'
            {
                sp.start += 1;
            }
            while sp.end > sp.start
                && !chars[sp.end - 1].ch.is_alphanumeric()
                && chars[sp.end - 1].ch != ')'
                && chars[sp.end - 1].ch != '.'
            {
                sp.end -= 1;
            }
            let sp = page.trim(sp);
            let score = store_name_evidence(&page.span_text(sp));
            if best.map_or(true, |(b, _)| score > b) {
                best = Some((score, sp));
            }
        }
    }
    best.map(|(_, sp)| field(page, &[sp], "", Formatted::Value(page.span_text(sp)), Check::None))
}

/// Numeric token of an item row: a whole word that is an amount or a count.
fn is_number_token(t: &str) -> bool {
    let t = t.trim();
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '-')
        && t.chars().any(|c| c.is_ascii_digit())
}

/// Word-level tokens of a row: (span, text, x-center in the de-skewed frame).
fn row_tokens(page: &Page, row: usize) -> Vec<(Span, String, f32)> {
    let mut out = Vec::new();
    for &s in &page.rows[row] {
        let chars = &page.segs[s].chars;
        let mut i = 0;
        while i < chars.len() {
            if chars[i].ch.is_whitespace() {
                i += 1;
                continue;
            }
            let st = i;
            while i < chars.len() && !chars[i].ch.is_whitespace() {
                i += 1;
            }
            let sp = Span {
                seg: s,
                start: st,
                end: i,
            };
            let r = page.span_rect(sp);
            out.push((sp, page.span_text(sp), r.center().x));
        }
    }
    out
}

/// A row's words for matching the item header: its tokens, and runs of two or more one-letter tokens
/// set close together joined back into one word at the run's middle (a letter-spaced header,
/// `품 목   단 가   금 액`, which receipts print to fill a column's width). Letters of one word are at
/// most [`LETTER_SPACING_HEIGHTS`] apart; the columns' words are further.
fn header_words(page: &Page, toks: Vec<(Span, String, f32)>) -> Vec<(String, f32)> {
    let one = |t: &str| t.chars().count() == 1;
    let close = |a: Span, b: Span| {
        let (ra, rb) = (page.span_rect(a), page.span_rect(b));
        rb.x0 - ra.x1 <= LETTER_SPACING_HEIGHTS * ra.height().max(rb.height())
    };
    let mut out: Vec<(String, f32)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let mut j = i + 1;
        while one(&toks[i].1) && j < toks.len() && one(&toks[j].1) && close(toks[j - 1].0, toks[j].0) {
            j += 1;
        }
        let word: String = toks[i..j].iter().map(|t| t.1.as_str()).collect();
        out.push((word, (toks[i].2 + toks[j - 1].2) / 2.0));
        i = j;
    }
    out
}

/// How far apart (in text heights, edge to edge) the letters of a letter-spaced header word may be:
/// the generated receipts (`scripts/gen-bizdocs`) and the shared samples space them by one letter's
/// width or less (about one text height), while a receipt's item columns are several heights apart.
const LETTER_SPACING_HEIGHTS: f32 = 1.5;

/// Items under the header row `상품명 단가 수량 금액` (any two of the four labels on one row), until a
/// totals/payment label. Names wrapped onto a line of their own are joined with the next numbers.
fn items(page: &Page, stop: &[&Label]) -> Vec<Item> {
    use labels::{ITEM_COUNT, ITEM_NAME, ITEM_PRICE, ITEM_UNIT};
    let mut header = None;
    // Header cells are matched word by word: the OCR may keep `단가 수량 금액` in one segment.
    let is = |l: &Label, t: &str| l.has_key(&labels::key(t));
    let is_near = |l: &Label, t: &str| {
        let k: Vec<char> = labels::key(t).chars().collect();
        k.len() >= 2
            && l.variants.iter().any(|v| {
                let v: Vec<char> = labels::key(v).chars().collect();
                v.len() >= 2 && labels::edit_distance(&k, &v) <= 1
            })
    };
    for ri in 0..page.rows.len() {
        let mut cols: [Option<f32>; 4] = [None; 4];
        let words = header_words(page, row_tokens(page, ri));
        let mut unknown: Vec<(String, f32)> = Vec::new();
        for (t, x) in &words {
            let mut known = false;
            for (k, l) in [&ITEM_NAME, &ITEM_UNIT, &ITEM_COUNT, &ITEM_PRICE]
                .iter()
                .enumerate()
            {
                if cols[k].is_none() && is(l, t) {
                    cols[k] = Some(*x);
                    known = true;
                    break;
                }
            }
            if !known && t.chars().count() <= 3 {
                unknown.push((t.clone(), *x));
            }
        }
        // On photos header cells are misread (`상 명 | 단가 | 수림 | ㄺ액`): beside one exact cell, cells
        // one edit from a label fill the other columns when that makes at least three.
        let exact = cols.iter().filter(|c| c.is_some()).count();
        if exact >= 1 {
            let mut near = cols;
            for (t, x) in &unknown {
                if let Some(k) = [&ITEM_NAME, &ITEM_UNIT, &ITEM_COUNT, &ITEM_PRICE]
                    .iter()
                    .position(|l| is_near(l, t))
                {
                    if near[k].is_none() {
                        near[k] = Some(*x);
                    }
                }
            }
            if near.iter().filter(|c| c.is_some()).count() >= 3 {
                unknown.retain(|(_, x)| !near.contains(&Some(*x)));
                cols = near;
            }
        }
        let unknown: Vec<f32> = unknown.into_iter().map(|(_, x)| x).collect();
        // One header cell the labels do not know, placed where the table's order puts it: the count
        // between unit price and amount (`단가 | Q | 금액`), the amount after name, unit price and
        // count (`상품명 | 단가 | 수량 | 믄`, a misread `금액`). Short cells only: a header is terse.
        if let (Some(u), None, Some(p)) = (cols[1], cols[2], cols[3]) {
            cols[2] = unknown.iter().copied().find(|&x| x > u && x < p);
        }
        if let (Some(_), Some(u), Some(c), None) = (cols[0], cols[1], cols[2], cols[3]) {
            cols[3] = unknown.iter().copied().find(|&x| x > u.max(c));
        }
        // The amount's cell dropped to a row of its own just under the others (a tilted photo).
        let mut hrow = ri;
        if cols[3].is_none() && cols.iter().filter(|c| c.is_some()).count() >= 3 {
            if let Some(x) = (ri + 1 < page.rows.len())
                .then(|| header_words(page, row_tokens(page, ri + 1)))
                .and_then(|next| {
                    (next.len() == 1 && is(&ITEM_PRICE, &next[0].0)).then(|| next[0].1)
                })
            {
                cols[3] = Some(x);
                hrow = ri + 1;
            }
        }
        if cols.iter().filter(|c| c.is_some()).count() >= 2 && cols[3].is_some() {
            header = Some((hrow, cols));
            break;
        }
    }
    let Some((hrow, cols)) = header else {
        return Vec::new();
    };
    let h = page.median_height();
    let name_x = cols[0].unwrap_or(f32::MIN);
    let num_cols: Vec<(usize, f32)> = (1..4).filter_map(|k| cols[k].map(|x| (k, x))).collect();
    let first_num_x = num_cols.iter().map(|c| c.1).fold(f32::MAX, f32::min);
    let name_limit = if cols[0].is_some() {
        (name_x + first_num_x) / 2.0
    } else {
        first_num_x - 2.0 * h
    };

    let end_labels: Vec<&Label> = stop
        .iter()
        .copied()
        .filter(|l| {
            !std::ptr::eq(*l, &ITEM_NAME)
                && !std::ptr::eq(*l, &ITEM_UNIT)
                && !std::ptr::eq(*l, &ITEM_COUNT)
                && !std::ptr::eq(*l, &ITEM_PRICE)
        })
        .collect();
    let mut out: Vec<Item> = Vec::new();
    let mut pending: Vec<Span> = Vec::new();
    for ri in hrow + 1..page.rows.len() {
        if page.rows[ri]
            .iter()
            .any(|&s| extract::is_label(page, s, &end_labels))
        {
            break;
        }
        let toks = row_tokens(page, ri);
        if toks.is_empty() {
            continue;
        }
        let (mut name_toks, mut nums) = (Vec::new(), Vec::new());
        for (sp, t, x) in toks {
            if x > name_limit {
                if is_number_token(&t) {
                    nums.push((sp, t, x));
                    continue;
                }
                // In a number column: a figure with a letter misread for a digit (`B.000`) is read
                // with the digit; a short token of other marks (`=`, `F`: a misread count) is noise,
                // not more of the name.
                let mapped: String = t
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphabetic() {
                            validate::letter_to_digit(c).unwrap_or(c)
                        } else {
                            c
                        }
                    })
                    .collect();
                if is_number_token(&mapped) && mapped.chars().filter(char::is_ascii_digit).count() >= 2 {
                    nums.push((sp, mapped, x));
                    continue;
                }
                if t.chars().count() <= 2 && !t.chars().any(|c| labels::is_hangul(c)) {
                    continue;
                }
            }
            name_toks.push(sp);
        }
        // A row of dashes or other decoration.
        let name_text: String = name_toks
            .iter()
            .map(|&s| page.span_text(s))
            .collect::<Vec<_>>()
            .join(" ");
        if nums.is_empty() {
            if name_text.chars().filter(|c| c.is_alphanumeric()).count() >= 1 {
                pending.extend(name_toks);
            }
            continue;
        }
        let mut spans = std::mem::take(&mut pending);
        spans.extend(name_toks);
        strip_line_number(page, &mut spans);
        let mut item = Item::default();
        if !spans.is_empty() {
            item.name = Some(join_name(page, &spans));
        }
        for (sp, t, x) in nums {
            let k = num_cols
                .iter()
                .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
                .map(|c| c.0)
                .unwrap_or(3);
            let df = money_doc_field(page, sp, &t, "");
            match k {
                1 => item.unit_price = Some(df),
                2 => item.count = Some(df),
                _ => item.price = Some(df),
            }
        }
        out.push(item);
    }
    // A name left pending at the end continues the last item's name.
    if !pending.is_empty() {
        if let Some(last) = out.last_mut() {
            if let Some(n) = &mut last.name {
                let extra = join_name(page, &pending);
                n.text = format!("{} {}", n.text, extra.text);
                n.polys.extend(extra.polys);
            }
        }
    }
    out
}

/// Drops the zero-padded line number POS receipts print before an item's name (`001 초코바`,
/// `01 생감자`; on photos the zeros often read `o`: `oo1`): a first word of two or three digits
/// starting with `0`, followed by more words. An unpadded number may belong to the name, so it stays.
fn strip_line_number(page: &Page, spans: &mut Vec<Span>) {
    let Some(first) = spans.first_mut() else {
        return;
    };
    let chars = &page.segs[first.seg].chars[first.start..first.end];
    let digit_like = |c: char| c.is_ascii_digit() || c == 'o' || c == 'O';
    let n = chars.iter().take_while(|c| digit_like(c.ch)).count();
    let padded = (2..=3).contains(&n)
        && matches!(chars[0].ch, '0' | 'o' | 'O')
        && chars[..n].iter().any(|c| c.ch.is_ascii_digit());
    let gap = chars[n..].iter().take_while(|c| c.ch.is_whitespace()).count();
    let rest_starts_word = chars
        .get(n + gap)
        .is_some_and(|c| !c.ch.is_ascii_digit());
    if padded && gap > 0 && rest_starts_word {
        first.start += n + gap;
    } else if padded && n == chars.len() && spans.len() > 1 {
        // The number as its own segment.
        spans.remove(0);
    }
}

fn join_name(page: &Page, spans: &[Span]) -> DocField {
    let mut df = field(page, spans, "", Formatted::None, Check::None);
    df.formatted = Formatted::Value(df.text.clone());
    df
}

fn amount(f: &Option<DocField>) -> Option<f64> {
    f.as_ref().and_then(|d| patterns::money_amount(&d.text))
}

/// Cross-checks: `unit × count = price`, items add up to the total, `subtotal + VAT = total`.
fn cross_check(r: &mut ReceiptResult) {
    for it in &mut r.items {
        if let (Some(u), Some(c), Some(p)) =
            (amount(&it.unit_price), amount(&it.count), amount(&it.price))
        {
            let ok = (u * c - p).abs() < 0.5;
            let check = if ok { Check::Valid } else { Check::Invalid };
            for f in [&mut it.unit_price, &mut it.count, &mut it.price]
                .into_iter()
                .flatten()
            {
                f.check = check;
                f.confidence *= check.confidence_factor();
            }
        }
    }
    let Some(total) = amount(&r.total_price) else {
        return;
    };
    let items_sum: f64 = r.items.iter().filter_map(|i| amount(&i.price)).sum();
    let discount: f64 = r
        .discount_price
        .iter()
        .filter_map(|d| patterns::money_amount(&d.text))
        .map(f64::abs)
        .sum();
    let items_ok = !r.items.is_empty()
        && ((items_sum - total).abs() < 0.5 || (items_sum - discount - total).abs() < 0.5);
    let parts_ok = match (r.sub_total_price.first(), r.tax_price.first()) {
        (Some(s), Some(v)) => patterns::money_amount(&s.text)
            .zip(patterns::money_amount(&v.text))
            .map(|(s, v)| (s + v - total).abs() < 1.5),
        _ => None,
    };
    let agree = items_ok || parts_ok == Some(true);
    let disagree = (!r.items.is_empty() && !items_ok) || parts_ok == Some(false);
    if let Some(t) = &mut r.total_price {
        t.check = if agree {
            Check::Valid
        } else if disagree {
            Check::Invalid
        } else {
            Check::None
        };
        t.confidence *= t.check.confidence_factor();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::page;

    fn korean_slip() -> jikji_types::PageResult {
        page(&korean_slip_lines())
    }

    fn korean_slip_lines() -> Vec<(&'static str, f32, f32)> {
        vec![
            ("[영 수 증]", 100.0, 0.0),
            ("새벽찌개 정자점", 80.0, 30.0),
            ("사업자번호: 513-66-80622", 0.0, 60.0),
            ("주소: 서울특별시 동대문구 동대구길 348 10층", 0.0, 90.0),
            ("904호", 72.0, 114.0),
            ("TEL: 02-7933-0589", 0.0, 140.0),
            ("2023.07.21 17:23:17", 0.0, 170.0),
            ("상품명", 0.0, 210.0),
            ("단가", 200.0, 210.0),
            ("수량", 300.0, 210.0),
            ("금액", 400.0, 210.0),
            ("김치찌개", 0.0, 240.0),
            ("9,000", 190.0, 240.0),
            ("1", 305.0, 240.0),
            ("9,000", 390.0, 240.0),
            ("스페셜 모둠", 0.0, 270.0),
            ("해물 세트", 0.0, 294.0),
            ("13,000", 190.0, 318.0),
            ("2", 305.0, 318.0),
            ("26,000", 390.0, 318.0),
            ("과세물품가액", 0.0, 350.0),
            ("31,818", 390.0, 350.0),
            ("부 가 세", 0.0, 380.0),
            ("3,182", 390.0, 380.0),
            ("합 계", 0.0, 410.0),
            ("35,000", 390.0, 410.0),
            ("카드종류 : 현대카드", 0.0, 450.0),
            ("카드번호 : 4019-****-****-2355", 0.0, 480.0),
            ("승인번호 : 59615638", 0.0, 510.0),
        ]
    }

    #[test]
    fn a_letter_spaced_item_header_and_other_label_wordings() {
        let lines: Vec<(&str, f32, f32)> = korean_slip_lines()
            .into_iter()
            .map(|(t, x, y)| {
                let t = match t {
                    "상품명" => "품 목",
                    "단가" => "단 가",
                    "금액" => "금 액",
                    "합 계" => "총 결제금액",
                    "부 가 세" => "부가세액",
                    "카드번호 : 4019-****-****-2355" => "카드No : 4019-****-****-2355",
                    "승인번호 : 59615638" => "승인NO. 59615638",
                    t => t,
                };
                (t, x, y)
            })
            .collect();
        let r = extract(&page(&lines));
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[0].unit_price.as_ref().unwrap().text, "9,000");
        assert_eq!(r.items[1].price.as_ref().unwrap().text, "26,000");
        assert_eq!(r.total_price.as_ref().unwrap().text, "35,000");
        assert_eq!(r.tax_price[0].text, "3,182");
        assert_eq!(r.card_number.as_ref().unwrap().text, "4019-****-****-2355");
        assert_eq!(r.confirm_num.as_ref().unwrap().text, "59615638");
    }

    #[test]
    fn a_slogan_above_the_branch_line_and_an_address_without_its_label() {
        let lines: Vec<(&str, f32, f32)> = korean_slip_lines()
            .into_iter()
            .map(|(t, x, y)| {
                let t = match t {
                    "[영 수 증]" => "가까운 행복을 만나다",
                    "주소: 서울특별시 동대문구 동대구길 348 10층" => "본사: 서울특별시 동대문구 동대구길 348 10층",
                    t => t,
                };
                (t, x, y)
            })
            .collect();
        let r = extract(&page(&lines));
        assert_eq!(r.store_name.as_ref().unwrap().text, "새벽찌개 정자점");
        assert_eq!(r.addresses[0].text, "서울특별시 동대문구 동대구길 348 10층 904호");
        // A corporate name beats a slogan; an address ends before a later label word.
        let lines = [
            ("국민가게, 다이소", 60.0, 0.0),
            ("(주)아성다이소", 70.0, 30.0),
            ("사업장 소재지 경기도 용인시 기흥구 대표자 홍길동", 0.0, 60.0),
            ("2020.04.19", 0.0, 90.0),
            ("판매합계 5,000", 0.0, 120.0),
        ];
        let r = extract(&page(&lines));
        assert_eq!(r.store_name.as_ref().unwrap().text, "(주)아성다이소");
        assert_eq!(r.addresses[0].text, "경기도 용인시 기흥구");
        assert_eq!(r.total_price.as_ref().unwrap().text, "5,000");
    }

    #[test]
    fn a_two_column_card_slip_prints_labels_over_values() {
        let lines = [
            ("매출전표", 0.0, 0.0),
            ("거래일자", 0.0, 40.0),
            ("2021/05/15 23:22:08", 0.0, 70.0),
            ("원거래일자", 0.0, 110.0),
            ("합계", 300.0, 110.0),
            ("102,500원", 300.0, 140.0),
            ("가맹점명", 0.0, 180.0),
            ("치즈웨이브", 0.0, 210.0),
        ];
        let r = extract(&page(&lines));
        assert_eq!(r.total_price.as_ref().unwrap().text, "102,500");
        assert_eq!(r.store_name.as_ref().unwrap().text, "치즈웨이브");
    }

    #[test]
    fn an_unknown_header_cell_takes_its_column_by_position_and_line_numbers_are_dropped() {
        let lines = [
            ("대성철물점 2호점", 0.0, 0.0),
            ("거래일자 : 2025-06-08", 0.0, 30.0),
            ("품목", 0.0, 60.0),
            ("단가", 200.0, 60.0),
            ("Q", 305.0, 60.0),
            ("금 액", 390.0, 60.0),
            ("oo1 양파 1.5kg", 0.0, 90.0),
            ("3,980", 190.0, 114.0),
            ("2", 305.0, 114.0),
            ("7,960", 390.0, 114.0),
            ("12 색연필", 0.0, 140.0),
            ("1,000", 190.0, 164.0),
            ("1", 305.0, 164.0),
            ("1,000", 390.0, 164.0),
            ("합계금액 8,960", 0.0, 200.0),
        ];
        let r = extract(&page(&lines));
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[0].name.as_ref().unwrap().text, "양파 1.5kg");
        assert_eq!(r.items[0].count.as_ref().unwrap().text, "2");
        assert_eq!(r.items[0].unit_price.as_ref().unwrap().text, "3,980");
        // Not zero-padded: part of the name.
        assert_eq!(r.items[1].name.as_ref().unwrap().text, "12 색연필");
        // The amount's label misread (`믄`): the last header cell after name, unit price and count.
        let lines: Vec<(&str, f32, f32)> = lines
            .iter()
            .map(|&(t, x, y)| match t {
                "Q" => ("수량", x, y),
                "금 액" => ("믄", x, y),
                _ => (t, x, y),
            })
            .collect();
        let r = extract(&page(&lines));
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[0].price.as_ref().unwrap().text, "7,960");
    }

    #[test]
    fn a_photographed_item_table_misread_header_split_header_and_misread_figures() {
        let rows = |header: &[(&'static str, f32, f32)]| {
            let mut lines: Vec<(&'static str, f32, f32)> = vec![
                ("대성철물점 2호점", 0.0, 0.0),
                ("거래일자 : 2025-06-08", 0.0, 30.0),
            ];
            lines.extend_from_slice(header);
            lines.extend_from_slice(&[
                ("절연테이프", 0.0, 100.0),
                ("1,500", 190.0, 100.0),
                ("1", 305.0, 100.0),
                ("1,500", 390.0, 100.0),
                ("줄자 5m", 0.0, 130.0),
                ("B.500", 190.0, 130.0),
                ("=", 305.0, 130.0),
                ("8,500", 390.0, 130.0),
                ("합계금액 10,000", 0.0, 170.0),
            ]);
            extract(&page(&lines))
        };
        // `상품명 | 단가 | 수량 | 금액` read `상 명 | 단가 | 수림 | ㄺ액`: one exact cell, three one edit off.
        let r = rows(&[
            ("상 명", 0.0, 60.0),
            ("단가", 200.0, 60.0),
            ("수림", 305.0, 60.0),
            ("ㄺ액", 390.0, 60.0),
        ]);
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[1].name.as_ref().unwrap().text, "줄자 5m", "no `=` in the name");
        assert_eq!(r.items[1].unit_price.as_ref().unwrap().text, "8,500");
        assert_eq!(r.items[1].price.as_ref().unwrap().text, "8,500");
        // The amount's cell on a row of its own under the others.
        let r = rows(&[
            ("품목", 0.0, 50.0),
            ("단가", 200.0, 50.0),
            ("수량", 305.0, 50.0),
            ("금액", 390.0, 74.0),
        ]);
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[0].price.as_ref().unwrap().text, "1,500");
        // Below a total label that ends its row stands a card number, not the amount.
        let r = extract(&page(&[
            ("세븐일레븐 해운대점", 0.0, 0.0),
            ("2025.01.13 09:47", 0.0, 30.0),
            ("총 결제금액", 0.0, 60.0),
            ("카드No: 5610-****-****-8777", 0.0, 90.0),
            ("승인번호 50690667", 0.0, 120.0),
        ]));
        assert!(r.total_price.is_none(), "{:?}", r.total_price);
    }

    #[test]
    fn the_amount_charged_after_a_discount_is_the_total() {
        let r = extract(&page(&[
            ("롯데마트 서청주점", 0.0, 0.0),
            ("2025-10-18 21:22", 0.0, 30.0),
            ("합 계", 0.0, 60.0),
            ("7,960", 300.0, 60.0),
            ("행사할인", 0.0, 90.0),
            ("3,980", 300.0, 90.0),
            ("결제금액", 0.0, 120.0),
            ("3,980", 300.0, 120.0),
        ]));
        assert_eq!(r.total_price.unwrap().text, "3,980");
    }

    #[test]
    fn korean_pos_slip() {
        let r = extract(&korean_slip());
        assert!(r.recognized);
        assert_eq!(r.store_name.as_ref().unwrap().text, "새벽찌개 정자점");
        assert_eq!(r.sub_name.as_ref().unwrap().text, "정자점");
        let biz = r.biz_num.as_ref().unwrap();
        assert_eq!(biz.formatted, Formatted::Value("513-66-80622".into()));
        assert_eq!(biz.check, Check::Valid);
        assert_eq!(
            r.addresses[0].text,
            "서울특별시 동대문구 동대구길 348 10층 904호"
        );
        assert_eq!(r.tel[0].formatted, Formatted::Value("0279330589".into()));
        assert_eq!(r.date.as_ref().unwrap().text, "2023.07.21");
        assert_eq!(
            r.time.as_ref().unwrap().formatted,
            Formatted::Time {
                hour: "17".into(),
                minute: "23".into(),
                second: "17".into()
            }
        );
        assert_eq!(r.items.len(), 2);
        assert_eq!(
            r.items[1].name.as_ref().unwrap().text,
            "스페셜 모둠 해물 세트",
            "wrapped name joined"
        );
        assert_eq!(r.items[1].count.as_ref().unwrap().text, "2");
        assert_eq!(
            r.items[1].unit_price.as_ref().unwrap().formatted,
            Formatted::Value("13000".into())
        );
        assert_eq!(r.total_price.as_ref().unwrap().text, "35,000");
        assert_eq!(
            r.total_price.as_ref().unwrap().check,
            Check::Valid,
            "items and subtotal+VAT agree"
        );
        assert_eq!(r.tax_price[0].text, "3,182");
        assert_eq!(r.sub_total_price[0].text, "31,818");
        assert_eq!(r.card_company.as_ref().unwrap().text, "현대카드");
        assert_eq!(r.card_number.as_ref().unwrap().text, "4019-****-****-2355");
        assert!(!r.card_number.as_ref().unwrap().masks.is_empty());
        assert_eq!(r.confirm_num.as_ref().unwrap().text, "59615638");
    }

    #[test]
    fn totals_that_disagree_lower_the_confidence() {
        let mut p = korean_slip();
        for w in &mut p.words {
            if w.text == "35,000" {
                w.text = "36,000".into();
            }
        }
        let r = extract(&p);
        let t = r.total_price.unwrap();
        assert_eq!(t.check, Check::Invalid);
        assert!(t.confidence < 0.6);
    }

    #[test]
    fn wrong_check_digit_is_repaired_only_when_unique() {
        let mut p = korean_slip();
        for w in &mut p.words {
            if w.text == "513-66-80622" {
                w.text = "513-66-8O622".into(); // letter O in a digit position
            }
        }
        let r = extract(&p);
        assert_eq!(
            r.biz_num.unwrap().formatted,
            Formatted::Value("513-66-80622".into())
        );
    }

    #[test]
    fn english_receipt_total_and_date() {
        let p = page(&[
            ("BOOK TA .K (TAMAN DAYA) SDN BHD", 0.0, 0.0),
            ("NO.53 55,57 & 59, JALAN SAGU 18,", 0.0, 24.0),
            ("DATE: 25/12/2018 8:13:39 PM", 0.0, 60.0),
            ("TOTAL QTY: 1", 0.0, 90.0),
            ("SUBTOTAL", 0.0, 120.0),
            ("9.00", 400.0, 120.0),
            ("TOTAL", 0.0, 150.0),
            ("9.00", 400.0, 150.0),
        ]);
        let r = extract(&p);
        assert_eq!(
            r.store_name.unwrap().text,
            "BOOK TA .K (TAMAN DAYA) SDN BHD"
        );
        assert_eq!(r.date.unwrap().text, "25/12/2018");
        assert_eq!(
            r.total_price.unwrap().formatted,
            Formatted::Value("9.00".into())
        );
    }

    #[test]
    fn a_franchise_line_before_the_address_and_a_bill_title_after_it() {
        let p = page(&[
            ("ALAF FOODS SDN BHD", 0.0, 0.0),
            ("(12345-M)", 0.0, 24.0),
            ("Franchisee of Burger Town", 0.0, 48.0),
            ("Lot 5, Jalan Ampang,", 0.0, 72.0),
            ("50450 Kuala Lumpur", 0.0, 96.0),
            ("Guest Check", 0.0, 120.0),
            ("Invoice no: 000039121", 0.0, 144.0),
            ("TOTAL", 0.0, 200.0),
            ("12.40", 400.0, 200.0),
        ]);
        let r = extract(&p);
        assert_eq!(r.store_name.unwrap().text, "ALAF FOODS SDN BHD");
        assert_eq!(r.addresses[0].text, "Lot 5, Jalan Ampang, 50450 Kuala Lumpur");
        // Once the address has started, a franchise line ends it.
        let after = page(&[
            ("ALAF FOODS SDN BHD", 0.0, 0.0),
            ("Lot 5, Jalan Ampang,", 0.0, 24.0),
            ("A member of Alaf Group", 0.0, 48.0),
            ("50450 Kuala Lumpur", 0.0, 72.0),
            ("TOTAL", 0.0, 200.0),
            ("12.40", 400.0, 200.0),
        ]);
        assert_eq!(extract(&after).addresses[0].text, "Lot 5, Jalan Ampang,");
    }

    #[test]
    fn english_receipt_final_total_and_an_address_after_its_tax_ids() {
        let p = page(&[
            ("SIN THYE & COMPANY", 0.0, 0.0),
            ("REG.NO:00168397-H", 0.0, 24.0),
            ("GST NO: 001329332224", 0.0, 48.0),
            ("NO.54, BATU 5,JALAN IPOH,", 0.0, 72.0),
            ("51200 KUALA LUMPUR", 0.0, 96.0),
            ("Document No : TD01167104", 0.0, 120.0),
            ("Total Sales (Excluding GST): 7.00", 0.0, 150.0),
            ("Total Sales Incl GST @6%", 0.0, 180.0),
            ("RM 7.42", 400.0, 180.0),
            ("Total After Adj Incl GST", 0.0, 210.0),
            ("7.40", 400.0, 210.0),
            ("Total Qty: 3 1000.00", 0.0, 240.0),
            ("Total 15000 0.42", 0.0, 270.0),
        ]);
        let r = extract(&p);
        assert!(r.recognized, "a legal-form name and a total make a receipt without a date");
        let wrapped = page(&[
            ("POPULAR READS", 0.0, 0.0),
            ("CO. (M) SDN BHD", 0.0, 24.0),
            ("(Co. No. 123456-W)", 0.0, 48.0),
            ("TOTAL", 0.0, 150.0),
            ("7.40", 400.0, 150.0),
        ]);
        assert_eq!(extract(&wrapped).store_name.unwrap().text, "POPULAR READS CO. (M) SDN BHD");
        let wide = page(&[
            ("TAN", 0.0, 0.0),
            ("HOCK", 100.0, 0.0),
            ("ENTERPRISE", 200.0, 0.0),
            ("SDN BHD", 400.0, 0.0),
            ("(123456-H)", 600.0, 0.0),
            ("REG.NO:00123456-H", 0.0, 24.0),
            ("TOTAL", 0.0, 150.0),
            ("7.40", 400.0, 150.0),
        ]);
        assert_eq!(extract(&wide).store_name.unwrap().text, "TAN HOCK ENTERPRISE SDN BHD");
        assert_eq!(r.store_name.unwrap().text, "SIN THYE & COMPANY");
        assert_eq!(
            r.addresses[0].text,
            "NO.54, BATU 5,JALAN IPOH, 51200 KUALA LUMPUR"
        );
        // After rounding, not the larger total with tax, not a rate, a count row or a GST summary.
        assert_eq!(r.total_price.unwrap().text, "7.40");
    }

    #[test]
    fn a_date_printed_in_full_elsewhere_gives_its_text_and_the_payment_line_its_time() {
        let p = page(&[
            ("편의점 역삼점", 0.0, 0.0),
            ("2022/09/26 | NO:10091", 0.0, 30.0),
            ("합계 | 1,050", 0.0, 60.0),
            ("카드결제 | 1,050", 0.0, 90.0),
            ("22/09/26 18:17:25", 0.0, 120.0),
        ]);
        let r = extract(&p);
        assert_eq!(r.date.as_ref().unwrap().text, "2022/09/26");
        assert!(matches!(&r.time.as_ref().unwrap().formatted, Formatted::Time { hour, minute, .. } if hour == "18" && minute == "17"));
    }

    #[test]
    fn a_date_read_without_its_separators_is_still_the_date() {
        let p = page(&[
            ("LIAN HUAT STATIONERY SDN BHD", 0.0, 0.0),
            ("30032018 | No. CS-20322", 0.0, 30.0),
            ("TOTAL", 0.0, 60.0),
            ("12.00", 400.0, 60.0),
        ]);
        let d = extract(&p).date.unwrap();
        assert_eq!(d.text, "30032018");
        assert_eq!(d.formatted, patterns::format_date(2018, 3, 30));
    }

    #[test]
    fn a_malay_trading_name_and_a_date_line_above_the_address() {
        let p = page(&[
            ("KEDAI RUNCIT", 0.0, 0.0),
            ("SYARIKAT PERNIAGAAN MAJU JAYA", 0.0, 24.0),
            ("12 Jun 2019 09:15", 0.0, 48.0),
            ("(12345-A)", 0.0, 72.0),
            ("NO 7, JALAN MERANTI 2,", 0.0, 96.0),
            ("43000 KAJANG", 0.0, 120.0),
            ("TEL: 03-8736 1122", 0.0, 144.0),
            ("TOTAL", 0.0, 180.0),
            ("12.50", 400.0, 180.0),
        ]);
        let r = extract(&p);
        assert_eq!(r.store_name.unwrap().text, "SYARIKAT PERNIAGAAN MAJU JAYA");
        assert_eq!(r.addresses[0].text, "NO 7, JALAN MERANTI 2, 43000 KAJANG");
        assert_eq!(repair_english_name("TEO HENG STATIONERY 8 BOOKS"), "TEO HENG STATIONERY & BOOKS");
        assert_eq!(repair_english_name("99 SPEED MART 5/8"), "99 SPEED MART S/B");
        assert_eq!(repair_english_name("KEDAI 8 8 BOOKS"), "KEDAI 8 8 BOOKS");
        assert!(is_date_line("30 May 201818:24"));
        // A date line after the name, then items and no address: the items are no address.
        let p = page(&[
            ("KEDAI MAJU ENTERPRISE", 0.0, 0.0),
            ("12/06/2019 09:15", 0.0, 24.0),
            ("MILO 2 X 3.50 7.00", 0.0, 48.0),
            ("TOTAL", 0.0, 72.0),
            ("7.00", 400.0, 72.0),
        ]);
        assert!(extract(&p).addresses.is_empty());
        assert!(!is_date_line("Date: 30/05/2018"));
        assert!(!is_date_line("30/05/2018 TABLE 4"));
    }

    #[test]
    fn an_english_name_without_a_company_word_still_anchors_the_address() {
        let p = page(&[
            ("KL HANDICRAFT & TAILORING", 0.0, 0.0),
            ("19, JALAN MELATI,", 0.0, 24.0),
            ("55100 KUALA LUMPUR", 0.0, 48.0),
            ("Company Reg No.:12345-W", 0.0, 72.0),
            ("Date: 09/04/2018 10:52", 0.0, 96.0),
            ("TOTAL", 0.0, 150.0),
            ("104.00", 400.0, 150.0),
        ]);
        let r = extract(&p);
        assert_eq!(r.store_name.unwrap().text, "KL HANDICRAFT & TAILORING");
        assert_eq!(r.addresses[0].text, "19, JALAN MELATI, 55100 KUALA LUMPUR");
    }

    #[test]
    fn o_and_zero_are_repaired_by_the_word_type() {
        assert_eq!(fix_o_zero("456OO"), "45600");
        assert_eq!(fix_o_zero("SELANG0R"), "SELANGOR");
        assert_eq!(fix_o_zero("FL00R,"), "FLOOR,");
        assert_eq!(fix_o_zero("T2,SKY"), "T2,SKY");
        assert_eq!(fix_o_zero("23/1,"), "23/1,");
    }

    #[test]
    fn a_street_photo_is_not_a_receipt() {
        let p = page(&[
            ("OPEN", 0.0, 0.0),
            ("카페 라떼", 0.0, 30.0),
            ("주차금지", 0.0, 60.0),
            ("010-1234-5678", 0.0, 90.0),
        ]);
        let r = extract(&p);
        assert!(!r.recognized);
        assert!(r.total_price.is_none() && r.store_name.is_none() && r.tel.is_empty());
    }
}
