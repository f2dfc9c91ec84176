//! Document OCR through the HTTP service, on a stand-in engine that returns the words of a receipt (the
//! extraction itself is tested in `jikji-document` on hand-built pages and on real OCR output).

mod common;

use common::*;
use jikji_engine::{EngineError, OcrOptions, PageResult, StageTimes, Word};
use jikji_geometry::{Point, Quad};
use jikji_server::OcrBackend;
use jikji_store::{DocKind, DomainKind};
use jikji_types::Cancel;
use serde_json::Value;
use std::sync::Arc;

/// Reads every page as a small Korean card receipt.
struct ReceiptWords;

fn word(text: &str, x: f32, y: f32, line_break: bool) -> Word {
    let w = 14.0 * text.chars().count() as f32;
    Word {
        text: text.into(),
        quad: Quad::new([
            Point::new(x, y),
            Point::new(x + w, y),
            Point::new(x + w, y + 20.0),
            Point::new(x, y + 20.0),
        ]),
        confidence: 0.97,
        line_break,
    }
}

impl OcrBackend for ReceiptWords {
    fn read_page(
        &self,
        img: Arc<image::RgbImage>,
        _: &OcrOptions,
        _: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        let words = vec![
            word("행복마트", 100.0, 10.0, true),
            word("사업자번호:", 10.0, 40.0, false),
            word("513-66-80622", 170.0, 40.0, true),
            word("2023.07.21", 10.0, 70.0, false),
            word("17:23", 170.0, 70.0, true),
            word("두부", 10.0, 100.0, false),
            word("1", 150.0, 100.0, false),
            word("3,500", 250.0, 100.0, true),
            word("합계", 10.0, 130.0, false),
            word("3,500", 250.0, 130.0, true),
        ];
        Ok((
            PageResult {
                page_index: 0,
                width: img.width(),
                height: img.height(),
                words,
                lines: vec![],
                outline: None,
            },
            StageTimes::default(),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_fields_come_back_in_the_receipt_member() {
    let srv = Srv::start(|_| {}, Some(Arc::new(ReceiptWords))).await;
    let (doc, docs) = srv
        .domain(DomainKind::Document(vec![DocKind::Receipt]), |_| {})
        .await;
    let r = srv
        .post_json(&doc, &docs, "document/receipt", &json_req("V2", "r", "png", &png(400, 200)))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let img = &v["images"][0];
    assert_eq!(img["inferResult"], "SUCCESS", "{v}");
    assert!(img.get("fields").is_none(), "Document OCR has no General fields");
    let receipt = &img["receipt"];
    assert_eq!(receipt["meta"]["estimatedLanguage"], "ko");
    let result = &receipt["result"];
    assert_eq!(
        result["storeInfo"]["bizNum"]["formatted"]["value"],
        "513-66-80622",
        "{result}"
    );
    assert_eq!(result["totalPrice"]["price"]["formatted"]["value"], "3500", "{result}");
    assert_eq!(
        result["paymentInfo"]["date"]["formatted"],
        serde_json::json!({"year": "2023", "month": "07", "day": "21"})
    );
    assert!(!v.to_string().contains("null"), "absent members are omitted: {v}");
}

/// `/document/id-card` with the real engine on a synthetic resident card photo: the type, the fields
/// and their masks come back in `idCard`; a receipt sent to the same route is an honest `FAILURE`.
/// Skipped with a notice when the models are absent, a failure under `JIKJI_REQUIRE_MODELS=1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_engine_reads_an_id_card_and_refuses_a_receipt() {
    let Some(engine) = real_engine() else { return };
    let srv = Srv::start(|_| {}, Some(engine)).await;
    let (doc, docs) = srv
        .domain(DomainKind::Document(vec![DocKind::IdCard]), |_| {})
        .await;
    let card = std::fs::read(testdata("synthetic-docs/idcard-s1-0000-photo.jpg"))
        .expect("shared test data: synthetic-docs");
    let r = srv
        .post_json(&doc, &docs, "document/id-card", &json_req("V2", "card", "jpg", &card))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let img = &v["images"][0];
    assert_eq!(img["inferResult"], "SUCCESS", "{v}");
    let result = &img["idCard"]["result"];
    assert_eq!(result["idtype"], "ID Card", "{result}");
    assert_eq!(result["isConfident"], true, "{result}");
    assert_eq!(result["rois"].as_array().map(Vec::len), Some(1));
    // `rois` is the card's edge found in the pixels: within 2 % of the image's diagonal of the outline
    // the test data gives (the text's outline, the fallback, is 127 px off on this photo: 5 %).
    let gt: Value = serde_json::from_slice(
        &std::fs::read(testdata("synthetic-docs/idcard-s1-0000-photo.json")).unwrap(),
    )
    .unwrap();
    let truth: Vec<f64> = gt["documentBox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let (w, h) = (gt["image"]["w"].as_f64().unwrap(), gt["image"]["h"].as_f64().unwrap());
    let roi = &result["rois"][0]["vertices"];
    let err = (0..4)
        .map(|i| {
            let (x, y) = (roi[i]["x"].as_f64().unwrap(), roi[i]["y"].as_f64().unwrap());
            // The nearest true corner: the corner order is checked by the unit tests.
            (0..4)
                .map(|j| ((x - truth[2 * j]).powi(2) + (y - truth[2 * j + 1]).powi(2)).sqrt())
                .fold(f64::MAX, f64::min)
        })
        .sum::<f64>()
        / 4.0;
    assert!(err < 0.02 * (w * w + h * h).sqrt(), "rois {roi} vs {truth:?}: {err:.1} px");
    let num = &result["ic"]["personalNum"][0];
    // The synthetic card's (made-up) number, which the GT file gives.
    assert_eq!(num["formatted"]["value"], "801117-2904061", "{result}");
    assert_eq!(num["maskingPolys"].as_array().map(Vec::len), Some(1), "{num}");
    assert_eq!(result["ic"]["issueDate"][0]["formatted"]["year"], "2004", "{result}");
    assert!(!result["ic"]["issueDate"][0]["maskingPolys"].as_array().unwrap().is_empty());
    assert!(!v.to_string().contains("null"), "absent members are omitted: {v}");

    let receipt = std::fs::read(testdata("synthetic-docs/receipt-s1-0000.jpg")).unwrap();
    let r = srv
        .post_json(&doc, &docs, "document/id-card", &json_req("V2", "r", "jpg", &receipt))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["images"][0]["inferResult"], "FAILURE", "{v}");
    assert!(v["images"][0].get("idCard").is_none(), "{v}");
}

/// Reads every page as a passport's number line and MRZ.
struct PassportWords;

impl OcrBackend for PassportWords {
    fn read_page(
        &self,
        img: Arc<image::RgbImage>,
        _: &OcrOptions,
        _: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        let words = vec![
            word("여권번호/Passport", 10.0, 10.0, false),
            word("No.", 216.0, 10.0, true),
            word("M402X9688", 10.0, 40.0, true),
            word("PMKORLEE<<HUNJONG<<<<<<<<<<<<<<<<<<<<<<<<<<<", 10.0, 100.0, true),
            word("M402X96882KOR6112088F3103131<<<<<<<<<<<<<<<8", 10.0, 130.0, true),
        ];
        Ok((
            PageResult { page_index: 0, width: img.width(), height: img.height(), words, lines: vec![], outline: None },
            StageTimes::default(),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masked_image_extension_blacks_out_the_masks() {
    use base64::Engine as _;
    let srv = Srv::start(|_| {}, Some(Arc::new(PassportWords))).await;
    let (doc, docs) = srv.domain(DomainKind::Document(vec![DocKind::Passport]), |_| {}).await;
    let member = jikji_clova::uncertain::MASKED_IMAGE_MEMBER;
    let body = |flag: bool| {
        serde_json::json!({"version": "V2", "requestId": "m", "timestamp": 0,
            "images": [{"format": "png", "name": "p", "data": b64(&png(800, 200)), member: flag}]})
        .to_string()
    };
    // Without the flag: no masked copy.
    let v: Value = srv.post_json(&doc, &docs, "document/passport", &body(false)).await.json().await.unwrap();
    assert_eq!(v["images"][0]["inferResult"], "SUCCESS", "{v}");
    assert!(v["images"][0].get(member).is_none());
    // With it: a PNG of the page, black over the MRZ's copy of the number (its first 10 of 44
    // characters), untouched elsewhere in the MRZ.
    let v: Value = srv.post_json(&doc, &docs, "document/passport", &body(true)).await.json().await.unwrap();
    let m = &v["images"][0][member];
    assert_eq!(m["format"], "png", "{v}");
    let bytes = base64::engine::general_purpose::STANDARD.decode(m["data"].as_str().unwrap()).unwrap();
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (800, 200));
    let mrz_w = 14.0 * 44.0;
    for (x, y) in [(12, 132), (11, 148), ((10.0 + mrz_w * 9.5 / 44.0) as u32, 140)] {
        assert_eq!(img.get_pixel(x, y).0, [0, 0, 0], "({x},{y})");
    }
    let original = image::load_from_memory(&png(800, 200)).unwrap().to_rgb8();
    for (x, y) in [(12, 102), ((10.0 + mrz_w * 12.0 / 44.0) as u32, 140), (400, 20), (700, 190)] {
        assert_eq!(img.get_pixel(x, y), original.get_pixel(x, y), "({x},{y})");
    }
    // The passport wire result itself is unchanged by the flag.
    assert_eq!(v["images"][0]["passport"]["passportResult"]["documentNumber"]["refinedText"], "M402X9688", "{v}");
}
