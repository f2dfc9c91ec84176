//! Document OCR result trees (spec §6–§11): the `DocField` object and each model's result, as they go
//! on the wire. Absent members are omitted, never `null`; list-valued keys that are empty are omitted
//! too (clients read `arr?.[0]`).
//!
//! These are plain wire shapes; `jikji-document` fills them (it depends on this crate, not the other way
//! round, so the wire contract stays free of document logic).

use crate::response::BoundingPoly;
use serde::{Deserialize, Serialize};

/// `formatted` (§6.1): `{"value"}`, a date `{"year","month","day"}` or a time `{"hour","minute","second"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FormattedWire {
    Date { year: String, month: String, day: String },
    Time { hour: String, minute: String, second: String },
    Value { value: String },
}

/// The common field object (§6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DocFieldWire {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub formatted: Option<FormattedWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub key_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub confidence_score: Option<f32>,
    #[serde(default)]
    pub bounding_polys: Vec<BoundingPoly>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub masking_polys: Option<Vec<BoundingPoly>>,
}

/// `meta` of a Document image (§6.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocMeta {
    pub estimated_language: String,
}

/// `{"meta": …, "result": …}` (§6.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocEnvelope<T> {
    pub meta: DocMeta,
    pub result: T,
}

fn empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

