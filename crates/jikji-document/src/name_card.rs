//! Name cards (spec §8): every key is a list of values.
//!
//! Phones are found by their number pattern and classified by the label printed before them (`M.`,
//! `Mobile`, `휴대폰` → mobile; `F`, `Fax`, `팩스` → fax; `T`, `Tel`, `전화` → tel) or, unlabelled, by
//! the number (`010…` → mobile). E-mail and homepage by pattern; address by a province name or an
//! address label, with its wrapped line; company by a legal-form marker (`주식회사`, `(주)`, `Co., Ltd.`)
//! with an English line below it joined as a second value; name and position from a title dictionary
//! (`김빈대 연구원`); department by its unit suffix (`…팀`, `…실`, `…본부`).

use crate::extract::{self, field};
use crate::field::{Check, DocField, Formatted};
use crate::geometry;
use crate::labels::{self, Label};
use crate::patterns;
use crate::text::{Page, Span};
use crate::validate;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameCardResult {
    pub name: Vec<DocField>,
    pub english_name: Vec<DocField>,
    pub company: Vec<DocField>,
    pub department: Vec<DocField>,
    pub position: Vec<DocField>,
    pub address: Vec<DocField>,
    pub tel: Vec<DocField>,
    pub mobile: Vec<DocField>,
    pub fax: Vec<DocField>,
    pub email: Vec<DocField>,
    pub homepage: Vec<DocField>,
    pub recognized: bool,
}

impl NameCardResult {
    pub fn fields(&self) -> Vec<(&'static str, &Vec<DocField>)> {
        vec![
            ("name", &self.name),
            ("englishName", &self.english_name),
            ("company", &self.company),
            ("department", &self.department),
            ("position", &self.position),
            ("address", &self.address),
            ("tel", &self.tel),
            ("mobile", &self.mobile),
            ("fax", &self.fax),
            ("email", &self.email),
            ("homepage", &self.homepage),
        ]
    }
}

/// Job titles, longest first within a family so `선임연구원` wins over `연구원`.
const POSITIONS: &[&str] = &[
    "대표이사",
    "공동대표",
    "대표",
    "부사장",
    "사장",
    "회장",
    "부회장",
    "전무이사",
    "상무이사",
    "전무",
    "상무",
    "이사",
    "수석연구원",
    "책임연구원",
    "선임연구원",
    "주임연구원",
    "전임연구원",
    "연구원",
    "연구위원",
    "수석",
    "책임",
    "선임",
    "본부장",
    "센터장",
    "실장",
    "팀장",
    "파트장",
    "그룹장",
    "부장",
    "차장",
    "과장",
    "대리",
    "주임",
    "사원",
    "매니저",
    "디자이너",
    "엔지니어",
    "컨설턴트",
    "변호사",
    "회계사",
    "세무사",
    "원장",
    "교수",
    "소장",
    "점장",
    "CEO",
    "CTO",
    "CFO",
    "COO",
    "Manager",
    "Director",
    "Engineer",
    "Designer",
    "Researcher",
];

/// Department unit suffixes.
const DEPT_SUFFIXES: &[&str] = &[
    "팀",
    "실",
    "본부",
    "부",
    "센터",
    "연구소",
    "그룹",
    "사업부",
    "파트",
    "랩",
    "Lab",
];

/// Legal-form markers of a company name.
const COMPANY_MARKERS: &[&str] = &[
    "주식회사",
    "(주)",
    "㈜",
    "유한회사",
    "(유)",
    "co.,ltd",
    "co., ltd",
    "co.ltd",
    "corp",
    "inc.",
    "inc",
    "ltd",
    "llc",
    "company",
    "그룹",
    "재단",
    "협회",
];

