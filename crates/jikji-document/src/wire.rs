//! Conversion of a [`DocumentResult`] into the CLOVA wire shapes of `jikji_clova::document`.
//!
//! Direction of the dependency: `jikji-document` → `jikji-clova` (the wire crate knows nothing of
//! document understanding). A result that was not recognised becomes an empty `result` object: the
//! honest answer without invented fields (the lead decides the failure shape in `uncertain.rs`).

use crate::field::{DocField, Formatted};
use crate::id_card::IdType;
use crate::{DocumentKind, DocumentResult};
use jikji_clova::document::*;
use jikji_clova::BoundingPoly;
use serde_json::{Map, Value};

/// One `DocField` on the wire.
pub fn field(f: &DocField) -> DocFieldWire {
    DocFieldWire {
        text: f.text.clone(),
        formatted: match &f.formatted {
            Formatted::None => None,
            Formatted::Value(v) => Some(FormattedWire::Value { value: v.clone() }),
            Formatted::Date { year, month, day } => Some(FormattedWire::Date {
                year: year.clone(),
                month: month.clone(),
                day: day.clone(),
            }),
            Formatted::Time {
                hour,
                minute,
                second,
            } => Some(FormattedWire::Time {
                hour: hour.clone(),
                minute: minute.clone(),
                second: second.clone(),
            }),
        },
        key_text: Some(f.key_text.clone()),
        confidence_score: Some((f.confidence * 10000.0).round() / 10000.0),
        bounding_polys: f.polys.iter().map(BoundingPoly::from_quad).collect(),
        masking_polys: Some(f.masks.iter().map(BoundingPoly::from_quad).collect()),
    }
}

fn opt(f: &Option<DocField>) -> Option<DocFieldWire> {
    f.as_ref().map(field)
}

fn list(v: &[DocField]) -> Vec<DocFieldWire> {
    v.iter().map(field).collect()
}

fn put_list(m: &mut Map<String, Value>, key: &str, v: &[&DocField]) {
    if !v.is_empty() {
        let arr: Vec<DocFieldWire> = v.iter().map(|f| field(f)).collect();
        m.insert(
            key.to_string(),
            serde_json::to_value(arr).unwrap_or(Value::Null),
        );
    }
}

fn meta(lang: &str) -> DocMeta {
    DocMeta {
        estimated_language: lang.to_string(),
    }
}

