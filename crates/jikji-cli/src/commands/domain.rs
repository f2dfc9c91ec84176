//! `jikji domain …`: create and manage domains (invoke URLs, secrets, limits) and read
//! their usage. Talks to the database directly (the same one `jikji serve` uses), so it
//! works whether or not the server is running.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use jikji_store::{DocKind, Domain, DomainKind, DomainPatch, NewDomain, Store, UsageRow};
use serde_json::json;

/// Where the database is and how invoke URLs are shown; accepted by every subcommand.
/// (`Debug` by hand below: the database URL may carry a password.)
#[derive(clap::Args, Clone)]
pub struct Common {
    /// Data directory; the SQLite database is DATA_DIR/jikji.db.
    #[arg(
        long,
        env = "JIKJI_DATA_DIR",
        default_value = "./data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,
    /// Database URL (sqlite:PATH or postgres://…); overrides --data-dir.
    #[arg(
        long,
        env = "JIKJI_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Public base URL of the server, used to print invoke URLs.
    #[arg(
        long,
        env = "JIKJI_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    pub public_url: String,
    /// Print JSON (for scripts) instead of text.
    #[arg(long)]
    pub json: bool,
}

impl std::fmt::Debug for Common {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Common")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_deref()
                    .map(jikji_server::config::mask_database_url),
            )
            .field("public_url", &self.public_url)
            .field("json", &self.json)
            .finish()
    }
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create a domain; prints its invoke URL and its secret (shown only once).
    Create {
        /// Domain name (free text).
        #[arg(long)]
        name: String,
        /// Service type; `document` if only --document-kinds is given, else `general`.
        #[arg(long = "type", value_enum, value_name = "TYPE")]
        kind: Option<KindArg>,
        /// Document models to enable (comma-separated); default for a document domain: all.
        #[arg(long, value_delimiter = ',', value_parser = parse_doc_kind, value_name = "KINDS",
              long_help = "Document models to enable, comma-separated: receipt, name-card, biz-license, \
                           credit-card, id-card, passport. Default for a document domain: all of them.")]
        document_kinds: Vec<DocKind>,
        /// Recognition language(s): ko, ja, zh-TW, en (comma-separated for several).
        #[arg(long, default_value = "ko")]
        lang: String,
        /// Allow automatic table extraction (`enableTableDetection`; general and template domains).
        #[arg(long)]
        table_detection: bool,
        /// Rate limit in requests per second, e.g. `5` or `5/s` (default: unlimited).
        #[arg(long, value_parser = parse_rate, value_name = "R/s")]
        rate_limit: Option<f64>,
        /// Burst size for the rate limit (default: chosen by the server).
        #[arg(long, value_name = "B")]
        burst: Option<u32>,
        /// Calls allowed per calendar month, UTC (default: unlimited).
        #[arg(long, value_name = "Q")]
        monthly_quota: Option<i64>,
        #[command(flatten)]
        common: Common,
    },
    /// List all domains.
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Show one domain, its invoke URLs and this month's usage.
    Show {
        id: i64,
        #[command(flatten)]
        common: Common,
    },
    /// Change a domain's settings (only the options given).
    Update {
        id: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        lang: Option<String>,
        /// Allow or refuse automatic table extraction.
        #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
        table_detection: Option<bool>,
        /// Rate limit in requests per second, e.g. `5` or `5/s`.
        #[arg(long, value_parser = parse_rate, value_name = "R/s", conflicts_with = "no_rate_limit")]
        rate_limit: Option<f64>,
        /// Remove the rate limit.
        #[arg(long)]
        no_rate_limit: bool,
        #[arg(long, value_name = "B", conflicts_with = "no_burst")]
        burst: Option<u32>,
        /// Let the server choose the burst size again.
        #[arg(long)]
        no_burst: bool,
        #[arg(long, value_name = "Q", conflicts_with = "no_monthly_quota")]
        monthly_quota: Option<i64>,
        /// Remove the monthly quota.
        #[arg(long)]
        no_monthly_quota: bool,
        /// Replace the enabled document models (document domains only).
        #[arg(long, value_delimiter = ',', value_parser = parse_doc_kind, value_name = "KINDS")]
        document_kinds: Option<Vec<DocKind>>,
        #[command(flatten)]
        common: Common,
    },
    /// Replace a domain's secret; the old one stops working immediately.
    RotateSecret {
        id: i64,
        #[command(flatten)]
        common: Common,
    },
    /// Delete a domain and its usage records.
    Delete {
        id: i64,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Show usage counters by month and operation.
    Usage {
        id: i64,
        /// Only this month (YYYY-MM); default: all months.
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindArg {
    General,
    Template,
    Document,
}

fn parse_doc_kind(s: &str) -> Result<DocKind, String> {
    s.trim().parse::<DocKind>().map_err(|e| e.to_string())
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let t = t.strip_suffix("/s").unwrap_or(t).trim();
    match t.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!(
            "{s:?} is not a positive rate (requests per second, e.g. 5 or 2.5/s)"
        )),
    }
}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run_async(cmd))
}

