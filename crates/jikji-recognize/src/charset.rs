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
        Ok(if korean { Charset::from_korean(&text) } else { Charset::from_paddle(&text) })
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
    fn paddle_dict_appends_space() {
        let c = Charset::from_paddle("a\r\nb\n");
        assert_eq!(c.len(), 4);
        assert_eq!(c.symbol(1), Some("a"));
        assert_eq!(c.symbol(3), Some(" "));
    }
}