fn classify_phone(page: &Page, sp: Span, digits: &str) -> (&'static str, String) {
    // The label: the characters before the number on its segment, else the previous segment of the row.
    let seg = &page.segs[sp.seg];
    let mut before: String = seg.chars[..sp.start].iter().map(|c| c.ch).collect();
    if before.trim().is_empty() {
        let row = &page.rows[seg.row];
        if let Some(p) = row.iter().position(|&s| s == sp.seg) {
            if p > 0 {
                before = page.segs[row[p - 1]].text();
            }
        }
    }
    let lab = before.trim().to_string();
    // The label word directly before the number (`Tel. 02-… M. 010-…` on one line).
    let last_word = lab
        .split(|c: char| c.is_whitespace() || c == '|')
        .filter(|w| !w.is_empty())
        .last()
        .unwrap_or("")
        .to_string();
    let k = labels::key(&last_word);
    let is = |l: &Label| l.has_key(&k);
    let kind = if is(&labels::NC_MOBILE) {
        "mobile"
    } else if is(&labels::NC_FAX) {
        "fax"
    } else if is(&labels::NC_TEL) {
        "tel"
    } else if digits.starts_with("01") {
        "mobile"
    } else {
        "tel"
    };
    (kind, last_word)
}

/// A name card's side holds at most this many rows of text: the synthetic cards have 8-9, a busy
/// bilingual card about twice that. Receipts and food labels sent to `/document/name-card` (the Korean
/// photos of the shared test data; 10 of the 21 came back as name cards) have 23-58 rows, a lens-wipe
/// label printing its maker's address and telephone 13 (still taken: it is laid out like a card).
const NAME_CARD_MAX_ROWS: usize = 20;