/// The wire form of a result. `lang` is `meta.estimatedLanguage` (`ko` unless the caller knows better).
pub fn to_wire(result: &DocumentResult, lang: &str) -> DocumentWire {
    match result {
        DocumentResult::Receipt(r) => {
            let store = ReceiptStoreInfo {
                name: opt(&r.store_name),
                sub_name: opt(&r.sub_name),
                biz_num: opt(&r.biz_num),
                addresses: list(&r.addresses),
                tel: list(&r.tel),
            };
            let card =
                (r.card_company.is_some() || r.card_number.is_some()).then(|| ReceiptCardInfo {
                    company: opt(&r.card_company),
                    number: opt(&r.card_number),
                });
            let pay = ReceiptPaymentInfo {
                date: opt(&r.date),
                time: opt(&r.time),
                card_info: card,
                confirm_num: opt(&r.confirm_num),
            };
            let items: Vec<ReceiptItem> = r
                .items
                .iter()
                .map(|it| ReceiptItem {
                    name: opt(&it.name),
                    code: None,
                    count: opt(&it.count),
                    price: (it.price.is_some() || it.unit_price.is_some()).then(|| {
                        ReceiptItemPrice {
                            price: opt(&it.price),
                            unit_price: opt(&it.unit_price),
                        }
                    }),
                })
                .collect();
            let sub = ReceiptSubTotal {
                tax_price: list(&r.tax_price),
                discount_price: list(&r.discount_price),
                sub_total_price: list(&r.sub_total_price),
            };
            let has_sub = !(sub.tax_price.is_empty()
                && sub.discount_price.is_empty()
                && sub.sub_total_price.is_empty());
            let total = (r.total_price.is_some() || r.credit_card_price.is_some()).then(|| {
                ReceiptTotalPrice {
                    price: opt(&r.total_price),
                    credit_card_price: opt(&r.credit_card_price),
                }
            });
            let recognized = r.recognized;
            DocumentWire::Receipt(DocEnvelope {
                meta: meta(lang),
                result: ReceiptResultWire {
                    store_info: recognized.then_some(store),
                    payment_info: recognized.then_some(pay),
                    sub_results: if items.is_empty() {
                        vec![]
                    } else {
                        vec![ReceiptSubResult { items }]
                    },
                    sub_total: if has_sub { vec![sub] } else { vec![] },
                    total_price: total,
                },
            })
        }
        DocumentResult::NameCard(r) => {
            let mut m = Map::new();
            for (k, v) in r.fields() {
                put_list(&mut m, k, &v.iter().collect::<Vec<_>>());
            }
            DocumentWire::NameCard(DocEnvelope {
                meta: meta(lang),
                result: m,
            })
        }
        DocumentResult::BizLicense(r) => {
            let mut m = Map::new();
            for (k, v) in r.fields() {
                put_list(&mut m, k, &v);
            }
            DocumentWire::BizLicense(DocEnvelope {
                meta: meta(lang),
                result: m,
            })
        }
        DocumentResult::CreditCard(r) => {
            let mut m = Map::new();
            for (k, f) in [
                ("number", &r.number),
                ("validThru", &r.valid_thru),
                ("name", &r.name),
                ("issuer", &r.issuer),
            ] {
                put_list(&mut m, k, &f.iter().collect::<Vec<_>>());
            }
            DocumentWire::CreditCard(DocEnvelope {
                meta: meta(lang),
                result: m,
            })
        }
        DocumentResult::Passport(r) => {
            let mut m = Map::new();
            let mut put = |k: &str, raw: &str, refined: Value| {
                m.insert(
                    k.to_string(),
                    serde_json::to_value(PassportValue {
                        raw_text: raw.to_string(),
                        refined_text: refined,
                    })
                    .unwrap_or(Value::Null),
                );
            };
            if let Some(z) = &r.mrz {
                put(
                    "documentClassCode",
                    &z.document_code,
                    Value::String(z.document_code.clone()),
                );
                put(
                    "issuingStateCode",
                    &z.issuing_state,
                    Value::String(z.issuing_state.clone()),
                );
                put("lastName1", &z.surname, Value::String(z.surname.clone()));
                put(
                    "firstName",
                    &z.given_names,
                    Value::String(z.given_names.clone()),
                );
                put(
                    "documentNumber",
                    &z.document_number,
                    Value::String(z.document_number.clone()),
                );
                put(
                    "checkDigitForDocumentNumber",
                    "",
                    Value::Bool(z.checks.document_number),
                );
                put(
                    "nationality",
                    &z.nationality,
                    Value::String(z.nationality.clone()),
                );
                put(
                    "dateOfBirth",
                    &z.birth_date,
                    Value::String(z.birth_date.clone()),
                );
                put(
                    "checkDigitForDateOfBirth",
                    "",
                    Value::Bool(z.checks.birth_date),
                );
                put("gender", &z.sex, Value::String(z.sex.clone()));
                put(
                    "dateOfExpiry",
                    &z.expiry_date,
                    Value::String(z.expiry_date.clone()),
                );
                put(
                    "checkDigitForDateOfExpiry",
                    "",
                    Value::Bool(z.checks.expiry_date),
                );
                put(
                    "personalNumber",
                    &z.personal_number,
                    Value::String(z.personal_number.clone()),
                );
                put(
                    "finalDigitForPersonalNumber",
                    "",
                    Value::Bool(z.checks.composite),
                );
                put(
                    "mrzType",
                    z.format.name(),
                    Value::String(z.format.name().into()),
                );
                put(
                    "mrzLines",
                    &z.lines.join("\n"),
                    Value::String(z.lines.join("\n")),
                );
            }
            DocumentWire::Passport(PassportWire {
                meta: meta(lang),
                passport_result: m,
            })
        }
        DocumentResult::IdCard(r) => {
            let mut m = Map::new();
            for (k, v) in r.fields() {
                put_list(&mut m, k, &v);
            }
            let t = r.id_type();
            let member = |want: IdType| (t == Some(want)).then(|| m.clone());
            DocumentWire::IdCard(DocEnvelope {
                meta: meta(lang),
                result: IdCardResultWire {
                    idtype: t.map(|t| t.wire_name().to_string()),
                    is_confident: r.is_confident,
                    rois: r.rois.iter().map(BoundingPoly::from_quad).collect(),
                    ic: member(IdType::ResidentCard),
                    dl: member(IdType::DriverLicense),
                    ac: member(IdType::AlienCard),
                    pp: member(IdType::Passport),
                },
            })
        }
    }
}

