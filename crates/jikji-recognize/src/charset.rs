//! Character sets of the recognisers.

use std::path::Path;

/// Class index → symbol. Index 0 is the CTC blank (empty string).
#[derive(Debug, Clone)]
pub struct Charset {
    symbols: Vec<String>,
}

impl Charset {
    /// The Korean model's `charset.txt`: one symbol per line, line 1 is a single space; split on `\n`
    /// and drop only the final empty string (never trim).
    pub fn from_korean(text: &str) -> Charset {
        let mut lines: Vec<&str> = text.split('\n').collect();
        if lines.last() == Some(&"") {
            lines.pop();
        }
        let mut symbols = vec![String::new()];
        symbols.extend(lines.iter().map(|s| s.to_string()));
        Charset { symbols }
    }

    /// A PP-OCR dictionary: one symbol per line (line endings trimmed), then a space appended
    /// (`use_space_char`), after the blank.
    pub fn from_paddle(text: &str) -> Charset {
        let mut symbols = vec![String::new()];
        symbols.extend(text.lines().map(|l| l.trim_end_matches('\r').to_string()));
        symbols.push(" ".to_string());
        Charset { symbols }
    }

    pub fn load(path: &Path, korean: bool) -> std::io::Result<Charset> {
        let text = std::fs::read_to_string(path)?;
        Ok(if korean {
            Charset::from_korean(&text)
        } else {
            Charset::from_paddle(&text)
        })
    }

    pub fn len(&self) -> usize {
        self.symbols.len()
    }
    pub fn is_empty(&self) -> bool {
        self.symbols.len() <= 1
    }
    pub fn symbol(&self, i: usize) -> Option<&str> {
        self.symbols.get(i).map(String::as_str)
    }

    /// Class indices (blank excluded) whose every character belongs to `alphabet`.
    pub fn classes_in(&self, alphabet: Alphabet) -> Vec<usize> {
        (1..self.symbols.len())
            .filter(|&i| {
                !self.symbols[i].is_empty() && self.symbols[i].chars().all(|c| alphabet.contains(c))
            })
            .collect()
    }
}

/// Which characters a recogniser may answer with (see [`crate::greedy_decode`]'s `allowed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alphabet {
    /// Everything in the model's charset.
    All,
    /// Latin script (ASCII, Latin-1, Latin Extended, Vietnamese), digits, punctuation and the symbols
    /// found on receipts and forms (currency, №, ™, arrows, math operators). No CJK, Greek, Cyrillic, and
    /// no full-width forms (their ASCII twins are in).
    Latin,
}

impl Alphabet {
    pub fn contains(self, c: char) -> bool {
        match self {
            Alphabet::All => true,
            Alphabet::Latin => matches!(c as u32,
                0x20..=0x7E
                | 0xA0..=0x24F
                | 0x1E00..=0x1EFF
                | 0x2010..=0x205E
                | 0x20A0..=0x20CF
                | 0x2100..=0x21FF
                | 0x2200..=0x22FF),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_charset_keeps_the_space_line() {
        let c = Charset::from_korean(" \n가\n나\n");
        assert_eq!(c.len(), 4);
        assert_eq!(c.symbol(1), Some(" "));
        assert_eq!(c.symbol(3), Some("나"));
    }

    #[test]
    fn latin_alphabet_keeps_latin_and_drops_look_alikes() {
        let c = Charset::from_paddle("a\n<\nΛ\n合\né\n₩\n（\n");
        let latin = c.classes_in(Alphabet::Latin);
        let kept: Vec<&str> = latin.iter().map(|&i| c.symbol(i).unwrap()).collect();
        assert_eq!(kept, vec!["a", "<", "é", "₩", " "]);
        assert_eq!(c.classes_in(Alphabet::All).len(), c.len() - 1);
    }

    #[test]
    fn paddle_dict_appends_space() {
        let c = Charset::from_paddle("a\r\nb\n");
        assert_eq!(c.len(), 4);
        assert_eq!(c.symbol(1), Some("a"));
        assert_eq!(c.symbol(3), Some(" "));
    }
}
