//! The OCR Reader's back end, behind the admin token like the rest of `/admin`:
//!
//! - corrections of single words (`/admin/v1/domains/{id}/corrections…`): the reviewer's reading of
//!   a word, stored with the word's crop rectified from its polygon, listed, deleted, and exported
//!   as training pairs for the recogniser ([`TrainingArchive`]: a tar of crop PNGs with
//!   `labels.tsv`);
//! - the searchable PDF of an uploaded file (`POST /admin/v1/searchable-pdf`), from a given OCR
//!   result or by running OCR ([`SearchablePdf`], which also backs `jikji ocr --format pdf`).
//!
//! Recognised and corrected text are personal data: no log line here carries them, nor image
//! digests or polygons.

use crate::admin::{admin_error, invalid, json_body, store_error, JsonBody};
use crate::state::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use image::RgbImage;
use jikji_clova::uncertain::PDF_PIXELS_PER_POINT;
use jikji_geometry::{Point, Quad};
use jikji_store::{Correction, NewCorrection};
use jikji_types::{Cancel, PageResult, Word};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

/// Rows read from the store per step of an export: bounds the memory an export holds (crops are a
/// few KiB each; at most [`jikji_store::corrections::MAX_CROP_BYTES`]).
const EXPORT_PAGE: i64 = 200;

/// Most words a given result may hold over all its pages, and characters per word: a dense A4 scan
/// has a few thousand words; the bounds keep a hostile result from making a huge PDF.
const MAX_RESULT_WORDS: usize = 200_000;
const MAX_WORD_CHARS: usize = 1_000;

// ---------------------------------------------------------------------------------------------
// Searchable PDF

/// A file's searchable PDF, page by page: the writer, the file's bytes (a JPEG is embedded
/// unchanged where [`jikji_pdf::jpeg_passthrough`] allows) and whether it is a PDF (whose pages keep
/// their size in points; an image becomes a page at [`jikji_pdf::RASTER_DPI`]).
pub struct SearchablePdf<'a> {
    writer: jikji_pdf::PdfWriter,
    original: &'a [u8],
    is_pdf: bool,
}

impl<'a> SearchablePdf<'a> {
    pub fn new(original: &'a [u8]) -> SearchablePdf<'a> {
        SearchablePdf {
            writer: jikji_pdf::PdfWriter::new(),
            original,
            is_pdf: jikji_image::sniff(original) == Some(jikji_image::Format::Pdf),
        }
    }

    /// Adds a page: its decoded image and its result in the reporting space (`report_size`: CLOVA's
    /// 2 px per point for a PDF page, the image's pixels otherwise).
    pub fn add(&mut self, image: &RgbImage, reported: &PageResult) -> Result<(), jikji_pdf::PdfError> {
        let pdf_page_pt = self.is_pdf.then(|| {
            let k = PDF_PIXELS_PER_POINT as f32;
            (reported.width as f32 / k, reported.height as f32 / k)
        });
        let size = jikji_pdf::PageSize::of_page(image, pdf_page_pt);
        self.writer.add_ocr_page(image, reported, size, Some(self.original))
    }

    /// Adds a page read by the pipeline (with `pdf_pixels_per_point` set to CLOVA's).
    pub fn add_output(&mut self, p: &jikji_pipeline::PageOutput) -> Result<(), jikji_pdf::PdfError> {
        self.add(&p.image, &p.reported())
    }

    pub fn finish(self) -> Vec<u8> {
        self.writer.finish()
    }
}

/// `POST /admin/v1/searchable-pdf` (multipart).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PdfUpload {
    /// The image or PDF (any supported format; every page).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Optional: the OCR result to lay over the pages — a CLOVA General OCR response (`images[k]`
    /// is page k; `fields[]` with `inferText`, `boundingPoly` in the reported pixels, `lineBreak`),
    /// for example one corrected in the Reader. Without it the pages are read by OCR (language `ko`).
    #[schema(value_type = Option<String>)]
    result: Option<String>,
}

