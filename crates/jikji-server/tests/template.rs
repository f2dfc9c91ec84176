//! Template OCR over HTTP, on both database backends: create a template from a sample through the
//! admin API, release it, `/infer` a new copy (V1 and V2), narrow with `templateIds`, FAILURE on an
//! unrelated image, update (a draft does not serve), roll back, delete → 1021. The engine is a
//! stand-in that reads a 1000-pixel-wide image as an order form (values depending on the image's
//! height, so the "new copy" differs from the sample) and anything else as a receipt; matching and
//! reading are `jikji-template`'s own.

mod common;

use common::*;
use jikji_engine::{EngineError, OcrOptions, PageResult, StageTimes, Word};
use jikji_geometry::{Point, Quad};
use jikji_server::OcrBackend;
use jikji_store::DomainKind;
use jikji_types::Cancel;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

#[derive(Default)]
struct Forms {
    /// The languages of every read (`read_page` and `read_regions`), as `lang` strings.
    langs: std::sync::Mutex<Vec<String>>,
}

impl Forms {
    fn note(&self, opts: &OcrOptions) {
        let l: Vec<&str> = opts.langs.iter().map(|l| l.code()).collect();
        self.langs.lock().unwrap().push(l.join(","));
    }
}

fn word(text: &str, x: f32, y: f32, w: f32, line_break: bool) -> Word {
    Word {
        text: text.into(),
        quad: Quad::new([
            Point::new(x, y),
            Point::new(x + w, y),
            Point::new(x + w, y + 30.0),
            Point::new(x, y + 30.0),
        ]),
        confidence: 0.97,
        line_break,
    }
}

