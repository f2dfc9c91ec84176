//! The text layer's font: a Type0 font with `Identity-H` encoding over a glyph-less CID font, and a
//! `ToUnicode` CMap.
//!
//! Why this shape: the text is never drawn (render mode 3), so no glyph outlines are needed, and a
//! real Korean font would add megabytes per file. Each distinct character of the document gets its
//! own 2-byte code (CID 1, 2, …, in order of first use); the `ToUnicode` CMap maps every code back to
//! its character, which is what `pdftotext`, search and copy read. Every CID is 500/1000 em wide
//! (`/DW 500`), so the content stream stretches a word to its box with `Tz` alone, and the font's
//! ascent of one em and descent of 1/1000 em make a selection cover the word's box from its baseline
//! up (a descent of 0 would not do: poppler takes 0 for "unknown" and uses its default, 0.35 em).

use std::collections::HashMap;

/// The last 2-byte code, kept for U+FFFD: distinct characters beyond the 65,534th of a document are
/// written as U+FFFD (a page of OCR holds a few hundred distinct characters; this is the encoding's
/// limit, not a practical one).
const MAX_CODES: usize = 0xFFFF;

/// Width of every CID in thousandths of an em (`/DW`), the unit `Tz` stretches from.
pub const GLYPH_WIDTH: f32 = 500.0;

/// The characters of a document and their 2-byte codes.
#[derive(Debug, Default)]
pub struct CharCodes {
    codes: HashMap<char, u16>,
    chars: Vec<char>,
}

impl CharCodes {
    /// The code of `c`, assigning the next one on first use.
    pub fn code(&mut self, c: char) -> u16 {
        if let Some(&code) = self.codes.get(&c) {
            return code;
        }
        if self.chars.len() >= MAX_CODES - 1 {
            return self.code_of_replacement();
        }
        self.chars.push(c);
        let code = self.chars.len() as u16;
        self.codes.insert(c, code);
        code
    }

    fn code_of_replacement(&mut self) -> u16 {
        match self.codes.get(&char::REPLACEMENT_CHARACTER) {
            Some(&code) => code,
            // The replacement character is given the last code, reserved for it.
            None => {
                let code = MAX_CODES as u16;
                self.codes.insert(char::REPLACEMENT_CHARACTER, code);
                code
            }
        }
    }

    /// `<0001000200a3>`: the hex string of `text`'s codes, for `Tj`.
    pub fn hex(&mut self, text: &str) -> String {
        let mut s = String::with_capacity(2 + 4 * text.len());
        s.push('<');
        for c in text.chars() {
            s.push_str(&format!("{:04X}", self.code(c)));
        }
        s.push('>');
        s
    }

    /// The `ToUnicode` CMap: every code to its character in UTF-16BE.
    pub fn to_unicode_cmap(&self) -> String {
        let mut entries: Vec<(u16, char)> = self.codes.iter().map(|(&c, &code)| (code, c)).collect();
        entries.sort_unstable();
        let mut s = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        // A bfchar block holds at most 100 entries (PDF 32000-1, 9.10.3).
        for block in entries.chunks(100) {
            s.push_str(&format!("{} beginbfchar\n", block.len()));
            for (code, c) in block {
                let mut utf16 = [0u16; 2];
                let units: String = c.encode_utf16(&mut utf16).iter().map(|u| format!("{u:04X}")).collect();
                s.push_str(&format!("<{code:04X}> <{units}>\n"));
            }
            s.push_str("endbfchar\n");
        }
        s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_given_in_order_of_first_use_and_reused() {
        let mut c = CharCodes::default();
        assert_eq!(c.hex("가나가 A"), "<0001000200010003 0004>".replace(' ', ""));
    }

    #[test]
    fn the_cmap_maps_every_code_to_utf16_including_surrogate_pairs() {
        let mut c = CharCodes::default();
        c.hex("한😀");
        let cmap = c.to_unicode_cmap();
        assert!(cmap.contains("<0001> <D55C>"), "{cmap}");
        assert!(cmap.contains("<0002> <D83DDE00>"), "{cmap}");
        assert!(cmap.contains("2 beginbfchar"));
    }

    #[test]
    fn bfchar_blocks_hold_at_most_100_entries() {
        let mut c = CharCodes::default();
        let text: String = (0..250).map(|i| char::from_u32(0xAC00 + i).unwrap()).collect();
        c.hex(&text);
        let cmap = c.to_unicode_cmap();
        assert_eq!(cmap.matches("100 beginbfchar").count(), 2);
        assert_eq!(cmap.matches("50 beginbfchar").count(), 1);
    }
}
