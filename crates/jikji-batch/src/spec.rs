//! What a job reads, where it writes, and how results are named.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::BatchError;

/// Extensions (lower case) of the files a folder or prefix listing takes as inputs: the formats
/// the pipeline reads. Everything else (the job's own `.json` results and summaries, notes,
/// hidden files) is left out, so that an output folder inside the input folder is harmless.
pub const INPUT_EXTENSIONS: [&str; 9] = ["jpg", "jpeg", "png", "bmp", "tif", "tiff", "pdf", "gif", "webp"];

/// Appended to an input's name to name its result: `scans/a.jpg` → `scans/a.jpg.json`.
pub const RESULT_SUFFIX: &str = ".json";

/// Does this name (a path or object key) have one of [`INPUT_EXTENSIONS`]?
pub fn is_input_name(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    if base.starts_with('.') {
        return false;
    }
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            INPUT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
        }
        _ => false,
    }
}

/// The format hint of an input name (its extension, lower case), as a request's `format`.
pub fn format_hint(name: &str) -> Option<String> {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())
}

/// The `images[].name` of an input: its file name without the extension.
pub fn image_name(input: &str) -> String {
    let base = input.rsplit('/').next().unwrap_or(input);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => base.to_string(),
    }
}

/// An S3-compatible bucket prefix. Credentials are not part of it: every process takes them from
/// its own configuration or environment (see [`crate::S3Settings`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Location {
    pub bucket: String,
    /// Key prefix, e.g. `scans/2026-12/` (empty: the whole bucket).
    #[serde(default)]
    pub prefix: String,
    /// `https://kr.object.ncloudstorage.com`, `http://127.0.0.1:9000`…; absent: the process's
    /// configured endpoint, `AWS_ENDPOINT_URL`, or AWS's endpoint of the region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Absent: the process's configured region, `AWS_REGION`, or `us-east-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Path-style URLs (`endpoint/bucket/key`), as MinIO, Garage and most self-hosted stores
    /// want; `false`: virtual-host style (`bucket.endpoint/key`), AWS's default.
    #[serde(default = "yes")]
    pub path_style: bool,
}

fn yes() -> bool {
    true
}

impl S3Location {
    /// Checks the bucket name (S3's rules: 3–63 lower-case letters, digits, `.` and `-`) and the
    /// prefix (at most 1024 bytes, no `..` segment).
    pub fn validate(&self) -> Result<(), BatchError> {
        let b = &self.bucket;
        let ok = (3..=63).contains(&b.len())
            && b.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
            && b.as_bytes()[0].is_ascii_alphanumeric();
        if !ok {
            return Err(BatchError::Invalid(format!(
                "bucket name {b:?} is not a valid S3 bucket name"
            )));
        }
        if self.prefix.len() > 1024 || self.prefix.split('/').any(|s| s == "..") {
            return Err(BatchError::Invalid(
                "S3 prefix is longer than 1024 bytes or has a `..` segment".into(),
            ));
        }
        Ok(())
    }

    /// The key of `name` under the prefix (`prefix/name`, one `/` between).
    pub fn key(&self, name: &str) -> String {
        let p = self.prefix.trim_end_matches('/');
        if p.is_empty() {
            name.to_string()
        } else {
            format!("{p}/{name}")
        }
    }
}

/// What a job reads, as requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceSpec {
    /// Every input file under a folder (recursively, hidden entries skipped, symbolic links not
    /// followed), in path order.
    Folder(PathBuf),
    /// These files (any order; worked on in the order given).
    Files(Vec<PathBuf>),
    /// Every input object under a bucket prefix, in key order.
    S3(S3Location),
}

/// What a stored job reads: a root (folder or prefix) its items are relative to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    /// Items are paths relative to this folder (absolute).
    Local(PathBuf),
    /// Items are keys relative to the prefix.
    S3(S3Location),
}

/// Where a job writes: one result per input, named by [`result_name`], and the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Sink {
    Folder(PathBuf),
    S3(S3Location),
}

