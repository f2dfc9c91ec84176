//! Ground-truth loading: the common `gt.jsonl` form and the synthetic-docs per-image JSON form.
//!
//! Both are read into the same [`GtSet`]:
//!
//! * `gt.jsonl`: one JSON object per line, `{"image": "images/x.jpg", "lines": [{"text": "...",
//!   "box": [x1,y1,…,x4,y4]}], "text_complete": false?}`. `image` is relative to the file's directory;
//!   `box` is optional (sets without boxes get page CER only); `text_complete: false` marks a set whose
//!   `lines` cover only part of the visible text (page CER is skipped, best-match edit distance is reported
//!   instead). A record may carry receipt key fields, `"fields": {"company": "…", "date": "…", …}` (SROIE's
//!   `company/date/address/total`; the Korean sets' `business_number`, `phone`, `time` too): such an image is
//!   a receipt for `jikji eval --document`, its fields renamed by [`RECEIPT_KEY_FIELDS`].
//! * a synthetic-docs directory: `NAME.json` next to `NAME.jpg` (or `.png`/`.jpeg`), each with `id`, `type`,
//!   `photo` and `lines[{text, box, role?}]`. Images are grouped into `flat` and `photo` by the `photo` flag.

use jikji_geometry::{Quad, Rect};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One ground-truth text line.
#[derive(Debug, Clone, PartialEq)]
pub struct GtLine {
    pub text: String,
    /// Quadrilateral in image pixels (TL, TR, BR, BL), when the set has boxes.
    pub quad: Option<Quad>,
    /// `title`, `label`, `mrz`, `stamp`… (synthetic docs only).
    pub role: Option<String>,
}

/// One ground-truth image.
#[derive(Debug, Clone, PartialEq)]
pub struct GtImage {
    /// Short name for reports (file stem or the JSON `id`).
    pub id: String,
    /// Path of the image file (joined onto the GT file's directory).
    pub image: PathBuf,
    pub lines: Vec<GtLine>,
    /// False when `lines` transcribe only part of the image's text.
    pub text_complete: bool,
    /// Report group (`flat` / `photo` for synthetic docs), if any.
    pub group: Option<String>,
    /// Document type (synthetic docs: `namecard`, `receipt`, …).
    pub doc_type: Option<String>,
    /// The key fields a Document OCR should extract, `(name, text)` sorted by name (synthetic docs:
    /// `storeName`, `items[0].price`, …; empty for other sets).
    pub fields: Vec<(String, String)>,
}

impl GtImage {
    /// True when every line has a box (line CER and detection need them).
    pub fn has_boxes(&self) -> bool {
        !self.lines.is_empty() && self.lines.iter().all(|l| l.quad.is_some())
    }
}

/// Which on-disk form a set was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GtFormat {
    Jsonl,
    SyntheticDocs,
}

/// A loaded ground-truth set.
#[derive(Debug, Clone, PartialEq)]
pub struct GtSet {
    /// Set name: the directory holding `gt.jsonl`, or the synthetic-docs directory name.
    pub name: String,
    /// The path it was loaded from.
    pub source: PathBuf,
    pub format: GtFormat,
    pub images: Vec<GtImage>,
}

#[derive(Debug, thiserror::Error)]
pub enum GtError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {source}")]
    Json {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
    #[error("{path}: {msg}")]
    Invalid { path: PathBuf, msg: String },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> GtError + '_ {
    move |source| GtError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Loads a set from a `gt.jsonl` file, a directory holding `gt.jsonl`, or a synthetic-docs directory.
pub fn load(path: &Path) -> Result<GtSet, GtError> {
    if path.is_dir() {
        let jsonl = path.join("gt.jsonl");
        if jsonl.is_file() {
            return load_jsonl(&jsonl);
        }
        return load_synthetic_dir(path);
    }
    if path.extension().is_some_and(|e| e == "json") {
        // A single synthetic-docs file.
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        let img = parse_synthetic_json(&text, path)?;
        return Ok(GtSet {
            name: dir_name(path.parent().unwrap_or(Path::new("."))),
            source: path.to_path_buf(),
            format: GtFormat::SyntheticDocs,
            images: vec![img],
        });
    }
    load_jsonl(path)
}

fn dir_name(p: &Path) -> String {
    let abs = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    let abs = abs.canonicalize().unwrap_or_else(|_| abs.to_path_buf());
    abs.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "gt".into())
}

/// Loads a `gt.jsonl` file; image paths are resolved against its directory.
pub fn load_jsonl(path: &Path) -> Result<GtSet, GtError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let base = path.parent().unwrap_or(Path::new(""));
    let images = parse_jsonl(&text, base).map_err(|e| match e {
        GtError::Json { line, source, .. } => GtError::Json {
            path: path.to_path_buf(),
            line,
            source,
        },
        GtError::Invalid { msg, .. } => GtError::Invalid {
            path: path.to_path_buf(),
            msg,
        },
        other => other,
    })?;
    Ok(GtSet {
        name: dir_name(base),
        source: path.to_path_buf(),
        format: GtFormat::Jsonl,
        images,
    })
}