pub fn extract(result: &jikji_types::PageResult) -> NameCardResult {
    let page = Page::new(result);
    let mut r = NameCardResult::default();
    let mut used_rows: Vec<usize> = Vec::new();

    for (sp, t) in extract::find_everywhere(&page, patterns::find_phones) {
        let d = patterns::phone_value(&t);
        let (kind, key) = classify_phone(&page, sp, &d);
        let check = if validate::phone_valid(&d) {
            Check::Valid
        } else {
            Check::Invalid
        };
        let df = field(&page, &[sp], &key, Formatted::Value(d), check);
        used_rows.push(page.segs[sp.seg].row);
        match kind {
            "mobile" => r.mobile.push(df),
            "fax" => r.fax.push(df),
            _ => r.tel.push(df),
        }
    }
    for (mut sp, t) in extract::find_everywhere(&page, patterns::find_emails) {
        let mut v: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        // The card's `E.` label read glued to the address (`E.sungdong.ryu@…`): addresses are written
        // in lower case, the label in capitals.
        if let Some(rest) = v.strip_prefix("E.").filter(|r| r.starts_with(|c: char| c.is_ascii_lowercase())) {
            let cut = page.span_text(sp).find(rest).map_or(2, |b| page.span_text(sp)[..b].chars().count());
            sp.start += cut;
            v = rest.to_string();
        }
        r.email
            .push(field(&page, &[sp], "", Formatted::Value(v), Check::None));
        used_rows.push(page.segs[sp.seg].row);
    }
    for (sp, t) in extract::find_everywhere(&page, patterns::find_urls) {
        if t.contains('@') {
            continue;
        }
        r.homepage.push(field(
            &page,
            &[sp],
            "",
            Formatted::Value(t.clone()),
            Check::None,
        ));
        used_rows.push(page.segs[sp.seg].row);
    }
    // Address: a line starting with a province (after an optional label), plus a wrapped line.
    let stop: Vec<&Label> = vec![
        &labels::NC_TEL,
        &labels::NC_MOBILE,
        &labels::NC_FAX,
        &labels::NC_EMAIL,
        &labels::NC_WEB,
    ];
    for s in page.reading_order() {
        if used_rows.contains(&page.segs[s].row) {
            continue;
        }
        let mut sp = page.trim(page.seg_span(s));
        let mut key = String::new();
        if let Some(f) = labels::match_at(&page, s, &labels::NC_ADDRESS) {
            if let Some(v) = geometry::value_right(&page, &f) {
                key = extract::label_text(&page, &f);
                sp = v;
            }
        }
        let t = page.span_text(sp);
        // Letter-spaced on some cards (`서 울 특 별 시 금천구`).
        let solid = t.replace(' ', "");
        if patterns::PROVINCES.iter().any(|p| solid.starts_with(p)) && t.chars().any(|c| c.is_ascii_digit()) {
            let mut spans = vec![sp];
            spans.extend(
                geometry::continuation(&page, sp, &stop, 1)
                    .into_iter()
                    .filter(|c| {
                        patterns::find_phones(&page.span_text(*c)).is_empty()
                            && patterns::find_emails(&page.span_text(*c)).is_empty()
                    }),
            );
            for s2 in &spans {
                used_rows.push(page.segs[s2.seg].row);
            }
            let mut df = field(&page, &spans, &key, Formatted::None, Check::None);
            df.formatted = Formatted::Value(df.text.clone());
            r.address.push(df);
            break;
        }
    }

    // Company, name, position, department from the remaining lines.
    let mut company_row = None;
    for s in page.reading_order() {
        let row = page.segs[s].row;
        if used_rows.contains(&row) {
            continue;
        }
        let sp = page.trim(page.seg_span(s));
        let t = page.span_text(sp);
        let low = t.to_lowercase();
        if COMPANY_MARKERS.iter().any(|m| low.contains(m)) && r.company.is_empty() {
            r.company.push(value_field(&page, sp));
            company_row = Some(row);
            used_rows.push(row);
        }
    }
    // The English company line right below a Korean one (`㈜한빛산업` / `Hanbit Industries`).
    if let Some(cr) = company_row {
        if let Some(&s) = page.rows.get(cr + 1).and_then(|r| r.first()) {
            let t = page.segs[s].text();
            if !r.company[0].text.chars().any(|c| c.is_ascii_alphabetic()) && is_english_twin(&t) {
                r.company
                    .push(value_field(&page, page.trim(page.seg_span(s))));
                used_rows.push(cr + 1);
            }
        }
    }
    // Name + position: a Hangul name of 2-4 syllables next to a title word.
    let mut name_row = None;
    'rows: for (row, segs) in page.rows.iter().enumerate() {
        if used_rows.contains(&row) {
            continue;
        }
        // The words of the whole row: a large name and a small title are often two OCR lines side by
        // side (`최미종` `책임연구원`), not one.
        let words: Vec<Span> = segs.iter().flat_map(|&s| page.words(page.seg_span(s))).collect();
        for (i, w) in words.iter().enumerate() {
            let wt = page.span_text(*w);
            if let Some(p) = POSITIONS.iter().find(|p| {
                wt == **p || wt.ends_with(**p) && wt.chars().count() <= p.chars().count() + 4
            }) {
                let _ = p;
                r.position.push(value_field(&page, *w));
                // The name: the previous Hangul word, else the next one; a letter-spaced name
                // (`장 빈 다 연구원`) is the single syllables before the title.
                let syllables: Vec<Span> = words[..i]
                    .iter()
                    .rev()
                    .take_while(|w| {
                        let t = page.span_text(**w);
                        t.chars().count() == 1 && t.chars().all(labels::is_hangul)
                    })
                    .take(4)
                    .copied()
                    .collect();
                if (2..=4).contains(&syllables.len()) {
                    let mut spans = syllables;
                    spans.reverse();
                    let mut df = value_field_spans(&page, &spans);
                    df.formatted = Formatted::Value(df.text.replace(' ', ""));
                    r.name.push(df);
                } else {
                    let cand = if i > 0 {
                        Some(words[i - 1])
                    } else {
                        words.get(i + 1).copied()
                    };
                    if let Some(n) = cand {
                        let nt = page.span_text(n);
                        if is_korean_name(&nt) {
                            r.name.push(value_field(&page, n));
                        }
                    }
                }
                name_row = Some(row);
                used_rows.push(row);
                break 'rows;
            }
        }
    }
    if r.name.is_empty() {
        // The tallest Hangul-only 2-4 syllable line.
        let best = page
            .reading_order()
            .into_iter()
            .filter(|&s| {
                !used_rows.contains(&page.segs[s].row)
                    && is_korean_name(&page.segs[s].text().replace(' ', ""))
            })
            .max_by(|&a, &b| page.segs[a].height().total_cmp(&page.segs[b].height()));
        if let Some(s) = best {
            r.name.push(value_field(&page, page.trim(page.seg_span(s))));
            name_row = Some(page.segs[s].row);
            used_rows.push(page.segs[s].row);
        }
    }
    // English name: a Latin 2-3 word line right below the name line.
    if let Some(nr) = name_row {
        if let Some(&s) = page.rows.get(nr + 1).and_then(|r| r.first()) {
            let t = page.segs[s].text();
            // A word starting in lower case is the previous word cut by the OCR (`RYU Em ma`).
            let mut ws: Vec<String> = Vec::new();
            for w in t.split_whitespace() {
                match ws.last_mut() {
                    Some(prev) if w.starts_with(|c: char| c.is_ascii_lowercase()) => prev.push_str(w),
                    _ => ws.push(w.to_string()),
                }
            }
            if (2..=3).contains(&ws.len())
                && ws.iter().all(|w| {
                    w.chars()
                        .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '.')
                        && w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                })
            {
                let mut df = value_field(&page, page.trim(page.seg_span(s)));
                df.text = ws.join(" ");
                let fixed = capital_i_in_caps(&df.text);
                if fixed != df.text {
                    df.text = fixed.clone();
                    df.formatted = Formatted::Value(fixed);
                }
                r.english_name.push(df);
                used_rows.push(nr + 1);
            }
        }
    }
    // Department: a line whose first word ends in a unit suffix.
    for s in page.reading_order() {
        let row = page.segs[s].row;
        if used_rows.contains(&row) {
            continue;
        }
        let t = page.segs[s].text();
        let first = t
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if first.chars().count() >= 2
            && first.chars().any(labels::is_hangul)
            && DEPT_SUFFIXES.iter().any(|x| first.ends_with(x))
        {
            // The row from this segment on; a Korean name followed by its English one is two values,
            // as the company's two lines are (`전략기획실  Strategic Planning`).
            let row_segs = &page.rows[row];
            let from = row_segs.iter().position(|&x| x == s).unwrap_or(0);
            let words: Vec<Span> = row_segs[from..]
                .iter()
                .flat_map(|&x| page.words(page.seg_span(x)))
                .collect();
            for group in language_groups(&page, &words) {
                r.department.push(value_field_spans(&page, &group));
            }
            used_rows.push(row);
            // Its English name on the line below, as the company's (`재무회계팀` / `Finance & Accounting`).
            if r.department.len() == 1 {
                if let Some(&b) = page.rows.get(row + 1).and_then(|r| r.first()) {
                    let bt = page.segs[b].text();
                    if !used_rows.contains(&(row + 1)) && is_english_twin(&bt) {
                        r.department.push(value_field(&page, page.trim(page.seg_span(b))));
                        used_rows.push(row + 1);
                    }
                }
            }
            break;
        }
    }

    let contact = r.tel.len() + r.mobile.len() + r.fax.len() + r.email.len();
    // A receipt or a product label also prints a company and a telephone number: a page the receipt
    // reader recognises, or with more rows than a card holds, is no name card.
    let card_sized = page.rows.len() <= NAME_CARD_MAX_ROWS;
    r.recognized = contact >= 1
        && (!r.name.is_empty() || !r.company.is_empty())
        && card_sized
        && !crate::receipt::extract(result).recognized;
    if !r.recognized {
        return NameCardResult::default();
    }
    r
}

