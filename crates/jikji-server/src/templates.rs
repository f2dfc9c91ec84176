//! Template OCR in the service: the admin API over a template domain's templates
//! (`/admin/v1/domains/{id}/templates…`, behind the admin token like the rest of `/admin`) and the
//! `/infer` image builder ([`infer_image`]) that `ocr.rs` calls.
//!
//! A template is created from a sample image and its regions (JSON, `jikji_template::TemplateDef`):
//! the sample is read by the engine through the pipeline, the template built
//! (`jikji_template::Template::build`), and stored as version 1 (a draft). The sample image is kept
//! in `{data_dir}/templates/{sha256}` (an update without a new image reuses it). Only released
//! versions serve `/infer`.

use crate::admin::{admin_error, invalid, json_body, store_error, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use image::RgbImage;
use jikji_clova::template::{template_image, FieldValue, MatchedTemplate};
use jikji_clova::{uncertain, ImageResult, InferResult};
use jikji_store::{NewTemplate, TemplateInfo};
use jikji_template::{Template, TemplateDef, TemplateSet};
use jikji_types::{Cancel, PageResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use utoipa::ToSchema;

type TplPath = Result<Path<(i64, i64)>, axum::extract::rejection::PathRejection>;
type DomPath = Result<Path<i64>, axum::extract::rejection::PathRejection>;

/// `POST /admin/v1/domains/{id}/templates` and `PUT …/{templateId}`.
#[derive(Deserialize, ToSchema)]
pub struct TemplateBody {
    /// The regions: `{name, title?: {x,y,width,height}, fields: [{name, region, valueType?, type?,
    /// multiline?, boxes?, sampleChecked?}], validationUrl?}` in the sample's pixels.
    #[schema(value_type = Object)]
    pub template: TemplateDef,
    /// The sample image (base64; any supported format, PDF page 1). Required on create; an update
    /// without it keeps the current sample.
    #[serde(default)]
    pub image: Option<String>,
}

/// `POST …/templates/{templateId}/test`.
#[derive(Deserialize, ToSchema)]
pub struct TestBody {
    /// The image to read (base64).
    pub image: String,
    /// The version to test (default: the newest, draft or not).
    #[serde(default)]
    pub version: Option<i64>,
}

/// `POST …/templates/{templateId}/release` (body optional).
#[derive(Deserialize, ToSchema, Default)]
pub struct ReleaseBody {
    /// The version to release (default: the newest).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A template as listed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    pub id: i64,
    pub domain_id: i64,
    pub name: String,
    pub latest_version: i64,
    /// The version `/infer` serves; absent when never released (or rolled back to nothing).
    pub released_version: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<TemplateInfo> for TemplateView {
    fn from(t: TemplateInfo) -> Self {
        TemplateView {
            id: t.id,
            domain_id: t.domain_id,
            name: t.name,
            latest_version: t.latest_version,
            released_version: t.released_version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// One template in detail: the newest version's regions and the recorded changes.
#[derive(Serialize, ToSchema)]
pub struct TemplateDetail {
    #[serde(flatten)]
    pub template: TemplateView,
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// How many pieces of static text the sample gave as anchors.
    pub anchors: usize,
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<serde_json::Value>,
}

/// What `test` read.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestView {
    /// Whether the image would be matched to this template by `/infer` (score at least the minimum).
    pub matched: bool,
    /// Share of the template's anchor text found in place, 0..1.
    pub score: f32,
    pub min_score: f32,
    /// `similarity`, `affine` or `homography`.
    pub model: Option<String>,
    /// The fields as `/infer` (V2) would give them (absent when the template was not found at all).
    #[schema(value_type = Option<Object>)]
    pub image: Option<serde_json::Value>,
}

fn tpl_not_found(id: i64) -> Response {
    admin_error(StatusCode::NOT_FOUND, "not_found", format!("no template {id} in this domain"))
}

/// Template `t` of domain `d`, or the 404 / store-error response.
async fn template_in(st: &AppState, d: i64, t: i64) -> Result<TemplateInfo, Response> {
    match st.store.get_template(d, t).await {
        Ok(Some(i)) => Ok(i),
        Ok(None) => Err(tpl_not_found(t)),
        Err(e) => Err(store_error(e)),
    }
}

fn ids(p: TplPath) -> Result<(i64, i64), Response> {
    p.map(|Path(x)| x)
        .map_err(|e| invalid(format!("path: {}", e.body_text())))
}

/// The engine and a worker permit (admin routes run the engine under the same limit as `/infer`).
async fn engine_on_worker(
    st: &AppState,
) -> Result<(Arc<dyn crate::state::OcrBackend>, tokio::sync::OwnedSemaphorePermit), Response> {
    let engine = st
        .engine()
        .ok_or_else(|| admin_error(StatusCode::SERVICE_UNAVAILABLE, "internal", "engine not loaded"))?;
    let permit = st
        .workers
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "workers closed"))?;
    Ok((engine, permit))
}

/// The recognition languages of domain `d` (its `lang`; Korean when it has none that parses): a
/// template's sample and the pages tested against it are read as the domain's `/infer` calls are.
async fn domain_langs(st: &AppState, d: i64) -> Vec<jikji_engine::Lang> {
    let lang = st.store.get_domain(d).await.ok().flatten().map(|d| d.lang).unwrap_or_default();
    jikji_engine::Lang::parse_list(&lang).unwrap_or_else(|_| vec![jikji_engine::Lang::Ko])
}

/// Reads the first page of `bytes` with the engine (on a worker, like an OCR call).
pub async fn read_sample(
    st: &AppState,
    bytes: Vec<u8>,
    langs: Vec<jikji_engine::Lang>,
) -> Result<(PageResult, Arc<RgbImage>), Response> {
    let (engine, permit) = engine_on_worker(st).await?;
    let opts = sample_options(st, langs);
    let cancel = Cancel::with_deadline(std::time::Instant::now() + st.config.request_timeout());
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        read_first_page(engine.as_ref(), &bytes, &opts, &cancel)
    })
    .await
    .map_err(|_| admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "worker failed"))?
}