impl OcrBackend for Forms {
    fn read_page(
        &self,
        img: Arc<image::RgbImage>,
        opts: &OcrOptions,
        _: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        self.note(opts);
        let words = if img.width() == 1000 {
            // The copy's name is misread with low confidence; read again from its region (below), it
            // is right.
            let (no, name, conf) = if img.height() == 1400 { ("12345", "김철수", 0.97) } else { ("99881", "이영흐", 0.6) };
            let mut name = word(name, 400.0, 300.0, 120.0, true);
            name.confidence = conf;
            vec![
                word("물품", 380.0, 60.0, 110.0, false),
                word("주문서", 500.0, 60.0, 160.0, true),
                word("주문번호", 80.0, 200.0, 140.0, false),
                word(no, 400.0, 200.0, 120.0, true),
                word("받는", 80.0, 300.0, 70.0, false),
                word("사람", 160.0, 300.0, 70.0, false),
                name,
                word("위와", 80.0, 1100.0, 70.0, false),
                word("같이", 160.0, 1100.0, 70.0, false),
                word("주문합니다", 240.0, 1100.0, 170.0, true),
            ]
        } else {
            vec![
                word("영수증", 100.0, 10.0, 90.0, true),
                word("합계", 10.0, 60.0, 60.0, false),
                word("3,500", 200.0, 60.0, 80.0, true),
            ]
        };
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

    /// A region around the name's row reads `이영희`; anything else reads nothing.
    fn read_regions(
        &self,
        _: Arc<image::RgbImage>,
        quads: Vec<Quad>,
        opts: &OcrOptions,
        _: &Cancel,
    ) -> Result<Vec<jikji_engine::RegionText>, EngineError> {
        self.note(opts);
        Ok(quads
            .iter()
            .map(|q| {
                let on_name_row = (290.0..=340.0).contains(&q.center().y);
                jikji_engine::RegionText {
                    text: if on_name_row { "이영희".into() } else { String::new() },
                    confidence: if on_name_row { 0.98 } else { 0.0 },
                }
            })
            .collect())
    }
}

fn regions() -> Value {
    json!({
        "name": "order",
        "title": {"x": 360, "y": 40, "width": 320, "height": 70},
        "fields": [
            {"name": "no", "region": {"x": 380, "y": 190, "width": 300, "height": 50}, "valueType": "NUMERIC"},
            {"name": "to", "region": {"x": 380, "y": 290, "width": 300, "height": 50}, "valueType": "HANGUL"},
            {"name": "ok", "region": {"x": 800, "y": 600, "width": 40, "height": 40}, "type": "CHECKBOX"}
        ]
    })
}

async fn admin(srv: &Srv, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut rb = srv
        .client
        .request(method, format!("{}{}", srv.base, path))
        .bearer_auth("t")
        .timeout(Duration::from_secs(30));
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let st = r.status().as_u16();
    let text = r.text().await.unwrap();
    (st, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn infer_body(version: &str, image: &[u8], template_ids: Option<Vec<i64>>) -> String {
    let mut img = json!({"format": "png", "name": "scan", "data": b64(image)});
    if let Some(ids) = template_ids {
        img["templateIds"] = json!(ids);
    }
    json!({"version": version, "requestId": "r", "timestamp": 0, "images": [img]}).to_string()
}

async fn flow(db: Option<String>) {
    let forms = Arc::new(Forms::default());
    let srv = Srv::start_db(|c| c.admin_token = Some("t".into()), Some(forms.clone()), db).await;
    // The domain reads English as well: samples, tests and `/infer` all read with its languages.
    let (d, secret) = srv.domain(DomainKind::Template, |n| n.lang = "ko,en".into()).await;
    let base = format!("/admin/v1/domains/{}/templates", d.id);
    let post = reqwest::Method::POST;

    // No template yet → 1021.
    let copy = png(1000, 1300);
    expect_error(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, None)).await, "1021").await;

    // The console's builder reads a sample's words first: in the sample's pixels, nothing stored;
    // a domain of another kind is refused.
    let (st, sample) = admin(&srv, post.clone(), &format!("{base}/sample"), Some(json!({"image": b64(&png(1000, 1400))}))).await;
    assert_eq!(st, 200, "{sample}");
    assert_eq!((sample["width"].as_u64(), sample["height"].as_u64()), (Some(1000), Some(1400)));
    assert_eq!(sample["words"].as_array().map(Vec::len), Some(10));
    assert_eq!(sample["words"][3]["text"], "12345");
    assert_eq!(sample["words"][3]["polygon"], json!([400.0, 200.0, 520.0, 200.0, 520.0, 230.0, 400.0, 230.0]));
    let (st, list) = admin(&srv, reqwest::Method::GET, &base, None).await;
    assert_eq!((st, list.as_array().map(Vec::len)), (200, Some(0)));
    let (g, _) = srv.general().await;
    let (st, e) = admin(&srv, post.clone(), &format!("/admin/v1/domains/{}/templates/sample", g.id), Some(json!({"image": b64(&png(1000, 1400))}))).await;
    assert_eq!(st, 400, "{e}");

    // Bad regions are refused with their name.
    let mut bad = regions();
    bad["fields"][0]["region"]["width"] = json!(0);
    let (st, e) = admin(&srv, post.clone(), &base, Some(json!({"template": bad, "image": b64(&png(1000, 1400))}))).await;
    assert_eq!(st, 400, "{e}");
    assert!(e["message"].as_str().unwrap().contains("`no`"), "{e}");
    let mut outside = regions();
    outside["fields"][1]["region"]["x"] = json!(900);
    let (st, e) = admin(&srv, post.clone(), &base, Some(json!({"template": outside, "image": b64(&png(1000, 1400))}))).await;
    assert_eq!(st, 400);
    assert!(e["message"].as_str().unwrap().contains("not inside"), "{e}");

    // Create (a draft): still 1021.
    let (st, t) = admin(&srv, post.clone(), &base, Some(json!({"template": regions(), "image": b64(&png(1000, 1400))}))).await;
    assert_eq!(st, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    assert_eq!((t["latestVersion"].as_i64(), t["releasedVersion"].as_i64()), (Some(1), None));
    expect_error(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, None)).await, "1021").await;

    // Test on a copy before releasing.
    let (st, tv) = admin(&srv, post.clone(), &format!("{base}/{id}/test"), Some(json!({"image": b64(&copy)}))).await;
    assert_eq!(st, 200, "{tv}");
    assert_eq!(tv["matched"], true, "{tv}");
    assert_eq!(tv["image"]["fields"][0]["inferText"], "99881");
    assert_eq!(tv["image"]["fields"][1]["inferText"], "이영희", "read again from its region");
    {
        let langs = forms.langs.lock().unwrap();
        assert!(langs.len() >= 4 && langs.iter().all(|l| l == "ko,en"), "every read with the domain's languages: {langs:?}");
    }