/// A line in Latin letters that can be the English twin of the Korean line above it: three letters
/// or more, no Hangul, no telephone number, no e-mail.
fn is_english_twin(t: &str) -> bool {
    t.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 3
        && !t.chars().any(labels::is_hangul)
        && patterns::find_phones(t).is_empty()
        && !t.contains('@')
}

fn is_korean_name(t: &str) -> bool {
    let n = t.chars().count();
    (2..=4).contains(&n) && t.chars().all(labels::is_hangul) && !POSITIONS.contains(&t)
}

fn value_field(page: &Page, sp: Span) -> DocField {
    value_field_spans(page, &[sp])
}

fn value_field_spans(page: &Page, spans: &[Span]) -> DocField {
    let mut df = field(page, spans, "", Formatted::None, Check::None);
    df.formatted = Formatted::Value(df.text.clone());
    df
}

/// Words split where a Hangul run gives way to a Latin one: `전략기획실 Strategic Planning` →
/// `[전략기획실]`, `[Strategic Planning]`. A lone `/` between the two is dropped; words with neither
/// script (digits, `&`) stay with the run they follow. One group when the row has one language, or when
/// the Latin words come first.
fn language_groups(page: &Page, words: &[Span]) -> Vec<Vec<Span>> {
    let has_hangul = |w: &Span| page.span_text(*w).chars().any(labels::is_hangul);
    let latin_only = |w: &Span| {
        let t = page.span_text(*w);
        t.chars().any(|c| c.is_ascii_alphabetic()) && !t.chars().any(labels::is_hangul)
    };
    let split = words.iter().position(latin_only).filter(|&i| {
        i > 0 && words[..i].iter().any(has_hangul) && !words[i..].iter().any(has_hangul)
    });
    match split {
        Some(i) => {
            let korean: Vec<Span> = words[..i]
                .iter()
                .copied()
                .filter(|w| page.span_text(*w) != "/")
                .collect();
            vec![korean, words[i..].to_vec()]
        }
        None => vec![words
            .iter()
            .copied()
            .filter(|w| page.span_text(*w) != "/")
            .collect()],
    }
}