/// How a sample (or a page tested against a template) is read: page 1, PDFs at the `/infer` scale.
fn sample_options(st: &AppState, langs: Vec<jikji_engine::Lang>) -> jikji_pipeline::Options {
    jikji_pipeline::Options {
        limits: st.image_limits(),
        ocr: jikji_engine::OcrOptions { langs },
        pages: jikji_pipeline::Pages::First,
        pdf_pixels_per_point: Some(uncertain::PDF_PIXELS_PER_POINT),
        find_outline: false,
    }
}

/// The first page of `bytes` read (blocking; call it on a worker): its result and image, or the
/// admin error to answer.
fn read_first_page(
    engine: &dyn crate::state::OcrBackend,
    bytes: &[u8],
    opts: &jikji_pipeline::Options,
    cancel: &Cancel,
) -> Result<(PageResult, Arc<RgbImage>), Response> {
    let mut out = None;
    let r = jikji_pipeline::run(engine, bytes, None, opts, cancel, |p| out = Some((p.reported(), p.image.clone())));
    match r.map(|_| out) {
        Ok(Some(x)) => Ok(x),
        Ok(None) => Err(invalid("the image has no page")),
        Err(jikji_pipeline::PipelineError::Input(e)) => Err(invalid(format!("image: {e}"))),
        Err(e) => {
            tracing::error!(error = %e, "reading a template sample failed");
            Err(admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "OCR failed"))
        }
    }
}