/// The parts of a CLOVA General response the PDF needs (lenient: every other member is ignored).
#[derive(Deserialize)]
struct GivenResult {
    images: Vec<GivenImage>,
}

#[derive(Deserialize)]
struct GivenImage {
    #[serde(default)]
    fields: Vec<GivenField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GivenField {
    infer_text: String,
    bounding_poly: jikji_clova::BoundingPoly,
    #[serde(default)]
    line_break: Option<bool>,
}

/// The words of a given result, page by page; a field without `lineBreak` (a V1 result) continues
/// its line.
fn given_pages(json: &str) -> Result<Vec<Vec<Word>>, String> {
    let r: GivenResult = serde_json::from_str(json).map_err(|e| format!("result: {e}"))?;
    let total: usize = r.images.iter().map(|i| i.fields.len()).sum();
    if total > MAX_RESULT_WORDS {
        return Err(format!("result: more than {MAX_RESULT_WORDS} words"));
    }
    r.images
        .into_iter()
        .map(|img| {
            img.fields
                .into_iter()
                .map(|f| {
                    if f.infer_text.chars().count() > MAX_WORD_CHARS {
                        return Err(format!("result: a word is longer than {MAX_WORD_CHARS} characters"));
                    }
                    let v = &f.bounding_poly.vertices;
                    if v.len() != 4 {
                        return Err("result: every boundingPoly needs 4 vertices".into());
                    }
                    Ok(Word {
                        text: f.infer_text,
                        quad: Quad::new([0, 1, 2, 3].map(|i| Point::new(v[i].x, v[i].y))),
                        confidence: 1.0,
                        line_break: f.line_break.unwrap_or(false),
                    })
                })
                .collect()
        })
        .collect()
}

/// Why a searchable PDF could not be made: the caller's fault (400) or ours (500).
enum PdfFailure {
    Invalid(String),
    Internal(&'static str),
}

/// The PDF of `bytes` with the given pages' words (decoding every page).
fn pdf_from_result(st: &AppState, bytes: &[u8], pages: Vec<Vec<Word>>) -> Result<Vec<u8>, PdfFailure> {
    let cancel = Cancel::with_deadline(std::time::Instant::now() + st.config.request_timeout());
    let mut doc = jikji_image::Document::open(bytes, None, &st.image_limits(), &cancel)
        .map_err(|e| PdfFailure::Invalid(format!("file: {e}")))?;
    doc.check_page_limit().map_err(|e| PdfFailure::Invalid(format!("file: {e}")))?;
    if pages.len() > doc.page_count() {
        return Err(PdfFailure::Invalid(format!(
            "result has {} images, the file {} pages",
            pages.len(),
            doc.page_count()
        )));
    }
    let mut pdf = SearchablePdf::new(bytes);
    let mut pages = pages.into_iter();
    while let Some(page) = doc.next_page() {
        let page = page.map_err(|e| PdfFailure::Invalid(format!("file: {e}")))?;
        let (w, h) = match page.size_pt {
            Some((wp, hp)) => {
                let k = PDF_PIXELS_PER_POINT as f32;
                ((wp * k).round().max(1.0) as u32, (hp * k).round().max(1.0) as u32)
            }
            None => page.image.dimensions(),
        };
        let reported = PageResult {
            page_index: page.index,
            width: w,
            height: h,
            words: pages.next().unwrap_or_default(),
            lines: Vec::new(),
            outline: None,
        };
        pdf.add(&page.image, &reported).map_err(|e| PdfFailure::Invalid(format!("result: {e}")))?;
    }
    Ok(pdf.finish())
}

/// The PDF of `bytes` read by OCR, every page.
fn pdf_by_ocr(st: &AppState, bytes: &[u8]) -> Result<Vec<u8>, PdfFailure> {
    let engine = st.engine().ok_or(PdfFailure::Internal("engine not loaded"))?;
    let opts = jikji_pipeline::Options {
        limits: st.image_limits(),
        pages: jikji_pipeline::Pages::All,
        pdf_pixels_per_point: Some(PDF_PIXELS_PER_POINT),
        ..Default::default()
    };
    let cancel = Cancel::with_deadline(std::time::Instant::now() + st.config.request_timeout());
    let mut pdf = SearchablePdf::new(bytes);
    let mut failed = None;
    let r = jikji_pipeline::run(engine.as_ref(), bytes, None, &opts, &cancel, |p| {
        if failed.is_none() {
            failed = pdf.add_output(&p).err();
        }
    });
    match r {
        Ok(_) => match failed {
            None => Ok(pdf.finish()),
            Some(_) => Err(PdfFailure::Internal("writing the PDF failed")),
        },
        Err(jikji_pipeline::PipelineError::Input(e)) => Err(PdfFailure::Invalid(format!("file: {e}"))),
        Err(e) => {
            tracing::error!(error = %e, "OCR for a searchable PDF failed");
            Err(PdfFailure::Internal("OCR failed"))
        }
    }
}

#[utoipa::path(post, path = "/admin/v1/searchable-pdf", tag = "admin", security(("bearer" = [])),
    request_body(content = PdfUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "the searchable PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "`invalid`: no `file` part, an unreadable file or result, a result with more images than the file has pages", body = crate::admin::AdminError),
        (status = 503, description = "`internal`: the engine is not loaded (no result given)", body = crate::admin::AdminError)))]
