//! Integration tests over real HTTP: a spawned server on 127.0.0.1:0 and a reqwest client written
//! from the spec. Most tests use a stand-in engine (`common::Fake`); `real_ocr_*` load the real models.

mod common;

use common::*;
use jikji_store::{DocKind, DomainKind};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const IMAGE_KEYS_V2: [&str; 7] = [
    "uid",
    "name",
    "inferResult",
    "message",
    "validationResult",
    "convertedImageInfo",
    "fields",
];

fn check_fields(v: &Value, v2: bool) {
    let fields = v["images"][0]["fields"].as_array().unwrap();
    assert!(!fields.is_empty());
    for f in fields {
        assert_eq!(f["valueType"], "ALL");
        let verts = f["boundingPoly"]["vertices"].as_array().unwrap();
        assert_eq!(verts.len(), 4);
        assert!(f["inferText"].is_string());
        let c = f["inferConfidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        assert_eq!(f.get("type").is_some(), v2);
        assert_eq!(f.get("lineBreak").is_some(), v2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn general_v2_json_shape() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (d, s) = srv.general().await;
    let resp = srv
        .post_json(
            &d,
            &s,
            "general",
            &json_req("V2", "demo", "png", &png(120, 40)),
        )
        .await;
    assert!(resp.headers().get("x-request-id").is_some());
    let (text, v) = expect_ok(resp).await;
    assert_key_order(&text, &["version", "requestId", "timestamp", "images"]);
    assert_key_order(&text, &IMAGE_KEYS_V2);
    assert_eq!(v["version"], "V2");
    assert_eq!(v["requestId"], "req-1");
    assert!(
        v["timestamp"].as_i64().unwrap() > 1_600_000_000_000,
        "server time, not the request's 0"
    );
    let img = &v["images"][0];
    assert_eq!(img["uid"].as_str().unwrap().len(), 32);
    assert!(img["uid"]
        .as_str()
        .unwrap()
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(img["name"], "demo");
    assert_eq!(img["inferResult"], "SUCCESS");
    assert_eq!(img["message"], "SUCCESS");
    assert_eq!(img["validationResult"], json!({"result": "NO_REQUESTED"}));
    assert_eq!(
        img["convertedImageInfo"],
        json!({"width": 120, "height": 40, "pageIndex": 0, "longImage": false})
    );
    assert!(img.get("tables").is_none());
    check_fields(&v, true);
    assert_spec_structure(&v, true);
    // Exact field serialisation: floats written as 42.0, key order of the spec sample.
    assert!(text.contains(r#"{"valueType":"ALL","boundingPoly":{"vertices":[{"x":10.0,"y":10.0},{"x":50.0,"y":10.0},{"x":50.0,"y":30.0},{"x":10.0,"y":30.0}]},"inferText":"다양한","inferConfidence":0.9999,"type":"NORMAL","lineBreak":false}"#), "{text}");
    assert!(
        text.contains(
            r#""inferText":"world","inferConfidence":1.0,"type":"NORMAL","lineBreak":true}"#
        ),
        "{text}"
    );
    assert!(!text.contains("null"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn general_v1_json_shape() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (d, s) = srv.general().await;
    let (text, v) = expect_ok(
        srv.post_json(
            &d,
            &s,
            "general",
            &json_req("V1", "demo", "jpg", &jpeg(64, 64)),
        )
        .await,
    )
    .await;
    assert_eq!(v["version"], "V1");
    assert_key_order(
        &text,
        &[
            "uid",
            "name",
            "inferResult",
            "message",
            "validationResult",
            "fields",
        ],
    );
    assert!(
        !text.contains("convertedImageInfo")
            && !text.contains("lineBreak")
            && !text.contains("\"type\"")
    );
    check_fields(&v, false);
    assert_spec_structure(&v, false);
    assert!(
        text.contains(r#""inferText":"world","inferConfidence":1.0}"#),
        "{text}"
    );
}

async fn multipart(
    srv: &Srv,
    d: &jikji_store::Domain,
    s: &str,
    version: &str,
    json_part: bool,
    file_first: bool,
) -> reqwest::Response {
    let msg = json!({"version": version, "requestId": "mp", "timestamp": 0, "images": [{"format": "png", "name": "mpimg"}]}).to_string();
    let message = if json_part {
        reqwest::multipart::Part::text(msg)
            .mime_str("application/json")
            .unwrap()
    } else {
        reqwest::multipart::Part::text(msg)
    };
    let file = reqwest::multipart::Part::bytes(png(80, 30)).file_name("a.png");
    let form = if file_first {
        reqwest::multipart::Form::new()
            .part("file", file)
            .part("message", message)
    } else {
        reqwest::multipart::Form::new()
            .part("message", message)
            .part("file", file)
    };
    srv.client
        .post(srv.url(d, "general"))
        .header(SECRET_HEADER, s)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn general_multipart_v1_v2() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (d, s) = srv.general().await;
    for (version, json_part, file_first) in [
        ("V2", false, false),
        ("V2", true, true),
        ("V1", true, false),
        ("V1", false, true),
    ] {
        let (text, v) =
            expect_ok(multipart(&srv, &d, &s, version, json_part, file_first).await).await;
        assert_eq!(v["version"], version);
        assert_eq!(v["requestId"], "mp");
        assert_eq!(v["images"][0]["name"], "mpimg");
        check_fields(&v, version == "V2");
        assert_spec_structure(&v, version == "V2");
        if version == "V2" {
            assert_key_order(&text, &IMAGE_KEYS_V2);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leniencies_accepted() {
    let srv = Srv::start(|c| c.allow_loopback_urls = true, Some(Fake::ok())).await;
    let files = FileServer::start().await;
    let (d, s) = srv
        .domain(DomainKind::General, |n| n.table_detection = true)
        .await;
    let data = b64(&png(50, 20));
    let bodies = [
        json!({"version":"V2","requestId":"a","timestamp":"1584062336793","images":[{"format":"png","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"images":[{"format":"png","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":null,"images":[{"format":"png","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","images":[{"format":"png","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"resultType":"string","images":[{"format":"png","name":"a","date":"2024","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"images":[{"format":"jpg","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"images":[{"format":"tiff","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"enableTableDetection":"false","images":[{"format":"png","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"enableTableDetection":"true","images":[{"format":"png","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"enableTableDetection":false,"images":[{"format":"png","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"lang":"ko, ja ,zh-TW","images":[{"format":"png","name":"a","data":data}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"images":[{"format":"png","name":"a","data":null,"url":files.url("/img.png")}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"images":[{"format":"png","name":"a","data":data,"url":"http://10.0.0.1/ignored"}]}),
        json!({"version":"V2","requestId":"a","timestamp":0,"images":[{"name":"a","data":format!("data:image/png;base64,{data}")}]}),
    ];
    for ct in [
        "application/json",
        "application/json;UTF-8",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "",
    ] {
        for (i, b) in bodies.iter().enumerate() {
            let mut rb = srv
                .client
                .post(srv.url(&d, "general"))
                .header("x-ocr-secret", &s)
                .body(b.to_string());
            if !ct.is_empty() {
                rb = rb.header("content-type", ct);
            }
            let resp = rb.send().await.unwrap();
            let status = resp.status();
            let text = resp.text().await.unwrap();
            assert_eq!(status, 200, "body #{i} with content-type {ct:?}: {text}");
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                v["images"][0]["inferResult"], "SUCCESS",
                "body #{i}: {text}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_page_pdf_gives_one_entry_per_page() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (d, s) = srv.general().await;
    let (text, v) = expect_ok(
        srv.post_json(&d, &s, "general", &json_req("V2", "doc", "pdf", &pdf(3)))
            .await,
    )
    .await;
    let images = v["images"].as_array().unwrap();
    assert_eq!(images.len(), 3, "{text}");
    for (i, img) in images.iter().enumerate() {
        assert_eq!(img["convertedImageInfo"]["pageIndex"], i as u64);
        assert_eq!(img["name"], "doc");
        assert_eq!(img["inferResult"], "SUCCESS");
    }
    assert_ne!(images[0]["uid"], images[1]["uid"]);
    // More pages than the spec's 10 → 0011.
    expect_error(
        srv.post_json(&d, &s, "general", &json_req("V2", "doc", "pdf", &pdf(11)))
            .await,
        "0011",
    )
    .await;
}

/// Every error code of the spec, produced where it belongs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_code() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (g, gs) = srv.general().await;
    let body = json_req("V2", "a", "png", &png(40, 20));
    // 0001
    expect_error(
        srv.client
            .post(format!(
                "{}/custom/v1/999999/{}/general",
                srv.base, g.invoke_key
            ))
            .header(SECRET_HEADER, &gs)
            .body(body.clone())
            .send()
            .await
            .unwrap(),
        "0001",
    )
    .await;
    expect_error(
        srv.client
            .post(format!(
                "{}/custom/v1/{}/{}/general",
                srv.base,
                g.id,
                "0".repeat(64)
            ))
            .header(SECRET_HEADER, &gs)
            .body(body.clone())
            .send()
            .await
            .unwrap(),
        "0001",
    )
    .await;
    expect_error(srv.post_json(&g, &gs, "nope", &body).await, "0001").await;
    expect_error(srv.post_json(&g, &gs, "document/nope", &body).await, "0001").await;
    // 0002
    expect_error(srv.post_json(&g, "wrong", "general", &body).await, "0002").await;
    expect_error(
        srv.client
            .post(srv.url(&g, "general"))
            .body(body.clone())
            .send()
            .await
            .unwrap(),
        "0002",
    )
    .await;
    // 0011
    expect_error(srv.post_json(&g, &gs, "general", "{not json").await, "0011").await;
    // 0021
    expect_error(
        srv.post_json(&g, &gs, "general", &json_req("V3", "a", "png", &png(4, 4)))
            .await,
        "0021",
    )
    .await;
    // 0022
    expect_error(srv.post_json(&g, &gs, "infer", &body).await, "0022").await;
    expect_error(
        srv.post_json(&g, &gs, "document/receipt", &body).await,
        "0022",
    )
    .await;
    let (t, ts) = srv.domain(DomainKind::Template, |_| {}).await;
    expect_error(srv.post_json(&t, &ts, "general", &body).await, "0022").await;
    let (doc, docs) = srv
        .domain(DomainKind::Document(vec![DocKind::Receipt]), |_| {})
        .await;
    // Models the domain does not enable → 0022.
    for op in [
        "document/name-card",
        "name-card",
        "document/biz-license",
        "credit-card",
        "id-card",
        "document/passport",
    ] {
        expect_error(srv.post_json(&doc, &docs, op, &body).await, "0022").await;
    }
    // The enabled model runs; the stand-in's two words are no receipt: an honest FAILURE image.
    for op in ["document/receipt", "receipt"] {
        let r = srv.post_json(&doc, &docs, op, &body).await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["images"][0]["inferResult"], "FAILURE", "{v}");
        assert!(v["images"][0].get("receipt").is_none());
    }
    // 0023
    let (q, qs) = srv
        .domain(DomainKind::General, |n| n.monthly_quota = Some(1))
        .await;
    expect_ok(srv.post_json(&q, &qs, "general", &body).await).await;
    expect_error(srv.post_json(&q, &qs, "general", &body).await, "0023").await;
    // 0025 (token bucket)
    let (r, rs) = srv
        .domain(DomainKind::General, |n| {
            n.rate_limit_per_sec = Some(0.1);
            n.rate_burst = Some(1);
        })
        .await;
    expect_ok(srv.post_json(&r, &rs, "general", &body).await).await;
    let resp = srv.post_json(&r, &rs, "general", &body).await;
    assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
    expect_error(resp, "0025").await;
    // 0028
    let tbl = json!({"version":"V2","requestId":"x","timestamp":0,"enableTableDetection":true,"images":[{"format":"png","name":"a","data":b64(&png(4,4))}]}).to_string();
    expect_error(srv.post_json(&g, &gs, "general", &tbl).await, "0028").await;
    // 1021
    expect_error(srv.post_json(&t, &ts, "infer", &body).await, "1021").await;
    // 0501 engine failure; 0500 engine panic (never kills the server)
    let failing = Srv::start(|_| {}, Some(Fake::with(Mode::Fail))).await;
    let (f, fs) = failing.general().await;
    expect_error(failing.post_json(&f, &fs, "general", &body).await, "0501").await;
    let panicking = Srv::start(|_| {}, Some(Fake::with(Mode::Panic))).await;
    let (p, ps) = panicking.general().await;
    expect_error(panicking.post_json(&p, &ps, "general", &body).await, "0500").await;
    expect_error(panicking.post_json(&p, &ps, "general", &body).await, "0500").await;
    assert_eq!(
        panicking
            .client
            .get(format!("{}/healthz", panicking.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // 0501 when no engine is loaded
    let bare = Srv::start(|_| {}, None).await;
    let (b, bs) = bare.general().await;
    expect_error(bare.post_json(&b, &bs, "general", &body).await, "0501").await;
}

/// Framework-level errors come out as CLOVA JSON errors too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_errors_are_clova_json() {
    let srv = Srv::start(|c| c.max_body_mb = 1, Some(Fake::ok())).await;
    let (g, gs) = srv.general().await;
    let c = &srv.client;
    expect_error(
        c.get(format!("{}/nothing/here", srv.base))
            .send()
            .await
            .unwrap(),
        "0001",
    )
    .await;
    // a known path with a wrong method: 405 with the 0001 body (see lib.rs, method_not_allowed)
    expect_405(
        c.get(srv.url(&g, "general"))
            .header(SECRET_HEADER, &gs)
            .send()
            .await
            .unwrap(),
    )
    .await;
    expect_405(
        c.put(srv.url(&g, "general"))
            .header(SECRET_HEADER, &gs)
            .send()
            .await
            .unwrap(),
    )
    .await;
    expect_405(
        c.post(format!("{}/healthz", srv.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    expect_error(
        c.post(format!("{}/custom/v1/abc/def/general", srv.base))
            .send()
            .await
            .unwrap(),
        "0001",
    )
    .await;
    // 413 → 0011
    let big = "x".repeat(2 * 1024 * 1024);
    expect_error(srv.post_json(&g, &gs, "general", &big).await, "0011").await;
    let form = reqwest::multipart::Form::new()
        .text("message", json!({"version":"V2","requestId":"a","timestamp":0,"images":[{"format":"png","name":"a"}]}).to_string())
        .part("file", reqwest::multipart::Part::bytes(vec![0u8; 2 * 1024 * 1024]).file_name("a.png"));
    expect_error(
        c.post(srv.url(&g, "general"))
            .header(SECRET_HEADER, &gs)
            .multipart(form)
            .send()
            .await
            .unwrap(),
        "0011",
    )
    .await;
    // multipart without boundary
    expect_error(
        c.post(srv.url(&g, "general"))
            .header(SECRET_HEADER, &gs)
            .header("content-type", "multipart/form-data")
            .body("junk")
            .send()
            .await
            .unwrap(),
        "0011",
    )
    .await;
}

/// 50+ malformed or hostile requests, each with the right code; the server stays up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests() {
    let srv = Srv::start(
        |c| {
            c.max_pixels = 1_000_000;
            c.max_side = 5_000;
        },
        Some(Fake::ok()),
    )
    .await;
    let (g, gs) = srv.general().await;
    let (doc, docs) = srv
        .domain(DomainKind::Document(vec![DocKind::IdCard]), |_| {})
        .await;
    let ok_png = png(40, 20);
    let mut truncated = png(300, 200);
    truncated.truncate(truncated.len() / 2);
    let img = |data: Value| {
        json!({"version":"V2","requestId":"h","timestamp":0,"images":[{"format":"png","name":"h","data":data}]}).to_string()
    };
    let url_req = |url: &str| {
        json!({"version":"V2","requestId":"h","timestamp":0,"images":[{"format":"png","name":"h","url":url}]}).to_string()
    };
    // (case, operation, secret, body, expected code or "FAILURE")
    let mut cases: Vec<(&str, &str, String, String, &str)> = vec![
        ("empty body", "general", gs.clone(), String::new(), "0011"),
        ("whitespace body", "general", gs.clone(), "   ".into(), "0011"),
        ("json null", "general", gs.clone(), "null".into(), "0011"),
        ("json array", "general", gs.clone(), "[]".into(), "0011"),
        ("json string", "general", gs.clone(), "\"x\"".into(), "0011"),
        ("json number", "general", gs.clone(), "42".into(), "0011"),
        ("truncated json", "general", gs.clone(), r#"{"version":"V2","images":[{"#.into(), "0011"),
        ("version with replacement char", "general", gs.clone(), String::from_utf8_lossy(b"{\"version\":\"V2\xff\",\"images\":[{\"name\":\"a\",\"data\":\"aGVsbG8=\"}]}").into(), "0021"),
        ("no images", "general", gs.clone(), r#"{"version":"V2","requestId":"a","timestamp":0}"#.into(), "0011"),
        ("images null", "general", gs.clone(), r#"{"version":"V2","images":null}"#.into(), "0011"),
        ("images empty", "general", gs.clone(), r#"{"version":"V2","images":[]}"#.into(), "0011"),
        ("images object", "general", gs.clone(), r#"{"version":"V2","images":{"name":"a"}}"#.into(), "0011"),
        ("images string", "general", gs.clone(), r#"{"version":"V2","images":"abc"}"#.into(), "0011"),
        ("two images", "general", gs.clone(), json!({"version":"V2","images":[{"name":"a","data":b64(&ok_png)},{"name":"b","data":b64(&ok_png)}]}).to_string(), "0011"),
        ("image without data or url", "general", gs.clone(), r#"{"version":"V2","images":[{"format":"png","name":"a"}]}"#.into(), "0011"),
        ("data and url null", "general", gs.clone(), r#"{"version":"V2","images":[{"format":"png","name":"a","data":null,"url":null}]}"#.into(), "0011"),
        ("data empty string", "general", gs.clone(), img(json!("")), "0011"),
        ("data number", "general", gs.clone(), img(json!(12345)), "0011"),
        ("data object", "general", gs.clone(), img(json!({"a":1})), "0011"),
        ("bad base64", "general", gs.clone(), img(json!("!!!notbase64***")), "0011"),
        ("base64 of text", "general", gs.clone(), img(json!(b64(b"hello, this is not an image"))), "0011"),
        ("base64 of zeros", "general", gs.clone(), img(json!(b64(&[0u8; 1000]))), "0011"),
        ("truncated png", "general", gs.clone(), img(json!(b64(&truncated))), "FAILURE"),
        ("png header only", "general", gs.clone(), img(json!(b64(&ok_png[..33]))), "FAILURE"),
        ("pixel bomb header", "general", gs.clone(), img(json!(b64(&png_bomb_header(100_000, 100_000)))), "0011"),
        ("long side", "general", gs.clone(), img(json!(b64(&png_bomb_header(6_000, 10)))), "0011"),
        ("over max pixels", "general", gs.clone(), img(json!(b64(&png(1200, 1000)))), "0011"),
        ("pdf bomb pages", "general", gs.clone(), img(json!(b64(&pdf(40)))), "0011"),
        ("version number", "general", gs.clone(), json!({"version":2,"images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0011"),
        ("version V3", "general", gs.clone(), json!({"version":"V3","images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0021"),
        ("version lowercase", "general", gs.clone(), json!({"version":"v2","images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0021"),
        ("version missing", "general", gs.clone(), json!({"images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0021"),
        ("version empty", "general", gs.clone(), json!({"version":"","images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0021"),
        ("timestamp object", "general", gs.clone(), json!({"version":"V2","timestamp":{},"images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0011"),
        ("timestamp word", "general", gs.clone(), json!({"version":"V2","timestamp":"yesterday","images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0011"),
        ("table flag word", "general", gs.clone(), json!({"version":"V2","enableTableDetection":"yes please","images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0011"),
        ("table flag on", "general", gs.clone(), json!({"version":"V2","enableTableDetection":true,"images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0028"),
        ("unknown lang", "general", gs.clone(), json!({"version":"V2","lang":"klingon","images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0011"),
        ("name object", "general", gs.clone(), json!({"version":"V2","images":[{"name":{"x":1},"data":b64(&ok_png)}]}).to_string(), "0011"),
        ("templateIds strings", "general", gs.clone(), json!({"version":"V2","images":[{"name":"a","data":b64(&ok_png),"templateIds":"x"}]}).to_string(), "0011"),
        ("bad secret", "general", "nope".into(), img(json!(b64(&ok_png))), "0002"),
        ("empty secret", "general", String::new(), img(json!(b64(&ok_png))), "0002"),
        ("other domain's secret", "general", docs.clone(), img(json!(b64(&ok_png))), "0002"),
        ("wrong operation", "infer", gs.clone(), img(json!(b64(&ok_png))), "0022"),
        ("document on general", "document/id-card", gs.clone(), img(json!(b64(&ok_png))), "0022"),
        ("unknown operation", "generals", gs.clone(), img(json!(b64(&ok_png))), "0001"),
        ("path traversal op", "..%2F..%2Fadmin", gs.clone(), img(json!(b64(&ok_png))), "0001"),
        ("url file scheme", "general", gs.clone(), url_req("file:///etc/passwd"), "0011"),
        ("url ftp scheme", "general", gs.clone(), url_req("ftp://example.com/a.png"), "0011"),
        ("url gopher scheme", "general", gs.clone(), url_req("gopher://127.0.0.1:25/"), "0011"),
        ("url not a url", "general", gs.clone(), url_req("not a url"), "0011"),
        ("url loopback", "general", gs.clone(), url_req("http://127.0.0.1:1/a.png"), "0011"),
        ("url localhost name", "general", gs.clone(), url_req("http://localhost:1/a.png"), "0011"),
        ("url loopback v6", "general", gs.clone(), url_req("http://[::1]:1/a.png"), "0011"),
        ("url mapped v6", "general", gs.clone(), url_req("http://[::ffff:127.0.0.1]:1/a.png"), "0011"),
        ("url hex ip", "general", gs.clone(), url_req("http://0x7f000001/a.png"), "0011"),
        ("url decimal ip", "general", gs.clone(), url_req("http://2130706433/a.png"), "0011"),
        ("url private 10", "general", gs.clone(), url_req("http://10.1.2.3/a.png"), "0011"),
        ("url private 192", "general", gs.clone(), url_req("http://192.168.0.1/a.png"), "0011"),
        ("url private 172", "general", gs.clone(), url_req("http://172.16.5.4/a.png"), "0011"),
        ("url metadata", "general", gs.clone(), url_req("http://169.254.169.254/latest/meta-data/"), "0011"),
        ("url link-local v6", "general", gs.clone(), url_req("http://[fe80::1]/a.png"), "0011"),
        ("url zero", "general", gs.clone(), url_req("http://0.0.0.0:1/a.png"), "0011"),
        ("url credentials", "general", gs.clone(), url_req("http://user:pw@example.com/a.png"), "0011"),
        ("url on a document kind not enabled", "document/receipt", docs.clone(), url_req("http://example.com/a.png"), "0022"),
        ("V1 on a document kind not enabled", "document/receipt", docs.clone(), json!({"version":"V1","images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0022"),
        ("url on document", "document/id-card", docs.clone(), url_req("http://example.com/a.png"), "0011"),
        ("V1 on document", "document/id-card", docs.clone(), json!({"version":"V1","images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "0021"),
    ];
    cases.push((
        "deeply nested json",
        "general",
        gs.clone(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        "0011",
    ));
    cases.push(("huge requestId", "general", gs.clone(), json!({"version":"V2","requestId":"r".repeat(100_000),"images":[{"name":"a","data":b64(&ok_png)}]}).to_string(), "SUCCESS"));
    assert!(cases.len() >= 50, "{} cases", cases.len());
    for (case, op, secret, body, expected) in &cases {
        let resp = srv
            .client
            .post(if *secret == docs && op.starts_with("document/") {
                srv.url(&doc, op)
            } else {
                srv.url(&g, op)
            })
            .header(SECRET_HEADER, secret.as_str())
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        match *expected {
            "FAILURE" | "SUCCESS" => {
                let status = resp.status();
                let text = resp.text().await.unwrap();
                assert_eq!(status, 200, "{case}: {text}");
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["images"][0]["inferResult"], *expected, "{case}: {text}");
                if *expected == "FAILURE" {
                    assert!(
                        v["images"][0]["message"].as_str().unwrap().len() > 5,
                        "{case}"
                    );
                }
            }
            code => {
                let status = resp.status();
                let text = resp.text().await.unwrap();
                let v: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|_| panic!("{case}: not JSON: {text}"));
                assert_eq!(v["code"], code, "{case} ({status}): {text}");
            }
        }
    }
    // Raw invalid UTF-8.
    let resp = srv
        .client
        .post(srv.url(&g, "general"))
        .header(SECRET_HEADER, &gs)
        .body(b"{\"version\":\"V2\xff\"}".to_vec())
        .send()
        .await
        .unwrap();
    expect_error(resp, "0011").await;
    assert_eq!(
        srv.client
            .get(format!("{}/healthz", srv.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// A loopback file server for URL tests.
struct FileServer {
    base: String,
    _task: tokio::task::JoinHandle<()>,
}

impl FileServer {
    async fn start() -> FileServer {
        use axum::response::IntoResponse;
        use axum::routing::get;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let img = png(60, 30);
        let app = axum::Router::new()
            .route(
                "/img.png",
                get(move || {
                    let img = img.clone();
                    async move { ([("content-type", "image/png")], img) }
                }),
            )
            .route(
                "/redirect",
                get(|| async { axum::response::Redirect::temporary("/img.png") }),
            )
            .route(
                "/redirect2",
                get(|| async { axum::response::Redirect::permanent("/redirect") }),
            )
            .route(
                "/loop",
                get(|| async { axum::response::Redirect::temporary("/loop") }),
            )
            .route(
                "/to-private",
                get(|| async { axum::response::Redirect::temporary("http://10.0.0.1/x.png") }),
            )
            .route(
                "/to-metadata",
                get(|| async {
                    axum::response::Redirect::temporary("http://169.254.169.254/latest/meta-data/")
                }),
            )
            .route("/big", get(|| async { vec![0u8; 3 * 1024 * 1024] }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route(
                "/missing",
                get(|| async { (axum::http::StatusCode::NOT_FOUND, "no").into_response() }),
            );
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FileServer { base, _task: task }
    }
    fn url(&self, p: &str) -> String {
        format!("{}{}", self.base, p)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_fetching_from_loopback_server() {
    let srv = Srv::start(
        |c| {
            c.allow_loopback_urls = true;
            c.max_image_mb = 2;
            c.url_timeout_secs = 1;
            c.url_max_redirects = 3;
        },
        Some(Fake::ok()),
    )
    .await;
    let files = FileServer::start().await;
    let (g, gs) = srv.general().await;
    let req = |u: String| {
        json!({"version":"V2","requestId":"u","timestamp":0,"images":[{"format":"jpg","name":"u","url":u}]}).to_string()
    };
    for p in ["/img.png", "/redirect", "/redirect2"] {
        let (_, v) = expect_ok(srv.post_json(&g, &gs, "general", &req(files.url(p))).await).await;
        assert_eq!(v["images"][0]["inferResult"], "SUCCESS", "{p}");
        assert_eq!(v["images"][0]["convertedImageInfo"]["width"], 60);
    }
    // Redirect hops are re-checked: loopback is allowed here, private and metadata are not.
    expect_error(
        srv.post_json(&g, &gs, "general", &req(files.url("/to-private")))
            .await,
        "0011",
    )
    .await;
    expect_error(
        srv.post_json(&g, &gs, "general", &req(files.url("/to-metadata")))
            .await,
        "0011",
    )
    .await;
    // Over the size limit → 0011; download failures → 200 with an ERROR image.
    expect_error(
        srv.post_json(&g, &gs, "general", &req(files.url("/big")))
            .await,
        "0011",
    )
    .await;
    for p in ["/missing", "/loop", "/slow"] {
        let t = Instant::now();
        let (_, v) = expect_ok(srv.post_json(&g, &gs, "general", &req(files.url(p))).await).await;
        assert_eq!(v["images"][0]["inferResult"], "ERROR", "{p}");
        assert!(v["images"][0].get("fields").is_none());
        assert!(
            t.elapsed() < Duration::from_secs(4),
            "{p} took {:?}",
            t.elapsed()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssrf_refused_by_default() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let files = FileServer::start().await;
    let (g, gs) = srv.general().await;
    let port = files.base.rsplit(':').next().unwrap().to_string();
    for u in [
        files.url("/img.png"),
        format!("http://localhost:{port}/img.png"),
        format!("http://[::1]:{port}/img.png"),
        format!("http://127.1:{port}/img.png"),
        "http://169.254.169.254/".into(),
        "http://[fd00:ec2::254]/".into(),
        "http://10.0.0.1/".into(),
        "http://100.64.0.1/".into(),
    ] {
        let body = json!({"version":"V2","requestId":"s","timestamp":0,"images":[{"format":"png","name":"s","url":u}]}).to_string();
        expect_error(srv.post_json(&g, &gs, "general", &body).await, "0011").await;
    }
}

async fn admin(
    srv: &Srv,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut rb = srv.client.request(method, format!("{}{}", srv.base, path));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let resp = rb.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"))
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_api() {
    use reqwest::Method;
    let off = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (s, v) = admin(&off, Method::GET, "/admin/v1/domains", Some("x"), None).await;
    assert_eq!((s, v["error"].as_str()), (404, Some("disabled")));

    let srv = Srv::start(
        |c| c.admin_token = Some("s3cret-token".into()),
        Some(Fake::ok()),
    )
    .await;
    let tok = Some("s3cret-token");
    assert_eq!(
        admin(&srv, Method::GET, "/admin/v1/domains", None, None)
            .await
            .0,
        401
    );
    assert_eq!(
        admin(
            &srv,
            Method::GET,
            "/admin/v1/domains",
            Some("s3cret-tokem"),
            None
        )
        .await
        .0,
        401
    );
    let (s, created) = admin(
        &srv,
        Method::POST,
        "/admin/v1/domains",
        tok,
        Some(
            json!({"name":"shop","kind":"general","rate_limit_per_sec":100.0,"monthly_quota":100}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    let id = created["domain"]["id"].as_i64().unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(
        !created["domain"].to_string().contains(&secret),
        "the secret is only shown once, beside the domain"
    );
    assert_eq!(
        created["domain"]["invoke_path"],
        format!(
            "/custom/v1/{id}/{}",
            created["domain"]["invoke_key"].as_str().unwrap()
        )
    );
    let (s, doc) = admin(
        &srv,
        Method::POST,
        "/admin/v1/domains",
        tok,
        Some(json!({"name":"docs","kind":"document","document_kinds":["receipt","id-card"]})),
    )
    .await;
    assert_eq!(s, 201, "{doc}");
    assert_eq!(
        doc["domain"]["document_kinds"],
        json!(["receipt", "id-card"])
    );
    assert_eq!(
        admin(
            &srv,
            Method::POST,
            "/admin/v1/domains",
            tok,
            Some(json!({"name":"x","kind":"weird"}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        admin(
            &srv,
            Method::POST,
            "/admin/v1/domains",
            tok,
            Some(json!({"nam":"x"}))
        )
        .await
        .0,
        400
    );
    let (s, list) = admin(&srv, Method::GET, "/admin/v1/domains", tok, None).await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains("secret"));
    let (s, got) = admin(
        &srv,
        Method::GET,
        &format!("/admin/v1/domains/{id}"),
        tok,
        None,
    )
    .await;
    assert_eq!((s, got["name"].as_str()), (200, Some("shop")));
    let (s, patched) = admin(
        &srv,
        Method::PATCH,
        &format!("/admin/v1/domains/{id}"),
        tok,
        Some(json!({"table_detection":true,"monthly_quota":null,"name":"shop2"})),
    )
    .await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["table_detection"], true);
    assert_eq!(patched["monthly_quota"], Value::Null);
    assert_eq!(patched["rate_limit_per_sec"], 100.0);

    // The secret works, then is rotated: the old one fails with 0002.
    let d = srv.store.get_domain(id).await.unwrap().unwrap();
    let body = json_req("V2", "a", "png", &png(30, 20));
    expect_ok(srv.post_json(&d, &secret, "general", &body).await).await;
    let (s, rotated) = admin(
        &srv,
        Method::POST,
        &format!("/admin/v1/domains/{id}/rotate-secret"),
        tok,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let new_secret = rotated["secret"].as_str().unwrap();
    expect_error(srv.post_json(&d, &secret, "general", &body).await, "0002").await;
    expect_ok(srv.post_json(&d, new_secret, "general", &body).await).await;

    // Usage is recorded after each call (asynchronously).
    let mut calls = 0;
    for _ in 0..50 {
        let (_, usage) = admin(
            &srv,
            Method::GET,
            &format!("/admin/v1/domains/{id}/usage"),
            tok,
            None,
        )
        .await;
        calls = usage["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["operation"] == "general")
            .map(|r| r["calls"].as_i64().unwrap())
            .sum();
        if calls >= 2 {
            assert_eq!(usage["rows"][0]["failures"], 0, "{usage}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        calls, 2,
        "two authenticated calls (the 0002 one is not counted)"
    );

    assert_eq!(
        admin(
            &srv,
            Method::DELETE,
            &format!("/admin/v1/domains/{id}"),
            tok,
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        admin(
            &srv,
            Method::GET,
            &format!("/admin/v1/domains/{id}"),
            tok,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        admin(
            &srv,
            Method::DELETE,
            &format!("/admin/v1/domains/{id}"),
            tok,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        admin(
            &srv,
            Method::POST,
            "/admin/v1/domains/999/rotate-secret",
            tok,
            None
        )
        .await
        .0,
        404
    );
    expect_error(
        srv.post_json(&d, new_secret, "general", &body).await,
        "0001",
    )
    .await;
}

/// Under overload the bounded queue sheds at once with 0025 and every accepted request completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_shed_fast() {
    let srv = Srv::start(
        |c| {
            c.workers = 1;
            c.queue = 1;
        },
        Some(Fake::slow(400)),
    )
    .await;
    let (g, gs) = srv.general().await;
    let body = json_req("V2", "a", "png", &png(30, 20));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = srv.client.clone();
        let url = srv.url(&g, "general");
        let (gs, body) = (gs.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = c
                .post(url)
                .header(SECRET_HEADER, gs)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap();
            (status, v, t.elapsed())
        }));
    }
    let (mut ok, mut shed) = (0, 0);
    for t in tasks {
        let (status, v, took) = t.await.unwrap();
        if status == 200 {
            ok += 1;
            assert_eq!(v["images"][0]["inferResult"], "SUCCESS");
        } else {
            shed += 1;
            assert_eq!(v["code"], "0025");
            assert_eq!(status, jikji_clova::uncertain::SHED_HTTP_STATUS);
            assert!(
                took < Duration::from_millis(300),
                "shed answer took {took:?}"
            );
        }
    }
    assert_eq!(ok + shed, 8);
    assert!((1..=2).contains(&ok), "accepted {ok}");
    let m = srv
        .client
        .get(format!("{}/metrics", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("jikji_shed_total{reason=\"queue_full\"}"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeout_answers_0501() {
    let srv = Srv::start(|c| c.request_timeout_secs = 1, Some(Fake::slow(2500))).await;
    let (g, gs) = srv.general().await;
    let t = Instant::now();
    expect_error(
        srv.post_json(
            &g,
            &gs,
            "general",
            &json_req("V2", "a", "png", &png(30, 20)),
        )
        .await,
        "0501",
    )
    .await;
    assert!(t.elapsed() < Duration::from_millis(2000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_in_flight() {
    let mut srv = Srv::start(|_| {}, Some(Fake::slow(600))).await;
    let (g, gs) = srv.general().await;
    let c = srv.client.clone();
    let url = srv.url(&g, "general");
    let body = json_req("V2", "a", "png", &png(30, 20));
    let inflight = tokio::spawn(async move {
        c.post(url)
            .header(SECRET_HEADER, gs)
            .body(body)
            .send()
            .await
            .unwrap()
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    srv.shutdown();
    let resp = inflight.await.unwrap();
    expect_ok(resp).await;
    let task = srv.task.take().unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("server stopped")
        .unwrap()
        .unwrap();
    assert!(
        srv.client
            .get(format!("{}/healthz", srv.base))
            .send()
            .await
            .is_err(),
        "listener closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_endpoints() {
    let srv = Srv::start(|_| {}, None).await;
    let c = &srv.client;
    assert_eq!(
        c.get(format!("{}/healthz", srv.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = c.get(format!("{}/readyz", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    srv.state.set_engine(Fake::ok());
    let r = c.get(format!("{}/readyz", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (g, gs) = srv.general().await;
    expect_ok(
        srv.post_json(
            &g,
            &gs,
            "general",
            &json_req("V2", "a", "png", &png(30, 20)),
        )
        .await,
    )
    .await;
    let m = c
        .get(format!("{}/metrics", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "jikji_http_requests_total{code=\"\",route=\"general\",status=\"200\"} 1",
        "jikji_http_request_duration_seconds_bucket",
        "jikji_queue_depth",
        "jikji_inference_seconds_bucket{stage=\"recognize\"",
    ] {
        assert!(m.contains(needle), "{needle} missing in\n{m}");
    }
    assert!(!m.contains(&g.invoke_key));
    let api: Value = c
        .get(format!("{}/openapi.json", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(api["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/custom/v1/{domainId}/{invokeKey}/general",
        "/custom/v1/{domainId}/{invokeKey}/infer",
        "/custom/v1/{domainId}/{invokeKey}/document/{type}",
        "/admin/v1/domains",
    ] {
        assert!(api["paths"].get(p).is_some(), "{p}");
    }
    for s in [
        "OcrRequest",
        "OcrResponse",
        "ImageResult",
        "GeneralField",
        "ErrorBody",
    ] {
        assert!(api["components"]["schemas"].get(s).is_some(), "{s}");
    }
}

/// Both persistence backends: the same flow on PostgreSQL (skipped with a notice when unreachable,
/// unless JIKJI_REQUIRE_POSTGRES=1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backend() {
    let Some((url, schema)) = pg_schema("api").await else {
        return;
    };
    let srv = Srv::start_db(
        |c| c.admin_token = Some("t".into()),
        Some(Fake::ok()),
        Some(url),
    )
    .await;
    let (d, s) = srv
        .domain(DomainKind::General, |n| n.monthly_quota = Some(2))
        .await;
    let body = json_req("V2", "a", "png", &png(30, 20));
    expect_ok(srv.post_json(&d, &s, "general", &body).await).await;
    expect_ok(srv.post_json(&d, &s, "general", &body).await).await;
    expect_error(srv.post_json(&d, &s, "general", &body).await, "0023").await;
    let (st, usage) = admin(
        &srv,
        reqwest::Method::GET,
        &format!("/admin/v1/domains/{}/usage", d.id),
        Some("t"),
        None,
    )
    .await;
    assert_eq!((st, usage["quota_used"].as_i64()), (200, Some(2)));
    assert_eq!(
        admin(
            &srv,
            reqwest::Method::DELETE,
            &format!("/admin/v1/domains/{}", d.id),
            Some("t"),
            None
        )
        .await
        .0,
        204
    );
    drop(srv);
    drop_schema(&schema).await;
}

// ---- real OCR ------------------------------------------------------------------------------------

async fn real_srv() -> Option<Srv> {
    let engine = real_engine()?;
    Some(Srv::start(|c| c.workers = 1, Some(engine)).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_ocr_json_v2_and_v1() {
    let Some(srv) = real_srv().await else { return };
    let (g, gs) = srv.general().await;
    let bytes = std::fs::read(testdata("korean_real/images/easyocr_korean.png")).expect("testdata");
    // declared as jpg although the bytes are PNG (the official sample does this)
    let (text, v) = expect_ok(
        srv.post_json(&g, &gs, "general", &json_req("V2", "demo", "jpg", &bytes))
            .await,
    )
    .await;
    assert_key_order(&text, &IMAGE_KEYS_V2);
    check_fields(&v, true);
    assert_spec_structure(&v, true);
    let fields = v["images"][0]["fields"].as_array().unwrap();
    let joined: String = fields
        .iter()
        .map(|f| f["inferText"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        joined
            .chars()
            .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
        "expected Hangul in {joined}"
    );
    assert!(fields.iter().any(|f| f["lineBreak"] == true));
    let info = &v["images"][0]["convertedImageInfo"];
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!(
        (info["width"].as_u64(), info["height"].as_u64()),
        (Some(img.width() as u64), Some(img.height() as u64))
    );
    for f in fields {
        for p in f["boundingPoly"]["vertices"].as_array().unwrap() {
            assert!(p["x"].is_f64() && p["y"].is_f64());
        }
    }
    let (text1, v1) = expect_ok(
        srv.post_json(&g, &gs, "general", &json_req("V1", "demo", "png", &bytes))
            .await,
    )
    .await;
    check_fields(&v1, false);
    assert_spec_structure(&v1, false);
    assert!(!text1.contains("convertedImageInfo"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_ocr_multipart() {
    let Some(srv) = real_srv().await else { return };
    let (g, gs) = srv.general().await;
    let bytes = std::fs::read(testdata("korean_real/images/easyocr_korean.png")).expect("testdata");
    let form = reqwest::multipart::Form::new()
        .text("message", json!({"version":"V2","requestId":"m","timestamp":0,"images":[{"format":"png","name":"demo"}]}).to_string())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("demo.png"));
    let (text, v) = expect_ok(
        srv.client
            .post(srv.url(&g, "general"))
            .header(SECRET_HEADER, &gs)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_key_order(&text, &IMAGE_KEYS_V2);
    check_fields(&v, true);
    assert_spec_structure(&v, true);
}

/// A client that never finishes its headers is disconnected after the header read timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let srv = Srv::start(|c| c.header_read_timeout_secs = 1, Some(Fake::ok())).await;
    let addr = srv.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"POST /custom/v1/1/x/general HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let t = Instant::now();
    let mut buf = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(r.is_ok(), "connection still open after 5 s");
    assert!(t.elapsed() < Duration::from_secs(4));
    // and the server still serves
    assert_eq!(
        srv.client
            .get(format!("{}/healthz", srv.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
