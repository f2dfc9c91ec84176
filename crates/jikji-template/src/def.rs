//! What a user writes to describe a template: its name, the identification ("title") region and the
//! named field regions, in the sample image's pixels.

use jikji_geometry::Rect;
use serde::{Deserialize, Serialize};

/// An axis-aligned region of the sample image, pixels (`x`, `y` = top-left corner).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Region {
    pub fn rect(&self) -> Rect {
        Rect::new(self.x, self.y, self.x + self.width, self.y + self.height)
    }
}

/// The characters a field may hold (CLOVA's `valueType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ValueType {
    /// Anything read.
    #[default]
    All,
    /// Digits only (look-alike letters read as digits, everything else dropped).
    Numeric,
    /// Hangul syllables (and spaces).
    Hangul,
    /// Latin letters (and spaces).
    Alphabet,
    /// A date, normalised to `YYYY-MM-DD`.
    Date,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::All => "ALL",
            ValueType::Numeric => "NUMERIC",
            ValueType::Hangul => "HANGUL",
            ValueType::Alphabet => "ALPHABET",
            ValueType::Date => "DATE",
        }
    }
}

/// How a field is read (CLOVA's field `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FieldKind {
    /// The words inside the region.
    #[default]
    Normal,
    /// A row of printed boxes, one character per box ([`FieldDef::boxes`] of them, equal widths).
    MultiBox,
    /// A tick box: ticked or not, from the ink inside it against the sample's.
    Checkbox,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Normal => "NORMAL",
            FieldKind::MultiBox => "MULTI_BOX",
            FieldKind::Checkbox => "CHECKBOX",
        }
    }
}

/// One named region to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDef {
    pub name: String,
    pub region: Region,
    #[serde(default)]
    pub value_type: ValueType,
    #[serde(default, rename = "type")]
    pub kind: FieldKind,
    /// The region spans several lines: its text keeps `\n` between them.
    #[serde(default)]
    pub multiline: bool,
    /// `MULTI_BOX`: how many boxes the region holds (`None`: characters in reading order, no slots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boxes: Option<u32>,
    /// `CHECKBOX`: whether the box is ticked on the sample (default: not).
    #[serde(default)]
    pub sample_checked: bool,
}

/// A template as described by its author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDef {
    pub name: String,
    /// The identification region; its text is the response's `title.inferText`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Region>,
    pub fields: Vec<FieldDef>,
    /// External validation endpoint (spec §14); `None`: `NO_REQUESTED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_url: Option<String>,
}

/// Why a template description was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefError {
    #[error("the template name is empty")]
    EmptyName,
    #[error("the template has no field")]
    NoFields,
    #[error("field #{index} has an empty name")]
    EmptyFieldName { index: usize },
    #[error("two fields are named `{name}`")]
    DuplicateName { name: String },
    #[error("region `{name}` has zero or negative size ({width} x {height})")]
    ZeroSize { name: String, width: f32, height: f32 },
    #[error("region `{name}` ({x0},{y0})-({x1},{y1}) is not inside the {width} x {height} sample")]
    OutsideSample {
        name: String,
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        width: u32,
        height: u32,
    },
    #[error("region `{name}` has a coordinate that is not a number")]
    NotANumber { name: String },
    #[error("field `{name}`: {what}")]
    BadField { name: String, what: String },
    #[error("validationUrl must be an http:// or https:// URL of at most {MAX_VALIDATION_URL} characters without spaces")]
    BadValidationUrl,
}

/// Longest external validation URL accepted.
pub const MAX_VALIDATION_URL: usize = 2048;

/// The name a title region is reported under in errors.
pub const TITLE_REGION: &str = "title";

/// How far (pixels) a region may reach past the sample's edge and still be accepted (clipped): one
/// pixel, so that a region drawn to the very edge in a builder that rounds up is not refused.
const EDGE_SLACK: f32 = 1.0;

/// Most boxes a `MULTI_BOX` field may declare (a 26-digit account number with dashes fits).
pub const MAX_BOXES: u32 = 64;

