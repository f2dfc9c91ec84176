//! Personal data never reaches the logs, the usage store or error messages.
//!
//! The real engine reads the synthetic ID documents (resident cards, driver's licences, alien cards,
//! passports) and the ICAO specimen passport through the HTTP service while every log event at debug
//! level and above (trace for Jikji's own crates) is captured in-process, with span fields, by the same
//! `tracing` formatter the service uses. Then no personal number, name or address of the ground truth
//! may appear in the captured log, in the files of the data directory (the usage store), or in the
//! error responses of bad requests built from the same data. One test per binary: the log capture is
//! the process's global subscriber.
//!
//! Needs the models (`scripts/setup-models.sh`) and `../shared/testdata`: without them the test fails
//! under `JIKJI_REQUIRE_MODELS=1` (CI) and is skipped with a notice otherwise.

mod common;

use common::*;
use jikji_store::{DocKind, DomainKind};
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

/// The personal values of a ground-truth file: numbers, names, addresses, dates of birth, MRZ lines.
fn personal_values(gt: &Value) -> Vec<String> {
    const PERSONAL: &[&str] = &[
        "name", "nameHanja", "personalNum", "address", "alienRegNum", "num", "code", "passportNum",
        "surname", "givenName", "nameKor", "birthDate", "mrz1", "mrz2",
    ];
    let mut out = Vec::new();
    for key in PERSONAL {
        let Some(text) = gt["fields"][key]["text"].as_str() else { continue };
        out.push(text.to_string());
        // Numbers also without their separators, and each part of a number or an address on its own
        // (a log could hold the back half of a resident number, or one address line).
        let digits: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if digits.chars().filter(char::is_ascii_digit).count() >= 6 {
            out.push(digits);
        }
        out.extend(text.split(['-', ' ', '<']).filter(|p| p.chars().count() >= 6).map(str::to_string));
    }
    out.sort();
    out.dedup();
    out
}