pub async fn searchable_pdf(State(st): State<AppState>, mp: Result<Multipart, axum::extract::multipart::MultipartRejection>) -> Response {
    let (file, result) = match upload_parts(mp).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let pages = match result.as_deref().map(given_pages).transpose() {
        Ok(p) => p,
        Err(m) => return invalid(m),
    };
    // Reading by OCR takes a worker like an OCR call; writing from a given result decodes only.
    let permit = match pages {
        Some(_) => None,
        None => match st.workers.clone().acquire_owned().await {
            Ok(p) => Some(p),
            Err(_) => return admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "workers closed"),
        },
    };
    let st2 = st.clone();
    let made = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match pages {
            Some(pages) => pdf_from_result(&st2, &file, pages),
            None => pdf_by_ocr(&st2, &file),
        }
    })
    .await;
    match made {
        Ok(Ok(pdf)) => ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response(),
        Ok(Err(PdfFailure::Invalid(m))) => invalid(m),
        Ok(Err(PdfFailure::Internal("engine not loaded"))) => {
            admin_error(StatusCode::SERVICE_UNAVAILABLE, "internal", "engine not loaded")
        }
        Ok(Err(PdfFailure::Internal(m))) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", m),
        Err(_) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "worker failed"),
    }
}

/// The `file` and optional `result` parts of a multipart upload.
async fn upload_parts(
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(Vec<u8>, Option<String>), Response> {
    let mut mp = mp.map_err(|e| invalid(format!("multipart: {}", e.body_text())))?;
    let (mut file, mut result) = (None, None);
    while let Some(field) = mp.next_field().await.map_err(|e| invalid(format!("multipart: {e}")))? {
        match field.name() {
            Some("file") if file.is_none() => {
                file = Some(field.bytes().await.map_err(|e| invalid(format!("multipart file: {e}")))?.to_vec())
            }
            Some("result") if result.is_none() => {
                result = Some(field.text().await.map_err(|e| invalid(format!("multipart result: {e}")))?)
            }
            Some("file" | "result") => return Err(invalid("duplicate multipart part")),
            // Other parts are ignored, as CLOVA's multipart parsing does.
            _ => {}
        }
    }
    let file = file.ok_or_else(|| invalid("multipart without a file part"))?;
    Ok((file, result))
}

// ---------------------------------------------------------------------------------------------
// Corrections

type DomPath = Result<Path<i64>, axum::extract::rejection::PathRejection>;
type CorrPath = Result<Path<(i64, i64)>, axum::extract::rejection::PathRejection>;

/// `POST /admin/v1/domains/{id}/corrections`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CorrectionBody {
    /// The reviewed file (base64; any supported format). Its SHA-256 is recorded, not the file.
    pub image: String,
    /// 0-based page of the file (default 0).
    #[serde(default)]
    pub page: usize,
    /// The word's polygon as OCR returned it: 4 vertices (TL, TR, BR, BL) in the page's reported
    /// pixels (a PDF page at 2 px per point).
    pub bounding_poly: jikji_clova::BoundingPoly,
    /// What OCR read.
    pub recognized: String,
    /// What the word really says (1..=200 characters, no tabs or line breaks).
    pub corrected: String,
}

