//! Machine-readable zones (ICAO 9303): TD3 (passports, 2 × 44), TD2 (2 × 36) and TD1 (ID cards,
//! 3 × 30); parsing, check digits, and repair of OCR confusions.
//!
//! Repair: each field has a grammar — digits (dates, check digits), letters (country codes, sex,
//! names) or alphanumerics (document and personal numbers). A character outside its field's alphabet
//! is mapped across the confusion pairs `0/O 1/I 5/S 8/B 2/Z` (a country code read `UT0` → `UTO`).
//! Alphanumeric fields cannot be repaired that way, so for them every combination of confusion swaps is
//! tried and a repair is taken only when exactly one combination with the fewest swaps makes the
//! field's check digit hold.

/// ICAO 9303 character value: digits as is, `A`–`Z` = 10–35, `<` = 0.
fn char_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'A'..=b'Z' => (c - b'A') as u32 + 10,
        _ => 0,
    }
}

/// The check digit of a field (weights 7, 3, 1 repeating).
pub fn check_digit(s: &[u8]) -> u8 {
    const W: [u32; 3] = [7, 3, 1];
    let sum: u32 = s
        .iter()
        .enumerate()
        .map(|(i, &c)| char_value(c) * W[i % 3])
        .sum();
    (sum % 10) as u8 + b'0'
}

/// The MRZ formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MrzFormat {
    Td1,
    Td2,
    Td3,
}

impl MrzFormat {
    pub fn name(self) -> &'static str {
        match self {
            MrzFormat::Td1 => "TD1",
            MrzFormat::Td2 => "TD2",
            MrzFormat::Td3 => "TD3",
        }
    }
}

/// A parsed MRZ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mrz {
    pub format: MrzFormat,
    /// The lines after repair.
    pub lines: Vec<String>,
    pub document_code: String,
    pub issuing_state: String,
    pub surname: String,
    pub given_names: String,
    pub document_number: String,
    pub nationality: String,
    /// YYMMDD.
    pub birth_date: String,
    pub sex: String,
    pub expiry_date: String,
    pub personal_number: String,
    /// Check results: document number, birth date, expiry date, personal number (when it has a digit)
    /// and the composite.
    pub checks: MrzChecks,
    /// How many characters were changed by repair.
    pub repaired: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MrzChecks {
    pub document_number: bool,
    pub birth_date: bool,
    pub expiry_date: bool,
    pub personal_number: bool,
    pub composite: bool,
}

impl MrzChecks {
    pub fn all(&self) -> bool {
        self.document_number
            && self.birth_date
            && self.expiry_date
            && self.personal_number
            && self.composite
    }
}

fn to_digit(c: u8) -> u8 {
    match c {
        b'O' | b'Q' | b'D' => b'0',
        b'I' | b'L' => b'1',
        b'Z' => b'2',
        b'S' => b'5',
        b'B' => b'8',
        b'G' => b'6',
        b'<' => b'<',
        _ => c,
    }
}

fn to_letter(c: u8) -> u8 {
    match c {
        b'0' => b'O',
        b'1' => b'I',
        b'2' => b'Z',
        b'5' => b'S',
        b'8' => b'B',
        b'6' => b'G',
        _ => c,
    }
}

/// Alternatives of an alphanumeric character under the confusion pairs.
fn swaps(c: u8) -> Option<u8> {
    Some(match c {
        b'0' => b'O',
        b'O' => b'0',
        b'1' => b'I',
        b'I' => b'1',
        b'5' => b'S',
        b'S' => b'5',
        b'8' => b'B',
        b'B' => b'8',
        b'2' => b'Z',
        b'Z' => b'2',
        _ => return None,
    })
}

/// Cleans an OCR'd line: upper case, spaces removed, look-alikes of `<` mapped (`«` = `<<`).
pub fn clean_line(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '«' => out.push_str("<<"),
            '‹' | '〈' | '＜' | '<' | 'く' | '∠' | '(' | '{' | '[' => out.push('<'),
            c if c.is_whitespace() => {}
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            _ => out.push('<'),
        }
    }
    out
}

