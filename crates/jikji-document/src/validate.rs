//! Validation and repair by format.
//!
//! Rules: 사업자등록번호 check digit, Luhn (cards), resident registration numbers (date part, gender /
//! century digit, the check digit for numbers issued before October 2020), calendar dates, Korean phone
//! area codes.
//!
//! Repair policy ("correction by format, not by guessing"): a value is repaired only when the OCR is off
//! by one character, the character is one of the usual confusions, and exactly one repair makes the
//! rule hold. A letter in a digit position (`O`→`0`, `I`/`l`→`1`, `S`→`5`, `B`→`8`, `Z`→`2`) is always
//! mapped (the position admits digits only). Otherwise the value is returned as read and marked
//! [`Check::Invalid`].

use crate::field::Check;

/// OCR confusions between digits, from the recognisers' typical errors on thermal print (closed loops
/// and thin strokes). Used only together with a checksum and only when the repair is unique.
const DIGIT_CONFUSIONS: [&[u8]; 10] = [
    b"869",   // 0
    b"74",    // 1
    b"7",     // 2
    b"89",    // 3
    b"1",     // 4
    b"638",   // 5
    b"580",   // 6
    b"12",    // 7
    b"03695", // 8
    b"803",   // 9
];

/// A letter read where a digit is expected → the digit it is confused with.
pub fn letter_to_digit(c: char) -> Option<char> {
    Some(match c {
        'O' | 'o' | 'D' | 'Q' => '0',
        'I' | 'l' | '|' | 'i' | '!' => '1',
        'Z' | 'z' => '2',
        'S' | 's' => '5',
        'B' => '8',
        'G' | 'b' => '6',
        'g' | 'q' => '9',
        'T' => '7',
        _ => return None,
    })
}

/// Repairs a digit string under a checksum: as is if valid; else the unique single confusable-digit
/// substitution that makes it valid; else `None`.
pub fn repair_digits(digits: &[u8], valid: impl Fn(&[u8]) -> bool) -> (Vec<u8>, Check) {
    if valid(digits) {
        return (digits.to_vec(), Check::Valid);
    }
    let mut found: Option<Vec<u8>> = None;
    let mut count = 0;
    for i in 0..digits.len() {
        let d = digits[i];
        if d > 9 {
            continue;
        }
        for &alt in DIGIT_CONFUSIONS[d as usize] {
            let mut c = digits.to_vec();
            c[i] = alt - b'0';
            if valid(&c) {
                count += 1;
                found = Some(c);
            }
        }
    }
    match (count, found) {
        (1, Some(c)) => (c, Check::Repaired),
        _ => (digits.to_vec(), Check::Invalid),
    }
}

/// 사업자등록번호 (10 digits): weights 1,3,7,1,3,7,1,3,5; the ninth product's tens digit is added too.
pub fn biz_number_valid(d: &[u8]) -> bool {
    if d.len() != 10 || d.iter().any(|&x| x > 9) {
        return false;
    }
    const W: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = (0..9).map(|i| d[i] as u32 * W[i]).sum();
    sum += d[8] as u32 * 5 / 10;
    (10 - sum % 10) % 10 == d[9] as u32
}

