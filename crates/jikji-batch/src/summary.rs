//! The job summary: one row per input with its status, pages, seconds, error code and message, as
//! CSV (for a spreadsheet) and JSON (for a program). Written to the sink when the job ends, from the
//! queue's rows, so a rewrite (a finisher that died and was replaced) gives the same bytes.

use jikji_store::{ItemRow, Job};
use serde::Serialize;

/// One input's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryItem<'a> {
    pub file: &'a str,
    /// `SUCCESS`, `FAILURE`, `ERROR` (the image's `inferResult`), `error` (an error code instead of
    /// a result), or the queue state of an input the job did not reach (`pending`, a cancelled job).
    pub status: &'a str,
    pub pages: i64,
    pub seconds: f64,
    pub error_code: Option<&'a str>,
    pub error_message: Option<&'a str>,
}

fn item(r: &ItemRow) -> SummaryItem<'_> {
    SummaryItem {
        file: &r.input,
        status: r.status.as_deref().unwrap_or(&r.state),
        pages: r.pages.unwrap_or(0),
        seconds: r.millis.unwrap_or(0) as f64 / 1000.0,
        error_code: r.error_code.as_deref(),
        error_message: r.error_message.as_deref(),
    }
}

/// `file,status,pages,seconds,error_code,error_message`, RFC 4180 quoting.
pub fn csv(items: &[ItemRow]) -> String {
    let mut out = String::from("file,status,pages,seconds,error_code,error_message\r\n");
    for r in items {
        let i = item(r);
        let fields = [
            i.file.to_string(),
            i.status.to_string(),
            i.pages.to_string(),
            format!("{:.3}", i.seconds),
            i.error_code.unwrap_or("").to_string(),
            i.error_message.unwrap_or("").to_string(),
        ];
        let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn quote(f: &str) -> String {
    if f.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

/// The JSON summary: the job's figures and every item.
pub fn json(job: &Job, items: &[ItemRow]) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Summary<'a> {
        job_id: i64,
        domain_id: i64,
        operation: &'a str,
        state: &'a str,
        total: i64,
        succeeded: usize,
        failed: usize,
        pages: i64,
        seconds: f64,
        started_at: Option<i64>,
        finished_at: Option<i64>,
        items: Vec<SummaryItem<'a>>,
    }
    let items: Vec<SummaryItem> = items.iter().map(item).collect();
    let s = Summary {
        job_id: job.id,
        domain_id: job.domain_id,
        operation: &job.operation,
        state: job.state.as_str(),
        total: job.total,
        succeeded: items.iter().filter(|i| i.status == "SUCCESS").count(),
        failed: items
            .iter()
            .filter(|i| matches!(i.status, "FAILURE" | "ERROR" | "error"))
            .count(),
        pages: items.iter().map(|i| i.pages).sum(),
        seconds: items.iter().map(|i| i.seconds).sum(),
        started_at: job.started_at,
        finished_at: job.finished_at,
        items,
    };
    serde_json::to_vec_pretty(&s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, input: &str, status: Option<&str>, code: Option<&str>, msg: Option<&str>) -> ItemRow {
        ItemRow {
            seq,
            input: input.into(),
            state: if status.is_some() { "done" } else { "pending" }.into(),
            status: status.map(Into::into),
            pages: status.map(|_| 1),
            millis: status.map(|_| 1500),
            error_code: code.map(Into::into),
            error_message: msg.map(Into::into),
            attempts: 1,
            finished_at: None,
        }
    }

    #[test]
    fn csv_quotes_and_columns() {
        let rows = vec![
            row(0, "a.jpg", Some("SUCCESS"), None, None),
            row(1, "b, \"c\".png", Some("error"), Some("0011"), Some("Request body invalid.")),
            row(2, "d.png", None, None, None),
        ];
        let text = csv(&rows);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "file,status,pages,seconds,error_code,error_message");
        assert_eq!(lines[1], "a.jpg,SUCCESS,1,1.500,,");
        assert_eq!(lines[2], "\"b, \"\"c\"\".png\",error,1,1.500,0011,Request body invalid.");
        assert_eq!(lines[3], "d.png,pending,0,0.000,,");
    }
}
