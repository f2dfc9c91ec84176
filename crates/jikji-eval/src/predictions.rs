//! The predictions file: what an engine read on each image, one JSON object per line (JSONL).
//!
//! ```json
//! {"image":"…/sroie/images/X51005200938.jpg","lines":[{"text":"TOTAL 12.50","box":[x0,y0,x1,y1,x2,y2,x3,y3]}],"latency_s":0.41}
//! {"image":"…/b.jpg","lines":[],"error":"the image is corrupt"}
//! ```
//!
//! `jikji eval --save-predictions` and `jikji bench --save-predictions` write it (Jikji and the anchors
//! alike), `jikji eval --predictions` scores it without running a model. A line's `box` is its quad,
//! clockwise from the top-left, in the image's pixels.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use jikji_geometry::Quad;
use jikji_types::PageResult;
use serde::{Deserialize, Serialize};

use crate::{GtSet, PredLine};

/// An engine's output for one image.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Prediction {
    /// The image's path as the engine was given it.
    pub image: String,
    pub lines: Vec<PredLineRecord>,
    /// Wall time of decoding + OCR, seconds; absent when the engine failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_s: Option<f64>,
    /// Why the engine failed on this image (then `lines` is empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One predicted line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PredLineRecord {
    pub text: String,
    /// The quad as 8 numbers, clockwise from the top-left.
    #[serde(rename = "box")]
    pub bbox: Vec<f32>,
}

impl Prediction {
    /// A failed image: no lines, no latency.
    pub fn failed(image: impl Into<String>, error: impl Into<String>) -> Self {
        Prediction {
            image: image.into(),
            error: Some(error.into()),
            ..Default::default()
        }
    }

    /// The lines as the scorer takes them (a malformed box becomes an empty quad).
    pub fn pred_lines(&self) -> Vec<PredLine> {
        self.lines
            .iter()
            .map(|l| PredLine::new(l.text.clone(), Quad::from_flat(&l.bbox).unwrap_or_default()))
            .collect()
    }
}

/// The lines of an OCR result as records.
pub fn page_records(p: &PageResult) -> Vec<PredLineRecord> {
    p.lines
        .iter()
        .map(|l| PredLineRecord {
            text: l.text.clone(),
            bbox: l.quad.to_flat().to_vec(),
        })
        .collect()
}

/// Why a predictions file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PredictionsError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {source}", path.display())]
    Parse {
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        source: serde_json::Error,
    },
}

/// Reads a predictions file (blank lines are skipped).
pub fn read(path: &Path) -> Result<Vec<Prediction>, PredictionsError> {
    let text = std::fs::read_to_string(path).map_err(|source| PredictionsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| PredictionsError::Parse {
                path: path.to_path_buf(),
                line: i + 1,
                source,
            })
        })
        .collect()
}

/// Writes a predictions file, creating its directory.
pub fn write(path: &Path, preds: &[Prediction]) -> Result<(), PredictionsError> {
    let io = |source| PredictionsError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    for p in preds {
        serde_json::to_writer(&mut f, p).map_err(|e| io(e.into()))?;
        f.write_all(b"\n").map_err(io)?;
    }
    f.flush().map_err(io)
}

/// Finds the prediction of each GT image: by path as written, else by file name (predictions made
/// elsewhere, or with absolute paths). `None` where there is none.
pub fn find_each<'p>(set: &GtSet, preds: &'p [Prediction]) -> Vec<Option<&'p Prediction>> {
    let name = |s: &str| {
        Path::new(s)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let by_path: HashMap<&str, &Prediction> =
        preds.iter().map(|p| (p.image.as_str(), p)).collect();
    let by_name: HashMap<String, &Prediction> = preds.iter().map(|p| (name(&p.image), p)).collect();
    set.images
        .iter()
        .map(|g| {
            let key = g.image.display().to_string();
            by_path
                .get(key.as_str())
                .or_else(|| by_name.get(&name(&key)))
                .copied()
        })
        .collect()
}

/// The prediction of each GT image, in the set's order ([`find_each`]); an image without one is
/// scored as a failure ("no prediction for this image").
pub fn match_to_set(set: &GtSet, preds: &[Prediction]) -> Vec<Prediction> {
    find_each(set, preds)
        .into_iter()
        .zip(&set.images)
        .map(|(p, g)| match p {
            Some(p) => p.clone(),
            None => Prediction::failed(g.image.display().to_string(), "no prediction for this image"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GtFormat, GtImage};

    pub(crate) fn set_of(paths: &[&str]) -> GtSet {
        GtSet {
            name: "s".into(),
            source: PathBuf::from("s"),
            format: GtFormat::Jsonl,
            images: paths
                .iter()
                .map(|p| GtImage {
                    id: Path::new(p).file_stem().unwrap().to_string_lossy().into_owned(),
                    image: PathBuf::from(p),
                    lines: vec![],
                    text_complete: true,
                    group: None,
                    doc_type: None,
                    fields: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn predictions_match_by_path_then_name() {
        let set = set_of(&["/d/images/a.jpg", "/d/images/b.jpg", "/d/images/c.jpg"]);
        let preds = vec![
            Prediction {
                image: "other/dir/b.jpg".into(),
                latency_s: Some(1.0),
                ..Default::default()
            },
            Prediction {
                image: "elsewhere/c.jpg".into(),
                latency_s: Some(2.0),
                ..Default::default()
            },
            Prediction {
                image: "/d/images/c.jpg".into(),
                latency_s: Some(3.0),
                ..Default::default()
            },
        ];
        let m = match_to_set(&set, &preds);
        assert_eq!(
            m[0],
            Prediction::failed("/d/images/a.jpg", "no prediction for this image")
        );
        assert_eq!(m[1].latency_s, Some(1.0));
        assert_eq!(m[2].latency_s, Some(3.0), "the exact path wins over the name");
    }

    #[test]
    fn files_round_trip_and_name_the_bad_line() {
        let dir = std::env::temp_dir().join(format!("jikji-eval-preds-{}", std::process::id()));
        let path = dir.join("sub").join("p.jsonl");
        let preds = vec![
            Prediction {
                image: "a.jpg".into(),
                lines: vec![PredLineRecord {
                    text: "TOTAL 12.50".into(),
                    bbox: vec![0., 0., 10., 0., 10., 5., 0., 5.],
                }],
                latency_s: Some(0.5),
                error: None,
            },
            Prediction::failed("b.jpg", "corrupt"),
        ];
        write(&path, &preds).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""box":[0.0,0.0,10.0"#), "{text}");
        assert!(!text.lines().nth(1).unwrap().contains("latency_s"), "{text}");
        assert_eq!(read(&path).unwrap(), preds);
        assert_eq!(preds[0].pred_lines()[0].text, "TOTAL 12.50");

        std::fs::write(&path, format!("{}\n\nnot json\n", text.lines().next().unwrap())).unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("p.jsonl:3: "), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