/// Whether a cleaned line looks like an MRZ line (long, from the MRZ alphabet, with fillers or digits).
pub fn looks_like_mrz(s: &str) -> bool {
    s.len() >= 26
        && s.bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<')
        && (s.contains("<<") || s.bytes().filter(u8::is_ascii_digit).count() >= 10)
}

/// At most this fraction of an MRZ line's letters may be read in lower case: the MRZ is printed in
/// capitals and read so (a stray `o` for `O` happens), while a bilingual card's English heading
/// (`체류기간 연장 허가 Extension of Period of Sojourn`: Hangul → fillers, words run together) would
/// otherwise pass for a TD2 line.
const MRZ_LOWERCASE_MAX: f32 = 0.25;

/// Whether an OCR'd line (as read, not cleaned) is an MRZ line: [`looks_like_mrz`] after
/// [`clean_line`], and written in capitals.
pub fn is_mrz_line(raw: &str) -> bool {
    let letters = raw.chars().filter(char::is_ascii_alphabetic).count();
    let lower = raw.chars().filter(char::is_ascii_lowercase).count();
    lower as f32 <= MRZ_LOWERCASE_MAX * letters as f32 && looks_like_mrz(&clean_line(raw))
}

fn fit(s: &str, n: usize) -> Vec<u8> {
    let mut b: Vec<u8> = s.bytes().take(n).collect();
    b.resize(n, b'<');
    b
}

/// Repairs a field made of digits (and fillers).
fn digits_field(b: &mut [u8]) -> usize {
    let mut n = 0;
    for c in b.iter_mut() {
        let d = to_digit(*c);
        if d != *c {
            *c = d;
            n += 1;
        }
    }
    n
}

fn letters_field(b: &mut [u8]) -> usize {
    let mut n = 0;
    for c in b.iter_mut() {
        let d = to_letter(*c);
        if d != *c {
            *c = d;
            n += 1;
        }
    }
    n
}

