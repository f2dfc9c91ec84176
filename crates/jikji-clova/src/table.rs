//! The General OCR `tables[]` member (spec §4.2) and its builder from the table stage's
//! [`jikji_table::Table`].
//!
//! Shape: `{cells: [...], boundingPoly, inferConfidence}` per table; each cell has `cellTextLines[]`
//! (`{boundingPoly, inferConfidence, cellWords: [{boundingPoly, inferText, inferConfidence}]}`),
//! `boundingPoly`, `inferConfidence`, `rowSpan`, `rowIndex`, `columnSpan`, `columnIndex`. Every cell is
//! listed, empty ones included (`cellTextLines: []`, `inferConfidence: 1.0`), in the column-major order of
//! CLOVA's sample (clients must not rely on either order). Tables are a V2 feature (spec "V1 vs V2
//! summary"): a V1 response carries none, see [`tables_for`].

use serde::{Deserialize, Serialize};

use crate::response::BoundingPoly;
use crate::uncertain;
use crate::Version;

/// `cellWords[]` entry (no `valueType`/`type`/`lineBreak`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CellWord {
    pub bounding_poly: BoundingPoly,
    pub infer_text: String,
    pub infer_confidence: f32,
}

/// `cellTextLines[]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CellTextLine {
    pub bounding_poly: BoundingPoly,
    pub infer_confidence: f32,
    pub cell_words: Vec<CellWord>,
}

/// `cells[]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableCell {
    pub cell_text_lines: Vec<CellTextLine>,
    pub bounding_poly: BoundingPoly,
    pub infer_confidence: f32,
    pub row_span: usize,
    pub row_index: usize,
    pub column_span: usize,
    pub column_index: usize,
}

/// `tables[]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneralTable {
    pub cells: Vec<TableCell>,
    pub bounding_poly: BoundingPoly,
    pub infer_confidence: f32,
}

impl GeneralTable {
    /// The wire shape of one recognised table.
    pub fn from_table(t: &jikji_table::Table) -> GeneralTable {
        let mut cells: Vec<&jikji_table::Cell> = t.cells.iter().collect();
        cells.sort_by_key(|c| (c.col, c.row));
        GeneralTable {
            cells: cells
                .into_iter()
                .map(|c| TableCell {
                    cell_text_lines: c
                        .lines
                        .iter()
                        .map(|l| CellTextLine {
                            bounding_poly: BoundingPoly::from_quad(&l.quad),
                            infer_confidence: uncertain::confidence(l.confidence),
                            cell_words: l
                                .words
                                .iter()
                                .map(|w| CellWord {
                                    bounding_poly: BoundingPoly::from_quad(&w.quad),
                                    infer_text: w.text.clone(),
                                    infer_confidence: uncertain::confidence(w.confidence),
                                })
                                .collect(),
                        })
                        .collect(),
                    bounding_poly: BoundingPoly::from_quad(&c.quad),
                    infer_confidence: if c.lines.is_empty() {
                        1.0
                    } else {
                        uncertain::confidence(c.confidence)
                    },
                    row_span: c.row_span.max(1),
                    row_index: c.row,
                    column_span: c.col_span.max(1),
                    column_index: c.col,
                })
                .collect(),
            bounding_poly: BoundingPoly::from_quad(&t.quad),
            infer_confidence: uncertain::confidence(t.confidence),
        }
    }
}

/// Whether a response of `version` has a `tables` member (see [`uncertain::TABLES_IN_V1`]); the server
/// runs the table stage only for these.
pub fn carries_tables(version: Version) -> bool {
    version == Version::V2 || uncertain::TABLES_IN_V1
}

/// The `tables` member for an image: `None` in V1 (not part of the V1 shape), else every table as JSON
/// values (the type of `ImageResult::tables`). An empty page gives `Some([])` — `tables: []`.
pub fn tables_for(version: Version, tables: &[jikji_table::Table]) -> Option<Vec<serde_json::Value>> {
    if !carries_tables(version) {
        return None;
    }
    Some(
        tables
            .iter()
            .map(|t| serde_json::to_value(GeneralTable::from_table(t)).unwrap_or(serde_json::Value::Null))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::Rect;
    use jikji_table::{Cell, CellLine, Table};

    fn table() -> Table {
        let q = |x: f32, y: f32| Rect::new(x, y, x + 50.0, y + 20.0).to_quad();
        let word = jikji_table::CellWord { text: "구분".into(), quad: q(2.0, 2.0), confidence: 0.95094 };
        Table {
            quad: Rect::new(0.0, 0.0, 100.0, 40.0).to_quad(),
            confidence: 0.99821,
            rows: 2,
            cols: 2,
            cells: vec![
                Cell {
                    row: 0, col: 0, row_span: 2, col_span: 1, quad: q(0.0, 0.0), confidence: 0.95094,
                    lines: vec![CellLine { quad: q(2.0, 2.0), confidence: 0.95094, words: vec![word] }],
                },
                Cell { row: 0, col: 1, row_span: 1, col_span: 1, quad: q(50.0, 0.0), confidence: 0.3, lines: vec![] },
                Cell { row: 1, col: 1, row_span: 1, col_span: 1, quad: q(50.0, 20.0), confidence: 0.3, lines: vec![] },
            ],
        }
    }

    #[test]
    fn wire_shape_matches_the_spec_sample() {
        let v = tables_for(Version::V2, &[table()]).unwrap();
        let t = &v[0];
        assert_eq!(t["inferConfidence"], serde_json::json!(0.9982f32));
        assert_eq!(t["boundingPoly"]["vertices"].as_array().unwrap().len(), 4);
        let c0 = &t["cells"][0];
        assert_eq!((c0["rowIndex"].as_u64(), c0["columnIndex"].as_u64()), (Some(0), Some(0)));
        assert_eq!((c0["rowSpan"].as_u64(), c0["columnSpan"].as_u64()), (Some(2), Some(1)));
        let w = &c0["cellTextLines"][0]["cellWords"][0];
        assert_eq!(w["inferText"], "구분");
        assert!(w.get("lineBreak").is_none() && w.get("type").is_none());
        // Empty cells are listed with confidence 1.0, column-major.
        let c1 = &t["cells"][1];
        assert_eq!(c1["cellTextLines"], serde_json::json!([]));
        assert_eq!(c1["inferConfidence"], serde_json::json!(1.0));
        assert_eq!((c1["rowIndex"].as_u64(), c1["columnIndex"].as_u64()), (Some(0), Some(1)));
        assert_eq!(t["cells"][2]["rowIndex"].as_u64(), Some(1));
    }

    #[test]
    fn v1_carries_no_tables_and_no_table_is_an_empty_list() {
        assert!(tables_for(Version::V1, &[table()]).is_none());
        assert_eq!(tables_for(Version::V2, &[]), Some(vec![]));
    }
}
