//! The extracted value ("DocField", spec §6) in the crate's own terms; [`crate::wire`] writes it out.

use jikji_geometry::Quad;

/// The `formatted` member (spec §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Formatted {
    /// No normalised form (the member is omitted on the wire).
    #[default]
    None,
    Value(String),
    /// Zero-padded strings; `"00"` for a part that could not be read.
    Date {
        year: String,
        month: String,
        day: String,
    },
    Time {
        hour: String,
        minute: String,
        second: String,
    },
}

/// What validation said about a value (reported per field; see `validate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Check {
    /// The value has no rule to check.
    #[default]
    None,
    /// The rule holds as read.
    Valid,
    /// The rule holds after a unique repair of one OCR confusion.
    Repaired,
    /// The rule does not hold; the value is returned as read.
    Invalid,
    /// The value has a rule that does not apply to it (a resident number issued after Oct 2020).
    NotCheckable,
}

impl Check {
    /// Factor applied to the OCR confidence. Invalid values stay in the result but say so.
    pub fn confidence_factor(self) -> f32 {
        match self {
            Check::None | Check::Valid | Check::NotCheckable => 1.0,
            Check::Repaired => 0.85,
            Check::Invalid => 0.5,
        }
    }
}

/// One extracted value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocField {
    /// The value as printed (after a format repair, see [`Check::Repaired`]).
    pub text: String,
    pub formatted: Formatted,
    /// The printed label the value was found next to, `""` if none.
    pub key_text: String,
    /// 0..1: OCR confidence times the validation factor.
    pub confidence: f32,
    /// One polygon per word piece of the value, page pixels.
    pub polys: Vec<Quad>,
    /// Regions to mask for privacy.
    pub masks: Vec<Quad>,
    pub check: Check,
}

impl DocField {
    pub fn plain(text: impl Into<String>) -> DocField {
        DocField {
            text: text.into(),
            ..Default::default()
        }
    }
}