    // Release → served.
    let (st, t) = admin(&srv, post.clone(), &format!("{base}/{id}/release"), None).await;
    assert_eq!((st, t["releasedVersion"].as_i64()), (200, Some(1)), "{t}");
    let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, None)).await).await;
    let img = &v["images"][0];
    assert_eq!(img["inferResult"], "SUCCESS", "{v}");
    assert_eq!(img["matchedTemplate"], json!({"id": id, "name": "order"}));
    assert_eq!(img["title"]["inferText"], "물품 주문서");
    assert_eq!(img["title"]["name"], "order");
    let f = &img["fields"];
    assert_eq!((f[0]["name"].as_str(), f[0]["inferText"].as_str(), f[0]["valueType"].as_str()), (Some("no"), Some("99881"), Some("NUMERIC")));
    assert_eq!((f[1]["inferText"].as_str(), f[1]["type"].as_str()), (Some("이영희"), Some("NORMAL")));
    assert_eq!((f[2]["type"].as_str(), f[2]["checked"].as_bool()), (Some("CHECKBOX"), Some(false)));
    assert!(f[0]["boundingPoly"]["vertices"].as_array().unwrap().len() == 4);
    assert_eq!(img["convertedImageInfo"]["width"], 1000);
    assert_eq!(img["validationResult"]["result"], "NO_REQUESTED");

    // V1: `bounding`, no `type`.
    let (_, v1) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V1", &copy, None)).await).await;
    let f1 = &v1["images"][0]["fields"][0];
    assert!(f1.get("bounding").is_some() && f1.get("boundingPoly").is_none() && f1.get("type").is_none(), "{v1}");
    assert!(v1["images"][0].get("convertedImageInfo").is_none());

    // An unrelated image: FAILURE with a message (HTTP 200).
    let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &png(600, 400), None)).await).await;
    assert_eq!(v["images"][0]["inferResult"], "FAILURE", "{v}");
    assert!(!v["images"][0]["message"].as_str().unwrap().is_empty());

    // Tables (spec §5.1): refused (0028) while the domain has table detection off; then the read
    // page carries the table stage's tables (the stand-in: one row, a cell per word), before `fields`.
    let with_tables = |version: &str| {
        let mut b: Value = serde_json::from_str(&infer_body(version, &copy, None)).unwrap();
        b["enableTableDetection"] = json!(true);
        b.to_string()
    };
    expect_error(srv.post_json(&d, &secret, "infer", &with_tables("V2")).await, "0028").await;
    srv.store
        .update_domain(d.id, jikji_store::DomainPatch { table_detection: Some(true), ..Default::default() })
        .await
        .unwrap();
    let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &with_tables("V2")).await).await;
    let img = &v["images"][0];
    assert_eq!(img["tables"][0]["cells"].as_array().map(Vec::len), Some(10), "{v}");
    assert_eq!(img["fields"][0]["inferText"], "99881");
    let (_, v1) = expect_ok(srv.post_json(&d, &secret, "infer", &with_tables("V1")).await).await;
    assert!(v1["images"][0].get("tables").is_none(), "V1 has no tables: {v1}");

    // templateIds narrow: another id → 1021; this id → served.
    expect_error(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, Some(vec![id + 1000]))).await, "1021").await;
    let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, Some(vec![id]))).await).await;
    assert_eq!(v["images"][0]["inferResult"], "SUCCESS");

    // Update (the sample is kept): a draft; version 1 keeps serving with its own field names.
    let mut renamed = regions();
    renamed["fields"][0]["name"] = json!("orderNo");
    let (st, t) = admin(&srv, reqwest::Method::PUT, &format!("{base}/{id}"), Some(json!({"template": renamed}))).await;
    assert_eq!((st, t["latestVersion"].as_i64(), t["releasedVersion"].as_i64()), (200, Some(2), Some(1)), "{t}");
    let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, None)).await).await;
    assert_eq!(v["images"][0]["fields"][0]["name"], "no");
    admin(&srv, post.clone(), &format!("{base}/{id}/release"), None).await;
    let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, None)).await).await;
    assert_eq!(v["images"][0]["fields"][0]["name"], "orderNo");

    // Roll back → version 1 again; the history records it.
    let (st, t) = admin(&srv, post.clone(), &format!("{base}/{id}/rollback"), None).await;
    assert_eq!((st, t["releasedVersion"].as_i64()), (200, Some(1)), "{t}");
    let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, None)).await).await;
    assert_eq!(v["images"][0]["fields"][0]["name"], "no");
    let (st, shown) = admin(&srv, reqwest::Method::GET, &format!("{base}/{id}"), None).await;
    assert_eq!(st, 200);
    let actions: Vec<&str> = shown["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "release", "update", "release", "rollback"]);
    assert_eq!(shown["definition"]["fields"][0]["name"], "orderNo", "the newest version's regions");
    let (st, list) = admin(&srv, reqwest::Method::GET, &base, None).await;
    assert_eq!((st, list.as_array().map(Vec::len)), (200, Some(1)));

    // Delete → 1021 again.
    let (st, _) = admin(&srv, reqwest::Method::DELETE, &format!("{base}/{id}"), None).await;
    assert_eq!(st, 204);
    expect_error(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, None)).await, "1021").await;
    let (st, _) = admin(&srv, reqwest::Method::GET, &format!("{base}/{id}"), None).await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_lifecycle_over_http_sqlite() {
    flow(None).await;
}

