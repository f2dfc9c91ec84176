//! `jikji batch …`: batch jobs. Talks to the database directly (the one `jikji serve` uses), like
//! `jikji domain`: `run` creates a job and works on it in this process (embedded mode: no server
//! needed; `--detach` leaves the work to the servers), `list`/`status` read the queue (`--watch`
//! follows a job), `pause`/`cancel`/`resume` move a job between states.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use jikji_batch::{JobOptions, LocalAccess, S3Location, S3Settings, Sink, SourceSpec};
use jikji_server::batch::{self, JobRequest};
use jikji_server::{AppState, ServerConfig};
use jikji_store::{Job, JobState, Store};

use super::domain::{open, Common};

/// How often progress is read from the store: often enough for a live bar, rare enough to cost
/// nothing (three small queries).
const POLL: Duration = Duration::from_millis(500);

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create a batch job over a folder, files or an S3 prefix and work on it here, with a progress
    /// bar (rate and ETA). Every input's result (the JSON the online API returns) goes to the
    /// output as INPUT.json; the summary as job-ID-summary.csv/.json when the job ends.
    Run(RunArgs),
    /// List batch jobs, newest first.
    List {
        #[command(flatten)]
        common: Common,
        /// Only jobs in this state (queued, running, paused, cancelled, done, failed).
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Show a job's progress, rate and ETA.
    Status {
        #[command(flatten)]
        common: Common,
        id: i64,
        /// Follow the job with a progress bar until it ends.
        #[arg(long)]
        watch: bool,
    },
    /// Pause a job: no new input is started (inputs in flight finish).
    Pause {
        #[command(flatten)]
        common: Common,
        id: i64,
    },
    /// Cancel a job (it can still be resumed); the summary of what was done is written.
    Cancel {
        #[command(flatten)]
        common: Common,
        id: i64,
    },
    /// Queue a paused, cancelled or failed job again (servers, or `jikji batch run --job ID`, work on it).
    Resume {
        #[command(flatten)]
        common: Common,
        id: i64,
    },
}

/// No `Debug` of secrets: S3 credentials come from the environment only.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: Common,
    /// Work on this existing job instead of creating one (e.g. after `resume`).
    #[arg(long, conflicts_with_all = ["domain", "folder", "files", "s3_bucket"])]
    pub job: Option<i64>,
    /// Domain whose operation reads every input.
    #[arg(long, required_unless_present = "job")]
    pub domain: Option<i64>,
    /// `general`, `infer` or `document/<type>` [default: the domain's].
    #[arg(long)]
    pub operation: Option<String>,
    /// Every image and PDF under this folder.
    #[arg(long, value_name = "DIR", group = "source")]
    pub folder: Option<PathBuf>,
    /// These files.
    #[arg(long, value_name = "FILE", num_args = 1.., group = "source")]
    pub files: Vec<PathBuf>,
    /// Every image and PDF under an S3 bucket prefix (with --s3-prefix).
    #[arg(long, value_name = "BUCKET", group = "source")]
    pub s3_bucket: Option<String>,
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub s3_prefix: String,
    /// Results to this folder…
    #[arg(long, value_name = "DIR", group = "sink")]
    pub output: Option<PathBuf>,
    /// …or to this S3 bucket (with --output-s3-prefix).
    #[arg(long, value_name = "BUCKET", group = "sink")]
    pub output_s3_bucket: Option<String>,
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub output_s3_prefix: String,
    /// S3 endpoint (MinIO, Garage, NAVER Cloud `https://kr.object.ncloudstorage.com`…)
    /// [default: $AWS_ENDPOINT_URL, else AWS]. Credentials: $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY.
    #[arg(long, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// S3 region [default: $AWS_REGION, else us-east-1].
    #[arg(long, env = "AWS_REGION")]
    pub s3_region: Option<String>,
    /// Virtual-host style S3 URLs (AWS) instead of path style.
    #[arg(long)]
    pub s3_virtual_host: bool,
    /// Recognition language(s) [default: the domain's].
    #[arg(long)]
    pub lang: Option<String>,
    /// V1 response shape (General and Template).
    #[arg(long)]
    pub v1: bool,
    /// `enableTableDetection` on every input (General; the domain must allow it).
    #[arg(long)]
    pub tables: bool,
    /// Only create the job; `jikji serve` processes on the same database work on it.
    #[arg(long)]
    pub detach: bool,
    /// Model directory [default: $JIKJI_MODELS or ./models].
    #[arg(long, env = "JIKJI_MODELS", value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Inputs worked on at once (each an engine worker).
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// ONNX Runtime threads per worker.
    #[arg(long, default_value_t = 1)]
    pub threads_per_worker: usize,
    /// Where the models run: `cpu`, `cuda` or `cuda:N` (falls back to the CPU, saying why).
    #[arg(long, default_value = "cpu")]
    pub device: jikji_engine::Device,
    /// Seconds one input may take (as the server's request timeout).
    #[arg(long, default_value_t = 60)]
    pub timeout_secs: u64,
}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(cmd))
}