pub(crate) async fn open(common: &Common) -> anyhow::Result<Store> {
    let url = match &common.database_url {
        Some(url) if !url.trim().is_empty() => url.clone(),
        _ => Store::default_database_url(&common.data_dir),
    };
    let shown = if url.starts_with("sqlite:") {
        url.clone()
    } else {
        "the database given by --database-url".to_string()
    };
    Store::open(&url)
        .await
        .with_context(|| format!("opening {shown}"))
}

async fn run_async(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Create {
            name,
            kind,
            document_kinds,
            lang,
            table_detection,
            rate_limit,
            burst,
            monthly_quota,
            common,
        } => {
            let kind = match (kind, document_kinds.is_empty()) {
                (None, true) | (Some(KindArg::General), true) => DomainKind::General,
                (Some(KindArg::Template), true) => DomainKind::Template,
                (Some(KindArg::Document), true) => DomainKind::Document(DocKind::ALL.to_vec()),
                (None, false) | (Some(KindArg::Document), false) => {
                    DomainKind::Document(document_kinds)
                }
                (Some(other), false) => {
                    bail!("--document-kinds applies to document domains, not --type {other:?}")
                }
            };
            if table_detection && matches!(kind, DomainKind::Document(_)) {
                bail!("--table-detection applies to general and template domains only");
            }
            let store = open(&common).await?;
            let new = NewDomain {
                lang,
                table_detection,
                rate_limit_per_sec: rate_limit,
                rate_burst: burst,
                monthly_quota,
                ..NewDomain::new(name, kind)
            };
            let created = store.create_domain(new).await?;
            let d = &created.domain;
            let base = jikji_clova::invoke::base_url(&common.public_url, d.id, &d.invoke_key);
            let urls: Vec<String> = d
                .operation_paths()
                .iter()
                .map(|p| format!("{base}{p}"))
                .collect();
            if common.json {
                print_json(&json!({
                    "domain": d,
                    "secret": created.secret,
                    "invoke_url": base,
                    "operation_urls": urls,
                }))?;
                eprintln!(
                    "jikji: warning: the secret is shown only once and cannot be shown again; \
                     keep it (or run `jikji domain rotate-secret {}`)",
                    d.id
                );
            } else {
                println!("Created domain {} \"{}\" ({})", d.id, d.name, kind_label(d));
                println!();
                println!("Invoke URL: {base}");
                for url in &urls {
                    println!("  POST {url}");
                }
                println!();
                println!(
                    "Secret (send as the X-OCR-SECRET header): {}",
                    created.secret
                );
                println!();
                println!(
                    "WARNING: the secret is shown only this once and cannot be shown again \
                     (only its hash is stored).\n         Save it now; if it is lost, run \
                     `jikji domain rotate-secret {}`.",
                    d.id
                );
            }
            store.close().await;
        }
        Command::List { common } => {
            let store = open(&common).await?;
            let domains = store.list_domains().await?;
            if common.json {
                let items: Vec<_> = domains
                    .iter()
                    .map(|d| domain_json(d, &common.public_url))
                    .collect();
                print_json(&serde_json::Value::Array(items))?;
            } else if domains.is_empty() {
                println!("No domains yet. Create one with `jikji domain create --name NAME`.");
            } else {
                print_list(&domains, &common.public_url);
            }
            store.close().await;
        }
        Command::Show { id, common } => {
            let store = open(&common).await?;
            let d = get(&store, id).await?;
            let month = jikji_calendar::current_month();
            let quota_used = store.quota_used(id, &month).await?;
            let usage = store.usage(id, Some(&month)).await?;
            if common.json {
                let mut v = domain_json(&d, &common.public_url);
                v["month"] = json!(month);
                v["quota_used"] = json!(quota_used);
                v["usage"] = json!(usage);
                print_json(&v)?;
            } else {
                print_domain(&d, &common.public_url);
                let quota = match d.monthly_quota {
                    Some(q) => format!("{quota_used} of {q} calls"),
                    None => format!("{quota_used} calls (no quota)"),
                };
                println!("This month ({month}): {quota}");
                if !usage.is_empty() {
                    print_usage(&usage);
                }
            }
            store.close().await;
        }
        Command::Update {
            id,
            name,
            lang,
            table_detection,
            rate_limit,
            no_rate_limit,
            burst,
            no_burst,
            monthly_quota,
            no_monthly_quota,
            document_kinds,
            common,
        } => {
            let patch = DomainPatch {
                name,
                lang,
                table_detection,
                rate_limit_per_sec: if no_rate_limit {
                    Some(None)
                } else {
                    rate_limit.map(Some)
                },
                rate_burst: if no_burst {
                    Some(None)
                } else {
                    burst.map(Some)
                },
                monthly_quota: if no_monthly_quota {
                    Some(None)
                } else {
                    monthly_quota.map(Some)
                },
                document_kinds,
            };
            if patch == DomainPatch::default() {
                bail!("nothing to update; give at least one option (see `jikji domain update --help`)");
            }
            let store = open(&common).await?;
            let current = get(&store, id).await?;
            if patch.table_detection == Some(true) && matches!(current.kind, DomainKind::Document(_)) {
                bail!("--table-detection applies to general and template domains only");
            }
            let d = store
                .update_domain(id, patch)
                .await?
                .with_context(|| format!("no domain with id {id}"))?;
            if common.json {
                print_json(&domain_json(&d, &common.public_url))?;
            } else {
                println!("Updated domain {id}.");
                print_domain(&d, &common.public_url);
            }
            store.close().await;
        }
        Command::RotateSecret { id, common } => {
            let store = open(&common).await?;
            let secret = store
                .rotate_secret(id)
                .await?
                .with_context(|| format!("no domain with id {id}"))?;
            if common.json {
                print_json(&json!({ "id": id, "secret": secret }))?;
                eprintln!("jikji: warning: the new secret is shown only once; the old secret no longer works");
            } else {
                println!("New secret for domain {id} (send as the X-OCR-SECRET header): {secret}");
                println!();
                println!(
                    "WARNING: the old secret stopped working. The new one is shown only this once \
                     and cannot be shown again."
                );
            }
            store.close().await;
        }
        Command::Delete { id, yes, common } => {
            let store = open(&common).await?;
            let d = get(&store, id).await?;
            if !yes {
                confirm_delete(&d)?;
            }
            let deleted = store.delete_domain(id).await?;
            if !deleted {
                bail!("no domain with id {id}");
            }
            if common.json {
                print_json(&json!({ "id": id, "deleted": true }))?;
            } else {
                println!("Deleted domain {id} \"{}\" and its usage records.", d.name);
            }
            store.close().await;
        }
        Command::Usage { id, month, common } => {
            let store = open(&common).await?;
            get(&store, id).await?;
            let rows = store.usage(id, month.as_deref()).await?;
            if common.json {
                let mut v = json!({ "id": id, "usage": rows });
                if let Some(m) = &month {
                    v["month"] = json!(m);
                    v["quota_used"] = json!(store.quota_used(id, m).await?);
                }
                print_json(&v)?;
            } else if rows.is_empty() {
                match &month {
                    Some(m) => println!("No usage recorded for domain {id} in {m}."),
                    None => println!("No usage recorded for domain {id}."),
                }
            } else {
                print_usage(&rows);
            }
            store.close().await;
        }
    }
    Ok(())
}

