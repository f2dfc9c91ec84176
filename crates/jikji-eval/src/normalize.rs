//! Text normalisation applied to ground truth and predictions alike before any comparison.

use unicode_normalization::UnicodeNormalization;

/// Normalises text for scoring. The steps, in order:
///
/// 1. Unicode NFC (composes Hangul jamo sequences into syllables, accents into precomposed letters).
/// 2. Full-width ASCII `U+FF01..=U+FF5E` → the ASCII character (`Ａ１，` → `A1,`); ideographic space
///    `U+3000` → space.
/// 3. Middle-dot variants → `·` (U+00B7): `U+0387 U+2027 U+2219 U+22C5 U+2E31 U+30FB U+FF65 U+318D` (the last is
///    the Hangul letter araea `ㆍ`, which Korean documents often use as a middle dot).
/// 4. Dash variants → `-`: `U+2010..=U+2015` (hyphen, non-breaking hyphen, figure/en/em dash, horizontal bar),
///    `U+2212` (minus), `U+2E3A U+2E3B U+FE58 U+FE63` and the full-width hyphen (via step 2).
///    The soft hyphen `U+00AD` is dropped.
/// 5. Tilde variants → `~`: `U+02DC U+2053 U+223C U+301C U+3030` and the full-width tilde (via step 2).
/// 6. Optional case folding (`casefold`): lower-casing (`char::to_lowercase`). SROIE's ground truth is upper
///    case while engines print receipts in mixed case, so reports carry both the exact and the case-folded
///    CER.
/// 7. Every run of whitespace (any `char::is_whitespace`, NBSP included) → one space; leading and trailing
///    whitespace removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Normalizer {
    pub casefold: bool,
}

impl Normalizer {
    pub const EXACT: Normalizer = Normalizer { casefold: false };
    pub const CASEFOLD: Normalizer = Normalizer { casefold: true };

    pub fn new(casefold: bool) -> Self {
        Normalizer { casefold }
    }

    /// The normalised form of `s` (see the type docs).
    pub fn normalize(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut pending_space = false;
        let mut push = |c: char, out: &mut String| {
            if c.is_whitespace() {
                pending_space = true;
                return;
            }
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        };
        for c in s.nfc() {
            let Some(c) = map_char(c) else { continue };
            if self.casefold {
                for l in c.to_lowercase() {
                    push(l, &mut out);
                }
            } else {
                push(c, &mut out);
            }
        }
        out
    }

    /// The normalised text with every space removed: what the CER metrics compare.
    pub fn chars(&self, s: &str) -> Vec<char> {
        self.normalize(s).chars().filter(|c| *c != ' ').collect()
    }
}

/// Per-character mapping of steps 2–5; `None` drops the character.
fn map_char(c: char) -> Option<char> {
    Some(match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{0387}' | '\u{2027}' | '\u{2219}' | '\u{22C5}' | '\u{2E31}' | '\u{30FB}'
        | '\u{FF65}' | '\u{318D}' => '\u{00B7}',
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{2E3A}'
        | '\u{2E3B}'
        | '\u{FE58}'
        | '\u{FE63}' => '-',
        '\u{00AD}' => return None,
        '\u{02DC}' | '\u{2053}' | '\u{223C}' | '\u{301C}' | '\u{3030}' => '~',
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_ascii_becomes_ascii() {
        let n = Normalizer::EXACT;
        assert_eq!(n.normalize("ＡＢＣ　１２３，ｘ"), "ABC 123,x");
        assert_eq!(n.normalize("０２－１２３４～５"), "02-1234~5");
    }

    #[test]
    fn dots_dashes_and_tildes_are_unified() {
        let n = Normalizer::EXACT;
        assert_eq!(n.normalize("서울ㆍ부산・대구‧광주"), "서울·부산·대구·광주");
        assert_eq!(
            n.normalize("2020–2021—2022−2023‐x"),
            "2020-2021-2022-2023-x"
        );
        assert_eq!(n.normalize("10〜20∼30"), "10~20~30");
        assert_eq!(n.normalize("co\u{00AD}operate"), "cooperate");
    }

    #[test]
    fn whitespace_runs_collapse_and_trim() {
        let n = Normalizer::EXACT;
        assert_eq!(n.normalize("  a \t\n b\u{00A0}\u{00A0}c  "), "a b c");
        assert_eq!(n.normalize("   "), "");
        assert_eq!(n.chars(" a b  c "), vec!['a', 'b', 'c']);
    }

    #[test]
    fn nfc_composes_hangul_jamo() {
        // 한 as conjoining jamo (NFD) → one precomposed syllable.
        let nfd = "\u{1112}\u{1161}\u{11AB}";
        assert_eq!(Normalizer::EXACT.normalize(nfd), "한");
        assert_eq!(Normalizer::EXACT.chars(nfd).len(), 1);
    }

    #[test]
    fn casefold_is_optional() {
        assert_eq!(Normalizer::EXACT.normalize("TOTAL Rm"), "TOTAL Rm");
        assert_eq!(Normalizer::CASEFOLD.normalize("TOTAL Rm"), "total rm");
        assert_eq!(
            Normalizer::CASEFOLD.normalize("ＴＯＴＡＬ 합계"),
            "total 합계"
        );
    }
}
