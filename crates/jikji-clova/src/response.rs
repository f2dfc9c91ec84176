//! Response shapes (spec §3, §4): the envelope, the General OCR image object in V1 and V2, and the
//! builder from a [`jikji_types::PageResult`].

use crate::{uncertain, Version};
use jikji_types::PageResult;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The response envelope (HTTP 200).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OcrResponse {
    /// Echo of the request `version`.
    pub version: String,
    /// Echo of `requestId`.
    pub request_id: String,
    /// Server time in ms when the response was built.
    pub timestamp: i64,
    /// One entry per image; one per page for a multi-page PDF (see `uncertain`).
    pub images: Vec<ImageResult>,
}

/// `SUCCESS` | `FAILURE` | `ERROR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum InferResult {
    Success,
    Failure,
    Error,
}

/// `validationResult` (`NO_REQUESTED` unless Template external validation is configured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ValidationResult {
    /// `NO_REQUESTED`, `UNCHECKED`, `VALID` or `INVALID`.
    pub result: String,
}

impl ValidationResult {
    pub fn no_requested() -> Self {
        ValidationResult {
            result: "NO_REQUESTED".into(),
        }
    }
}

/// `convertedImageInfo` (V2 only): the image the coordinates refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConvertedImageInfo {
    pub width: u32,
    pub height: u32,
    /// 0-based page index.
    pub page_index: u32,
    pub long_image: bool,
}

/// A vertex, in pixels of the converted image (written as floats: `42.0`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Vertex {
    pub x: f32,
    pub y: f32,
}

/// `{"vertices":[TL, TR, BR, BL]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BoundingPoly {
    pub vertices: Vec<Vertex>,
}

impl BoundingPoly {
    pub fn from_quad(q: &jikji_geometry::Quad) -> Self {
        BoundingPoly {
            vertices: q
                .pts
                .iter()
                .map(|p| Vertex {
                    x: uncertain::general_coordinate(p.x),
                    y: uncertain::general_coordinate(p.y),
                })
                .collect(),
        }
    }
}

/// One General OCR word (spec §4.1). `type` and `lineBreak` are V2 only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GeneralField {
    /// Always `ALL`.
    pub value_type: String,
    pub bounding_poly: BoundingPoly,
    pub infer_text: String,
    pub infer_confidence: f32,
    /// `NORMAL` (V2 only).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
    /// True when the word ends a text line (V2 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_break: Option<bool>,
}

/// One `images[]` entry. Members are written in the spec's key order; absent optionals are omitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImageResult {
    /// 32 lowercase hex characters, new per image.
    pub uid: String,
    /// Echo of `images[].name`.
    pub name: String,
    pub infer_result: InferResult,
    /// `SUCCESS`, or the reason of a failure.
    pub message: String,
    pub validation_result: ValidationResult,
    /// V2 only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_image_info: Option<ConvertedImageInfo>,
    /// Only when table detection ran (see `uncertain::TABLES`).
    #[schema(value_type = Option<Vec<Object>>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<serde_json::Value>>,
    /// Words in reading order. Omitted on failed images (see `uncertain`) and on Document OCR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<GeneralField>>,
    /// Document OCR: one member named after the model (`receipt`, `nameCard`, `bizLicense`,
    /// `creditCard`, `passport`) holding its `{meta, result}` (spec §6.2); empty otherwise.
    #[schema(value_type = Object)]
    #[serde(flatten)]
    pub document: serde_json::Map<String, serde_json::Value>,
}