/// Paging of `GET …/corrections`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only corrections with a larger id (default 0).
    pub after: Option<i64>,
    /// At most this many (default and maximum 1000).
    pub limit: Option<i64>,
}

async fn domain_exists(st: &AppState, id: i64) -> Result<(), Response> {
    match st.store.get_domain(id).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(admin_error(StatusCode::NOT_FOUND, "not_found", format!("no domain {id}"))),
        Err(e) => Err(store_error(e)),
    }
}

/// Correction `c` of domain `d`, or the 404 / store-error response.
async fn correction_in(st: &AppState, d: i64, c: i64) -> Result<Correction, Response> {
    match st.store.get_correction(c).await {
        Ok(Some(x)) if x.domain_id == d => Ok(x),
        Ok(_) => Err(admin_error(StatusCode::NOT_FOUND, "not_found", format!("no correction {c} in this domain"))),
        Err(e) => Err(store_error(e)),
    }
}

/// The word's crop: page `page` of `bytes` decoded, the polygon (in the reported space) mapped to
/// the page's pixels, clamped to the page, and rectified as the recogniser's line crops are.
fn word_crop(st: &AppState, bytes: &[u8], page: usize, poly: &[f32; 8]) -> Result<Vec<u8>, String> {
    let cancel = Cancel::with_deadline(std::time::Instant::now() + st.config.request_timeout());
    let mut doc = jikji_image::Document::open(bytes, None, &st.image_limits(), &cancel).map_err(|e| format!("image: {e}"))?;
    if page >= doc.page_count() {
        return Err(format!("page {page}: the file has {} pages", doc.page_count()));
    }
    let mut found = None;
    while let Some(p) = doc.next_page() {
        let p = p.map_err(|e| format!("image: {e}"))?;
        if p.index == page {
            found = Some(p);
            break;
        }
    }
    let p = found.ok_or_else(|| format!("page {page} not found"))?;
    let (w, h) = p.image.dimensions();
    let (sx, sy) = match p.size_pt {
        Some((wp, hp)) => {
            let k = PDF_PIXELS_PER_POINT as f32;
            (w as f32 / (wp * k), h as f32 / (hp * k))
        }
        None => (1.0, 1.0),
    };
    let quad = Quad::from_flat(poly).ok_or("boundingPoly: 4 vertices needed")?.scale(sx, sy).clamp(w as f32, h as f32);
    if quad.width() < 1.0 || quad.height() < 1.0 {
        return Err("boundingPoly: the word's region on the page is empty".into());
    }
    let crop = jikji_recognize::crop_line(&p.image, &quad).image;
    let mut png = Vec::new();
    crop.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|_| "encoding the crop failed".to_string())?;
    Ok(png)
}

#[utoipa::path(post, path = "/admin/v1/domains/{id}/corrections", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CorrectionBody,
    responses(
        (status = 201, body = Correction),
        (status = 400, description = "`invalid`: a path id that is not an integer, an invalid body, an unreadable image, a page the file lacks, a polygon outside the page", body = crate::admin::AdminError)))]