/// Luhn check (card numbers).
pub fn luhn_valid(d: &[u8]) -> bool {
    if d.len() < 12 || d.iter().any(|&x| x > 9) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &x) in d.iter().rev().enumerate() {
        let mut v = x as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// 법인등록번호 (13 digits): weights 1,2,1,2,…; check = (10 - sum % 10) % 10.
pub fn corp_number_valid(d: &[u8]) -> bool {
    if d.len() != 13 || d.iter().any(|&x| x > 9) {
        return false;
    }
    let sum: u32 = (0..12)
        .map(|i| d[i] as u32 * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    (10 - sum % 10) % 10 == d[12] as u32
}

/// Whether a year/month/day exists in the Gregorian calendar.
pub fn date_exists(y: i32, m: u32, d: u32) -> bool {
    if !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    d <= days[(m - 1) as usize]
}

/// Resident (or alien) registration number, 13 digits `YYMMDD-GXXXXXX`.
///
/// The date part must exist for the century the gender digit gives (1/2/5/6 → 1900s, 3/4/7/8 → 2000s,
/// 9/0 → 1800s). Numbers issued from October 2020 carry random digits instead of a region code and
/// check digit, and nothing on the number tells when it was issued; so a failing check digit on a
/// number whose date part is valid is [`Check::NotCheckable`], not invalid.
pub fn resident_number_check(d: &[u8]) -> Check {
    if d.len() != 13 || d.iter().any(|&x| x > 9) {
        return Check::Invalid;
    }
    let century = match d[6] {
        1 | 2 | 5 | 6 => 1900,
        3 | 4 | 7 | 8 => 2000,
        9 | 0 => 1800,
        _ => return Check::Invalid,
    };
    let y = century + (d[0] * 10 + d[1]) as i32;
    let m = (d[2] * 10 + d[3]) as u32;
    let day = (d[4] * 10 + d[5]) as u32;
    if !date_exists(y, m, day) {
        return Check::Invalid;
    }
    const W: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let sum: u32 = (0..12).map(|i| d[i] as u32 * W[i]).sum();
    let check = (11 - sum % 11) % 10;
    // Foreigners' numbers (5-8) use the same rule with +2 (mod 10) before 2020.
    let alt = (check + 2) % 10;
    if check == d[12] as u32 || (d[6] >= 5 && alt == d[12] as u32) {
        Check::Valid
    } else {
        Check::NotCheckable
    }
}

/// From this month on (`(2020, 10)`) resident and alien registration numbers are issued without a
/// region code or check digit (주민등록법 시행령 amendment of October 2020).
pub const RANDOM_NUMBERS_SINCE: (i32, u32) = (2020, 10);

/// [`resident_number_check`] knowing when the card was issued: a card issued before
/// [`RANDOM_NUMBERS_SINCE`] carries a number assigned before it, whose check digit must hold — a
/// failing one is [`Check::Invalid`]. On a later card, or without an issue date, a failing check digit
/// stays [`Check::NotCheckable`]. A number whose birth date is on or after the change is never checked.
pub fn resident_number_check_issued(d: &[u8], issued: Option<(i32, u32)>) -> Check {
    let base = resident_number_check(d);
    if base != Check::NotCheckable {
        return base;
    }
    match issued {
        Some(ym) if ym < RANDOM_NUMBERS_SINCE => Check::Invalid,
        _ => Check::NotCheckable,
    }
}

/// Driver's licence number region codes (`11` 서울 … `26` 울산, `28` 경기북부); `27` is not used.
pub fn licence_region_valid(code: u8) -> bool {
    matches!(code, 11..=26 | 28)
}

/// Korean phone numbers by area code and length (digits only).
pub fn phone_valid(d: &str) -> bool {
    let n = d.len();
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if d.starts_with("02") {
        return (9..=10).contains(&n);
    }
    if d.starts_with("01") {
        return matches!(&d[..3], "010" | "011" | "016" | "017" | "018" | "019")
            && (10..=11).contains(&n);
    }
    if d.starts_with("0") {
        // 0XX area codes (031-064), 070 internet phones, 050X safe numbers.
        let ac: u32 = d[..3].parse().unwrap_or(0);
        let known = matches!(ac, 31..=33 | 41..=44 | 51..=55 | 61..=64 | 70 | 50 | 80);
        return known && (10..=12).contains(&n);
    }
    // Nationwide 15XX/16XX/18XX numbers.
    n == 8 && matches!(&d[..2], "15" | "16" | "18")
}

pub fn digits_of(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn biz_number_check_digit() {
        assert!(biz_number_valid(&digits_of("457-64-46655")));
        assert!(biz_number_valid(&digits_of("569-88-27281")));
        assert!(!biz_number_valid(&digits_of("457-64-46656")));
        // One digit misread as a confusable one is repaired when the repair is unique.
        // 7 read as 2: the only confusable single-digit change that makes the check digit hold.
        let (fixed, c) = repair_digits(&digits_of("452-64-46655"), biz_number_valid);
        assert_eq!(c, Check::Repaired);
        assert_eq!(fixed, digits_of("4576446655"));
    }

    #[test]
    fn ambiguous_repairs_are_refused() {
        // 8 read where 5 was printed: three confusable repairs validate, so none is taken.
        let (same, c) = repair_digits(&digits_of("457-64-46855"), biz_number_valid);
        assert_eq!(same, digits_of("4576446855"));
        assert_eq!(c, Check::Invalid);
        let (_, c) = repair_digits(&digits_of("4576446655"), biz_number_valid);
        assert_eq!(c, Check::Valid);
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid(&digits_of("4679 5802 5273 5397")));
        assert!(!luhn_valid(&digits_of("4679 5802 5273 5398")));
        assert!(!luhn_valid(&digits_of("1234")));
    }

    #[test]
    fn dates() {
        assert!(date_exists(2024, 2, 29));
        assert!(!date_exists(2023, 2, 29));
        assert!(!date_exists(1900, 2, 29));
        assert!(date_exists(2000, 2, 29));
        assert!(!date_exists(2023, 4, 31));
        assert!(!date_exists(2023, 13, 1));
    }

    #[test]
    fn resident_numbers() {
        // 8,0,0,1,0,1,1,0,0,0,0,0 · 2,3,4,5,6,7,8,9,2,3,4,5 = 36; (11 - 36 % 11) % 10 = 8.
        assert_eq!(
            resident_number_check(&digits_of("800101-1000008")),
            Check::Valid
        );
        // A wrong check digit on a real date: may be a post-2020 number, not checkable.
        assert_eq!(
            resident_number_check(&digits_of("800101-1000007")),
            Check::NotCheckable
        );
        // Month 13 / gender digit out of range: invalid.
        assert_eq!(
            resident_number_check(&digits_of("801301-1000008")),
            Check::Invalid
        );
        assert_eq!(
            resident_number_check(&digits_of("000229-3000000")).ne(&Check::Invalid),
            true
        );
        assert_eq!(
            resident_number_check(&digits_of("010229-3000000")),
            Check::Invalid
        );
    }

    #[test]
    fn resident_numbers_and_the_issue_date() {
        // Wrong check digit: invalid on a card issued before October 2020, not checkable after it.
        assert_eq!(
            resident_number_check_issued(&digits_of("800101-1000007"), Some((2019, 5))),
            Check::Invalid
        );
        assert_eq!(
            resident_number_check_issued(&digits_of("800101-1000007"), Some((2020, 10))),
            Check::NotCheckable
        );
        assert_eq!(
            resident_number_check_issued(&digits_of("800101-1000007"), None),
            Check::NotCheckable
        );
        assert_eq!(
            resident_number_check_issued(&digits_of("800101-1000008"), Some((2004, 12))),
            Check::Valid
        );
        // Foreigners' numbers (7th digit 5-8) carry the check digit + 2.
        assert_eq!(
            resident_number_check_issued(&digits_of("680613-5763261"), Some((2020, 7))),
            Check::Valid
        );
        assert_eq!(
            resident_number_check_issued(&digits_of("680613-5763262"), Some((2020, 7))),
            Check::Invalid
        );
        assert!(
            licence_region_valid(11)
                && licence_region_valid(28)
                && !licence_region_valid(27)
                && !licence_region_valid(10)
        );
    }

    #[test]
    fn phones() {
        assert!(phone_valid("0612967749"));
        assert!(phone_valid("027933058"));
        assert!(phone_valid("01026734454"));
        assert!(phone_valid("15881234"));
        assert!(!phone_valid("0991234567"));
        assert!(!phone_valid("0101234"));
    }
}