/// The domain id and body of a request made on a template domain; else the 400 (bad id or body,
/// not a template domain), 404 or store-error response.
async fn on_template_domain<T>(st: &AppState, id: DomPath, body: JsonBody<T>) -> Result<(i64, T), Response> {
    let Ok(Path(id)) = id else { return Err(invalid("domain id is not an integer")) };
    let b = json_body(body)?;
    match st.store.get_domain(id).await {
        Ok(Some(d)) if d.kind == jikji_store::DomainKind::Template => Ok((id, b)),
        Ok(Some(_)) => Err(invalid(format!("domain {id} is not a template domain"))),
        Ok(None) => Err(admin_error(StatusCode::NOT_FOUND, "not_found", format!("no domain {id}"))),
        Err(e) => Err(store_error(e)),
    }
}

fn decode_image(b64: &str) -> Result<Vec<u8>, Response> {
    jikji_clova::decode_base64(b64).map_err(|_| invalid("image is not valid base64"))
}

/// Reads the first page of a base64 image (a test image, a builder's sample).
async fn read_base64(st: &AppState, b64: &str, langs: Vec<jikji_engine::Lang>) -> Result<(PageResult, Arc<RgbImage>), Response> {
    read_sample(st, decode_image(b64)?, langs).await
}

/// Where a sample image is kept: `{data_dir}/templates/{sha256}`.
pub fn sample_file(data_dir: &std::path::Path, sha: &str) -> std::path::PathBuf {
    data_dir.join("templates").join(sha)
}

/// Stores a sample image under its SHA-256 (written to a temporary name, then renamed); returns the
/// hash.
pub fn store_sample(data_dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    let path = sample_file(data_dir, &sha);
    if !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(sha)
}

/// A stored version's sample: its image (from `{data_dir}/templates/{sha}`) and the OCR result kept
/// with the version, so a new version on the same sample needs no OCR. The error says what is wrong.
pub fn load_stored_sample(
    data_dir: &std::path::Path,
    sha: &str,
    page_json: &str,
    limits: &jikji_image::Limits,
) -> Result<(PageResult, RgbImage), &'static str> {
    let bytes = std::fs::read(sample_file(data_dir, sha)).map_err(|_| "the stored sample image is missing")?;
    let img = jikji_image::decode(&bytes, None, limits)
        .ok()
        .and_then(|mut pages| (!pages.is_empty()).then(|| pages.swap_remove(0).image))
        .ok_or("the stored sample image is unreadable")?;
    let page: PageResult = serde_json::from_str(page_json).map_err(|_| "the stored sample's OCR result is unreadable")?;
    Ok((page, img))
}

/// The version to store for a description, its sample's OCR result and image.
pub fn new_version(
    def: TemplateDef,
    page: &PageResult,
    image: &RgbImage,
    sample_sha256: String,
) -> Result<NewTemplate, jikji_template::BuildError> {
    let name = def.name.clone();
    let definition = serde_json::to_string(&def).unwrap_or_default();
    let built = Template::build(def, page, image)?;
    Ok(NewTemplate {
        name,
        definition,
        built: serde_json::to_string(&built).unwrap_or_default(),
        sample_page: serde_json::to_string(page).unwrap_or_default(),
        sample_sha256,
    })
}

fn save_sample(st: &AppState, bytes: &[u8]) -> Result<String, Response> {
    store_sample(&st.config.data_dir, bytes).map_err(|e| {
        tracing::error!(error = %e, "saving a template sample failed");
        admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "cannot store the sample image")
    })
}

