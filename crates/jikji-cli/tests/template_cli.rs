//! `jikji template …` end to end on the embedded database with the real models: a template is created
//! from a synthetic business registration certificate, updated with new regions (the stored sample and
//! its OCR result reused), tested on a photo of it, updated with a new sample (the regions kept; a
//! sample the regions do not fit is refused), released and rolled back; an update with nothing to
//! change is refused.
//!
//! Needs the models (`scripts/setup-models.sh`) and `../shared/testdata`: without them the test fails
//! under `JIKJI_REQUIRE_MODELS=1` (CI) and is skipped with a notice otherwise.

use std::path::Path;
use std::process::Output;

mod support;
use support::{models_dir, testdata, TempDir};

fn jikji(data: &Path, args: &[&str]) -> Output {
    support::jikji()
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("JIKJI_MODELS", models_dir())
        .output()
        .expect("run jikji")
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = jikji(data, args);
    assert!(
        out.status.success(),
        "jikji {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json(data: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    let text = ok(data, &all);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
}

/// A region around a field's ground-truth box (`[x0,y0,x1,y0,x1,y1,x0,y1]`), 8 px larger each side.
fn region(gt: &serde_json::Value, field: &str) -> serde_json::Value {
    let b: Vec<i64> = gt["fields"][field]["box"]
        .as_array()
        .unwrap_or_else(|| panic!("no box for {field}"))
        .iter()
        .map(|v| v.as_f64().unwrap() as i64)
        .collect();
    serde_json::json!({"x": b[0] - 8, "y": b[1] - 8, "width": b[2] - b[0] + 16, "height": b[5] - b[1] + 16})
}

#[test]
fn create_update_test_release_and_roll_back_a_template() {
    if !support::models_present("template CLI test", true) {
        return;
    }
    let docs = testdata().join("synthetic-docs");
    let sample = docs.join("bizlicense-s1-0000.jpg");
    // A phone photo of the same certificate: the same form, tilted, shaded, at another scale.
    let other = docs.join("bizlicense-s1-0000-photo.jpg");
    let gt: serde_json::Value =
        serde_json::from_slice(&std::fs::read(docs.join("bizlicense-s1-0000.json")).unwrap()).unwrap();
    let tmp = TempDir::new("tpl-cli");
    let data = tmp.path().join("data");
    let data = data.as_path();

    let domain = json(data, &["domain", "create", "--name", "forms", "--type", "template"]);
    let d = domain["domain"]["id"].as_i64().expect("domain id").to_string();

    let write = |name: &str, fields: serde_json::Value| {
        let path = tmp.path().join(name);
        std::fs::write(&path, serde_json::json!({"name": "사업자등록증", "fields": fields}).to_string()).unwrap();
        path
    };
    let v1 = write("v1.json", serde_json::json!([{"name": "company", "region": region(&gt, "companyName")}]));
    let t = json(
        data,
        &["template", "create", "--domain", &d, "--regions", v1.to_str().unwrap(), "--sample", sample.to_str().unwrap()],
    );
    assert_eq!(t["latestVersion"], 1, "{t}");
    let id = t["id"].as_i64().unwrap().to_string();

    // New regions, the stored sample: version 2, a draft; nothing released yet. Every value of the
    // certificate is a region now, so that only the form's own text recognises it.
    let mut fields = vec![serde_json::json!({"name": "company", "region": region(&gt, "companyName")})];
    for (name, _) in gt["fields"].as_object().unwrap() {
        if name != "companyName" {
            fields.push(serde_json::json!({"name": name, "region": region(&gt, name)}));
        }
    }
    let count = fields.len();
    let v2 = write("v2.json", serde_json::Value::Array(fields));
    let t = json(data, &["template", "update", "--domain", &d, &id, "--regions", v2.to_str().unwrap()]);
    assert_eq!(t["latestVersion"], 2, "{t}");
    assert!(t["releasedVersion"].is_null(), "{t}");
    let shown = json(data, &["template", "show", "--domain", &d, &id]);
    let names: Vec<&str> = shown["definition"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), count);
    assert_eq!(names[0], "company");
    assert!(names.contains(&"registerNumber"));

    // The new version reads the new field from the photo.
    let out = ok(data, &["template", "test", "--domain", &d, &id, other.to_str().unwrap()]);
    assert!(out.contains("matched"), "{out}");
    let other_gt: serde_json::Value =
        serde_json::from_slice(&std::fs::read(docs.join("bizlicense-s1-0000-photo.json")).unwrap()).unwrap();
    let number = other_gt["fields"]["registerNumber"]["text"].as_str().unwrap();
    assert!(
        out.lines().any(|l| l.starts_with("registerNumber\t") && l.contains(number)),
        "the register number on the photo: {out}"
    );

    // A new sample, the regions kept: the photo is refused (the regions are in the first sample's
    // pixels and reach past the photo's edge), the same page saved as PNG is version 3.
    let refused = jikji(data, &["template", "update", "--domain", &d, &id, "--sample", other.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is not inside"), "{}", String::from_utf8_lossy(&refused.stderr));
    let png = tmp.path().join("sample.png");
    image::open(&sample).unwrap().save(&png).unwrap();
    let t = json(data, &["template", "update", "--domain", &d, &id, "--sample", png.to_str().unwrap()]);
    assert_eq!(t["latestVersion"], 3, "{t}");
    let shown = json(data, &["template", "show", "--domain", &d, &id]);
    assert_eq!(shown["definition"]["fields"].as_array().unwrap().len(), count);

    // Release 3, then 2, roll back to 3.
    assert_eq!(json(data, &["template", "release", "--domain", &d, &id])["releasedVersion"], 3);
    let r = json(data, &["template", "release", "--domain", &d, &id, "--version", "2"]);
    assert_eq!(r["releasedVersion"], 2);
    assert_eq!(json(data, &["template", "rollback", "--domain", &d, &id])["releasedVersion"], 3);

    // Errors are said, not panics.
    let nothing = jikji(data, &["template", "update", "--domain", &d, &id]);
    assert!(!nothing.status.success());
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("nothing to update"));
    let missing = jikji(data, &["template", "update", "--domain", &d, "99", "--regions", v2.to_str().unwrap()]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no template 99"));
    let history = json(data, &["template", "show", "--domain", &d, &id])["history"].clone();
    let actions: Vec<&str> = history.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "update").count(), 2, "{history}");
}