impl TemplateDef {
    /// Checks the description against a `width x height` sample.
    pub fn validate(&self, width: u32, height: u32) -> Result<(), DefError> {
        if self.name.trim().is_empty() {
            return Err(DefError::EmptyName);
        }
        if self.fields.is_empty() {
            return Err(DefError::NoFields);
        }
        if let Some(t) = &self.title {
            check_region(TITLE_REGION, t, width, height)?;
        }
        if let Some(url) = &self.validation_url {
            // Only the form is checked here: where it may point (private, loopback) is the server's
            // policy when it calls it.
            let lower = url.to_ascii_lowercase();
            let scheme = lower.starts_with("http://") || lower.starts_with("https://");
            if !scheme || url.len() > MAX_VALIDATION_URL || url.chars().any(char::is_whitespace) {
                return Err(DefError::BadValidationUrl);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (index, f) in self.fields.iter().enumerate() {
            if f.name.trim().is_empty() {
                return Err(DefError::EmptyFieldName { index });
            }
            if !seen.insert(f.name.as_str()) {
                return Err(DefError::DuplicateName {
                    name: f.name.clone(),
                });
            }
            check_region(&f.name, &f.region, width, height)?;
            match (f.kind, f.boxes) {
                (FieldKind::MultiBox, Some(n)) if n == 0 || n > MAX_BOXES => {
                    return Err(DefError::BadField {
                        name: f.name.clone(),
                        what: format!("boxes must be 1..={MAX_BOXES}"),
                    })
                }
                (FieldKind::Normal | FieldKind::Checkbox, Some(_)) => {
                    return Err(DefError::BadField {
                        name: f.name.clone(),
                        what: "boxes is only for MULTI_BOX fields".into(),
                    })
                }
                _ => {}
            }
            if f.kind == FieldKind::Checkbox && f.multiline {
                return Err(DefError::BadField {
                    name: f.name.clone(),
                    what: "a CHECKBOX field cannot be multiline".into(),
                });
            }
        }
        Ok(())
    }
}

fn check_region(name: &str, r: &Region, width: u32, height: u32) -> Result<(), DefError> {
    if ![r.x, r.y, r.width, r.height].iter().all(|v| v.is_finite()) {
        return Err(DefError::NotANumber { name: name.into() });
    }
    if r.width < 1.0 || r.height < 1.0 {
        return Err(DefError::ZeroSize {
            name: name.into(),
            width: r.width,
            height: r.height,
        });
    }
    let (x1, y1) = (r.x + r.width, r.y + r.height);
    if r.x < -EDGE_SLACK
        || r.y < -EDGE_SLACK
        || x1 > width as f32 + EDGE_SLACK
        || y1 > height as f32 + EDGE_SLACK
    {
        return Err(DefError::OutsideSample {
            name: name.into(),
            x0: r.x,
            y0: r.y,
            x1,
            y1,
            width,
            height,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, x: f32, y: f32, w: f32, h: f32) -> FieldDef {
        FieldDef {
            name: name.into(),
            region: Region {
                x,
                y,
                width: w,
                height: h,
            },
            value_type: ValueType::All,
            kind: FieldKind::Normal,
            multiline: false,
            boxes: None,
            sample_checked: false,
        }
    }

    fn def(fields: Vec<FieldDef>) -> TemplateDef {
        TemplateDef {
            name: "form".into(),
            title: None,
            fields,
            validation_url: None,
        }
    }

    #[test]
    fn bad_regions_are_refused_with_their_name() {
        assert!(def(vec![field("a", 0.0, 0.0, 100.0, 20.0)]).validate(100, 100).is_ok());
        assert_eq!(
            def(vec![field("a", 0.0, 0.0, 0.0, 20.0)]).validate(100, 100),
            Err(DefError::ZeroSize {
                name: "a".into(),
                width: 0.0,
                height: 20.0
            })
        );
        assert!(matches!(
            def(vec![field("b", 50.0, 90.0, 60.0, 20.0)]).validate(100, 100),
            Err(DefError::OutsideSample { ref name, .. }) if name == "b"
        ));
        assert!(matches!(
            def(vec![field("c", -5.0, 0.0, 10.0, 10.0)]).validate(100, 100),
            Err(DefError::OutsideSample { .. })
        ));
        assert_eq!(
            def(vec![field("a", 0.0, 0.0, 10.0, 10.0), field("a", 20.0, 0.0, 10.0, 10.0)])
                .validate(100, 100),
            Err(DefError::DuplicateName { name: "a".into() })
        );
        assert_eq!(def(vec![]).validate(100, 100), Err(DefError::NoFields));
        for (url, ok) in [
            ("https://validator.example/check", true),
            ("HTTP://10.0.0.5:8080/v", true),
            ("ftp://x/y", false),
            ("validator.example/check", false),
            ("https://a b/", false),
        ] {
            let mut d = def(vec![field("a", 0.0, 0.0, 100.0, 20.0)]);
            d.validation_url = Some(url.into());
            assert_eq!(d.validate(100, 100).is_ok(), ok, "{url}");
        }
        assert_eq!(
            def(vec![field(" ", 0.0, 0.0, 10.0, 10.0)]).validate(100, 100),
            Err(DefError::EmptyFieldName { index: 0 })
        );
        assert!(matches!(
            def(vec![field("n", f32::NAN, 0.0, 10.0, 10.0)]).validate(100, 100),
            Err(DefError::NotANumber { .. })
        ));
        let mut t = def(vec![field("a", 0.0, 0.0, 10.0, 10.0)]);
        t.title = Some(Region {
            x: 0.0,
            y: 0.0,
            width: 200.0,
            height: 10.0,
        });
        assert!(matches!(t.validate(100, 100), Err(DefError::OutsideSample { ref name, .. }) if name == TITLE_REGION));
        let mut boxes = field("d", 0.0, 0.0, 10.0, 10.0);
        boxes.boxes = Some(3);
        assert!(matches!(def(vec![boxes.clone()]).validate(100, 100), Err(DefError::BadField { .. })));
        boxes.kind = FieldKind::MultiBox;
        assert!(def(vec![boxes.clone()]).validate(100, 100).is_ok());
        boxes.boxes = Some(0);
        assert!(matches!(def(vec![boxes]).validate(100, 100), Err(DefError::BadField { .. })));
    }

    #[test]
    fn the_json_shape() {
        let j = r#"{"name":"order","title":{"x":1,"y":2,"width":30,"height":4},
            "fields":[{"name":"qty","region":{"x":5,"y":6,"width":7,"height":8},"valueType":"NUMERIC"},
                      {"name":"ok","region":{"x":5,"y":60,"width":7,"height":8},"type":"CHECKBOX"},
                      {"name":"code","region":{"x":5,"y":80,"width":70,"height":8},"type":"MULTI_BOX","boxes":6},
                      {"name":"addr","region":{"x":5,"y":90,"width":70,"height":8},"multiline":true,"valueType":"DATE"}]}"#;
        let d: TemplateDef = serde_json::from_str(j).unwrap();
        assert_eq!(d.fields[0].value_type, ValueType::Numeric);
        assert_eq!(d.fields[1].kind, FieldKind::Checkbox);
        assert_eq!(d.fields[2].kind, FieldKind::MultiBox);
        assert_eq!(d.fields[2].boxes, Some(6));
        assert!(d.fields[3].multiline);
        assert_eq!(d.fields[3].value_type, ValueType::Date);
        let back: TemplateDef = serde_json::from_value(serde_json::to_value(&d).unwrap()).unwrap();
        assert_eq!(back, d);
        assert!(serde_json::from_str::<TemplateDef>(r#"{"name":"x","fields":[{"name":"a","region":{"x":0,"y":0,"width":1,"height":1},"valueType":"MONEY"}]}"#).is_err());
    }
}
