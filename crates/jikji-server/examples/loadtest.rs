//! Load test of `jikji serve`, loopback only and bounded in time.
//!
//! ```text
//! cargo run --release -p jikji-server --example loadtest -- [--seconds 10] [--workers 1] [--queue 4]
//!     [--threads-per-worker 1] [--image PATH] [--fake-ms N] [--memory-budget-mb 1500] [--out docs/loadtest-latest.md]
//! ```
//!
//! Starts the real server in-process on 127.0.0.1:0 (temporary SQLite store, the real engine from
//! `models/`, or a stand-in that sleeps `--fake-ms` per page), then measures:
//! 1. the overhead of HTTP + JSON + base64 + queueing: bare engine calls (decode + recognize) and
//!    HTTP calls of the same image, interleaved one by one. The headline figure is each HTTP
//!    request's latency minus the engine time of that same request (the engine is wrapped in a
//!    timer), which the engine's own run-to-run noise cannot blur; the engine time in both kinds of
//!    call and the cruder p50-against-p50 comparison are reported beside it;
//! 2. HTTP at a fixed concurrency equal to the worker count: requests/s, p50/p99 latency;
//! 3. 4x overload (open-loop arrivals at 4x the throughput measured in 2): accepted vs shed, the
//!    latency of shed answers (0025) and that every accepted request got a 200 SUCCESS;
//!    then a flood (4 x (workers + queue) closed-loop clients retrying 5 ms after each 0025) as a
//!    stress test of the shedding path itself;
//! 4. peak resident memory of the process (server + client) against `--memory-budget-mb`.
//!
//! Prints a Markdown report and writes it to `--out`.

use jikji_engine::{EngineError, OcrOptions, PageResult, StageTimes};
use jikji_types::Cancel;
use jikji_server::{AppState, OcrBackend, ServerConfig};
use jikji_store::{DomainKind, NewDomain, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct FakeEngine(Duration);
impl OcrBackend for FakeEngine {
    fn read_page(
        &self,
        img: Arc<image::RgbImage>,
        _o: &OcrOptions,
        _c: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        std::thread::sleep(self.0);
        Ok((
            PageResult {
                page_index: 0,
                width: img.width(),
                height: img.height(),
                words: vec![],
                lines: vec![],
                outline: None,
            },
            StageTimes::default(),
        ))
    }
}

/// Wraps the engine and remembers how long the last recognition took, so that the overhead of a
/// request can be measured as its client latency minus the engine time of that same request.
struct Timed {
    inner: Arc<dyn OcrBackend>,
    last_us: std::sync::atomic::AtomicU64,
}
impl OcrBackend for Timed {
    fn read_page(
        &self,
        img: Arc<image::RgbImage>,
        o: &OcrOptions,
        c: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        let t = Instant::now();
        let r = self.inner.read_page(img, o, c);
        self.last_us
            .store(t.elapsed().as_micros() as u64, Ordering::Relaxed);
        r
    }
}

struct Opts {
    seconds: u64,
    workers: usize,
    queue: usize,
    threads: usize,
    image: std::path::PathBuf,
    fake_ms: Option<u64>,
    budget_mb: u64,
    out: Option<std::path::PathBuf>,
    append: bool,
}

fn parse_args() -> Opts {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut o = Opts {
        seconds: 10,
        workers: 1,
        queue: 4,
        threads: 1,
        image: root.join("../shared/testdata/korean_real/images/easyocr_korean.png"),
        fake_ms: None,
        budget_mb: 1500,
        out: Some(root.join("docs/loadtest-latest.md")),
        append: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--seconds" => o.seconds = v.parse().expect("--seconds N"),
            "--workers" => o.workers = v.parse().expect("--workers N"),
            "--queue" => o.queue = v.parse().expect("--queue N"),
            "--threads-per-worker" => o.threads = v.parse().expect("--threads-per-worker N"),
            "--image" => o.image = v.into(),
            "--fake-ms" => o.fake_ms = Some(v.parse().expect("--fake-ms N")),
            "--memory-budget-mb" => o.budget_mb = v.parse().expect("--memory-budget-mb N"),
            "--out" => o.out = if v == "-" { None } else { Some(v.into()) },
            "--append" => {
                o.append = true;
                i += 1;
                continue;
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    o
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[derive(Default)]
struct Outcome {
    ok: Vec<f64>,
    shed: Vec<f64>,
    other: Vec<String>,
}

/// Closed-loop clients for `dur`; each records (latency ms, kind).
async fn drive(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    body: Arc<String>,
    concurrency: usize,
    dur: Duration,
) -> (Outcome, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (c, url, secret, body, stop) = (
            client.clone(),
            url.to_string(),
            secret.to_string(),
            body.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let r = c
                    .post(&url)
                    .header("X-OCR-SECRET", &secret)
                    .header("Content-Type", "application/json")
                    .body(body.as_ref().clone())
                    .send()
                    .await;
                match r {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let text = r.text().await.unwrap_or_default();
                        let ms = t.elapsed().as_secs_f64() * 1000.0;
                        if status == 200 && text.contains("\"inferResult\":\"SUCCESS\"") {
                            out.ok.push(ms);
                        } else if text.contains("\"code\":\"0025\"") {
                            out.shed.push(ms);
                            // a real client backs off after 0025; keep the offered load high anyway
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        } else {
                            out.other.push(format!(
                                "{status}: {}",
                                text.chars().take(200).collect::<String>()
                            ));
                        }
                    }
                    Err(e) => out.other.push(format!("transport: {e}")),
                }
            }
            out
        }));
    }
    tokio::time::sleep(dur).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Outcome::default();
    for t in tasks {
        let o = t.await.unwrap();
        all.ok.extend(o.ok);
        all.shed.extend(o.shed);
        all.other.extend(o.other);
    }
    (all, start.elapsed().as_secs_f64())
}