/// The same on PostgreSQL (skipped with a notice when unreachable, unless JIKJI_REQUIRE_POSTGRES=1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_lifecycle_over_http_postgres() {
    let Some((url, schema)) = pg_schema("template").await else {
        return;
    };
    flow(Some(url)).await;
    drop_schema(&schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infer_on_a_general_domain_is_0022() {
    let srv = Srv::start(|_| {}, Some(Arc::new(Forms::default()))).await;
    let (d, s) = srv.general().await;
    expect_error(srv.post_json(&d, &s, "infer", &infer_body("V2", &png(1000, 1300), None)).await, "0022").await;
}

/// What the stand-in validator received: (path, template id header, body).
type Received = Arc<std::sync::Mutex<Vec<(String, String, Value)>>>;

/// A validator on 127.0.0.1: `/valid` answers `{"result":"VALID"}`, `/invalid` a bare `INVALID`,
/// `/garbage` `200 ok`, `/down` 503, `/slow` nothing for 10 s. Returns its base URL.
async fn validator(got: Received) -> String {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    async fn answer(State(got): State<Received>, uri: Uri, headers: HeaderMap, body: String) -> (StatusCode, String) {
        let id = headers.get("x-jikji-template-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        got.lock().unwrap().push((uri.path().to_string(), id, serde_json::from_str(&body).unwrap_or(Value::Null)));
        match uri.path() {
            "/valid" => (StatusCode::OK, r#"{"result":"VALID"}"#.into()),
            "/invalid" => (StatusCode::OK, "INVALID".into()),
            "/garbage" => (StatusCode::OK, "ok".into()),
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                (StatusCode::OK, r#"{"result":"VALID"}"#.into())
            }
            _ => (StatusCode::SERVICE_UNAVAILABLE, String::new()),
        }
    }
    let app = axum::Router::new().fallback(answer).with_state(got);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Creates and releases the order template with `validationUrl` = `url`; returns its id.
async fn released_with_validator(srv: &Srv, base: &str, url: &str) -> i64 {
    let mut def = regions();
    def["validationUrl"] = json!(url);
    let (st, t) = admin(srv, reqwest::Method::POST, base, Some(json!({"template": def, "image": b64(&png(1000, 1400))}))).await;
    assert_eq!(st, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    let (st, _) = admin(srv, reqwest::Method::POST, &format!("{base}/{id}/release"), None).await;
    assert_eq!(st, 200);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_validation_returns_the_validators_verdict() {
    let got: Received = Default::default();
    let vbase = validator(got.clone()).await;
    let srv = Srv::start(
        |c| {
            c.admin_token = Some("t".into());
            c.validation_allow_loopback = true;
            c.validation_timeout_ms = 500;
            c.usage_flush_ms = 50;
        },
        Some(Arc::new(Forms::default())),
    )
    .await;
    let copy = png(1000, 1300);
    let mut seen = 0;
    for (path, expected) in [
        ("/valid", "VALID"),
        ("/invalid", "INVALID"),
        ("/garbage", "UNCHECKED"),
        ("/down", "UNCHECKED"),
        ("/slow", "UNCHECKED"),
    ] {
        // One template domain per validator, so that the one released template is the one matched.
        let (d, secret) = srv.domain(DomainKind::Template, |_| {}).await;
        let base = format!("/admin/v1/domains/{}/templates", d.id);
        let id = released_with_validator(&srv, &base, &format!("{vbase}{path}")).await;
        let started = std::time::Instant::now();
        let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &copy, None)).await).await;
        let img = &v["images"][0];
        assert_eq!(img["inferResult"], "SUCCESS", "{path}: {v}");
        assert_eq!(img["validationResult"]["result"], expected, "{path}: {v}");
        assert_eq!(img["fields"][0]["inferText"], "99881", "the OCR result is answered whatever the verdict");
        assert!(started.elapsed() < Duration::from_secs(5), "{path}: the validator's wait is bounded");

        // The validator got the image object and the template's id.
        let calls = got.lock().unwrap().clone();
        assert_eq!(calls.len(), seen + 1, "{path}: one call per image");
        let (p, tid, body) = &calls[seen];
        assert_eq!((p.as_str(), tid.as_str()), (path, id.to_string().as_str()));
        assert_eq!(body["image"]["fields"][0]["inferText"], "99881", "{body}");
        assert_eq!(body["image"]["validationResult"]["result"], "UNCHECKED");
        assert_eq!(body["image"]["matchedTemplate"]["id"], id);
        seen += 1;

        // An image no template matches is not sent.
        let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &png(600, 400), None)).await).await;
        assert_eq!(v["images"][0]["inferResult"], "FAILURE");
        assert_eq!(got.lock().unwrap().len(), seen);

        // The domain's usage counts the one validation (whatever its verdict), not the unmatched call.
        let today = jikji_calendar::current_day();
        let end = std::time::Instant::now() + Duration::from_secs(10);
        let (calls, validations) = loop {
            let r = srv.store.usage_daily(d.id, &today, &today).await.unwrap();
            if r.total.calls >= 2 || std::time::Instant::now() > end {
                break (r.total.calls, r.total.validations);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!((calls, validations), (2, 1), "{path}");
    }

    // The console's template test asks the validator too.
    let (d, _) = srv.domain(DomainKind::Template, |_| {}).await;
    let base = format!("/admin/v1/domains/{}/templates", d.id);
    let id = released_with_validator(&srv, &base, &format!("{vbase}/invalid")).await;
    let (st, tv) = admin(&srv, reqwest::Method::POST, &format!("{base}/{id}/test"), Some(json!({"image": b64(&copy)}))).await;
    assert_eq!(st, 200, "{tv}");
    assert_eq!(tv["image"]["validationResult"]["result"], "INVALID", "{tv}");

    // A URL that is not http(s) is refused when the template is saved.
    let mut def = regions();
    def["validationUrl"] = json!("file:///etc/passwd");
    let (st, e) = admin(&srv, reqwest::Method::POST, &base, Some(json!({"template": def, "image": b64(&png(1000, 1400))}))).await;
    assert_eq!(st, 400, "{e}");
    assert!(e["message"].as_str().unwrap().contains("validationUrl"), "{e}");
}

/// Loopback validators are refused unless the server allows them (SSRF policy): the image is
/// answered `UNCHECKED` and nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_at_a_refused_address_is_not_called() {
    let got: Received = Default::default();
    let vbase = validator(got.clone()).await;
    let srv = Srv::start(|c| c.admin_token = Some("t".into()), Some(Arc::new(Forms::default()))).await;
    let (d, secret) = srv.domain(DomainKind::Template, |_| {}).await;
    let base = format!("/admin/v1/domains/{}/templates", d.id);
    released_with_validator(&srv, &base, &format!("{vbase}/valid")).await;
    let (_, v) = expect_ok(srv.post_json(&d, &secret, "infer", &infer_body("V2", &png(1000, 1300), None)).await).await;
    assert_eq!(v["images"][0]["inferResult"], "SUCCESS", "{v}");
    assert_eq!(v["images"][0]["validationResult"]["result"], "UNCHECKED");
    assert!(got.lock().unwrap().is_empty());
}
