//! Choosing between two recognisers' readings of the same line.
//!
//! `korean-rec-v1` reads Korean far better than anything else at hand, but PP-OCR's recogniser is far
//! better on Latin text in low-resolution scans (2.1% vs 11.3% line CER on SROIE receipts, same crops).
//! PP-OCR cannot read Hangul at all (it answers with look-alike Chinese characters or garbage). So:
//!
//! * a line the Korean model reads **with Hangul** keeps the Korean reading;
//! * otherwise the PP-OCR reading wins, unless it contains Chinese or Japanese characters while the
//!   request did not ask for those languages (a sign the line is Hangul the Korean model misread), or it
//!   is much less confident than the Korean reading.
//!
//! The rule is measured by `jikji eval` (see ACCURACY.md).

use jikji_recognize::LineReading;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    First,
    Second,
}

pub fn has_hangul(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c as u32, 0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3130..=0x318F))
}

pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| matches!(c as u32, 0x3040..=0x30FF) || is_hanja(c))
}

/// Whether `c` is a hanja (CJK unified ideograph, extension A or compatibility ideograph).
pub fn is_hanja(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// Hangul or CJK: characters set about one text height wide.
pub fn has_wide(s: &str) -> bool {
    has_hangul(s) || has_cjk(s)
}

/// The PP-OCR reading loses when its confidence is more than this below the Korean model's: the Korean
/// model's reading of a doubtful line may still be the better one. Set with the rule in the first engine
/// commit (61354f8); no measurement of the value is recorded.
pub const SECOND_READING_MARGIN: f32 = 0.25;

/// Chooses between the Korean model's reading (`korean`) and the PP-OCR reading (`latin`).
pub fn choose_reading(korean: &LineReading, latin: &LineReading, allow_cjk: bool) -> Choice {
    if has_hangul(&korean.text) {
        return Choice::First;
    }
    if latin.text.trim().is_empty() {
        return Choice::First;
    }
    if !allow_cjk && has_cjk(&latin.text) {
        return Choice::First;
    }
    if latin.confidence + SECOND_READING_MARGIN < korean.confidence {
        return Choice::First;
    }
    Choice::Second
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str, confidence: f32) -> LineReading {
        LineReading {
            text: text.into(),
            confidence,
            chars: vec![],
        }
    }

    #[test]
    fn hangul_keeps_the_korean_reading() {
        assert_eq!(
            choose_reading(&r("합계 12,000", 0.9), &r("12,000", 0.99), false),
            Choice::First
        );
    }

    #[test]
    fn latin_lines_take_the_pp_ocr_reading() {
        assert_eq!(
            choose_reading(&r("T0TAL 1Z.50", 0.8), &r("TOTAL 12.50", 0.95), false),
            Choice::Second
        );
    }

    #[test]
    fn chinese_answers_are_refused_unless_asked_for() {
        assert_eq!(
            choose_reading(&r("A1", 0.6), &r("合计", 0.9), false),
            Choice::First
        );
        assert_eq!(
            choose_reading(&r("A1", 0.6), &r("合计", 0.9), true),
            Choice::Second
        );
    }

    #[test]
    fn much_less_confident_second_reading_loses() {
        assert_eq!(
            choose_reading(&r("12:30", 0.95), &r("1Z30", 0.55), false),
            Choice::First
        );
    }
}
