//! Template OCR (`/infer`) image members (spec §5): `matchedTemplate`, `title` and the template's
//! `fields`, in the V1 (`bounding`) and V2 (`boundingPoly`) shapes.
//!
//! They go into [`ImageResult::document`] (flattened), since `fields` here is not General OCR's word
//! list: see [`template_image`]. As with the Document OCR members, the keys inside them come out in
//! alphabetical order (a `serde_json::Value` map), not in the order of the captured samples; the
//! spec notes the order carries no meaning.

use crate::{uncertain, BoundingPoly, ImageResult, Version};
use jikji_geometry::Quad;
use jikji_types::PageResult;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `matchedTemplate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchedTemplate {
    pub id: i64,
    pub name: String,
}

/// V1 `bounding`: the axis-aligned box of the region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Bounding {
    pub top: f32,
    pub left: f32,
    pub width: f32,
    pub height: f32,
}

impl Bounding {
    pub fn from_quad(q: &Quad) -> Bounding {
        let b = q.bbox();
        let c = uncertain::general_coordinate;
        Bounding {
            top: c(b.y0),
            left: c(b.x0),
            width: c(b.x1) - c(b.x0),
            height: c(b.y1) - c(b.y0),
        }
    }
}

/// `title` (V2 key order: name, boundingPoly, inferText, inferConfidence; V1: `bounding`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateTitle {
    /// The template's name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounding: Option<Bounding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounding_poly: Option<BoundingPoly>,
    /// The text read in the identification region (`\n` between lines).
    pub infer_text: String,
    pub infer_confidence: f32,
}

/// One template field, V2: `{name, valueType, boundingPoly, inferText, inferConfidence, type}` and
/// `checked` on `CHECKBOX` fields (see `uncertain::TEMPLATE_CHECKED_MEMBER`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateFieldV2 {
    pub name: String,
    pub value_type: String,
    pub bounding_poly: BoundingPoly,
    pub infer_text: String,
    pub infer_confidence: f32,
    /// `NORMAL`, `MULTI_BOX` or `CHECKBOX`.
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<bool>,
}

/// One template field, V1: `{name, bounding, valueType, inferText, inferConfidence}` (spec §5.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateFieldV1 {
    pub name: String,
    pub bounding: Bounding,
    pub value_type: String,
    pub infer_text: String,
    pub infer_confidence: f32,
}

/// What one field read, for the builder.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    pub name: String,
    pub value_type: String,
    pub field_type: String,
    pub text: String,
    pub confidence: f32,
    pub quad: Quad,
    pub checked: Option<bool>,
}

/// The `/infer` image object of a matched page.
pub fn template_image(
    page: &PageResult,
    version: Version,
    name: &str,
    matched: MatchedTemplate,
    title: Option<(String, f32, Quad)>,
    fields: &[FieldValue],
) -> ImageResult {
    let v2 = version == Version::V2;
    let mut img = ImageResult::general(page, version, name);
    img.fields = None;
    let title = title.map(|(text, conf, quad)| TemplateTitle {
        name: matched.name.clone(),
        bounding: (!v2).then(|| Bounding::from_quad(&quad)),
        bounding_poly: v2.then(|| BoundingPoly::from_quad(&quad)),
        infer_text: text,
        infer_confidence: uncertain::confidence(conf),
    });
    let fields: Vec<serde_json::Value> = fields
        .iter()
        .map(|f| {
            let conf = uncertain::confidence(f.confidence);
            if v2 {
                serde_json::to_value(TemplateFieldV2 {
                    name: f.name.clone(),
                    value_type: f.value_type.clone(),
                    bounding_poly: BoundingPoly::from_quad(&f.quad),
                    infer_text: f.text.clone(),
                    infer_confidence: conf,
                    field_type: f.field_type.clone(),
                    checked: if uncertain::TEMPLATE_CHECKED_MEMBER { f.checked } else { None },
                })
            } else {
                serde_json::to_value(TemplateFieldV1 {
                    name: f.name.clone(),
                    bounding: Bounding::from_quad(&f.quad),
                    value_type: f.value_type.clone(),
                    infer_text: f.text.clone(),
                    infer_confidence: conf,
                })
            }
            .unwrap_or_default()
        })
        .collect();
    let doc = &mut img.document;
    doc.insert("matchedTemplate".into(), serde_json::to_value(&matched).unwrap_or_default());
    if let Some(t) = title {
        doc.insert("title".into(), serde_json::to_value(t).unwrap_or_default());
    }
    doc.insert("fields".into(), serde_json::Value::Array(fields));
    img
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::Rect;

    fn page() -> PageResult {
        PageResult { page_index: 0, width: 800, height: 600, words: vec![], lines: vec![], outline: None }
    }

    fn field(checked: Option<bool>) -> FieldValue {
        FieldValue {
            name: "qty".into(),
            value_type: "NUMERIC".into(),
            field_type: if checked.is_some() { "CHECKBOX" } else { "NORMAL" }.into(),
            text: "12".into(),
            confidence: 0.98765,
            quad: Rect::new(10.0, 20.0, 110.4, 50.0).to_quad(),
            checked,
        }
    }

    #[test]
    fn v2_shape() {
        let img = template_image(
            &page(),
            Version::V2,
            "scan",
            MatchedTemplate { id: 7, name: "order".into() },
            Some(("주문서".into(), 0.9, Rect::new(0.0, 0.0, 100.0, 40.0).to_quad())),
            &[field(None), field(Some(true))],
        );
        let v = serde_json::to_value(&img).unwrap();
        assert_eq!(v["matchedTemplate"], serde_json::json!({"id": 7, "name": "order"}));
        assert_eq!(v["title"]["name"], "order");
        assert_eq!(v["title"]["inferText"], "주문서");
        assert!(v["title"].get("bounding").is_none());
        assert_eq!(v["fields"][0]["type"], "NORMAL");
        assert_eq!(v["fields"][0]["valueType"], "NUMERIC");
        assert!((v["fields"][0]["inferConfidence"].as_f64().unwrap() - 0.9877).abs() < 1e-6);
        assert_eq!(v["fields"][0]["boundingPoly"]["vertices"][1], serde_json::json!({"x": 110.0, "y": 20.0}));
        assert!(v["fields"][0].get("checked").is_none());
        assert_eq!(v["fields"][1]["checked"], true);
        assert_eq!(v["convertedImageInfo"]["width"], 800);
        assert_eq!(v["validationResult"]["result"], "NO_REQUESTED");
    }

    #[test]
    fn v1_shape() {
        let img = template_image(
            &page(),
            Version::V1,
            "scan",
            MatchedTemplate { id: 7, name: "order".into() },
            Some(("계 산 서".into(), 0.9, Rect::new(149.0, 48.0, 397.0, 116.0).to_quad())),
            &[field(Some(false))],
        );
        let s = serde_json::to_string(&img).unwrap();
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["title"]["bounding"], serde_json::json!({"top": 48.0, "left": 149.0, "width": 248.0, "height": 68.0}));
        assert!(v.get("convertedImageInfo").is_none());
        let f = &v["fields"][0];
        assert!(f.get("type").is_none() && f.get("boundingPoly").is_none() && f.get("checked").is_none());
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["bounding", "inferConfidence", "inferText", "name", "valueType"]);
    }
}
