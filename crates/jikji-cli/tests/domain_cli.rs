//! `jikji domain …` end to end through the built binary, on a temporary data dir (SQLite).

use std::path::Path;
use std::process::{Command, Output};

mod support;
use support::TempDir;

fn jikji(data_dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_jikji"))
        .arg("domain")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("JIKJI_DATABASE_URL")
        .env("JIKJI_PUBLIC_URL", "http://ocr.example:9000")
        .output()
        .expect("run jikji");
    out
}

fn ok(data_dir: &Path, args: &[&str]) -> String {
    let out = jikji(data_dir, args);
    assert!(
        out.status.success(),
        "jikji domain {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(data_dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.push("--json");
    let text = ok(data_dir, &args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn create_list_rotate_delete() {
    let tmp = TempDir::new("t");
    let data = tmp.path().join("data");

    // Text output: invoke URL, per-operation URLs, the secret once, a warning.
    let text = ok(
        &data,
        &[
            "create",
            "--name",
            "general docs",
            "--table-detection",
            "--rate-limit",
            "5/s",
            "--monthly-quota",
            "100",
        ],
    );
    assert!(text.contains("Created domain 1 \"general docs\""), "{text}");
    assert!(
        text.contains("http://ocr.example:9000/custom/v1/1/"),
        "{text}"
    );
    assert!(text.contains("/general"), "{text}");
    assert!(text.contains("X-OCR-SECRET"), "{text}");
    assert!(text.contains("cannot be shown again"), "{text}");
    assert!(data.join("jikji.db").is_file());

    // JSON output for scripts.
    let created = json(
        &data,
        &[
            "create",
            "--name",
            "ids",
            "--type",
            "document",
            "--document-kinds",
            "receipt,id-card",
        ],
    );
    let id = created["domain"]["id"].as_i64().unwrap();
    assert_eq!(id, 2);
    let key = created["domain"]["invoke_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(key.len(), 64);
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.ends_with('='));
    assert_eq!(created["domain"]["kind"], "document");
    assert_eq!(
        created["invoke_url"],
        format!("http://ocr.example:9000/custom/v1/2/{key}")
    );
    assert_eq!(
        created["operation_urls"],
        serde_json::json!([
            format!("http://ocr.example:9000/custom/v1/2/{key}/document/receipt"),
            format!("http://ocr.example:9000/custom/v1/2/{key}/document/id-card"),
        ])
    );
    assert!(!created["domain"].to_string().contains(&secret));

    // list shows both.
    let list = ok(&data, &["list"]);
    assert!(
        list.contains("general docs") && list.contains("ids"),
        "{list}"
    );
    assert!(list.contains(&key), "{list}");
    let list = json(&data, &["list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["table_detection"], true);
    assert_eq!(list[0]["rate_limit_per_sec"], 5.0);
    assert_eq!(list[0]["monthly_quota"], 100);

    // show, update.
    let shown = json(&data, &["show", "2"]);
    assert_eq!(shown["name"], "ids");
    assert_eq!(shown["quota_used"], 0);
    let updated = json(
        &data,
        &[
            "update",
            "2",
            "--name",
            "id cards",
            "--document-kinds",
            "passport",
            "--monthly-quota",
            "7",
        ],
    );
    assert_eq!(updated["name"], "id cards");
    assert_eq!(updated["document_kinds"], serde_json::json!(["passport"]));
    assert_eq!(updated["monthly_quota"], 7);
    let updated = json(&data, &["update", "2", "--no-monthly-quota"]);
    assert_eq!(updated["monthly_quota"], serde_json::Value::Null);

    // rotate-secret: a new secret, the invoke key unchanged.
    let rotated = json(&data, &["rotate-secret", "2"]);
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert_eq!(json(&data, &["show", "2"])["invoke_key"], key.as_str());
    let text = ok(&data, &["rotate-secret", "1"]);
    assert!(text.contains("New secret for domain 1"), "{text}");

    // usage (empty).
    let usage = json(&data, &["usage", "2", "--month", "2026-11"]);
    assert_eq!(usage["usage"], serde_json::json!([]));

    // delete: refused without --yes when stdin is not a terminal; then done.
    let refused = jikji(&data, &["delete", "2"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    let text = ok(&data, &["delete", "2", "--yes"]);
    assert!(text.contains("Deleted domain 2"), "{text}");
    let list = json(&data, &["list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], 1);

    // Errors are reported, not panics.
    let missing = jikji(&data, &["show", "2"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no domain with id 2"));
    let bad = jikji(
        &data,
        &["create", "--name", "x", "--document-kinds", "menu"],
    );
    assert!(!bad.status.success());
    // Table detection: general and template domains (tables in `/infer`), not document ones.
    let bad = jikji(
        &data,
        &["create", "--name", "x", "--document-kinds", "receipt", "--table-detection"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("general and template domains only"));
    let t = json(&data, &["create", "--name", "t", "--type", "template", "--table-detection"]);
    assert_eq!(t["domain"]["table_detection"], true, "{t}");
}

#[test]
fn database_url_overrides_data_dir() {
    let tmp = TempDir::new("t");
    let db = tmp.path().join("elsewhere").join("x.db");
    let url = format!("sqlite://{}", db.display());
    let out = Command::new(env!("CARGO_BIN_EXE_jikji"))
        .args(["domain", "create", "--name", "n", "--json", "--data-dir"])
        .arg(tmp.path().join("unused"))
        .env("JIKJI_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.is_file());
    assert!(!tmp.path().join("unused").exists());
}