/// Convenience: understand a page and produce its wire form in one call.
pub fn understand_to_wire(
    kind: DocumentKind,
    page: &jikji_types::PageResult,
    lang: &str,
) -> DocumentWire {
    to_wire(&crate::understand(kind, page), lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::page;

    #[test]
    fn receipt_wire_has_no_nulls() {
        let p = page(&[
            ("사업자번호: 513-66-80622", 0.0, 0.0),
            ("합계", 0.0, 40.0),
            ("35,000", 300.0, 40.0),
            ("2023.07.21 17:23", 0.0, 80.0),
        ]);
        let w = understand_to_wire(DocumentKind::Receipt, &p, "ko");
        assert_eq!(w.key(), "receipt");
        let j = serde_json::to_string(&w.value()).unwrap();
        assert!(!j.contains("null"), "{j}");
        assert!(j.contains(r#""formatted":{"value":"513-66-80622"}"#), "{j}");
        let v = w.value();
        assert_eq!(
            v["result"]["paymentInfo"]["date"]["formatted"],
            serde_json::json!({"year": "2023", "month": "07", "day": "21"})
        );
    }

    #[test]
    fn id_card_wire_has_its_type_one_member_and_masks() {
        let p = page(&[
            ("주민등록증", 50.0, 50.0),
            ("홍길동", 60.0, 160.0),
            ("800101-1000008", 60.0, 240.0),
            ("서울특별시 금천구 가산디지털1로 1", 60.0, 320.0),
            ("2020.08.16", 370.0, 470.0),
            ("서울특별시 금천구청장", 420.0, 535.0),
        ]);
        let w = understand_to_wire(DocumentKind::IdCard, &p, "ko");
        assert_eq!(w.key(), "idCard");
        let v = w.value();
        let j = serde_json::to_string(&v).unwrap();
        assert!(!j.contains("null"), "{j}");
        let r = &v["result"];
        assert_eq!(r["idtype"], "ID Card");
        assert_eq!(r["isConfident"], true);
        assert_eq!(r["rois"].as_array().unwrap().len(), 1);
        assert!(r.get("dl").is_none() && r.get("ac").is_none() && r.get("pp").is_none());
        assert_eq!(
            r["ic"]["personalNum"][0]["formatted"]["value"],
            "800101-1000008"
        );
        assert_eq!(
            r["ic"]["personalNum"][0]["maskingPolys"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            r["ic"]["issueDate"][0]["formatted"],
            serde_json::json!({"year": "2020", "month": "08", "day": "16"})
        );
        assert_eq!(
            r["ic"]["issueDate"][0]["maskingPolys"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(r["ic"]["name"][0]["maskingPolys"], serde_json::json!([]));
        assert_eq!(
            r["ic"]["address"][0]["text"],
            "서울특별시 금천구 가산디지털1로 1"
        );
    }

    #[test]
    fn unrecognised_id_card_has_no_member() {
        let p = page(&[("행복마트", 0.0, 0.0), ("합계 3,500", 0.0, 40.0)]);
        let w = understand_to_wire(DocumentKind::IdCard, &p, "ko");
        assert_eq!(
            serde_json::to_string(&w.value()).unwrap(),
            r#"{"meta":{"estimatedLanguage":"ko"},"result":{"isConfident":false,"rois":[]}}"#
        );
    }

    #[test]
    fn unrecognised_biz_license_is_an_empty_result() {
        let p = page(&[("카페", 0.0, 0.0)]);
        let w = understand_to_wire(DocumentKind::BizLicense, &p, "ko");
        assert_eq!(
            serde_json::to_string(&w.value()).unwrap(),
            r#"{"meta":{"estimatedLanguage":"ko"},"result":{}}"#
        );
    }
}