/// Makes an alphanumeric field agree with its check digit by the unique combination of confusion swaps
/// (at most 2^8 combinations are tried; more ambiguous positions are left as read).
fn repair_alnum(field: &mut [u8], check: u8) -> (bool, usize) {
    if check_digit(field) == check {
        return (true, 0);
    }
    let pos: Vec<usize> = (0..field.len())
        .filter(|&i| swaps(field[i]).is_some())
        .collect();
    if pos.is_empty() || pos.len() > 8 {
        return (false, 0);
    }
    // The fewest swaps win; a tie at the fewest is ambiguous and repairs nothing.
    let mut found: Option<Vec<u8>> = None;
    let mut best_swaps = u32::MAX;
    let mut count = 0;
    for mask in 1u32..(1 << pos.len()) {
        let mut c = field.to_vec();
        for (k, &p) in pos.iter().enumerate() {
            if mask & (1 << k) != 0 {
                c[p] = swaps(c[p]).unwrap();
            }
        }
        if check_digit(&c) == check {
            let n = mask.count_ones();
            if n < best_swaps {
                best_swaps = n;
                count = 1;
                found = Some(c);
            } else if n == best_swaps {
                count += 1;
            }
        }
    }
    match (count, found) {
        (1, Some(c)) => {
            let n = c.iter().zip(field.iter()).filter(|(a, b)| a != b).count();
            field.copy_from_slice(&c);
            (true, n)
        }
        _ => (false, 0),
    }
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn names(b: &[u8]) -> (String, String) {
    let t = s(b);
    let (sur, given) = t.split_once("<<").unwrap_or((t.as_str(), ""));
    let clean = |x: &str| {
        x.split('<')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    (clean(sur), clean(given))
}

/// Parses 2 (TD3/TD2) or 3 (TD1) cleaned lines.
pub fn parse(lines: &[String]) -> Option<Mrz> {
    match lines.len() {
        2 => {
            let long = lines.iter().map(|l| l.len()).max().unwrap_or(0);
            if long >= 40 {
                parse_2(lines, 44, MrzFormat::Td3)
            } else {
                parse_2(lines, 36, MrzFormat::Td2)
            }
        }
        3 => parse_td1(lines),
        _ => None,
    }
}

fn parse_2(lines: &[String], n: usize, format: MrzFormat) -> Option<Mrz> {
    let mut l1 = fit(&lines[0], n);
    let mut l2 = fit(&lines[1], n);
    let mut repaired = 0;
    // Line 1: document code (letters), issuing state (letters), names (letters).
    repaired += letters_field(&mut l1[0..n]);
    // Line 2 fields.
    let (doc_end, nat, dob, sex, exp, pers_end) = if format == MrzFormat::Td3 {
        (9, 10, 13, 20, 21, 42)
    } else {
        (9, 10, 13, 20, 21, 35)
    };
    let check_doc = to_digit(l2[doc_end]);
    l2[doc_end] = check_doc;
    let (doc_ok, k) = repair_alnum(&mut l2[0..doc_end], check_doc);
    repaired += k;
    repaired += letters_field(&mut l2[nat..nat + 3]);
    repaired += digits_field(&mut l2[dob..dob + 7]);
    l2[sex] = match l2[sex] {
        b'P' | b'F' => b'F',
        b'H' | b'N' | b'W' => b'M',
        c => c,
    };
    repaired += digits_field(&mut l2[exp..exp + 7]);
    let dob_ok = check_digit(&l2[dob..dob + 6]) == l2[dob + 6];
    let exp_ok = check_digit(&l2[exp..exp + 6]) == l2[exp + 6];
    let (pers_ok, personal) = if format == MrzFormat::Td3 {
        let pc = to_digit(l2[pers_end]);
        l2[pers_end] = pc;
        let filler = l2[28..42].iter().all(|&c| c == b'<');
        let ok = if pc == b'<' && filler {
            true
        } else {
            repair_alnum(&mut l2[28..42], pc).0
        };
        (ok, s(&l2[28..42]).trim_end_matches('<').to_string())
    } else {
        (true, s(&l2[28..35]).trim_end_matches('<').to_string())
    };
    let last = n - 1;
    l2[last] = to_digit(l2[last]);
    let composite_src: Vec<u8> = if format == MrzFormat::Td3 {
        [&l2[0..10], &l2[13..20], &l2[21..43]].concat()
    } else {
        [&l2[0..10], &l2[13..20], &l2[21..35]].concat()
    };
    let comp_ok = check_digit(&composite_src) == l2[last];
    let (surname, given) = names(&l1[5..n]);
    Some(Mrz {
        format,
        lines: vec![s(&l1), s(&l2)],
        document_code: s(&l1[0..2]).trim_end_matches('<').to_string(),
        issuing_state: s(&l1[2..5]).trim_end_matches('<').to_string(),
        surname,
        given_names: given,
        document_number: s(&l2[0..doc_end]).trim_end_matches('<').to_string(),
        nationality: s(&l2[nat..nat + 3]).trim_end_matches('<').to_string(),
        birth_date: s(&l2[dob..dob + 6]),
        sex: s(&l2[sex..sex + 1]),
        expiry_date: s(&l2[exp..exp + 6]),
        personal_number: personal,
        checks: MrzChecks {
            document_number: doc_ok,
            birth_date: dob_ok,
            expiry_date: exp_ok,
            personal_number: pers_ok,
            composite: comp_ok,
        },
        repaired,
    })
}

fn parse_td1(lines: &[String]) -> Option<Mrz> {
    let mut l1 = fit(&lines[0], 30);
    let mut l2 = fit(&lines[1], 30);
    let mut l3 = fit(&lines[2], 30);
    let mut repaired = letters_field(&mut l1[0..5]);
    l1[14] = to_digit(l1[14]);
    let check_doc = l1[14];
    let (doc_ok, k) = repair_alnum(&mut l1[5..14], check_doc);
    repaired += k;
    repaired += digits_field(&mut l2[0..7]);
    repaired += digits_field(&mut l2[8..15]);
    repaired += letters_field(&mut l2[15..18]);
    repaired += letters_field(&mut l3[..]);
    l2[29] = to_digit(l2[29]);
    let dob_ok = check_digit(&l2[0..6]) == l2[6];
    let exp_ok = check_digit(&l2[8..14]) == l2[14];
    let composite_src: Vec<u8> = [&l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]].concat();
    let comp_ok = check_digit(&composite_src) == l2[29];
    let (surname, given) = names(&l3);
    Some(Mrz {
        format: MrzFormat::Td1,
        lines: vec![s(&l1), s(&l2), s(&l3)],
        document_code: s(&l1[0..2]).trim_end_matches('<').to_string(),
        issuing_state: s(&l1[2..5]).trim_end_matches('<').to_string(),
        surname,
        given_names: given,
        document_number: s(&l1[5..14]).trim_end_matches('<').to_string(),
        nationality: s(&l2[15..18]).trim_end_matches('<').to_string(),
        birth_date: s(&l2[0..6]),
        sex: s(&l2[7..8]),
        expiry_date: s(&l2[8..14]),
        personal_number: s(&l1[15..30]).trim_end_matches('<').to_string(),
        checks: MrzChecks {
            document_number: doc_ok,
            birth_date: dob_ok,
            expiry_date: exp_ok,
            personal_number: true,
            composite: comp_ok,
        },
        repaired,
    })
}

/// Check digits of the document number, birth date, expiry date and composite that must hold (after
/// repair) for lines to be taken as an MRZ. A receipt's `TEL: 03-...` / `FAX` lines pass
/// [`is_mrz_line`] (punctuation becomes fillers, ten digits); a chance line holds a check 1 time in
/// 10, two 1 in 20 (of 4). The ICAO specimens and the synthetic passports (flat and photo) hold all
/// four or three.
const MRZ_CHECKS_MIN: usize = 2;

/// Whether a parse is an MRZ rather than lines that look like one: its document code starts as ICAO
/// 9303 codes do (`P` passport, `I`/`A`/`C` ID cards, `V` visa) and [`MRZ_CHECKS_MIN`] checks hold.
fn plausible(m: &Mrz) -> bool {
    let c = &m.checks;
    let held = [c.document_number, c.birth_date, c.expiry_date, c.composite]
        .into_iter()
        .filter(|&h| h)
        .count();
    matches!(m.document_code.bytes().next(), Some(b'P' | b'I' | b'A' | b'C' | b'V'))
        && held >= MRZ_CHECKS_MIN
}

/// Finds the MRZ among OCR'd lines (any order): the last 2 or 3 consecutive MRZ-looking lines, when
/// they are [`plausible`].
pub fn find(lines: &[String]) -> Option<Mrz> {
    find_any(lines).filter(plausible)
}

fn find_any(lines: &[String]) -> Option<Mrz> {
    let cleaned: Vec<String> = lines.iter().map(|l| clean_line(l)).collect();
    let idx: Vec<usize> = (0..cleaned.len())
        .filter(|&i| is_mrz_line(&lines[i]))
        .collect();
    if idx.len() >= 3 && cleaned[idx[idx.len() - 1]].len() <= 32 {
        let t: Vec<String> = idx[idx.len() - 3..]
            .iter()
            .map(|&i| cleaned[i].clone())
            .collect();
        return parse(&t);
    }
    if idx.len() >= 2 {
        let t: Vec<String> = idx[idx.len() - 2..]
            .iter()
            .map(|&i| cleaned[i].clone())
            .collect();
        return parse(&t);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const L1: &str = "PMKORLEE<<HUNJONG<<<<<<<<<<<<<<<<<<<<<<<<<<<";
    const L2: &str = "M402X96882KOR6112088F3103131<<<<<<<<<<<<<<<8";

    #[test]
    fn td3_parses_and_checks() {
        let m = parse(&[L1.into(), L2.into()]).unwrap();
        assert_eq!(m.format, MrzFormat::Td3);
        assert_eq!(m.document_code, "PM");
        assert_eq!(m.issuing_state, "KOR");
        assert_eq!(m.surname, "LEE");
        assert_eq!(m.given_names, "HUNJONG");
        assert_eq!(m.document_number, "M402X9688");
        assert_eq!(m.birth_date, "611208");
        assert_eq!(m.sex, "F");
        assert_eq!(m.expiry_date, "310313");
        assert!(m.checks.all(), "{:?}", m.checks);
        assert_eq!(m.repaired, 0);
    }

    #[test]
    fn icao_specimen_with_confusions_is_repaired() {
        // ICAO 9303 specimen, with UTO read as UT0 and a date digit read as a letter.
        let l1 = "P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let l2 = "L898902C36UT07408122F12O4159ZE184226B<<<<<10";
        let m = parse(&[l1.into(), l2.into()]).unwrap();
        assert_eq!(m.issuing_state, "UTO");
        assert_eq!(m.nationality, "UTO");
        assert_eq!(m.expiry_date, "120415");
        assert_eq!(m.surname, "ERIKSSON");
        assert_eq!(m.given_names, "ANNA MARIA");
        assert_eq!(m.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
        assert!(m.checks.all(), "{:?}", m.checks);
        assert!(m.repaired >= 3);
    }

    #[test]
    fn document_number_repair_needs_a_unique_answer() {
        // Document number L898902C3 read as L8989O2C3: one swap makes the check digit hold.
        let l2 = "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10";
        let m = parse(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".into(),
            l2.into(),
        ])
        .unwrap();
        assert_eq!(m.document_number, "L898902C3");
        assert!(m.checks.document_number);
    }

    #[test]
    fn corrupted_check_digit_fails() {
        let l2 = "M402X96882KOR6112081F3103131<<<<<<<<<<<<<<<8";
        let m = parse(&[L1.into(), l2.into()]).unwrap();
        assert!(!m.checks.birth_date);
        assert!(!m.checks.all());
    }

    #[test]
    fn td1_and_td2() {
        // ICAO 9303 part 5 TD1 specimen.
        let m = parse(&[
            "I<UTOD231458907<<<<<<<<<<<<<<<".into(),
            "7408122F1204159UTO<<<<<<<<<<<6".into(),
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<".into(),
        ])
        .unwrap();
        assert_eq!(m.format, MrzFormat::Td1);
        assert_eq!(m.document_number, "D23145890");
        assert!(
            m.checks.document_number
                && m.checks.birth_date
                && m.checks.expiry_date
                && m.checks.composite,
            "{:?}",
            m.checks
        );
        // TD2 specimen (part 6).
        let m = parse(&[
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<".into(),
            "D231458907UTO7408122F1204159<<<<<<<6".into(),
        ])
        .unwrap();
        assert_eq!(m.format, MrzFormat::Td2);
        assert!(m.checks.all(), "{:?}", m.checks);
    }

    #[test]
    fn clean_and_find() {
        let lines = vec![
            "대한민국".to_string(),
            "PMKORLEE«HUNJONG<<<<<<<<<<<<<<<<<<<<<<<<<<<".to_string(),
            L2.to_string(),
        ];
        let m = find(&lines).unwrap();
        assert_eq!(m.surname, "LEE");
    }

    #[test]
    fn english_headings_are_no_mrz() {
        // Hangul becomes fillers and the words run together: 34 characters with `<<`.
        assert!(looks_like_mrz(&clean_line("체류기간 연장 허가 Extension of Period of Sojourn")));
        assert!(!is_mrz_line("체류기간 연장 허가 Extension of Period of Sojourn"));
        assert!(!is_mrz_line("체류지 변경 신고 Report on Change of Residence"));
        assert!(is_mrz_line(L2));
        assert!(is_mrz_line("PMKORLEE«HUNJoNG<<<<<<<<<<<<<<<<<<<<<<<<<<<"), "one letter read in lower case");
    }

    #[test]
    fn receipt_lines_that_look_like_one_are_no_mrz() {
        // Punctuation becomes fillers and the phone numbers give ten digits: both lines look like an
        // MRZ, but no ICAO document code starts them and the check digits do not hold.
        let lines = vec![
            "TEL: 03-6256 2329 FAX: 03-6256 2797".to_string(),
            "RECEIPT : CS000529970 DATE: 28/02/2016".to_string(),
        ];
        assert!(lines.iter().all(|l| is_mrz_line(l)));
        assert!(find_any(&lines).is_some());
        assert!(find(&lines).is_none());
        // A line of fillers alone (a menu's dotted leaders) neither.
        let fillers = vec!["<".repeat(36), "<".repeat(36)];
        assert!(find(&fillers).is_none());
        // A passport with a birth-date digit misread (its check and the composite fail) is still one.
        let l2 = L2.replacen("6112088", "6112098", 1);
        let m = find(&[L1.to_string(), l2]).expect("two checks hold");
        assert!(!m.checks.birth_date && !m.checks.composite && m.checks.expiry_date);
    }
}