async fn run_async(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Run(args) => run_job(args).await,
        Command::List { common, state, limit } => {
            let store = open(&common).await?;
            let state = state.as_deref().map(parse_state).transpose()?;
            let jobs = store.list_jobs(state, limit.clamp(1, 1000)).await?;
            if common.json {
                println!("{}", serde_json::to_string_pretty(&jobs.iter().map(job_json).collect::<Vec<_>>())?);
            } else {
                println!("{:>6}  {:<10} {:>7} {:>7} {:>7} {:>9}  operation", "id", "state", "total", "done", "failed", "rate/s");
                for j in &jobs {
                    println!(
                        "{:>6}  {:<10} {:>7} {:>7} {:>7} {:>9.2}  {}",
                        j.id, j.state.as_str(), j.total, j.counts.done, j.counts.failed, j.rate_per_sec, j.operation
                    );
                }
            }
            Ok(())
        }
        Command::Status { common, id, watch } => {
            let store = open(&common).await?;
            let job = get(&store, id).await?;
            if watch {
                let job = follow(&store, id, None).await?;
                print_job(&job, common.json);
            } else {
                print_job(&job, common.json);
            }
            Ok(())
        }
        Command::Pause { common, id } => {
            move_job(&common, id, &[JobState::Queued, JobState::Running], JobState::Paused).await
        }
        Command::Resume { common, id } => {
            move_job(&common, id, &[JobState::Paused, JobState::Cancelled, JobState::Failed], JobState::Queued).await
        }
        Command::Cancel { common, id } => {
            move_job(
                &common,
                id,
                &[JobState::Queued, JobState::Running, JobState::Paused, JobState::Failed],
                JobState::Cancelled,
            )
            .await?;
            // The summary of what was done (the job's output; S3 credentials from the environment).
            let store = open(&common).await?;
            let st = AppState::new(ServerConfig::default(), store);
            let job = get(&st.store, id).await?;
            let sink = batch::job_sink(&st, &job.sink).map_err(anyhow::Error::msg)?;
            batch::write_summary(&st, id, &sink, JobState::Cancelled)
                .await
                .map_err(|e| anyhow::anyhow!("writing the summary: {e}"))?;
            Ok(())
        }
    }
}

fn parse_state(s: &str) -> anyhow::Result<JobState> {
    JobState::ALL
        .into_iter()
        .find(|j| j.as_str() == s.trim())
        .with_context(|| format!("unknown state {s:?} (queued, running, paused, cancelled, done, failed)"))
}

async fn get(store: &Store, id: i64) -> anyhow::Result<Job> {
    store.get_job(id).await?.with_context(|| format!("no batch job {id}"))
}

async fn move_job(common: &Common, id: i64, from: &[JobState], to: JobState) -> anyhow::Result<()> {
    let store = open(common).await?;
    let (job, moved) = store.set_job_state(id, from, to, None).await?.with_context(|| format!("no batch job {id}"))?;
    if !moved {
        bail!("batch job {id} is {}; it cannot become {}", job.state.as_str(), to.as_str());
    }
    print_job(&job, common.json);
    Ok(())
}

fn job_json(j: &Job) -> serde_json::Value {
    serde_json::json!({
        "id": j.id, "domain_id": j.domain_id, "operation": j.operation, "state": j.state,
        "error": j.error, "total": j.total, "pending": j.counts.pending, "running": j.counts.leased,
        "done": j.counts.done, "failed": j.counts.failed, "rate_per_sec": j.rate_per_sec,
        "eta_secs": j.eta_secs(), "created_at": j.created_at, "started_at": j.started_at,
        "finished_at": j.finished_at,
        "source": serde_json::from_str::<serde_json::Value>(&j.source).ok(),
        "output": serde_json::from_str::<serde_json::Value>(&j.sink).ok(),
    })
}

fn print_job(j: &Job, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(&job_json(j)).unwrap_or_default());
        return;
    }
    println!("job {}: {} ({}, domain {})", j.id, j.state.as_str(), j.operation, j.domain_id);
    println!(
        "  {} of {} finished ({} with a result, {} errors), {} running, {} pending",
        j.counts.finished(), j.total, j.counts.done, j.counts.failed, j.counts.leased, j.counts.pending
    );
    println!("  rate {:.2}/s, ETA {}", j.rate_per_sec, eta_text(j));
    if let Some(e) = &j.error {
        println!("  note: {e}");
    }
}

fn eta_text(j: &Job) -> String {
    match j.eta_secs() {
        Some(s) => {
            let s = s.round() as u64;
            format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
        }
        None => "-".into(),
    }
}

