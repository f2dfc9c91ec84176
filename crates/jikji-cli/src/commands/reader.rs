//! `jikji reader …`: the OCR Reader's corrections. Like `jikji domain`, talks to the database
//! directly (the one `jikji serve` uses). `export` writes the training pairs the admin API's
//! `GET /admin/v1/domains/{id}/corrections/export` gives: a tar of word crops with `labels.tsv`.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use jikji_server::reader::TrainingArchive;

use super::domain::Common;

/// Rows read from the store per step (as the admin export does).
const PAGE: i64 = 200;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List corrections (id, domain, page, who, when; the text only with --json, it is personal data
    /// shown on request).
    List {
        #[command(flatten)]
        common: Common,
        /// Only this domain's corrections.
        #[arg(long)]
        domain: Option<i64>,
    },
    /// Export corrections as recogniser training pairs: a tar with `images/{id}.png` (each word's
    /// crop, rectified from its polygon), `labels.tsv` (`images/{id}.png<TAB>label`, labels
    /// normalised as korean-rec-v1's training labels were) and `corrections.jsonl` (the records).
    Export {
        #[command(flatten)]
        common: Common,
        /// Only this domain's corrections (default: every domain).
        #[arg(long)]
        domain: Option<i64>,
        /// The tar file to write.
        #[arg(short = 'o', long, value_name = "OUT.tar")]
        output: PathBuf,
    },
}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run_async(cmd))
}

async fn run_async(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::List { common, domain } => {
            let store = super::domain::open(&common).await?;
            let mut after = 0;
            loop {
                let rows = store.list_corrections(domain, after, PAGE).await?;
                let Some(last) = rows.last() else { break };
                after = last.id;
                for c in &rows {
                    if common.json {
                        println!("{}", serde_json::to_string(c)?);
                    } else {
                        println!(
                            "{}\tdomain {}\tpage {}\t{}\t{}",
                            c.id,
                            c.domain_id,
                            c.page,
                            c.created_by,
                            jikji_calendar::format_utc_millis(c.created_at)
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Export { common, domain, output } => {
            let store = super::domain::open(&common).await?;
            let file = std::fs::File::create(&output).with_context(|| format!("creating {}", output.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let mut archive = TrainingArchive::default();
            let (mut after, mut n) = (0, 0);
            loop {
                let rows = store.corrections_with_crops(domain, after, PAGE).await?;
                let Some((last, _)) = rows.last() else { break };
                after = last.id;
                for (c, png) in &rows {
                    out.write_all(&archive.add(c, png))?;
                    n += 1;
                }
            }
            out.write_all(&archive.finish())?;
            out.flush()?;
            eprintln!("jikji: {n} training pairs written to {}", output.display());
            Ok(())
        }
    }
}