/// How every input of a job is read: the request members an online call would carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobOptions {
    /// `ko`, `en`, `ja`, `zh-TW` or a comma list; absent: the domain's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Response shape `V1` or `V2` (absent: `V2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// General OCR: `enableTableDetection`.
    #[serde(default)]
    pub table_detection: bool,
}

/// The name of an input's result in the sink: the input's relative name plus [`RESULT_SUFFIX`].
/// Deterministic, so that a retried item overwrites its own result instead of adding a second.
pub fn result_name(input: &str) -> String {
    format!("{input}{RESULT_SUFFIX}")
}

/// The names of the job summary in the sink.
pub fn summary_names(job_id: i64) -> (String, String) {
    (
        format!("job-{job_id}-summary.csv"),
        format!("job-{job_id}-summary.json"),
    )
}

/// A relative input name as stored: `/`-separated, no empty, `.` or `..` segment, not absolute.
pub fn check_relative(name: &str) -> Result<(), BatchError> {
    let ok = !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name.split('/').all(|s| !s.is_empty() && s != "." && s != "..");
    if ok {
        Ok(())
    } else {
        Err(BatchError::Invalid(
            "an input name is not a plain relative path".into(),
        ))
    }
}

/// `path` as an absolute, normalised path (no `.`/`..`), without touching the file system.
pub fn absolute(path: &Path) -> Result<PathBuf, BatchError> {
    let base = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().map_err(BatchError::io("reading the current directory"))?
    };
    let mut out = base;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(s) => out.push(s),
        }
    }
    Ok(out)
}

/// Is `path` (absolute, normalised) inside one of `roots` (absolute, normalised)?
pub fn within(path: &Path, roots: &[PathBuf]) -> bool {
    roots.iter().any(|r| path.starts_with(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_images_and_pdfs() {
        assert!(is_input_name("a/b/c.JPG"));
        assert!(is_input_name("scan.pdf"));
        assert!(!is_input_name("a/b/c.jpg.json"));
        assert!(!is_input_name("a/.hidden.png"));
        assert!(!is_input_name("job-1-summary.csv"));
        assert!(!is_input_name(".png"));
        assert!(!is_input_name("noext"));
    }

    #[test]
    fn names() {
        assert_eq!(result_name("a/b.jpg"), "a/b.jpg.json");
        assert_eq!(image_name("a/receipt 1.jpg"), "receipt 1");
        assert_eq!(format_hint("x/Y.TIFF").as_deref(), Some("tiff"));
        let loc = S3Location {
            bucket: "scans".into(),
            prefix: "in/".into(),
            endpoint: None,
            region: None,
            path_style: true,
        };
        assert_eq!(loc.key("a.jpg"), "in/a.jpg");
        assert_eq!(S3Location { prefix: String::new(), ..loc }.key("a.jpg"), "a.jpg");
    }

    #[test]
    fn relative_names_and_roots() {
        assert!(check_relative("a/b.jpg").is_ok());
        for bad in ["", "/a.jpg", "a/../b.jpg", "a//b.jpg", "./a.jpg", "a\\b.jpg"] {
            assert!(check_relative(bad).is_err(), "{bad:?}");
        }
        let p = absolute(Path::new("/data/in/../out/./x")).unwrap();
        assert_eq!(p, PathBuf::from("/data/out/x"));
        assert!(within(&p, &[PathBuf::from("/data")]));
        assert!(!within(&p, &[PathBuf::from("/dat")]));
    }

    #[test]
    fn bucket_names() {
        let mut loc = S3Location {
            bucket: "my-bucket.1".into(),
            prefix: String::new(),
            endpoint: None,
            region: None,
            path_style: true,
        };
        assert!(loc.validate().is_ok());
        for bad in ["ab", "My-Bucket", "-bucket", "a_b_c"] {
            loc.bucket = bad.into();
            assert!(loc.validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn stored_json_is_stable() {
        let s = Source::Local(PathBuf::from("/data/in"));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"local":"/data/in"}"#);
        let spec: SourceSpec =
            serde_json::from_str(r#"{"s3":{"bucket":"scans","prefix":"in/"}}"#).unwrap();
        assert!(matches!(spec, SourceSpec::S3(S3Location { path_style: true, .. })));
    }
}
