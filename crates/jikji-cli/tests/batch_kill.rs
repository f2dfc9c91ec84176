//! Two real `jikji serve` processes on one PostgreSQL database share a batch job of 200 small
//! images; one is killed with SIGKILL at a random moment. The survivor takes over the dead one's
//! items when their leases run out: every input ends with exactly one result, none is lost, and
//! the job is done with its summary.
//!
//! Needs the models (fails without them when `JIKJI_REQUIRE_MODELS=1`) and PostgreSQL
//! (`JIKJI_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`; fails when
//! unreachable under `JIKJI_REQUIRE_POSTGRES=1`).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

mod support;
use support::{jikji, models_present, pg_schema, Serve};

const INPUTS: usize = 200;
/// The lease after which the survivor takes over the killed replica's input, longer than the
/// request timeout as `jikji serve` requires; the timeout leaves room for a machine under load
/// (at 3 s, inputs timed out on a 2-core machine shared by several builds).
const LEASE_SECS: u64 = 30;
const REQUEST_TIMEOUT_SECS: u64 = 20;

/// `jikji serve` on `db` with one OCR worker and one batch worker.
fn serve(db: &str) -> Serve {
    let mut cmd = jikji();
    cmd.arg("serve")
        .args(["--database-url", db])
        .args(["--workers", "1", "--batch-workers", "1"])
        .args(["--batch-lease-secs", &LEASE_SECS.to_string()])
        .args(["--request-timeout-secs", &REQUEST_TIMEOUT_SECS.to_string()]);
    Serve::start(cmd)
}

/// A tiny page: a few dark strokes on white, different per input.
fn tiny_png(i: usize) -> Vec<u8> {
    let mut img = image::RgbImage::from_pixel(64, 24, image::Rgb([255, 255, 255]));
    for x in 4..(8 + (i % 50) as u32) {
        for y in 10..14 {
            img.put_pixel(x, y, image::Rgb([0, 0, 0]));
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_one_killed_every_input_exactly_once() {
    if !models_present("batch_kill", false) {
        return;
    }
    let Some((db, schema)) = pg_schema("batch_kill").await else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let (input, output) = (work.path().join("in"), work.path().join("out"));
    std::fs::create_dir_all(&input).unwrap();
    for i in 0..INPUTS {
        std::fs::write(input.join(format!("{i:03}.png")), tiny_png(i)).unwrap();
    }
    let out = jikji().args(["domain", "create", "--name", "kill9", "--json", "--database-url", &db]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let domain: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let domain_id = domain["domain"]["id"].as_i64().or_else(|| domain["id"].as_i64()).expect("domain id");

    let a = serve(&db);
    let _b = serve(&db);
    a.ready().await;
    _b.ready().await;
    let mut a = Some(a);

    let out = jikji()
        .args(["batch", "run", "--detach", "--json", "--database-url", &db, "--domain", &domain_id.to_string()])
        .arg("--folder")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = job["id"].as_i64().unwrap();
    assert_eq!(job["total"], INPUTS);

    // Kill one replica once a random share (10–60 %) of the inputs is finished.
    let kill_at = (INPUTS / 10) as i64
        + (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as i64
            % (INPUTS as i64 / 2));
    let store = jikji_store::Store::open(&db).await.unwrap();
    let started = Instant::now();
    let mut killed_at = None;
    loop {
        let j = store.get_job(id).await.unwrap().unwrap();
        if killed_at.is_none() && j.counts.finished() >= kill_at {
            a.take().expect("killed once").kill(); // SIGKILL
            killed_at = Some(j.counts.finished());
        }
        if j.state == jikji_store::JobState::Done {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(900), "job not done in 900 s: {j:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    let killed_at = killed_at.expect("the replica was killed before the end");

    // Exactly one result per input, nothing else but the summary (and possibly a hidden temporary
    // file of a write the kill interrupted, never renamed into place).
    let expected: BTreeSet<String> = (0..INPUTS).map(|i| format!("{i:03}.png.json")).collect();
    let listed = names(&output);
    let visible: Vec<&String> = listed.iter().filter(|n| !n.starts_with('.')).collect();
    let results: BTreeSet<String> = visible.iter().filter(|n| n.ends_with(".png.json")).map(|n| n.to_string()).collect();
    assert_eq!(results, expected, "one result per input");
    assert_eq!(visible.len(), INPUTS + 2, "{visible:?}");
    for name in &expected {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(output.join(name)).unwrap()).unwrap();
        assert_eq!(v["images"][0]["name"].as_str(), name.strip_suffix(".png.json"));
    }
    let items = store.job_items(id).await.unwrap();
    assert_eq!(items.len(), INPUTS);
    assert!(items.iter().all(|i| i.state == "done"), "every input finished with a result");
    let retried = items.iter().filter(|i| i.attempts > 1).count();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(output.join(format!("job-{id}-summary.json"))).unwrap()).unwrap();
    assert_eq!(summary["items"].as_array().unwrap().len(), INPUTS);
    assert_eq!(summary["state"], "done");
    eprintln!(
        "kill-9: replica killed after {killed_at}/{INPUTS} inputs; job done in {:.1} s; {retried} input(s) taken over after the kill; \
         {} results, 0 duplicates, 0 lost",
        took.as_secs_f64(),
        results.len()
    );
    store.close().await;
    support::drop_schema(&schema).await;
}
