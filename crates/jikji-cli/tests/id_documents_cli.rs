//! Identity documents through `jikji ocr --document` with the real models: the ICAO specimen passport
//! (`../shared/testdata/passport_mrz`, a real print) gives both MRZ lines exact after the check-digit
//! repair (`UT0` read for `UTO`) with every check digit valid, and the back of an alien registration
//! card (`tests/data/aliencard-back-*`, drawn by `scripts/gen-idcards` with seed 2: dates and a
//! made-up address, no number or name) is an alien card whose table rows are read in order.
//!
//! Needs the models (`scripts/setup-models.sh`) and `../shared/testdata`: without them the test fails
//! under `JIKJI_REQUIRE_MODELS=1` (CI) and is skipped with a notice otherwise.

use std::path::{Path, PathBuf};

mod support;
use support::testdata;

fn ready() -> bool {
    support::models_present("identity-document CLI tests", true)
}

/// `jikji ocr --document KIND FILE --format json`: the response's first image.
fn document(kind: &str, image: &Path) -> serde_json::Value {
    let out = support::jikji_ok(&["ocr", "--document", kind, "--format", "json", image.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["images"][0].clone()
}

#[test]
fn specimen_passport_mrz_is_exact_with_every_check_digit_valid() {
    if !ready() {
        return;
    }
    let dir = testdata().join("passport_mrz");
    let gt = std::fs::read_to_string(dir.join("gt.jsonl")).unwrap();
    let mut n = 0;
    for line in gt.lines().filter(|l| !l.trim().is_empty()) {
        let g: serde_json::Value = serde_json::from_str(line).unwrap();
        let image = dir.join(g["image"].as_str().unwrap());
        let r = &document("passport", &image)["passport"]["passportResult"];
        let want = format!("{}\n{}", g["fields"]["mrz_line1"].as_str().unwrap(), g["fields"]["mrz_line2"].as_str().unwrap());
        assert_eq!(r["mrzLines"]["refinedText"].as_str(), Some(want.as_str()), "{}", image.display());
        for check in ["checkDigitForDocumentNumber", "checkDigitForDateOfBirth", "checkDigitForDateOfExpiry", "finalDigitForPersonalNumber"] {
            assert_eq!(r[check]["refinedText"], serde_json::Value::Bool(true), "{check} on {}", image.display());
        }
        assert_eq!(r["issuingStateCode"]["refinedText"], "UTO");
        assert_eq!(r["documentNumber"]["refinedText"], g["fields"]["number"]);
        n += 1;
    }
    assert_eq!(n, 2, "both specimen images");
}

fn back_sample(stem: &str) -> (PathBuf, serde_json::Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let gt = serde_json::from_slice(&std::fs::read(dir.join(format!("{stem}.json"))).unwrap()).unwrap();
    (dir.join(format!("{stem}.jpg")), gt)
}

#[test]
fn alien_card_back_rows_are_read_in_order() {
    if !ready() {
        return;
    }
    for stem in ["aliencard-back-s2-0001", "aliencard-back-s2-0001-sim0"] {
        let (image, gt) = back_sample(stem);
        let r = &document("id-card", &image)["idCard"]["result"];
        assert_eq!(r["idtype"], "Alien Registration Card", "{stem}: {r}");
        let ac = &r["ac"];
        assert!(ac.get("alienRegNum").is_none() && ac.get("issueDate").is_none(), "{stem}: no front read from a back: {ac}");
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        for key in ["permissionDate", "expiryDate", "reportDate"] {
            let got: Vec<String> = ac[key].as_array().unwrap_or(&vec![]).iter().map(|f| squash(f["text"].as_str().unwrap())).collect();
            let want: Vec<String> = (0..)
                .map_while(|i| gt["fields"].get(format!("{key}[{i}]")).map(|f| squash(f["text"].as_str().unwrap())))
                .collect();
            assert_eq!(got, want, "{stem}: {key}");
        }
        // The residence rows: as many as printed, the flat scan's exact (the photo's read with the
        // recogniser's errors), and never the seal in the 확인 cell or the notice under the table.
        let addresses: Vec<&str> = ac["residence"].as_array().unwrap().iter().map(|f| f["text"].as_str().unwrap()).collect();
        assert_eq!(addresses.len(), 2, "{stem}: {addresses:?}");
        for (i, a) in addresses.iter().enumerate() {
            let want = gt["fields"][format!("residence[{i}]")]["text"].as_str().unwrap();
            if !stem.ends_with("sim0") {
                assert_eq!(*a, want, "{stem}");
            }
            assert_eq!(a.split_whitespace().count(), want.split_whitespace().count(), "{stem}: {a} for {want}");
        }
    }
}