/// Builds the template from the body (a new sample, or the stored one) → the version to store.
async fn build_version(
    st: &AppState,
    langs: Vec<jikji_engine::Lang>,
    def: TemplateDef,
    image: Option<String>,
    current: Option<(String, String)>,
) -> Result<NewTemplate, Response> {
    let (page, img, sha) = match (image, current) {
        (Some(b64), _) => {
            let bytes = decode_image(&b64)?;
            let sha = save_sample(st, &bytes)?;
            let (page, img) = read_sample(st, bytes, langs).await?;
            (page, img, sha)
        }
        (None, Some((sha, page_json))) => {
            let (page, img) = load_stored_sample(&st.config.data_dir, &sha, &page_json, &st.image_limits())
                .map_err(|msg| admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", msg))?;
            (page, Arc::new(img), sha)
        }
        (None, None) => return Err(invalid("image (the sample, base64) is required")),
    };
    new_version(def, &page, &img, sha).map_err(|e| invalid(e.to_string()))
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}/templates", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Vec<TemplateView>), (status = 400, description = "a path id that is not an integer, or an invalid body", body = crate::admin::AdminError)))]
pub async fn list(State(st): State<AppState>, id: DomPath) -> Response {
    let Ok(Path(id)) = id else { return invalid("domain id is not an integer") };
    match st.store.list_templates(id).await {
        Ok(ts) => Json(ts.into_iter().map(TemplateView::from).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/domains/{id}/templates", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TemplateBody,
    responses((status = 201, body = TemplateView), (status = 400, description = "bad regions, no static text on the sample, not a template domain", body = crate::admin::AdminError)))]
pub async fn create(State(st): State<AppState>, id: DomPath, body: JsonBody<TemplateBody>) -> Response {
    let (id, b) = match on_template_domain(&st, id, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let new = match build_version(&st, domain_langs(&st, id).await, b.template, b.image, None).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    match st.store.create_template(id, new).await {
        Ok(t) => (StatusCode::CREATED, Json(TemplateView::from(t))).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}/templates/{templateId}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ("templateId" = i64, Path)), responses((status = 200, body = TemplateDetail), (status = 400, description = "a path id that is not an integer, or an invalid body", body = crate::admin::AdminError)))]
pub async fn show(State(st): State<AppState>, p: TplPath) -> Response {
    let (d, t) = match ids(p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let info = match template_in(&st, d, t).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let (version, history) = match (
        st.store.template_version(t, info.latest_version).await,
        st.store.template_history(t).await,
    ) {
        (Ok(Some(v)), Ok(h)) => (v, h),
        (Err(e), _) | (_, Err(e)) => return store_error(e),
        (Ok(None), _) => return tpl_not_found(t),
    };
    let anchors = serde_json::from_str::<Template>(&version.built).map_or(0, |t| t.anchors.len());
    Json(TemplateDetail {
        template: info.into(),
        definition: serde_json::from_str(&version.definition).unwrap_or_default(),
        anchors,
        history: history.iter().filter_map(|e| serde_json::to_value(e).ok()).collect(),
    })
    .into_response()
}

#[utoipa::path(put, path = "/admin/v1/domains/{id}/templates/{templateId}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ("templateId" = i64, Path)), request_body = TemplateBody,
    responses((status = 200, description = "a new draft version", body = TemplateView), (status = 400, description = "a path id that is not an integer, or an invalid body", body = crate::admin::AdminError)))]