#[derive(Deserialize)]
struct RawLine {
    text: String,
    #[serde(default, rename = "box")]
    bbox: Option<Vec<f32>>,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Deserialize)]
struct RawJsonl {
    image: String,
    lines: Vec<RawLine>,
    #[serde(default = "yes")]
    text_complete: bool,
    /// Receipt key fields as printed (`company`, `date`, …); other value types are ignored.
    #[serde(default)]
    fields: BTreeMap<String, serde_json::Value>,
}

/// The key fields of the real-receipt sets (`gt.jsonl` records with `fields`) under Document OCR's receipt
/// field names (`DocumentResult::named_values`). SROIE labels company, date, address and total; the Korean
/// sets (`korean_real`, `korean_photos`) add the business number, phone and time. Values are as printed
/// (dates not reformatted, totals without currency), which is what the receipt's `text` carries.
pub const RECEIPT_KEY_FIELDS: &[(&str, &str)] = &[
    ("company", "storeName"),
    ("business_number", "storeBizNum"),
    ("phone", "storeTel"),
    ("address", "storeAddress"),
    ("date", "paymentDate"),
    ("time", "paymentTime"),
    ("total", "total"),
];

/// A `gt.jsonl` record's key fields renamed by [`RECEIPT_KEY_FIELDS`] (unknown names and non-text values
/// dropped), sorted by name.
fn receipt_key_fields(raw: &BTreeMap<String, serde_json::Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = raw
        .iter()
        .filter_map(|(k, v)| {
            let (_, name) = RECEIPT_KEY_FIELDS.iter().find(|(g, _)| g == k)?;
            Some((name.to_string(), v.as_str()?.to_string()))
        })
        .collect();
    out.sort();
    out
}

fn yes() -> bool {
    true
}

fn quad_of(v: &[f32]) -> Option<Quad> {
    match v.len() {
        8 => Quad::from_flat(v),
        4 => Some(Rect::new(v[0], v[1], v[2], v[3]).to_quad()),
        _ => None,
    }
}

fn convert_lines(raw: Vec<RawLine>) -> Result<Vec<GtLine>, String> {
    raw.into_iter()
        .map(|l| {
            let quad = match &l.bbox {
                None => None,
                Some(v) => Some(quad_of(v).ok_or_else(|| {
                    format!("box of `{}` has {} numbers, expected 8", l.text, v.len())
                })?),
            };
            Ok(GtLine {
                text: l.text,
                quad,
                role: l.role,
            })
        })
        .collect()
}

/// Parses `gt.jsonl` text. Blank lines are skipped; `base` is joined onto each `image`.
pub fn parse_jsonl(text: &str, base: &Path) -> Result<Vec<GtImage>, GtError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let raw: RawJsonl = serde_json::from_str(line).map_err(|source| GtError::Json {
            path: PathBuf::new(),
            line: i + 1,
            source,
        })?;
        let lines = convert_lines(raw.lines).map_err(|msg| GtError::Invalid {
            path: PathBuf::new(),
            msg: format!("line {}: {msg}", i + 1),
        })?;
        let id = Path::new(&raw.image)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| raw.image.clone());
        // Two images of one set may share a stem (passport-td3.jpg / .png): keep ids unique.
        let id = if out.iter().any(|g: &GtImage| g.id == id) {
            Path::new(&raw.image)
                .file_name()
                .map_or_else(|| raw.image.clone(), |n| n.to_string_lossy().into_owned())
        } else {
            id
        };
        let fields = receipt_key_fields(&raw.fields);
        out.push(GtImage {
            id,
            image: base.join(&raw.image),
            lines,
            text_complete: raw.text_complete,
            group: None,
            doc_type: (!fields.is_empty()).then(|| "receipt".to_string()),
            fields,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RawSynthetic {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "type")]
    doc_type: Option<String>,
    #[serde(default)]
    photo: bool,
    lines: Vec<RawLine>,
    #[serde(default)]
    fields: BTreeMap<String, RawField>,
}

#[derive(Deserialize)]
struct RawField {
    /// Absent for fields that are not text (none in the current sets).
    #[serde(default)]
    text: Option<String>,
}

/// Parses one synthetic-docs JSON file; the image is the file with the same stem and an image extension.
pub fn parse_synthetic_json(text: &str, json_path: &Path) -> Result<GtImage, GtError> {
    let raw: RawSynthetic = serde_json::from_str(text).map_err(|source| GtError::Json {
        path: json_path.to_path_buf(),
        line: 0,
        source,
    })?;
    let lines = convert_lines(raw.lines).map_err(|msg| GtError::Invalid {
        path: json_path.to_path_buf(),
        msg,
    })?;
    let image = ["jpg", "png", "jpeg", "JPG", "PNG"]
        .iter()
        .map(|ext| json_path.with_extension(ext))
        .find(|p| p.is_file())
        .unwrap_or_else(|| json_path.with_extension("jpg"));
    let stem = json_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(GtImage {
        id: raw.id.unwrap_or(stem),
        image,
        lines,
        text_complete: true,
        group: Some(if raw.photo { "photo" } else { "flat" }.to_string()),
        doc_type: raw.doc_type,
        fields: raw
            .fields
            .into_iter()
            .filter_map(|(k, f)| Some((k, f.text?)))
            .collect(),
    })
}