// ---- Receipt (§7) ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptStoreInfo {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sub_name: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub biz_num: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "empty", default)]
    pub addresses: Vec<DocFieldWire>,
    #[serde(skip_serializing_if = "empty", default)]
    pub tel: Vec<DocFieldWire>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ReceiptCardInfo {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub company: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub number: Option<DocFieldWire>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptPaymentInfo {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub date: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub card_info: Option<ReceiptCardInfo>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub confirm_num: Option<DocFieldWire>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptItemPrice {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub price: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit_price: Option<DocFieldWire>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ReceiptItem {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub count: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub price: Option<ReceiptItemPrice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ReceiptSubResult {
    pub items: Vec<ReceiptItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptSubTotal {
    #[serde(skip_serializing_if = "empty", default)]
    pub tax_price: Vec<DocFieldWire>,
    #[serde(skip_serializing_if = "empty", default)]
    pub discount_price: Vec<DocFieldWire>,
    #[serde(skip_serializing_if = "empty", default)]
    pub sub_total_price: Vec<DocFieldWire>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptTotalPrice {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub price: Option<DocFieldWire>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub credit_card_price: Option<DocFieldWire>,
}

/// `images[].receipt.result`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptResultWire {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store_info: Option<ReceiptStoreInfo>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payment_info: Option<ReceiptPaymentInfo>,
    #[serde(skip_serializing_if = "empty", default)]
    pub sub_results: Vec<ReceiptSubResult>,
    #[serde(skip_serializing_if = "empty", default)]
    pub sub_total: Vec<ReceiptSubTotal>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub total_price: Option<ReceiptTotalPrice>,
}

// ---- Name card (§8), business registration (§9), credit card (§10): keys of DocField lists ----

/// `images[].nameCard.result`, `images[].bizLicense.result` and `images[].creditCard.result`: every key
/// is a `DocField[]`; keys without a value are omitted. Kept as an ordered map so each model lists its
/// own keys (§8, §9, §10) in the order `jikji-document` gives them.
pub type FieldListResult = serde_json::Map<String, serde_json::Value>;

// ---- Passport (§11.1) ----

/// `{rawText, refinedText}` of the global passport API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassportValue {
    pub raw_text: String,
    pub refined_text: serde_json::Value,
}

/// `images[].passport`: `{"meta", "passportResult": {member: {rawText, refinedText}}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassportWire {
    pub meta: DocMeta,
    pub passport_result: serde_json::Map<String, serde_json::Value>,
}

// ---- ID cards (§11) ----

/// `images[].idCard.result`: the detected type, whether the detection is confident, the card's
/// outline, and exactly one of `ic` / `dl` / `ac` / `pp` (each key a `DocField[]`, keys without a
/// value omitted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IdCardResultWire {
    /// `"ID Card"`, `"Driver's License"`, `"Alien Registration Card"` or `"Passport"`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub idtype: Option<String>,
    pub is_confident: bool,
    #[serde(default)]
    pub rois: Vec<BoundingPoly>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ic: Option<FieldListResult>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dl: Option<FieldListResult>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ac: Option<FieldListResult>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pp: Option<FieldListResult>,
}

/// The model key an image result carries (§6.2) and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DocumentWire {
    #[serde(rename = "receipt")]
    Receipt(DocEnvelope<ReceiptResultWire>),
    #[serde(rename = "nameCard")]
    NameCard(DocEnvelope<FieldListResult>),
    #[serde(rename = "bizLicense")]
    BizLicense(DocEnvelope<FieldListResult>),
    #[serde(rename = "creditCard")]
    CreditCard(DocEnvelope<FieldListResult>),
    #[serde(rename = "passport")]
    Passport(PassportWire),
    #[serde(rename = "idCard")]
    IdCard(DocEnvelope<IdCardResultWire>),
}

impl DocumentWire {
    /// The key under `images[]` (`receipt`, `nameCard`, …).
    pub fn key(&self) -> &'static str {
        match self {
            DocumentWire::Receipt(_) => "receipt",
            DocumentWire::NameCard(_) => "nameCard",
            DocumentWire::BizLicense(_) => "bizLicense",
            DocumentWire::CreditCard(_) => "creditCard",
            DocumentWire::Passport(_) => "passport",
            DocumentWire::IdCard(_) => "idCard",
        }
    }

    /// The value under [`DocumentWire::key`].
    pub fn value(&self) -> serde_json::Value {
        match self {
            DocumentWire::Receipt(x) => serde_json::to_value(x),
            DocumentWire::NameCard(x) | DocumentWire::BizLicense(x) | DocumentWire::CreditCard(x) => serde_json::to_value(x),
            DocumentWire::Passport(x) => serde_json::to_value(x),
            DocumentWire::IdCard(x) => serde_json::to_value(x),
        }
        .unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_members_are_omitted() {
        let f = DocFieldWire { text: "7,100".into(), formatted: Some(FormattedWire::Value { value: "7100".into() }), ..Default::default() };
        let j = serde_json::to_string(&f).unwrap();
        assert_eq!(j, r#"{"text":"7,100","formatted":{"value":"7100"},"boundingPolys":[]}"#);
        let r = ReceiptResultWire { total_price: Some(ReceiptTotalPrice { price: Some(f), credit_card_price: None }), ..Default::default() };
        let j = serde_json::to_string(&r).unwrap();
        assert!(!j.contains("null"));
        assert!(!j.contains("storeInfo"));
    }

    #[test]
    fn dates_and_times_have_their_own_shapes() {
        let d = FormattedWire::Date { year: "2020".into(), month: "08".into(), day: "16".into() };
        assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"year":"2020","month":"08","day":"16"}"#);
        let back: FormattedWire = serde_json::from_str(r#"{"hour":"16","minute":"53","second":"00"}"#).unwrap();
        assert!(matches!(back, FormattedWire::Time { .. }));
    }

    #[test]
    fn id_card_result_has_one_member_and_no_nulls() {
        let mut ic = FieldListResult::new();
        ic.insert("name".into(), serde_json::json!([{"text": "홍길동", "boundingPolys": []}]));
        let r = IdCardResultWire { idtype: Some("ID Card".into()), is_confident: true, ic: Some(ic), ..Default::default() };
        let w = DocumentWire::IdCard(DocEnvelope { meta: DocMeta { estimated_language: "ko".into() }, result: r });
        assert_eq!(w.key(), "idCard");
        assert_eq!(
            w.value(),
            serde_json::json!({"meta": {"estimatedLanguage": "ko"},
                "result": {"idtype": "ID Card", "isConfident": true, "rois": [], "ic": {"name": [{"text": "홍길동", "boundingPolys": []}]}}})
        );
    }
}