pub async fn update(State(st): State<AppState>, p: TplPath, body: JsonBody<TemplateBody>) -> Response {
    let (d, t) = match ids(p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let b = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let info = match template_in(&st, d, t).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let current = match st.store.template_version(t, info.latest_version).await {
        Ok(Some(v)) => Some((v.sample_sha256, v.sample_page)),
        Ok(None) => None,
        Err(e) => return store_error(e),
    };
    let new = match build_version(&st, domain_langs(&st, d).await, b.template, b.image, current).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    match st.store.update_template(d, t, new).await {
        Ok(Some(i)) => Json(TemplateView::from(i)).into_response(),
        Ok(None) => tpl_not_found(t),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/domains/{id}/templates/{templateId}/release", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ("templateId" = i64, Path)), request_body(content = ReleaseBody, description = "optional"),
    responses((status = 200, body = TemplateView), (status = 400, description = "a path id that is not an integer, or an invalid body", body = crate::admin::AdminError)))]
pub async fn release(State(st): State<AppState>, p: TplPath, body: axum::body::Bytes) -> Response {
    let (d, t) = match ids(p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // The body is optional: read by hand so that a bad one gets the admin error shape.
    let version = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<ReleaseBody>(&body) {
            Ok(b) => b.version,
            Err(e) => return crate::admin::invalid(format!("release body: {e}")),
        }
    };
    match st.store.release_template(d, t, version).await {
        Ok(Some(i)) => Json(TemplateView::from(i)).into_response(),
        Ok(None) => tpl_not_found(t),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/domains/{id}/templates/{templateId}/rollback", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ("templateId" = i64, Path)),
    responses((status = 200, body = TemplateView), (status = 400, description = "no earlier release", body = crate::admin::AdminError)))]
pub async fn rollback(State(st): State<AppState>, p: TplPath) -> Response {
    let (d, t) = match ids(p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match st.store.rollback_template(d, t).await {
        Ok(Some(i)) => Json(TemplateView::from(i)).into_response(),
        Ok(None) => tpl_not_found(t),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(delete, path = "/admin/v1/domains/{id}/templates/{templateId}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ("templateId" = i64, Path)), responses((status = 204, description = "deleted"), (status = 400, description = "a path id that is not an integer, or an invalid body", body = crate::admin::AdminError)))]
pub async fn delete(State(st): State<AppState>, p: TplPath) -> Response {
    let (d, t) = match ids(p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match st.store.delete_template(d, t).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => tpl_not_found(t),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/domains/{id}/templates/{templateId}/test", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path), ("templateId" = i64, Path)), request_body = TestBody,
    responses((status = 200, body = TestView), (status = 400, description = "a path id that is not an integer, or an invalid body", body = crate::admin::AdminError)))]
pub async fn test(State(st): State<AppState>, p: TplPath, body: JsonBody<TestBody>) -> Response {
    let (d, t) = match ids(p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let b = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let info = match template_in(&st, d, t).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let version = b.version.unwrap_or(info.latest_version);
    let built = match st.store.template_version(t, version).await {
        Ok(Some(v)) => v.built,
        Ok(None) => return invalid(format!("template {t} has no version {version}")),
        Err(e) => return store_error(e),
    };
    let Ok(template) = serde_json::from_str::<Template>(&built) else {
        return admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "stored template");
    };
    let bytes = match decode_image(&b.image) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let set = Arc::new(TemplateSet::new(vec![template]));
    let tested = Released { id: t, name: info.name.clone(), version };
    let langs = domain_langs(&st, d).await;
    let (m, image) = match test_on_worker(&st, bytes, langs, Arc::clone(&set), tested.clone()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let matched = m.as_ref().is_some_and(jikji_template::Match::accepted);
    let image = match image {
        Some(img) if matched => Some(validated(&st, &set.templates[0], tested.source(), img).await),
        other => other,
    }
    .map(|img| serde_json::to_value(img).unwrap_or_default());
    Json(TestView {
        matched,
        score: m.as_ref().map_or(0.0, |m| m.score),
        min_score: jikji_template::MIN_SCORE,
        model: m.map(|m| format!("{:?}", m.model).to_lowercase()),
        image,
    })
    .into_response()
}

/// A page tested against a template, on one blocking thread under one worker permit (as an `/infer`
/// call): read with the domain's languages, matched, and, where it matched at all, its fields read
/// ([`read_image`], V2, single-line fields re-read from their regions with the same languages).
async fn test_on_worker(
    st: &AppState,
    bytes: Vec<u8>,
    langs: Vec<jikji_engine::Lang>,
    set: Arc<TemplateSet>,
    tested: Released,
) -> Result<(Option<jikji_template::Match>, Option<ImageResult>), Response> {
    let (engine, permit) = engine_on_worker(st).await?;
    let opts = sample_options(st, langs);
    let cancel = Cancel::with_deadline(std::time::Instant::now() + st.config.request_timeout());
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let (page, img) = read_first_page(engine.as_ref(), &bytes, &opts, &cancel)?;
        let m = set.score_one(0, &page);
        let image = m.as_ref().map(|m| {
            let rereader = Rereader { engine: engine.as_ref(), opts: &opts.ocr, cancel: &cancel };
            read_image(&set, std::slice::from_ref(&tested), m, &page, &img, jikji_clova::Version::V2, "test", &rereader)
        });
        Ok((m, image))
    })
    .await
    .map_err(|_| admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "worker failed"))?
}

/// `POST …/templates/sample`: a sample to read before any template exists.
#[derive(Deserialize, ToSchema)]
pub struct SampleBody {
    /// The sample image (base64; any supported format, PDF page 1).
    pub image: String,
}

/// One word of a sample, in the sample's pixels (the space of a template's regions).
#[derive(Serialize, ToSchema)]
pub struct SampleWord {
    pub text: String,
    pub confidence: f32,
    /// x1, y1, …, x4, y4 (TL, TR, BR, BL).
    pub polygon: Vec<f32>,
}

/// What the engine read on a sample: the words a template builder draws its regions among.
#[derive(Serialize, ToSchema)]
pub struct SampleView {
    pub width: u32,
    pub height: u32,
    pub words: Vec<SampleWord>,
}

/// Reads a sample image as a template would be built from it (page 1, the same pipeline) and
/// returns its words, so that the console's template builder can show them before a draft exists
/// (a template domain serves no General OCR). Nothing is stored.
#[utoipa::path(post, path = "/admin/v1/domains/{id}/templates/sample", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SampleBody,
    responses((status = 200, body = SampleView), (status = 400, description = "not a template domain, an invalid body or image", body = crate::admin::AdminError),
              (status = 404, description = "no such domain", body = crate::admin::AdminError)))]
pub async fn sample(State(st): State<AppState>, id: DomPath, body: JsonBody<SampleBody>) -> Response {
    let (id, b) = match on_template_domain(&st, id, body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (page, _) = match read_base64(&st, &b.image, domain_langs(&st, id).await).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let words = page
        .words
        .into_iter()
        .map(|w| SampleWord {
            text: w.text,
            confidence: w.confidence,
            polygon: w.quad.pts.iter().flat_map(|p| [p.x, p.y]).collect(),
        })
        .collect();
    Json(SampleView { width: page.width, height: page.height, words }).into_response()
}

/// The candidate templates of an `/infer` call: the domain's released templates, narrowed to
/// `templateIds`; `1021` when none is left.
pub struct Candidates {
    pub set: TemplateSet,
    /// Which template and version each entry of `set.templates` is.
    pub released: Vec<Released>,
}

/// A template as `/infer` serves it: its id and name (`matchedTemplate`) and the released version.
#[derive(Debug, Clone)]
pub struct Released {
    pub id: i64,
    pub name: String,
    pub version: i64,
}

impl Released {
    /// What the external validator is told about the template that read the image.
    pub fn source(&self) -> crate::validation::Source {
        crate::validation::Source {
            template_id: self.id,
            version: self.version,
        }
    }
}

pub async fn candidates(
    st: &AppState,
    domain_id: i64,
    template_ids: Option<&[i64]>,
) -> Result<Candidates, crate::ApiError> {
    use jikji_clova::ErrorCode;
    let released = st
        .store
        .released_templates(domain_id)
        .await
        .map_err(|e| crate::ApiError::detail(ErrorCode::UnknownServiceError, format!("store: {e}")))?;
    let mut templates = Vec::new();
    let mut served = Vec::new();
    for r in released {
        if template_ids.is_some_and(|want| !want.contains(&r.id)) {
            continue;
        }
        match serde_json::from_str::<Template>(&r.built) {
            Ok(t) => {
                templates.push(t);
                served.push(Released {
                    id: r.id,
                    name: r.name,
                    version: r.version,
                });
            }
            Err(e) => tracing::error!(template_id = r.id, error = %e, "stored template unreadable"),
        }
    }
    if templates.is_empty() {
        return Err(crate::ApiError::detail(
            uncertain::TEMPLATE_NOT_RELEASED,
            "no released template (among templateIds)",
        ));
    }
    Ok(Candidates {
        set: TemplateSet::new(templates),
        released: served,
    })
}

/// Reads template fields again from their regions with the server's engine
/// (`jikji_template::read_fields_with`), on the blocking thread that holds the worker permit.
pub struct Rereader<'a> {
    pub engine: &'a dyn crate::state::OcrBackend,
    pub opts: &'a jikji_engine::OcrOptions,
    pub cancel: &'a Cancel,
}

impl Rereader<'_> {
    /// The regions' readings; none when the engine cannot read them (the fields keep the page's
    /// words).
    pub fn read(&self, image: &Arc<RgbImage>, quads: &[jikji_geometry::Quad]) -> Vec<(String, f32)> {
        match self.engine.read_regions(Arc::clone(image), quads.to_vec(), self.opts, self.cancel) {
            Ok(v) => v.into_iter().map(|r| (r.text, r.confidence)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "reading template fields again failed; the page's words are kept");
                Vec::new()
            }
        }
    }
}