/// An upper-case Latin word read with a lower-case `l` where the capital `I` was printed (`CHOl` →
/// `CHOI`): the Latin recogniser confuses the two glyphs, and a word of three or more letters whose
/// other letters are all capitals is written in capitals. Mixed-case words are left alone (`Paul`).
fn capital_i_in_caps(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let letters: Vec<char> = w.chars().filter(|c| c.is_ascii_alphabetic()).collect();
            let caps = letters.iter().filter(|c| c.is_ascii_uppercase()).count();
            if letters.len() >= 3
                && letters.contains(&'l')
                && caps + letters.iter().filter(|&&c| c == 'l').count() == letters.len()
                && caps >= 2
            {
                w.replace('l', "I")
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::page;

    #[test]
    fn bilingual_card() {
        let p = page(&[
            ("㈜한빛산업", 0.0, 0.0),
            ("Hanbit Industries", 0.0, 30.0),
            ("김빈대 연구원", 0.0, 80.0),
            ("Chris Kim", 0.0, 110.0),
            ("AI연구팀 / AI Research", 0.0, 140.0),
            ("Tel. 033-314-3474", 0.0, 200.0),
            ("M. 010-9158-0184", 0.0, 225.0),
            ("F. 033-314-8641", 0.0, 250.0),
            ("E. bkim@hanbitindustries.co.kr", 0.0, 275.0),
            ("W. www.hanbit.co.kr", 0.0, 300.0),
            ("강원특별자치도 강릉시 사임당로 224, 12층", 0.0, 325.0),
            ("(상암동, KT캐슬)", 0.0, 350.0),
        ]);
        let r = extract(&p);
        let texts = |v: &Vec<DocField>| v.iter().map(|f| f.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&r.company), ["㈜한빛산업", "Hanbit Industries"]);
        assert_eq!(texts(&r.name), ["김빈대"]);
        assert_eq!(texts(&r.position), ["연구원"]);
        assert_eq!(texts(&r.english_name), ["Chris Kim"]);
        assert_eq!(texts(&r.department), ["AI연구팀", "AI Research"]);
        assert_eq!(texts(&r.tel), ["033-314-3474"]);
        assert_eq!(texts(&r.mobile), ["010-9158-0184"]);
        assert_eq!(texts(&r.fax), ["033-314-8641"]);
        assert_eq!(texts(&r.email), ["bkim@hanbitindustries.co.kr"]);
        assert_eq!(texts(&r.homepage), ["www.hanbit.co.kr"]);
        assert_eq!(
            texts(&r.address),
            ["강원특별자치도 강릉시 사임당로 224, 12층 (상암동, KT캐슬)"]
        );
        assert_eq!(
            r.mobile[0].formatted,
            Formatted::Value("01091580184".into())
        );
    }

    #[test]
    fn unlabelled_phones_by_number() {
        let p = page(&[
            ("홍길동", 0.0, 0.0),
            ("주식회사 가나", 0.0, 40.0),
            ("02-123-4567  010-1234-5678", 0.0, 80.0),
        ]);
        let r = extract(&p);
        assert_eq!(r.tel[0].text, "02-123-4567");
        assert_eq!(r.mobile[0].text, "010-1234-5678");
        assert_eq!(r.name[0].text, "홍길동");
    }

    #[test]
    fn no_contact_no_card() {
        let p = page(&[("홍길동", 0.0, 0.0), ("안녕하세요", 0.0, 40.0)]);
        assert!(!extract(&p).recognized);
        // A receipt prints its store and telephone too.
        let receipt = page(&[
            ("주식회사 가나마트", 0.0, 0.0),
            ("사업자번호 457-64-46655", 0.0, 40.0),
            ("TEL:061-996-7749", 0.0, 80.0),
            ("거래일시: 2025/02/17 11:38", 0.0, 120.0),
            ("두부 300g 1,980 3 5,940", 0.0, 160.0),
            ("합 계 5,940", 0.0, 200.0),
        ]);
        assert!(!extract(&receipt).recognized);
        // So does a food label, on many more rows than a card holds.
        let owned: Vec<String> = (0..NAME_CARD_MAX_ROWS).map(|i| format!("원재료명 돼지고기 {i}")).collect();
        let mut rows: Vec<(&str, f32, f32)> = vec![("주식회사 가나", 0.0, 0.0), ("02-123-4567", 0.0, 40.0)];
        rows.extend(owned.iter().enumerate().map(|(i, t)| (t.as_str(), 0.0, 80.0 + 40.0 * i as f32)));
        assert!(!extract(&page(&rows)).recognized);
        rows.truncate(NAME_CARD_MAX_ROWS);
        assert!(extract(&page(&rows)).recognized, "as many rows as a card holds");
    }

    #[test]
    fn name_and_title_as_two_lines_of_one_row() {
        // A large name and a small title side by side are two OCR lines on one row.
        let p = page(&[
            ("주식회사 한빛식품", 0.0, 0.0),
            ("최미종", 0.0, 80.0),
            ("책임연구원", 60.0, 84.0),
            ("CHOl Grace", 0.0, 110.0),
            ("전략기획실  Strategic Planning", 0.0, 140.0),
            ("Tel. 02-4416-6773", 0.0, 200.0),
        ]);
        let r = extract(&p);
        let texts = |v: &Vec<DocField>| v.iter().map(|f| f.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&r.name), ["최미종"]);
        assert_eq!(texts(&r.position), ["책임연구원"]);
        assert_eq!(
            texts(&r.english_name),
            ["CHOI Grace"],
            "l read for a capital I in an upper-case word"
        );
        assert_eq!(texts(&r.department), ["전략기획실", "Strategic Planning"]);
    }

    #[test]
    fn capital_i_only_in_upper_case_words() {
        assert_eq!(capital_i_in_caps("CHOl Grace"), "CHOI Grace");
        assert_eq!(capital_i_in_caps("Paul Choi"), "Paul Choi");
        assert_eq!(capital_i_in_caps("KlM"), "KIM");
        assert_eq!(
            capital_i_in_caps("Al Kim"),
            "Al Kim",
            "two letters: too short to tell"
        );
        assert_eq!(capital_i_in_caps("lll"), "lll", "no capital to go by");
    }

    #[test]
    fn english_twins_split_english_name_glued_label_and_letter_spacing() {
        let p = page(&[
            ("주식회사 한누리산업", 0.0, 0.0),
            ("장 빈 다 실장", 0.0, 40.0),
            ("RYU Em ma", 0.0, 64.0),
            ("재무회계팀", 0.0, 100.0),
            ("Finance & Accounting", 0.0, 124.0),
            ("T.032.969.1032", 0.0, 160.0),
            ("E.sungdong.ryu@hannuriind.co.kr", 0.0, 190.0),
            ("주소 서 울 특 별 시 금천구 들꽃길 396", 0.0, 220.0),
        ]);
        let r = extract(&p);
        let texts = |v: &[DocField]| v.iter().map(|f| f.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&r.name), ["장 빈 다"]);
        assert_eq!(r.name[0].formatted, Formatted::Value("장빈다".into()));
        assert_eq!(texts(&r.english_name), ["RYU Emma"]);
        assert_eq!(texts(&r.department), ["재무회계팀", "Finance & Accounting"]);
        assert_eq!(texts(&r.email), ["sungdong.ryu@hannuriind.co.kr"]);
        assert_eq!(texts(&r.address), ["서 울 특 별 시 금천구 들꽃길 396"]);
    }

    #[test]
    fn one_language_department_is_one_value() {
        let p = page(&[
            ("㈜가나", 0.0, 0.0),
            ("홍길동 과장", 0.0, 40.0),
            ("영업2팀 국내영업", 0.0, 80.0),
            ("010-1234-5678", 0.0, 120.0),
        ]);
        let r = extract(&p);
        assert_eq!(
            r.department
                .iter()
                .map(|f| f.text.as_str())
                .collect::<Vec<_>>(),
            ["영업2팀 국내영업"]
        );
    }
}