async fn get(store: &Store, id: i64) -> anyhow::Result<Domain> {
    store
        .get_domain(id)
        .await?
        .with_context(|| format!("no domain with id {id} (see `jikji domain list`)"))
}

fn confirm_delete(d: &Domain) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!(
            "refusing to delete domain {} without confirmation; pass --yes",
            d.id
        );
    }
    eprint!(
        "Delete domain {} \"{}\" and all its usage records? Its invoke URL stops working. [y/N] ",
        d.id, d.name
    );
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        bail!("not deleted")
    }
}

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn domain_json(d: &Domain, public_url: &str) -> serde_json::Value {
    let base = jikji_clova::invoke::base_url(public_url, d.id, &d.invoke_key);
    let mut v = serde_json::to_value(d).unwrap_or_default();
    v["invoke_url"] = json!(base);
    v["operation_urls"] = json!(d
        .operation_paths()
        .iter()
        .map(|p| format!("{base}{p}"))
        .collect::<Vec<_>>());
    v
}

fn kind_label(d: &Domain) -> String {
    match &d.kind {
        DomainKind::Document(kinds) => format!(
            "document: {}",
            kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.as_str().to_string(),
    }
}

fn limits_label(d: &Domain) -> String {
    let rate = match (d.rate_limit_per_sec, d.rate_burst) {
        (Some(r), Some(b)) => format!("{r}/s burst {b}"),
        (Some(r), None) => format!("{r}/s"),
        (None, Some(b)) => format!("unlimited/s (burst {b})"),
        (None, None) => "unlimited/s".to_string(),
    };
    let quota = match d.monthly_quota {
        Some(q) => format!("{q}/month"),
        None => "unlimited/month".to_string(),
    };
    format!("{rate}, {quota}")
}

fn print_domain(d: &Domain, public_url: &str) {
    let base = jikji_clova::invoke::base_url(public_url, d.id, &d.invoke_key);
    println!("Domain {} \"{}\"", d.id, d.name);
    println!("  type:            {}", kind_label(d));
    println!("  language:        {}", d.lang);
    if d.kind == DomainKind::General {
        println!(
            "  table detection: {}",
            if d.table_detection {
                "enabled"
            } else {
                "disabled"
            }
        );
    }
    println!("  limits:          {}", limits_label(d));
    println!("  created:         {}", format_millis(d.created_at));
    println!("  invoke URL:      {base}");
    for p in d.operation_paths() {
        println!("    POST {base}{p}");
    }
}

fn print_list(domains: &[Domain], public_url: &str) {
    let rows: Vec<[String; 5]> = domains
        .iter()
        .map(|d| {
            [
                d.id.to_string(),
                d.name.clone(),
                kind_label(d),
                limits_label(d),
                jikji_clova::invoke::base_url(public_url, d.id, &d.invoke_key),
            ]
        })
        .collect();
    let header = ["ID", "NAME", "TYPE", "LIMITS", "INVOKE URL"];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        s
    };
    println!("{}", line(header));
    for row in &rows {
        println!("{}", line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
}

fn print_usage(rows: &[UsageRow]) {
    println!(
        "{:<8} {:<24} {:>10} {:>10} {:>10} {:>10}",
        "MONTH", "OPERATION", "CALLS", "PAGES", "TABLES", "FAILURES"
    );
    for r in rows {
        println!(
            "{:<8} {:<24} {:>10} {:>10} {:>10} {:>10}",
            r.month, r.operation, r.calls, r.pages, r.tables, r.failures
        );
    }
}

/// `YYYY-MM-DD HH:MM UTC` from Unix milliseconds.
fn format_millis(ms: i64) -> String {
    jikji_calendar::format_utc_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("5").unwrap(), 5.0);
        assert_eq!(parse_rate("2.5/s").unwrap(), 2.5);
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("fast").is_err());
    }

    #[test]
    fn dates_format() {
        assert_eq!(format_millis(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_millis(1_709_210_096_000), "2024-02-29 12:34 UTC");
    }
}