/// The first of `values` found in `hay`.
/// The first value found in `hay`. A value shorter than [`WHOLE_WORD_BELOW`] characters (a 3-letter
/// surname such as `SON`) counts only as a whole word, so that it is not found inside `JSON`.
fn leak<'a>(hay: &str, values: &'a [String]) -> Option<&'a String> {
    values.iter().find(|v| {
        if v.chars().count() >= WHOLE_WORD_BELOW {
            return hay.contains(v.as_str());
        }
        hay.match_indices(v.as_str()).any(|(i, m)| {
            let before = hay[..i].chars().next_back();
            let after = hay[i + m.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// Values shorter than this many characters must stand alone to count as a leak.
const WHOLE_WORD_BELOW: usize = 4;

#[test]
fn short_values_count_only_as_whole_words() {
    let v = vec!["SON".to_string(), "801117-2904061".to_string()];
    assert_eq!(leak("parsed the JSON body", &v), None);
    assert_eq!(leak("name=SON given", &v), Some(&v[0]));
    assert_eq!(leak("SON", &v), Some(&v[0]));
    assert_eq!(leak("x801117-2904061y", &v), Some(&v[1]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_logs_hold_no_personal_data() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "debug,jikji_server=trace,jikji_pipeline=trace,jikji_engine=trace,jikji_document=trace,jikji_image=trace,jikji_store=trace",
        ))
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this binary");

    let Some(engine) = real_engine() else { return };
    let srv = Srv::start(|_| {}, Some(engine)).await;
    let (general, general_secret) = srv.general().await;
    let (passport, passport_secret) = srv.domain(DomainKind::Document(vec![DocKind::Passport]), |_| {}).await;
    let (id_card, id_card_secret) = srv.domain(DomainKind::Document(vec![DocKind::IdCard]), |_| {}).await;

    let docs = testdata("synthetic-docs");
    let mut values = Vec::new();
    let mut sent = 0;
    let mut names: Vec<String> = std::fs::read_dir(&docs)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json") && ["idcard", "driverlicense", "aliencard", "passport"].iter().any(|t| n.starts_with(t)))
        .collect();
    names.sort();
    for json in &names {
        let gt: Value = serde_json::from_slice(&std::fs::read(docs.join(json)).unwrap()).unwrap();
        let personal = personal_values(&gt);
        assert!(!personal.is_empty(), "{json}");
        values.extend(personal);
        let bytes = std::fs::read(docs.join(json.replace(".json", ".jpg"))).unwrap();
        // Passports to the passport model, the Korean ID cards to the id-card model (both with the
        // masked copy asked for), and every one of them to General OCR as well.
        let masked = serde_json::json!({"version": "V2", "requestId": "leak", "timestamp": 0,
            "images": [{"format": "jpg", "name": "id", "data": b64(&bytes), "jikjiMaskedImage": true}]})
        .to_string();
        let (d, secret, op) = if json.starts_with("passport") {
            (&passport, &passport_secret, "document/passport")
        } else {
            (&id_card, &id_card_secret, "document/id-card")
        };
        let r = srv.post_json(&general, &general_secret, "general", &json_req("V2", "id", "jpg", &bytes)).await;
        assert_eq!(r.status(), 200, "{json}");
        let (body, op) = (masked, op);
        let r = srv.post_json(d, secret, op, &body).await;
        assert_eq!(r.status(), 200, "{json}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["images"][0]["inferResult"], "SUCCESS", "{json}: {}", v["images"][0]["message"]);
        sent += 1;
    }
    // The ICAO specimen passport.
    let icao = testdata("passport_mrz/images/passport-td3.jpg");
    let body = json_req("V2", "id", "jpg", &std::fs::read(&icao).unwrap());
    let r = srv.post_json(&passport, &passport_secret, "document/passport", &body).await;
    assert_eq!(r.status(), 200);
    values.extend(["L898902C3", "ERIKSSON", "ANNA MARIA", "L898902C36UTO7408122F1204159ZE184226B"].map(String::from));

    // Bad requests carrying personal data where a careless error message would echo it: a body that is
    // not JSON, an image that is not an image, an unknown document model.
    let number = "801117-2904061";
    values.push(number.into());
    let not_json = format!("{{\"version\":\"V2\",\"images\":[{{\"name\":\"{number}\",\"data\":");
    let bad_image = serde_json::json!({"version": "V2", "requestId": number, "timestamp": 0,
        "images": [{"format": "jpg", "name": number, "data": b64(format!("주민등록번호 {number}").as_bytes())}]})
    .to_string();
    let mut errors = String::new();
    for (op, body) in [("general", not_json.as_str()), ("general", bad_image.as_str()), ("document/id-card", bad_image.as_str())] {
        let r = srv.post_json(&general, &general_secret, op, body).await;
        assert_ne!(r.status(), 200, "{op}");
        errors.push_str(&r.text().await.unwrap());
        errors.push('\n');
    }

    assert!(sent >= 12, "only {sent} ID documents sent");
    values.sort();
    values.dedup();
    let log = String::from_utf8_lossy(&capture.0.lock().unwrap()).to_string();
    // The capture works (it holds the access log lines of these requests), so an empty log cannot pass.
    assert!(log.contains("document/passport") && log.lines().count() >= sent, "log not captured:\n{log}");
    assert_eq!(leak(&log, &values), None, "personal data in the debug log:\n{log}");
    assert_eq!(leak(&errors, &values), None, "personal data in an error response:\n{errors}");
    // The usage store and anything else under the data directory.
    let mut stored = Vec::new();
    for e in walk(&srv.state.config.data_dir) {
        stored.extend(std::fs::read(&e).unwrap_or_default());
    }
    assert!(!stored.is_empty(), "the store wrote nothing under the data directory");
    let stored = String::from_utf8_lossy(&stored);
    assert_eq!(leak(&stored, &values), None, "personal data in the data directory");
    let usage = srv.store.usage(passport.id, None).await.unwrap();
    assert!(usage.iter().any(|u| u.calls > 0), "{usage:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