/// Follows a job with a progress bar (position = finished inputs; the message shows the store's
/// rate over the last minute and the ETA from it, the same figures as the admin API) until it
/// ends or pauses, or `stop` fires. Without a terminal, a line every 10 s instead.
async fn follow(store: &Store, id: i64, mut stop: Option<tokio::sync::oneshot::Receiver<()>>) -> anyhow::Result<Job> {
    let job = get(store, id).await?;
    let tty = std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::new(job.total.max(0) as u64);
    if tty {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut last_line = std::time::Instant::now();
    loop {
        let job = get(store, id).await?;
        bar.set_position(job.counts.finished().max(0) as u64);
        let msg = format!(
            "{:.2}/s ETA {} ({} errors) {}",
            job.rate_per_sec,
            eta_text(&job),
            job.counts.failed,
            job.state.as_str()
        );
        if !tty && last_line.elapsed() >= Duration::from_secs(10) {
            eprintln!("job {id}: {}/{} {msg}", job.counts.finished(), job.total);
            last_line = std::time::Instant::now();
        }
        bar.set_message(msg);
        if job.state.is_final() || job.state == JobState::Paused {
            bar.finish();
            return Ok(job);
        }
        let stopped = match stop.as_mut() {
            Some(rx) => tokio::select! {
                _ = tokio::time::sleep(POLL) => false,
                _ = rx => true,
            },
            None => {
                tokio::time::sleep(POLL).await;
                false
            }
        };
        if stopped {
            bar.abandon();
            return get(store, id).await;
        }
    }
}

fn s3_location(bucket: String, prefix: String, a: &RunArgs) -> S3Location {
    S3Location {
        bucket,
        prefix,
        endpoint: a.s3_endpoint.clone(),
        region: a.s3_region.clone(),
        path_style: !a.s3_virtual_host,
    }
}

async fn run_job(a: RunArgs) -> anyhow::Result<()> {
    let store = open(&a.common).await?;
    let s3 = S3Settings::default();
    let job = match a.job {
        Some(id) => get(&store, id).await?,
        None => {
            let source = match (&a.folder, a.files.is_empty(), &a.s3_bucket) {
                (Some(dir), true, None) => SourceSpec::Folder(dir.clone()),
                (None, false, None) => SourceSpec::Files(a.files.clone()),
                (None, true, Some(b)) => SourceSpec::S3(s3_location(b.clone(), a.s3_prefix.clone(), &a)),
                _ => bail!("give one source: --folder, --files or --s3-bucket"),
            };
            let sink = match (&a.output, &a.output_s3_bucket) {
                (Some(dir), None) => Sink::Folder(dir.clone()),
                (None, Some(b)) => Sink::S3(s3_location(b.clone(), a.output_s3_prefix.clone(), &a)),
                _ => bail!("give one output: --output or --output-s3-bucket"),
            };
            let req = JobRequest {
                domain_id: a.domain.context("--domain is required")?,
                operation: a.operation.clone(),
                source,
                sink,
                options: JobOptions {
                    lang: a.lang.clone(),
                    version: a.v1.then(|| "V1".to_string()),
                    table_detection: a.tables,
                },
            };
            let job = batch::create_job(&store, &s3, LocalAccess::Any, req).await?;
            eprintln!("batch job {} created: {} inputs", job.id, job.total);
            job
        }
    };
    if a.detach {
        print_job(&job, a.common.json);
        return Ok(());
    }
    if job.state.is_final() || job.state == JobState::Paused {
        bail!(
            "batch job {} is {}; `jikji batch resume {}` first",
            job.id,
            job.state.as_str(),
            job.id
        );
    }
    let workers = a.workers.max(1);
    let engine = super::ocr::load_engine(
        a.models.as_deref(),
        None,
        true,
        jikji_engine::DetModel::default(),
        super::ocr::Cpu { threads: a.threads_per_worker.max(1), workers, cores: None },
        a.device,
    )?;
    let config = ServerConfig {
        workers,
        batch_workers: workers,
        request_timeout_secs: a.timeout_secs.max(1),
        batch_lease_secs: a.timeout_secs.max(1) * 2 + 30,
        s3,
        ..ServerConfig::default()
    };
    let st = AppState::new(config, store.clone()).with_engine(Arc::new(engine));
    if let Ok(exe) = std::env::current_exe() {
        st.set_pdf_renderer(exe);
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handles = batch::spawn_workers(&st, stop_rx, Some(job.id));
    let (ctrl_tx, ctrl_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = ctrl_tx.send(());
    });
    let end = follow(&store, job.id, Some(ctrl_rx)).await;
    let _ = stop_tx.send(true);
    for h in handles {
        let _ = h.await;
    }
    let end = end?;
    let end = get(&store, end.id).await.unwrap_or(end);
    print_job(&end, a.common.json);
    match end.state {
        JobState::Done => Ok(()),
        JobState::Failed | JobState::Paused => bail!("batch job {} is {}", end.id, end.state.as_str()),
        _ => {
            eprintln!("stopped; `jikji batch run --job {}` continues where it stopped", end.id);
            Ok(())
        }
    }
}
