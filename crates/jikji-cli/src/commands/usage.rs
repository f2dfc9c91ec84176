//! `jikji usage`: a domain's usage per UTC day (calls, pages, table pages, Document/Template
//! transactions, outcomes by code, latency percentiles), and `jikji webhook deliveries`: the log of
//! quota-warning webhooks. Both read the database directly, like `jikji domain`.

use anyhow::{bail, Context as _};
use jikji_store::{DayUsage, Delivery, UsageReport};

use super::domain::{open, Common};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// `jikji usage`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Domain id.
    #[arg(long, value_name = "ID")]
    pub domain: i64,
    /// First day, YYYY-MM-DD (UTC) [default: 29 days before --to].
    #[arg(long, value_name = "DAY")]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (UTC), inclusive [default: today].
    #[arg(long, value_name = "DAY")]
    pub to: Option<String>,
    /// Output: a table for people, CSV (one row per day and a total row) or JSON.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub common: Common,
}

#[derive(clap::Subcommand, Debug)]
pub enum WebhookCommand {
    /// The quota-warning webhook deliveries, newest first: status, attempts, last error.
    Deliveries {
        /// Only this domain's.
        #[arg(long, value_name = "ID")]
        domain: Option<i64>,
        /// Most rows (1–1000).
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[command(flatten)]
        common: Common,
    },
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let (from, to) = jikji_server::usage::report_range(a.from.as_deref(), a.to.as_deref())
            .map_err(anyhow::Error::msg)?;
        let store = open(&a.common).await?;
        if store.get_domain(a.domain).await?.is_none() {
            bail!("no domain with id {} (see `jikji domain list`)", a.domain);
        }
        let report = store.usage_daily(a.domain, &from, &to).await?;
        store.close().await;
        let format = if a.common.json { Format::Json } else { a.format };
        print!("{}", render(&report, format)?);
        Ok(())
    })
}

pub fn run_webhook(c: WebhookCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let WebhookCommand::Deliveries {
            domain,
            limit,
            common,
        } = c;
        if !(1..=1000).contains(&limit) {
            bail!("--limit must be within 1–1000");
        }
        let store = open(&common).await?;
        let list = store.list_deliveries(domain, limit).await?;
        store.close().await;
        if common.json {
            println!("{}", serde_json::to_string_pretty(&list)?);
        } else if list.is_empty() {
            println!("No webhook deliveries.");
        } else {
            print!("{}", deliveries_table(&list));
        }
        Ok(())
    })
}

const COLUMNS: [&str; 13] = [
    "day", "calls", "pages", "table_pages", "document_tx", "template_tx", "validations", "successes", "failures",
    "p50_ms", "p90_ms", "p99_ms", "outcomes",
];

fn cells(d: &DayUsage) -> Vec<String> {
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_default();
    vec![
        d.day.clone(),
        d.calls.to_string(),
        d.pages.to_string(),
        d.table_pages.to_string(),
        d.document_transactions.to_string(),
        d.template_transactions.to_string(),
        d.validations.to_string(),
        d.successes.to_string(),
        d.failures.to_string(),
        ms(d.latency.p50_ms),
        ms(d.latency.p90_ms),
        ms(d.latency.p99_ms),
        d.outcomes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
    ]
}

/// The report as a table, CSV or JSON.
pub fn render(r: &UsageReport, format: Format) -> anyhow::Result<String> {
    let rows: Vec<Vec<String>> = r.days.iter().chain([&r.total]).map(cells).collect();
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(r)? + "\n",
        Format::Csv => {
            let mut out = COLUMNS.join(",") + "\n";
            for row in rows {
                // Only the outcomes cell can hold a space; none holds a comma or a quote.
                out += &row.join(",");
                out.push('\n');
            }
            out
        }
        Format::Table => {
            let mut widths: Vec<usize> = COLUMNS.iter().map(|c| c.len()).collect();
            for row in &rows {
                for (w, c) in widths.iter_mut().zip(row) {
                    *w = (*w).max(c.chars().count());
                }
            }
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
                    + "\n"
            };
            let mut out = format!(
                "Domain {} usage {} … {} (UTC; latency of 200 answers, upper edges of ~19 % buckets)\n",
                r.domain_id, r.from, r.to
            );
            out += &line(&COLUMNS.map(String::from));
            for row in &rows {
                out += &line(row);
            }
            out
        }
    })
}

fn deliveries_table(list: &[Delivery]) -> String {
    let mut out = format!(
        "{:>6}  {:>6}  {:<10}  {:<7}  {:<9}  {:>8}  {:<20}  {}\n",
        "id", "domain", "event", "month", "status", "attempts", "updated", "last error"
    );
    for d in list {
        out += &format!(
            "{:>6}  {:>6}  {:<10}  {:<7}  {:<9}  {:>8}  {:<20}  {}\n",
            d.id,
            d.domain_id,
            d.event,
            d.month,
            d.status.as_str(),
            d.attempts,
            jikji_calendar::format_utc_millis(d.updated_at),
            d.last_error.as_deref().unwrap_or("")
        );
    }
    out
}
