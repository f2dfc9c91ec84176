//! `enableTableDetection` end to end: the domain switch, the `tables[]` member of V2 (none in V1),
//! one table-detection count per page in usage, and the real table stage on a rendered table.
mod common;

use common::*;
use jikji_store::DomainKind;
use serde_json::{json, Value};
use std::time::Duration;

fn body(version: &str, tables: bool, bytes: &[u8], format: &str) -> String {
    json!({
        "version": version,
        "requestId": "t",
        "timestamp": 0,
        "enableTableDetection": tables,
        "images": [{"format": format, "name": "t", "data": b64(bytes)}],
    })
    .to_string()
}

/// Waits for the asynchronous usage record of `operation` and returns (calls, pages, tables).
async fn usage(srv: &Srv, domain_id: i64, calls: i64) -> (i64, i64, i64) {
    for _ in 0..100 {
        let rows = srv.store.usage(domain_id, None).await.unwrap();
        let sum = |f: fn(&jikji_store::UsageRow) -> i64| rows.iter().filter(|r| r.operation == "general").map(f).sum::<i64>();
        if sum(|r| r.calls) >= calls {
            return (sum(|r| r.calls), sum(|r| r.pages), sum(|r| r.tables));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("usage never reached {calls} calls");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_come_back_only_when_asked_and_allowed() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (d, s) = srv.domain(DomainKind::General, |n| n.table_detection = true).await;
    let img = png(120, 40);

    // Asked: V2 carries `tables` before `fields`, every cell with its indices, spans and words.
    let (text, v) = expect_ok(srv.post_json(&d, &s, "general", &body("V2", true, &img, "png")).await).await;
    let image = &v["images"][0];
    let tables = image["tables"].as_array().expect("tables[]");
    assert_eq!(tables.len(), 1, "{v}");
    let cells = tables[0]["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    assert_eq!(
        (cells[1]["rowIndex"].as_u64(), cells[1]["columnIndex"].as_u64(), cells[1]["rowSpan"].as_u64(), cells[1]["columnSpan"].as_u64()),
        (Some(0), Some(1), Some(1), Some(1)),
        "{v}"
    );
    let cell_text: Vec<&str> = cells
        .iter()
        .map(|c| c["cellTextLines"][0]["cellWords"][0]["inferText"].as_str().unwrap())
        .collect();
    assert_eq!(cell_text, ["다양한", "world"]);
    assert!(tables[0]["boundingPoly"]["vertices"].is_array());
    assert!(text.find("\"tables\"").unwrap() < text.find("\"fields\"").unwrap(), "tables[] before fields");
    // The words are still there, as without tables.
    assert_eq!(image["fields"].as_array().unwrap().len(), 2);

    // Not asked: no `tables` member at all.
    let (_, v) = expect_ok(srv.post_json(&d, &s, "general", &body("V2", false, &img, "png")).await).await;
    assert!(v["images"][0].get("tables").is_none(), "{v}");

    // V1 carries no tables even when asked.
    let (_, v) = expect_ok(srv.post_json(&d, &s, "general", &body("V1", true, &img, "png")).await).await;
    assert!(v["images"][0].get("tables").is_none(), "{v}");

    // A three-page PDF with tables asked: one table-detection count per page (the V1 call ran no
    // table stage). Calls so far: 3 of one page each, one with the stage, and this one.
    expect_ok(srv.post_json(&d, &s, "general", &body("V2", true, &pdf(3), "pdf")).await).await;
    assert_eq!(usage(&srv, d.id, 4).await, (4, 6, 4));

    // A domain with the switch off: 0028, and nothing is read.
    let (off, offs) = srv.general().await;
    expect_error(srv.post_json(&off, &offs, "general", &body("V2", true, &img, "png")).await, "0028").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_table_models_says_so() {
    let srv = Srv::start_full(|_| {}, Some(Fake::ok()), None, None).await;
    let (d, s) = srv.domain(DomainKind::General, |n| n.table_detection = true).await;
    // 0501's body is CLOVA's fixed message; the log says "table models not loaded".
    expect_error(srv.post_json(&d, &s, "general", &body("V2", true, &png(50, 20), "png")).await, "0501").await;
    // Without the flag the same server reads the page.
    expect_ok(srv.post_json(&d, &s, "general", &body("V2", false, &png(50, 20), "png")).await).await;
}

/// The real engine and table stage on a rendered Korean ruled table (jikji-table's test page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_table_stage_reads_a_ruled_table() {
    let (Some(engine), Some(tables)) = (real_engine(), real_tables()) else {
        return;
    };
    let srv = Srv::start_full(|c| c.request_timeout_secs = 120, Some(engine), Some(tables), None).await;
    let (d, s) = srv.domain(DomainKind::General, |n| n.table_detection = true).await;
    let page = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../jikji-table/tests/data/ruled_ko.png")).unwrap();
    let (_, v) = expect_ok(srv.post_json(&d, &s, "general", &body("V2", true, &page, "png")).await).await;
    let tables: &Vec<Value> = v["images"][0]["tables"].as_array().expect("tables[]");
    assert!(!tables.is_empty(), "no table found on a page that is one table: {v}");
    let cells = tables[0]["cells"].as_array().unwrap();
    assert!(cells.len() >= 4, "{} cells", cells.len());
    let rows = cells.iter().map(|c| c["rowIndex"].as_u64().unwrap()).max().unwrap();
    let cols = cells.iter().map(|c| c["columnIndex"].as_u64().unwrap()).max().unwrap();
    assert!(rows >= 1 && cols >= 1, "a grid, not a single row or column");
    let words: usize = cells
        .iter()
        .map(|c| c["cellTextLines"].as_array().map_or(0, |ls| ls.iter().map(|l| l["cellWords"].as_array().unwrap().len()).sum()))
        .sum();
    assert!(words > 0, "the cells hold the page's words");
}