/// Loads every `*.json` with a `lines` array in `dir` (sorted by file name). Files that are not
/// synthetic-docs ground truth (no `lines`) are skipped.
pub fn load_synthetic_dir(dir: &Path) -> Result<GtSet, GtError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    files.sort();
    let mut images = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(io_err(&f))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|source| GtError::Json {
            path: f.clone(),
            line: 0,
            source,
        })?;
        if !v.get("lines").is_some_and(|l| l.is_array()) {
            continue;
        }
        images.push(parse_synthetic_json(&text, &f)?);
    }
    if images.is_empty() {
        return Err(GtError::Invalid {
            path: dir.to_path_buf(),
            msg: "no gt.jsonl and no synthetic-docs *.json files with `lines` here".into(),
        });
    }
    Ok(GtSet {
        name: dir_name(dir),
        source: dir.to_path_buf(),
        format: GtFormat::SyntheticDocs,
        images,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_jsonl_with_and_without_boxes() {
        let text = r#"{"image": "images/a.jpg", "lines": [{"text": "AB", "box": [0,0,10,0,10,5,0,5]}], "fields": {}}

{"image": "images/b.png", "lines": [{"text": "서울"}], "text_complete": false}
"#;
        let imgs = parse_jsonl(text, Path::new("/data/set")).unwrap();
        assert_eq!(imgs.len(), 2);
        assert_eq!(imgs[0].id, "a");
        assert_eq!(imgs[0].image, PathBuf::from("/data/set/images/a.jpg"));
        assert!(imgs[0].has_boxes());
        assert_eq!(
            imgs[0].lines[0].quad.unwrap().bbox(),
            Rect::new(0., 0., 10., 5.)
        );
        assert!(imgs[0].text_complete);
        assert!(!imgs[1].has_boxes());
        assert!(!imgs[1].text_complete);
    }

    #[test]
    fn jsonl_key_fields_make_a_receipt_under_document_ocr_names() {
        let text = r#"{"image": "a.jpg", "lines": [], "fields": {"company": "AEON CO. (M) BHD", "date": "18/04/2018", "total": "1.75", "business_number": "6138210300", "weather": "sunny", "n": 3}}
{"image": "b.jpg", "lines": [{"text": "서울"}]}
"#;
        let imgs = parse_jsonl(text, Path::new("")).unwrap();
        assert_eq!(imgs[0].doc_type.as_deref(), Some("receipt"));
        let field = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            imgs[0].fields,
            vec![
                field("paymentDate", "18/04/2018"),
                field("storeBizNum", "6138210300"),
                field("storeName", "AEON CO. (M) BHD"),
                field("total", "1.75"),
            ]
        );
        // No key fields: not a document (a road sign), skipped by `--document`.
        assert_eq!(imgs[1].doc_type, None);
        assert!(imgs[1].fields.is_empty());
    }

    #[test]
    fn duplicate_stems_keep_unique_ids() {
        let text = "{\"image\": \"images/p.jpg\", \"lines\": []}\n{\"image\": \"images/p.png\", \"lines\": []}\n";
        let imgs = parse_jsonl(text, Path::new("")).unwrap();
        assert_eq!(imgs[0].id, "p");
        assert_eq!(imgs[1].id, "p.png");
    }

    #[test]
    fn bad_box_is_an_error_with_line_number() {
        let text = "{\"image\": \"x.jpg\", \"lines\": [{\"text\": \"a\", \"box\": [1,2,3]}]}";
        let err = parse_jsonl(text, Path::new("")).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("3 numbers"), "{err}");
    }

    #[test]
    fn parses_synthetic_doc_json() {
        let text = r#"{"type": "idcard", "id": "idcard-s1-0000-photo", "photo": true, "image": {"w": 20, "h": 10},
            "lines": [{"text": "주민등록증", "box": [1,1,9,1,9,4,1,4], "role": "title"},
                      {"text": "印", "box": [1,5,3,5,3,7,1,7], "role": "stamp"}],
            "fields": {"personalNum": {"text": "801117-2904061", "box": [1,1,9,1,9,4,1,4]},
                       "name": {"text": "김하늘"}, "photoBox": {"box": [0,0,1,0,1,1,0,1]}}}"#;
        let img = parse_synthetic_json(text, Path::new("/x/idcard-s1-0000-photo.json")).unwrap();
        assert_eq!(img.id, "idcard-s1-0000-photo");
        assert_eq!(img.group.as_deref(), Some("photo"));
        let field = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            img.fields,
            vec![field("name", "김하늘"), field("personalNum", "801117-2904061")]
        );
        assert_eq!(img.doc_type.as_deref(), Some("idcard"));
        assert_eq!(img.image, PathBuf::from("/x/idcard-s1-0000-photo.jpg"));
        assert_eq!(img.lines[1].role.as_deref(), Some("stamp"));
        assert!(img.has_boxes());
    }
}