/// Open-loop arrivals at `rate` requests/s for `dur`; waits for every response.
async fn open_loop(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    body: Arc<String>,
    rate: f64,
    dur: Duration,
) -> (Outcome, f64) {
    let start = Instant::now();
    let mut tasks = Vec::new();
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    while start.elapsed() < dur {
        tick.tick().await;
        let (c, url, secret, body) = (
            client.clone(),
            url.to_string(),
            secret.to_string(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = c
                .post(&url)
                .header("X-OCR-SECRET", &secret)
                .header("Content-Type", "application/json")
                .body(body.as_ref().clone())
                .send()
                .await;
            let res = match r {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let text = r.text().await.unwrap_or_default();
                    if status == 200 && text.contains("\"inferResult\":\"SUCCESS\"") {
                        Ok(true)
                    } else if text.contains("\"code\":\"0025\"") {
                        Ok(false)
                    } else {
                        Err(format!(
                            "{status}: {}",
                            text.chars().take(200).collect::<String>()
                        ))
                    }
                }
                Err(e) => Err(format!("transport: {e}")),
            };
            (t.elapsed().as_secs_f64() * 1000.0, res)
        }));
    }
    let mut out = Outcome::default();
    for t in tasks {
        match t.await.unwrap() {
            (ms, Ok(true)) => out.ok.push(ms),
            (ms, Ok(false)) => out.shed.push(ms),
            (_, Err(e)) => out.other.push(e),
        }
    }
    (out, start.elapsed().as_secs_f64())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let o = parse_args();
    let bytes = std::fs::read(&o.image).expect("read --image");
    // The same decoder as the server, so that both sides recognise the same pixels.
    let img = jikji_image::decode(&bytes, None, &jikji_image::Limits::default())
        .expect("decode --image")
        .remove(0)
        .image;
    let models = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models"));
    let (engine, engine_desc): (Arc<dyn OcrBackend>, String) = match o.fake_ms {
        Some(ms) => (
            Arc::new(FakeEngine(Duration::from_millis(ms))),
            format!("stand-in engine sleeping {ms} ms per page"),
        ),
        None => {
            let mut cfg = jikji_engine::EngineConfig::new(&models);
            cfg.workers = o.workers;
            cfg.threads_per_worker = o.threads;
            let e = jikji_engine::Engine::new(cfg)
                .expect("load models (run scripts/setup-models.sh, or pass --fake-ms)");
            (
                Arc::new(e),
                format!(
                    "real engine ({} worker(s) x {} thread(s), default model set)",
                    o.workers, o.threads
                ),
            )
        }
    };
    let timed = Arc::new(Timed {
        inner: engine,
        last_us: std::sync::atomic::AtomicU64::new(0),
    });
    let engine: Arc<dyn OcrBackend> = timed.clone();
    let opts = OcrOptions::default();

    // warm-up of the engine
    for _ in 0..2 {
        engine
            .read_page(Arc::new(img.clone()), &opts, &Cancel::new())
            .expect("engine works");
    }
    let rss_after_engine = rss_kb("VmRSS:");

    // server
    let dir = tempfile::tempdir().unwrap();
    let cfg = ServerConfig {
        data_dir: dir.path().into(),
        workers: o.workers,
        queue: o.queue,
        ..ServerConfig::default()
    };
    let store = Store::open(&cfg.effective_database_url()).await.unwrap();
    let created = store
        .create_domain(NewDomain::new("load", DomainKind::General))
        .await
        .unwrap();
    let state = AppState::new(cfg, store).with_engine(engine.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(jikji_server::serve_listener(listener, state, async move {
        let _ = rx.await;
    }));
    let url = format!("{base}{}/general", jikji_clova::invoke::base_url("", created.domain.id, &created.domain.invoke_key));
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(512)
        .build()
        .unwrap();
    let body = Arc::new(
        serde_json::json!({"version":"V2","requestId":"load","timestamp":0,"images":[{"format":"png","name":"load","data":base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes)}]}).to_string(),
    );

    // 1. overhead: bare engine and HTTP calls interleaved (A/B), so background load drifts cancel out
    let mut bare = Vec::new();
    let mut http = Vec::new();
    let t0 = Instant::now();
    let mut diffs = Vec::new();
    let mut own = Vec::new();
    let mut engine_bare = Vec::new();
    let mut engine_http = Vec::new();
    while (t0.elapsed() < Duration::from_secs(o.seconds.max(15)) || bare.len() < 5)
        && bare.len() < 400
    {
        let t = Instant::now();
        let e = engine.clone();
        let op = opts.clone();
        let b = bytes.clone();
        // decode inside the call, as the server does (decoding is timed separately below)
        tokio::task::spawn_blocking(move || {
            let page = jikji_image::decode(&b, None, &jikji_image::Limits::default())
                .unwrap()
                .remove(0);
            e.read_page(Arc::new(page.image), &op, &Cancel::new()).unwrap()
        })
        .await
        .unwrap();
        bare.push(t.elapsed().as_secs_f64() * 1000.0);
        engine_bare.push(timed.last_us.load(Ordering::Relaxed) as f64 / 1000.0);
        let t = Instant::now();
        let r = client
            .post(&url)
            .header("X-OCR-SECRET", &created.secret)
            .header("Content-Type", "application/json")
            .body(body.as_ref().clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let _ = r.bytes().await.unwrap();
        http.push(t.elapsed().as_secs_f64() * 1000.0);
        diffs.push(http[http.len() - 1] - bare[bare.len() - 1]);
        let engine_ms = timed.last_us.load(Ordering::Relaxed) as f64 / 1000.0;
        own.push(http[http.len() - 1] - engine_ms);
        engine_http.push(engine_ms);
    }
    let diffs = sorted(diffs);
    let own = sorted(own);
    let engine_bare = sorted(engine_bare);
    let engine_http = sorted(engine_http);
    let bare = sorted(bare);
    let http = sorted(http);
    let peak_sequential_kb = rss_kb("VmHWM:");
    let mut decode = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let _ = jikji_image::decode(&bytes, None, &jikji_image::Limits::default()).unwrap();
        decode.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let decode = sorted(decode);

    // 2. throughput at a fixed concurrency = workers
    let dur = Duration::from_secs(o.seconds);
    let (steady, steady_secs) =
        drive(&client, &url, &created.secret, body.clone(), o.workers, dur).await;
    let steady_ok = sorted(steady.ok.clone());

    // 3. 4x overload: open-loop arrivals at 4x the measured throughput
    let capacity = o.workers + o.queue;
    let throughput = (steady.ok.len() as f64 / steady_secs).max(0.1);
    let over_rate = 4.0 * throughput;
    let (over, over_secs) =
        open_loop(&client, &url, &created.secret, body.clone(), over_rate, dur).await;
    let over_ok = sorted(over.ok.clone());
    let over_shed = sorted(over.shed.clone());
    // 4. flood: 4 x capacity closed-loop clients retrying 5 ms after each 0025 (informational stress)
    let flood_c = 4 * capacity;
    let (flood, flood_secs) = drive(
        &client,
        &url,
        &created.secret,
        body.clone(),
        flood_c,
        Duration::from_secs(o.seconds.min(5)),
    )
    .await;
    let flood_shed = sorted(flood.shed.clone());
    let peak_kb = rss_kb("VmHWM:");

    let _ = tx.send(());
    let _ = server.await;

    let bare_p50 = pct(&bare, 0.5);
    let http_p50 = pct(&http, 0.5);
    let paired = pct(&diffs, 0.5);
    let own_p50 = pct(&own, 0.5);
    let overhead = own_p50 / bare_p50 * 100.0;
    let shed_p99 = pct(&over_shed, 0.99);
    let shed_max = over_shed.last().copied().unwrap_or(f64::NAN);
    let lost = over.other.len() + steady.other.len() + flood.other.len();
    let peak_mb = peak_kb as f64 / 1024.0;
    let (w, h) = img.dimensions();
    let cpu = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mut r = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(r, "# Load test (latest run)\n");
    let _ = writeln!(r, "Produced by `cargo run --release -p jikji-server --example loadtest` (loopback only, bounded in time).\n");
    let _ = writeln!(
        r,
        "- Machine: {cpu} CPU(s) available; server and client in one process"
    );
    let _ = writeln!(r, "- Engine: {engine_desc}");
    let _ = writeln!(
        r,
        "- Image: `{}` ({w}x{h}, {} bytes; {} bytes as a JSON V2 request)",
        o.image.file_name().unwrap().to_string_lossy(),
        bytes.len(),
        body.len()
    );
    let _ = writeln!(
        r,
        "- Server: workers = {}, queue = {} (admission capacity {capacity}); SQLite store\n",
        o.workers, o.queue
    );
    let _ = writeln!(r, "| Measurement | Value |\n|---|---|");
    let _ = writeln!(
        r,
        "| Overhead phase: bare engine and HTTP calls interleaved | {} + {} calls |",
        bare.len(),
        http.len()
    );
    let _ = writeln!(
        r,
        "| Bare engine call (decode + recognize, no HTTP): p50 / p99 latency | {:.1} ms / {:.1} ms |",
        bare_p50,
        pct(&bare, 0.99)
    );
    let _ = writeln!(r, "| Same image over HTTP (JSON V2, base64), one at a time: p50 / p99 | {:.1} ms / {:.1} ms |", http_p50, pct(&http, 0.99));
    let _ = writeln!(
        r,
        "| **HTTP overhead per request** (client latency minus the engine time of the same request): p50 / p99 | **{:.1} ms / {:.1} ms = {:.1} % of the bare engine p50** |",
        own_p50,
        pct(&own, 0.99),
        overhead
    );
    let _ = writeln!(
        r,
        "| Engine time alone (p50): in the bare calls / inside the HTTP calls | {:.1} ms / {:.1} ms |",
        pct(&engine_bare, 0.5),
        pct(&engine_http, 0.5)
    );
    let _ = writeln!(
        r,
        "| Cruder comparisons, noisy on a shared machine: median of paired (HTTP − bare) differences; p50 − p50 | {:+.1} ms; {:+.1} ms |",
        paired,
        http_p50 - bare_p50
    );
    let _ = writeln!(
        r,
        "| of which image decoding (PNG → RGB, `jikji_image::decode`, p50) | {:.1} ms |",
        pct(&decode, 0.5)
    );
    let _ = writeln!(
        r,
        "| HTTP at concurrency {} for {:.0} s: requests | {} ({} errors) |",
        o.workers,
        steady_secs,
        steady.ok.len(),
        steady.other.len() + steady.shed.len()
    );
    let _ = writeln!(
        r,
        "| HTTP: throughput | {:.2} requests/s |",
        steady.ok.len() as f64 / steady_secs
    );
    let _ = writeln!(
        r,
        "| HTTP: p50 / p99 latency | {:.1} ms / {:.1} ms |",
        pct(&steady_ok, 0.5),
        pct(&steady_ok, 0.99)
    );
    let _ = writeln!(r, "| 4x overload: offered load | {:.2} requests/s open-loop (4x the measured throughput) for {:.0} s, {} requests |", over_rate, over_secs, over.ok.len() + over.shed.len() + over.other.len());
    let _ = writeln!(r, "| 4x overload: accepted (200 SUCCESS) | {} ({:.2} requests/s, p50 {:.0} ms, p99 {:.0} ms) |", over.ok.len(), over.ok.len() as f64 / over_secs, pct(&over_ok, 0.5), pct(&over_ok, 0.99));
    let _ = writeln!(
        r,
        "| 4x overload: shed with 0025 (HTTP {}) | {} |",
        jikji_clova::uncertain::SHED_HTTP_STATUS,
        over.shed.len()
    );
    let _ = writeln!(
        r,
        "| 4x overload: shed answer p50 / p99 / max | {:.2} ms / {:.2} ms / {:.2} ms |",
        pct(&over_shed, 0.5),
        shed_p99,
        shed_max
    );
    let _ = writeln!(r, "| Flood: {flood_c} closed-loop clients, retry 5 ms after 0025, {:.0} s | {} accepted, {} shed (p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms) |", flood_secs, flood.ok.len(), flood.shed.len(), pct(&flood_shed, 0.5), pct(&flood_shed, 0.99), flood_shed.last().copied().unwrap_or(f64::NAN));
    let _ = writeln!(
        r,
        "| Lost or failed requests (neither SUCCESS nor 0025), all phases | {lost} |"
    );
    let _ = writeln!(
        r,
        "| RSS after loading the engine | {:.0} MiB |",
        rss_after_engine as f64 / 1024.0
    );
    let _ = writeln!(
        r,
        "| Peak RSS after the one-at-a-time phase (engine working, no concurrency) | {:.0} MiB |",
        peak_sequential_kb as f64 / 1024.0
    );
    let _ = writeln!(
        r,
        "| Peak RSS (VmHWM, whole process) | {:.0} MiB (budget {} MiB) |\n",
        peak_mb, o.budget_mb
    );
    let (eb, eh) = (pct(&engine_bare, 0.5), pct(&engine_http, 0.5));
    if eh > eb * 1.03 {
        let _ = writeln!(
            r,
            "Note: the engine itself ran {:.0} % longer inside the HTTP calls than in the bare calls (the same timer wraps both); \
             the server's own work around it is the overhead row. End to end, HTTP calls took {:+.1} % over bare calls (p50).\n",
            (eh / eb - 1.0) * 100.0,
            (http_p50 / bare_p50 - 1.0) * 100.0
        );
    }
    let verdict = |b: bool| if b { "PASS" } else { "FAIL" };
    let overhead_bar = if o.fake_ms.is_some() {
        format!("n/a with a stand-in engine (server overhead {own_p50:.1} ms per request)")
    } else {
        format!("**{}**", verdict(overhead < 10.0))
    };
    let _ = writeln!(r, "Bars: HTTP overhead < 10 %: {overhead_bar}; shed answers < 50 ms (p99): **{}**; no accepted request lost: **{}**; within memory budget: **{}**.",
        verdict(shed_p99 < 50.0), verdict(lost == 0), verdict(peak_mb <= o.budget_mb as f64));
    if !over.other.is_empty() || !steady.other.is_empty() {
        let _ = writeln!(
            r,
            "\nFirst failures: {:?}",
            over.other
                .iter()
                .chain(steady.other.iter())
                .chain(flood.other.iter())
                .take(5)
                .collect::<Vec<_>>()
        );
    }
    print!("{r}");
    if let Some(p) = o.out {
        if o.append {
            let mut old = std::fs::read_to_string(&p).unwrap_or_default();
            old.push('\n');
            old.push_str(&r.replacen(
                "# Load test (latest run)",
                "## Same run with a stand-in engine",
                1,
            ));
            std::fs::write(&p, old).expect("write report");
        } else {
            std::fs::write(&p, &r).expect("write report");
        }
        eprintln!("report written to {}", p.display());
    }
}