pub async fn create_correction(
    State(st): State<AppState>,
    // The admin gate (`auth::gate`) puts the principal on every /admin/v1 request.
    axum::Extension(who): axum::Extension<crate::auth::Principal>,
    id: DomPath,
    body: JsonBody<CorrectionBody>,
) -> Response {
    let Ok(Path(id)) = id else { return invalid("domain id is not an integer") };
    let body = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = domain_exists(&st, id).await {
        return r;
    }
    let v = &body.bounding_poly.vertices;
    if v.len() != 4 {
        return invalid("boundingPoly needs 4 vertices");
    }
    let poly = [v[0].x, v[0].y, v[1].x, v[1].y, v[2].x, v[2].y, v[3].x, v[3].y];
    if poly.iter().any(|c| !(c.abs() <= jikji_pdf::MAX_COORDINATE)) {
        return invalid("boundingPoly: coordinates must be numbers within ±1e6");
    }
    let bytes = match jikji_clova::decode_base64(&body.image) {
        Ok(b) => b,
        Err(_) => return invalid("image is not valid base64"),
    };
    let sha = hex::encode(Sha256::digest(&bytes));
    let st2 = st.clone();
    let page = body.page;
    let crop = match tokio::task::spawn_blocking(move || word_crop(&st2, &bytes, page, &poly)).await {
        Ok(Ok(png)) => png,
        Ok(Err(m)) => return invalid(m),
        Err(_) => return admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "worker failed"),
    };
    let new = NewCorrection {
        domain_id: id,
        image_sha256: sha,
        page: page as i64,
        polygon: poly,
        recognized: body.recognized,
        corrected: body.corrected,
        crop_png: crop,
        created_by: who.actor,
    };
    match st.store.add_correction(new).await {
        Ok(c) => (StatusCode::CREATED, Json(c)).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}/corrections", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ListQuery),
    responses(
        (status = 200, body = Vec<Correction>),
        (status = 400, description = "`invalid`: a path id or query value that is not an integer", body = crate::admin::AdminError)))]
pub async fn list_corrections(
    State(st): State<AppState>,
    id: DomPath,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Path(id)) = id else { return invalid("domain id is not an integer") };
    let Ok(Query(q)) = q else { return invalid("after and limit must be integers") };
    if let Err(r) = domain_exists(&st, id).await {
        return r;
    }
    let limit = q.limit.unwrap_or(jikji_store::corrections::MAX_LIST);
    match st.store.list_corrections(Some(id), q.after.unwrap_or(0), limit).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}/corrections/{correctionId}/crop", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ("correctionId" = i64, Path)),
    responses(
        (status = 200, description = "the word's crop", content_type = "image/png", body = Vec<u8>),
        (status = 400, description = "`invalid`: a path id that is not an integer", body = crate::admin::AdminError),
        (status = 404, description = "`not_found`: no such domain or correction", body = crate::admin::AdminError)))]
pub async fn correction_crop(State(st): State<AppState>, p: CorrPath) -> Response {
    let Ok(Path((d, c))) = p else { return invalid("path ids must be integers") };
    if let Err(r) = correction_in(&st, d, c).await {
        return r;
    }
    match st.store.correction_crop(c).await {
        Ok(Some(png)) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        Ok(None) => admin_error(StatusCode::NOT_FOUND, "not_found", format!("no correction {c} in this domain")),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(delete, path = "/admin/v1/domains/{id}/corrections/{correctionId}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ("correctionId" = i64, Path)),
    responses(
        (status = 204, description = "deleted"),
        (status = 400, description = "`invalid`: a path id that is not an integer", body = crate::admin::AdminError),
        (status = 404, description = "`not_found`: no such domain or correction", body = crate::admin::AdminError)))]
pub async fn delete_correction(State(st): State<AppState>, p: CorrPath) -> Response {
    let Ok(Path((d, c))) = p else { return invalid("path ids must be integers") };
    if let Err(r) = correction_in(&st, d, c).await {
        return r;
    }
    match st.store.delete_correction(c).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}/corrections/export", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "a tar archive: `images/{id}.png` (each word's crop), `labels.tsv` (`images/{id}.png<TAB>label`, labels normalised as the recogniser was trained), `corrections.jsonl` (each correction's record)", content_type = "application/x-tar", body = Vec<u8>),
        (status = 400, description = "`invalid`: a path id that is not an integer", body = crate::admin::AdminError)))]
