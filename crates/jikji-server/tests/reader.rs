//! The OCR Reader's admin routes over HTTP (stand-in engine, SQLite; the store's own tests cover
//! PostgreSQL): corrections stored with the word's crop, listed, exported as training pairs,
//! deleted; the searchable PDF of an upload, from a given result and by OCR, read back by
//! `pdftotext` (skipped without poppler unless CI requires it).

mod common;

use std::time::Duration;

use common::*;
use image::{Rgb, RgbImage};
use jikji_store::DomainKind;
use serde_json::{json, Value};

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A white 200 x 100 page with a red block at x 20..60, y 30..50.
fn page_with_red_word() -> Vec<u8> {
    let img = RgbImage::from_fn(200, 100, |x, y| {
        if (20..60).contains(&x) && (30..50).contains(&y) {
            Rgb([230, 0, 0])
        } else {
            Rgb([255, 255, 255])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn poly(x0: f32, y0: f32, x1: f32, y1: f32) -> Value {
    json!({"vertices": [{"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x1, "y": y1}, {"x": x0, "y": y1}]})
}

async fn admin(srv: &Srv, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Vec<u8>) {
    let mut rb = srv
        .client
        .request(method, format!("{}{}", srv.base, path))
        .bearer_auth("t")
        .timeout(Duration::from_secs(60));
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

fn json_of(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap_or(Value::Null)
}

/// (name, data) of each entry of a ustar archive.
fn untar(mut b: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    while b.len() >= 512 && b[..512].iter().any(|&x| x != 0) {
        let name = String::from_utf8(b[..100].iter().take_while(|&&c| c != 0).copied().collect()).unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&b[124..135]).unwrap(), 8).unwrap();
        out.push((name, b[512..512 + size].to_vec()));
        b = &b[512 + size.div_ceil(512) * 512..];
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrections_are_stored_with_their_crop_listed_exported_and_deleted() {
    let srv = Srv::start(|c| c.admin_token = Some("t".into()), Some(Fake::ok())).await;
    let (d, _) = srv.general().await;
    let (other, _) = srv.domain(DomainKind::General, |_| {}).await;
    let base = format!("/admin/v1/domains/{}/corrections", d.id);
    let post = reqwest::Method::POST;
    let image = page_with_red_word();
    let body = json!({"image": b64(&image), "boundingPoly": poly(20., 30., 60., 50.), "recognized": "사엄자", "corrected": "사업자"});

    let (st, b) = admin(&srv, post.clone(), &base, Some(body.clone())).await;
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let c = json_of(&b);
    assert_eq!((c["corrected"].as_str(), c["recognized"].as_str()), (Some("사업자"), Some("사엄자")));
    assert_eq!(c["createdBy"], "admin-token");
    assert_eq!(c["page"], 0);
    assert_eq!(c["imageSha256"].as_str().unwrap().len(), 64);
    let id = c["id"].as_i64().unwrap();

    // The crop is the word's region: 40 x 20, red.
    let (st, png) = admin(&srv, reqwest::Method::GET, &format!("{base}/{id}/crop"), None).await;
    assert_eq!(st, 200);
    let crop = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!(crop.dimensions(), (40, 20));
    let red = crop.pixels().filter(|p| p.0[0] > 200 && p.0[1] < 40).count();
    assert!(red as f32 > 0.9 * 800.0, "{red} red pixels of 800");

    // Bad input: 400 with the reason; a domain that does not exist: 404.
    for (bad, why) in [
        (json!({"image": "***", "boundingPoly": poly(0., 0., 1., 1.), "recognized": "", "corrected": "x"}), "base64"),
        (json!({"image": b64(&image), "boundingPoly": poly(500., 500., 600., 600.), "recognized": "", "corrected": "x"}), "empty"),
        (json!({"image": b64(&image), "page": 3, "boundingPoly": poly(0., 0., 9., 9.), "recognized": "", "corrected": "x"}), "page"),
        (json!({"image": b64(&image), "boundingPoly": poly(0., 0., 9., 9.), "recognized": "", "corrected": "a\nb"}), "control"),
        (json!({"image": b64(&image), "boundingPoly": {"vertices": []}, "recognized": "", "corrected": "x"}), "4 vertices"),
    ] {
        let (st, b) = admin(&srv, post.clone(), &base, Some(bad)).await;
        assert_eq!(st, 400, "{why}");
        assert!(json_of(&b)["message"].as_str().unwrap().contains(why), "{why}: {}", String::from_utf8_lossy(&b));
    }
    let (st, _) = admin(&srv, post.clone(), "/admin/v1/domains/999999/corrections", Some(body.clone())).await;
    assert_eq!(st, 404);

    // A second correction; the list pages by id.
    let (st, _) = admin(&srv, post.clone(), &base, Some(json!({"image": b64(&image), "boundingPoly": poly(100., 30., 180., 50.), "recognized": "", "corrected": "ＡＢ"}))).await;
    assert_eq!(st, 201);
    let (_, b) = admin(&srv, reqwest::Method::GET, &base, None).await;
    assert_eq!(json_of(&b).as_array().unwrap().len(), 2);
    let (_, b) = admin(&srv, reqwest::Method::GET, &format!("{base}?after={id}&limit=5"), None).await;
    assert_eq!(json_of(&b).as_array().unwrap().len(), 1);
    let (st, _) = admin(&srv, reqwest::Method::GET, &format!("{base}?limit=x"), None).await;
    assert_eq!(st, 400);

    // The export: both crops, labels normalised as in training.
    let (st, tar) = admin(&srv, reqwest::Method::GET, &format!("{base}/export"), None).await;
    assert_eq!(st, 200);
    let entries = untar(&tar);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(names[2..], ["labels.tsv", "corrections.jsonl"]);
    let labels = String::from_utf8(entries[2].1.clone()).unwrap();
    assert_eq!(labels, format!("images/{id}.png\t사업자\nimages/{}.png\tAB\n", id + 1));
    assert_eq!(entries[0].1, png);

    // Another domain sees none of them; delete is per domain.
    let other_base = format!("/admin/v1/domains/{}/corrections", other.id);
    let (_, b) = admin(&srv, reqwest::Method::GET, &other_base, None).await;
    assert_eq!(json_of(&b), json!([]));
    let (st, _) = admin(&srv, reqwest::Method::DELETE, &format!("{other_base}/{id}"), None).await;
    assert_eq!(st, 404);
    let (st, _) = admin(&srv, reqwest::Method::DELETE, &format!("{base}/{id}"), None).await;
    assert_eq!(st, 204);
    let (st, _) = admin(&srv, reqwest::Method::GET, &format!("{base}/{id}/crop"), None).await;
    assert_eq!(st, 404);

    // Without the token: 401.
    let r = srv.client.get(format!("{}{base}", srv.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

async fn pdf_upload(srv: &Srv, file: Vec<u8>, result: Option<Value>) -> (u16, Vec<u8>, String) {
    let mut form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(file).file_name("page"));
    if let Some(r) = result {
        form = form.text("result", r.to_string());
    }
    let r = srv
        .client
        .post(format!("{}/admin/v1/searchable-pdf", srv.base))
        .bearer_auth("t")
        .multipart(form)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec(), ct)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_searchable_pdf_of_an_upload_carries_the_given_or_the_read_words() {
    let srv = Srv::start(|c| c.admin_token = Some("t".into()), Some(Fake::ok())).await;
    // A given result (a corrected one, say): its words, in its lines.
    let result = json!({"images": [{"fields": [
        {"inferText": "사업자", "boundingPoly": poly(20., 30., 60., 50.), "lineBreak": false},
        {"inferText": "등록", "boundingPoly": poly(70., 30., 100., 50.), "lineBreak": true},
        {"inferText": "번호", "boundingPoly": poly(20., 60., 60., 80.), "lineBreak": true}]}]});
    let (st, pdf, ct) = pdf_upload(&srv, page_with_red_word(), Some(result)).await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(ct, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    if jikji_pdf::poppler::available() {
        assert_eq!(jikji_pdf::poppler::lines(&jikji_pdf::poppler::text(&pdf)), ["사업자 등록", "번호"]);
    }
    // No result: the engine reads the page (the stand-in's two words on one line).
    let (st, pdf, _) = pdf_upload(&srv, jpeg(200, 100), None).await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&pdf));
    if jikji_pdf::poppler::available() {
        assert_eq!(jikji_pdf::poppler::lines(&jikji_pdf::poppler::text(&pdf)), ["다양한 world"]);
    }
    // Bad uploads: 400.
    for (file, result, why) in [
        (b"not an image".to_vec(), None, "file"),
        (png(50, 50), Some(json!({"images": [{}, {}]})), "2 images"),
        (png(50, 50), Some(json!({"images": [{"fields": [{"inferText": "x", "boundingPoly": poly(f32::MAX, 0., 1., 1.)}]}]})), "result"),
    ] {
        let (st, b, _) = pdf_upload(&srv, file, result).await;
        assert_eq!(st, 400, "{why}: {}", String::from_utf8_lossy(&b));
        assert!(json_of(&b)["message"].as_str().unwrap().contains(why), "{why}: {}", String::from_utf8_lossy(&b));
    }
    let r = srv
        .client
        .post(format!("{}/admin/v1/searchable-pdf", srv.base))
        .bearer_auth("t")
        .multipart(reqwest::multipart::Form::new().text("result", "{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}
