//! A Hangul syllable bigram language model, consulted by the beam search ([`crate::beam_decode`]) where
//! the recogniser is unsure of a line.
//!
//! Why syllables and only Hangul: the recogniser's typical errors on phone photos are look-alike
//! syllables (`경→겸`, `양→얌`, `중앙→줌암`), where a model of which syllable follows which tells the common
//! word from the rare one. Digits, Latin letters and symbols get no term at all: the corpus (Korean
//! software help and a spelling dictionary, see `training/corpus.py`) knows nothing of prices or codes,
//! and those are exactly what a language model must not talk the recogniser out of.
//!
//! The file is written by `training/build_lm.py` (its docstring gives the format and the smoothing).

use std::collections::HashMap;
use std::path::Path;

/// The context token of a syllable at the start of a word (line start, after a space or any
/// non-Hangul character).
const START: char = '^';

/// See the module docs.
#[derive(Debug, Clone, Default)]
pub struct SyllableLm {
    unigram: HashMap<char, f32>,
    gamma: HashMap<char, f32>,
    pairs: HashMap<(char, char), f32>,
}

/// A Hangul syllable (U+AC00..U+D7A3), the only characters the model scores.
pub fn is_syllable(c: char) -> bool {
    ('\u{ac00}'..='\u{d7a3}').contains(&c)
}

/// The character `s` consists of, if it is exactly one (a charset symbol, a field of the model file).
pub(crate) fn only_char(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

impl SyllableLm {
    /// Reads a model file (`syllable-bigram.tsv`).
    pub fn load(path: &Path) -> Result<SyllableLm, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        SyllableLm::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of a model file.
    pub fn parse(text: &str) -> Result<SyllableLm, String> {
        let mut lm = SyllableLm::default();
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || format!("line {}: not a model line", n + 1);
            let f: Vec<&str> = line.split('\t').collect();
            let value = |s: &str| s.parse::<f32>().ok().filter(|v| v.is_finite());
            match f.as_slice() {
                ["U", s, v] => lm.unigram.insert(only_char(s).ok_or_else(bad)?, value(v).ok_or_else(bad)?),
                ["G", s, v] => lm.gamma.insert(only_char(s).ok_or_else(bad)?, value(v).ok_or_else(bad)?),
                ["B", a, b, v] => lm.pairs.insert(
                    (only_char(a).ok_or_else(bad)?, only_char(b).ok_or_else(bad)?),
                    value(v).ok_or_else(bad)?,
                ),
                _ => return Err(bad()),
            };
        }
        if lm.unigram.is_empty() {
            return Err("no unigram lines".into());
        }
        Ok(lm)
    }

    /// `ln P(next | prev)` for a Hangul syllable `next` (`prev` = the character before it, `None` at the
    /// line's start); `None` for any other character, which the model does not score.
    pub fn log_prob(&self, prev: Option<char>, next: char) -> Option<f32> {
        let uni = *self.unigram.get(&next)?;
        let ctx = prev.filter(|&c| is_syllable(c)).unwrap_or(START);
        if let Some(&p) = self.pairs.get(&(ctx, next)) {
            return Some(p);
        }
        // A context never seen has no gamma: the unigram alone.
        Some(self.gamma.get(&ctx).map_or(uni, |g| g + uni))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "# test\nU\t경\t-3.0\nU\t겸\t-9.0\nU\t기\t-4.0\nG\t^\t-1.0\nG\t경\t-2.0\nB\t경\t기\t-0.5\n";

    #[test]
    fn scores_syllables_with_back_off() {
        let lm = SyllableLm::parse(MODEL).unwrap();
        assert_eq!(lm.log_prob(Some('경'), '기'), Some(-0.5), "a written pair");
        assert_eq!(lm.log_prob(Some('경'), '경'), Some(-5.0), "gamma(경) + P1(경)");
        assert_eq!(lm.log_prob(None, '겸'), Some(-10.0), "start of a line: gamma(^) + P1");
        assert_eq!(lm.log_prob(Some('1'), '경'), Some(-4.0), "after a digit: the start context");
        assert_eq!(lm.log_prob(Some('기'), '경'), Some(-3.0), "an unseen context: the unigram");
        assert_eq!(lm.log_prob(Some('경'), '1'), None, "digits are not scored");
        assert_eq!(lm.log_prob(None, 'A'), None);
    }

    #[test]
    fn refuses_malformed_files() {
        assert!(SyllableLm::parse("").is_err());
        assert!(SyllableLm::parse("U\t경\tx\n").is_err());
        assert!(SyllableLm::parse("U\t경기\t-1\n").is_err());
        assert!(SyllableLm::parse("Q\t경\t-1\n").is_err());
        assert!(SyllableLm::parse("U\t경\tNaN\n").is_err());
    }
}