pub async fn export_corrections(State(st): State<AppState>, id: DomPath) -> Response {
    let Ok(Path(id)) = id else { return invalid("domain id is not an integer") };
    if let Err(r) = domain_exists(&st, id).await {
        return r;
    }
    // Streamed: the store is read EXPORT_PAGE rows at a time while the archive is sent.
    let stream = futures_util::stream::unfold(Some((TrainingArchive::default(), 0i64)), move |state| {
        let st = st.clone();
        async move {
            let (mut archive, after) = state?;
            match st.store.corrections_with_crops(Some(id), after, EXPORT_PAGE).await {
                Ok(rows) if rows.is_empty() => Some((Ok(archive.finish()), None)),
                Ok(rows) => {
                    let last = rows.last().map_or(after, |(c, _)| c.id);
                    let chunk: Vec<u8> = rows.iter().flat_map(|(c, png)| archive.add(c, png)).collect();
                    Some((Ok(chunk), Some((archive, last))))
                }
                Err(e) => {
                    tracing::error!(error = %e, "exporting corrections failed");
                    Some((Err(std::io::Error::other("store error")), None))
                }
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "application/x-tar"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"corrections.tar\""),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Training pairs

/// The training-pair archive, written entry by entry: each correction's crop as `images/{id}.png`
/// as it comes, then `labels.tsv` and `corrections.jsonl` at the end.
///
/// `labels.tsv` is the recogniser's training list (`models/korean-rec-v1/README.md`, PaddleOCR's
/// `rec_gt` format): one `images/{id}.png<TAB>label` line per crop, the label normalised as the
/// model's training labels were (NFC, full-width ASCII to ASCII, middle-dot, dash and tilde variants
/// unified, whitespace runs to one space: `jikji_eval::normalize`). `corrections.jsonl` keeps each
/// record (what OCR read, who, when, where) to trace a pair back.
#[derive(Default)]
pub struct TrainingArchive {
    labels: String,
    records: String,
}

impl TrainingArchive {
    /// The tar entry of one correction's crop (its label is kept for the end).
    pub fn add(&mut self, c: &Correction, png: &[u8]) -> Vec<u8> {
        let name = format!("images/{}.png", c.id);
        let label = jikji_eval::normalize::Normalizer::EXACT.normalize(&c.corrected);
        self.labels.push_str(&format!("{name}\t{label}\n"));
        let record = serde_json::json!({"image": name, "label": label, "correction": c});
        self.records.push_str(&format!("{record}\n"));
        tar_entry(&name, png, c.created_at / 1000)
    }

    /// The closing entries (`labels.tsv`, `corrections.jsonl`) and the end-of-archive blocks.
    pub fn finish(self) -> Vec<u8> {
        let now = jikji_calendar::now_millis() / 1000;
        let mut out = tar_entry("labels.tsv", self.labels.as_bytes(), now);
        out.extend(tar_entry("corrections.jsonl", self.records.as_bytes(), now));
        out.extend([0u8; 1024]);
        out
    }
}

/// One regular-file entry of a POSIX ustar archive (header block, data padded to 512 bytes).
/// Names here are short ASCII (`images/{id}.png`), well inside the header's 100 bytes.
fn tar_entry(name: &str, data: &[u8], mtime: i64) -> Vec<u8> {
    let mut h = [0u8; 512];
    let put = |h: &mut [u8; 512], at: usize, v: &[u8]| h[at..at + v.len()].copy_from_slice(v);
    put(&mut h, 0, &name.as_bytes()[..name.len().min(100)]);
    put(&mut h, 100, b"0000644\0");
    put(&mut h, 108, b"0000000\0");
    put(&mut h, 116, b"0000000\0");
    put(&mut h, 124, format!("{:011o}\0", data.len()).as_bytes());
    put(&mut h, 136, format!("{:011o}\0", mtime.max(0)).as_bytes());
    put(&mut h, 148, b"        ");
    h[156] = b'0';
    put(&mut h, 257, b"ustar\0");
    put(&mut h, 263, b"00");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    put(&mut h, 148, format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn correction(id: i64, corrected: &str) -> Correction {
        Correction {
            id,
            domain_id: 1,
            image_sha256: "0".repeat(64),
            page: 0,
            polygon: vec![0.0; 8],
            recognized: "x".into(),
            corrected: corrected.into(),
            created_by: crate::auth::ADMIN_TOKEN_ACTOR.into(),
            created_at: 1_700_000_000_000,
        }
    }

    /// Lists a ustar archive: (name, data) of each entry.
    fn untar(mut b: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        while b.len() >= 512 && b[..512].iter().any(|&x| x != 0) {
            let h = &b[..512];
            let name = String::from_utf8(h[..100].iter().take_while(|&&c| c != 0).copied().collect()).unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&h[124..135]).unwrap(), 8).unwrap();
            let stored: u32 = u32::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
            let sum: u32 = h.iter().enumerate().map(|(i, &c)| if (148..156).contains(&i) { 32 } else { c as u32 }).sum();
            assert_eq!(stored, sum, "checksum of {name}");
            out.push((name, b[512..512 + size].to_vec()));
            b = &b[512 + size.div_ceil(512) * 512..];
        }
        assert_eq!(b, [0u8; 1024], "two zero blocks end the archive");
        out
    }

    #[test]
    fn the_archive_holds_crops_labels_and_records() {
        let mut a = TrainingArchive::default();
        let mut tar = a.add(&correction(7, "ＡＢ１ 사업자\u{2013}등록"), b"png7");
        tar.extend(a.add(&correction(9, "홍길동"), &[0u8; 600]));
        tar.extend(a.finish());
        assert_eq!(tar.len() % 512, 0);
        let entries = untar(&tar);
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["images/7.png", "images/9.png", "labels.tsv", "corrections.jsonl"]);
        assert_eq!(entries[0].1, b"png7");
        assert_eq!(entries[1].1.len(), 600);
        // Labels normalised as in training: full-width ASCII, dash variants.
        assert_eq!(
            String::from_utf8(entries[2].1.clone()).unwrap(),
            "images/7.png\tAB1 사업자-등록\nimages/9.png\t홍길동\n"
        );
        let records: Vec<serde_json::Value> = String::from_utf8(entries[3].1.clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records[1]["correction"]["corrected"], "홍길동");
        assert_eq!(records[1]["image"], "images/9.png");
    }

    #[test]
    fn a_given_result_becomes_words_page_by_page() {
        let json = r#"{"images":[
            {"fields":[
                {"inferText":"가","boundingPoly":{"vertices":[{"x":0,"y":0},{"x":9,"y":0},{"x":9,"y":5},{"x":0,"y":5}]},"lineBreak":false},
                {"inferText":"나","boundingPoly":{"vertices":[{"x":10,"y":0},{"x":19,"y":0},{"x":19,"y":5},{"x":10,"y":5}]},"lineBreak":true}]},
            {}]}"#;
        let pages = given_pages(json).unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].iter().map(|w| (w.text.as_str(), w.line_break)).collect::<Vec<_>>(), [("가", false), ("나", true)]);
        assert!(pages[1].is_empty());
        assert!(given_pages(r#"{"images":[{"fields":[{"inferText":"x","boundingPoly":{"vertices":[]}}]}]}"#).is_err());
        assert!(given_pages("{}").is_err());
    }
}