/// The `/infer` image object (V1 or V2) of page `page` matched by `m`. Blocking (fields are read
/// again by the engine through `rereader`).
#[allow(clippy::too_many_arguments)]
pub fn read_image(
    set: &TemplateSet,
    released: &[Released],
    m: &jikji_template::Match,
    page: &PageResult,
    image: &Arc<RgbImage>,
    version: jikji_clova::Version,
    name: &str,
    rereader: &Rereader<'_>,
) -> ImageResult {
    let t = &set.templates[m.template];
    let readings = jikji_template::read_fields_with(t, m, page, image, &mut |quads| rereader.read(image, quads));
    let title = jikji_template::read_title(t, m, page).map(|r| (r.text, r.confidence, r.quad));
    let fields: Vec<FieldValue> = readings
        .into_iter()
        .map(|f| FieldValue {
            name: f.name,
            value_type: f.value_type.as_str().into(),
            field_type: f.kind.as_str().into(),
            text: f.text,
            confidence: f.confidence,
            quad: f.quad,
            checked: f.checked,
        })
        .collect();
    let r = &released[m.template];
    template_image(page, version, name, MatchedTemplate { id: r.id, name: r.name.clone() }, title, &fields)
}

/// The `/infer` image of one page: the best template's fields, or `FAILURE` when none matches; with
/// the index (in `c.set`) of the template that matched. Blocking, like [`read_image`].
pub fn infer_image(
    c: &Candidates,
    page: &PageResult,
    image: &Arc<RgbImage>,
    version: jikji_clova::Version,
    name: &str,
    rereader: &Rereader<'_>,
) -> (ImageResult, Option<usize>) {
    match c.set.match_page(page) {
        Some(m) => (read_image(&c.set, &c.released, &m, page, image, version, name, rereader), Some(m.template)),
        None => (ImageResult::failed(InferResult::Failure, uncertain::TEMPLATE_NOT_MATCHED_MESSAGE, name), None),
    }
}

/// `image` with its external validation (spec §14) when template `t` names a validator and the image
/// was read: the validator's verdict in `validationResult` (`UNCHECKED` while and unless it answers).
pub async fn validated(st: &AppState, t: &Template, source: crate::validation::Source, mut image: ImageResult) -> ImageResult {
    let Some(url) = t.def.validation_url.as_deref() else {
        return image;
    };
    if image.infer_result != InferResult::Success {
        return image;
    }
    image.validation_result = jikji_clova::ValidationResult {
        result: crate::validation::UNCHECKED.into(),
    };
    image.validation_result = crate::validation::validate(&st.validation_fetcher, url, source, &image).await;
    image
}