/// A new `uid`: a v4 UUID without dashes.
pub fn new_uid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The current time in ms since the Unix epoch (the responses' `timestamp`).
pub use jikji_calendar::now_millis as now_ms;

impl ImageResult {
    /// A General OCR image object for one recognised page.
    pub fn general(page: &PageResult, version: Version, name: &str) -> ImageResult {
        let v2 = version == Version::V2;
        let fields = page
            .words
            .iter()
            .map(|w| GeneralField {
                value_type: "ALL".into(),
                bounding_poly: BoundingPoly::from_quad(&w.quad),
                infer_text: w.text.clone(),
                infer_confidence: uncertain::confidence(w.confidence),
                field_type: v2.then(|| "NORMAL".to_string()),
                line_break: v2.then_some(w.line_break),
            })
            .collect();
        ImageResult {
            uid: new_uid(),
            name: name.to_string(),
            infer_result: InferResult::Success,
            message: "SUCCESS".into(),
            validation_result: ValidationResult::no_requested(),
            converted_image_info: v2.then(|| ConvertedImageInfo {
                width: page.width,
                height: page.height,
                page_index: page.page_index as u32,
                long_image: uncertain::is_long_image(page.width, page.height),
            }),
            tables: None,
            fields: Some(fields),
            document: serde_json::Map::new(),
        }
    }

    /// A Document OCR image object: the page's `convertedImageInfo` and the model's member `key`
    /// (`receipt`, …) with its `{meta, result}` value; no `fields`.
    pub fn document(
        page: &PageResult,
        name: &str,
        key: &str,
        value: serde_json::Value,
    ) -> ImageResult {
        let mut img = ImageResult::general(page, Version::V2, name);
        img.fields = None;
        img.document.insert(key.to_string(), value);
        img
    }

    /// A failed image (`FAILURE` or `ERROR`) with a message; no `fields` (see `uncertain`).
    pub fn failed(result: InferResult, message: impl Into<String>, name: &str) -> ImageResult {
        ImageResult {
            uid: new_uid(),
            name: name.to_string(),
            infer_result: result,
            message: message.into(),
            validation_result: ValidationResult::no_requested(),
            converted_image_info: None,
            tables: None,
            fields: uncertain::FAILED_IMAGE_HAS_EMPTY_FIELDS.then(Vec::new),
            document: serde_json::Map::new(),
        }
    }
}

impl OcrResponse {
    pub fn new(version: Version, request_id: &str, images: Vec<ImageResult>) -> OcrResponse {
        OcrResponse {
            version: version.as_str().into(),
            request_id: request_id.into(),
            timestamp: now_ms(),
            images,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_types::Word;
    use jikji_geometry::{Point, Quad};

    fn page() -> PageResult {
        PageResult {
            page_index: 0,
            width: 800,
            height: 600,
            words: vec![Word {
                text: "다양한".into(),
                quad: Quad::new([
                    Point::new(360.0, 116.0),
                    Point::new(411.0, 116.0),
                    Point::new(411.0, 136.0),
                    Point::new(360.0, 136.0),
                ]),
                confidence: 1.0,
                line_break: false,
            }],
            lines: vec![],
            outline: None,
        }
    }

    #[test]
    fn v2_field_matches_spec_sample() {
        let img = ImageResult::general(&page(), Version::V2, "demo");
        let f = serde_json::to_string(&img.fields.as_ref().unwrap()[0]).unwrap();
        assert_eq!(
            f,
            r#"{"valueType":"ALL","boundingPoly":{"vertices":[{"x":360.0,"y":116.0},{"x":411.0,"y":116.0},{"x":411.0,"y":136.0},{"x":360.0,"y":136.0}]},"inferText":"다양한","inferConfidence":1.0,"type":"NORMAL","lineBreak":false}"#
        );
        let s = serde_json::to_string(&img).unwrap();
        let keys = [
            "\"uid\"",
            "\"name\"",
            "\"inferResult\"",
            "\"message\"",
            "\"validationResult\"",
            "\"convertedImageInfo\"",
            "\"fields\"",
        ];
        let pos: Vec<usize> = keys.iter().map(|k| s.find(k).unwrap()).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{s}");
        assert!(s.contains(
            r#""convertedImageInfo":{"width":800,"height":600,"pageIndex":0,"longImage":false}"#
        ));
        assert_eq!(img.uid.len(), 32);
    }

    #[test]
    fn v1_has_no_v2_members() {
        let img = ImageResult::general(&page(), Version::V1, "demo");
        let s = serde_json::to_string(&img).unwrap();
        assert!(
            !s.contains("convertedImageInfo")
                && !s.contains("lineBreak")
                && !s.contains("\"type\"")
        );
        assert!(s.contains(r#""inferConfidence":1.0}"#));
    }
}
