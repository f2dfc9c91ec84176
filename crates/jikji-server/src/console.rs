//! The web console at `/console/`: plain HTML, CSS and ES modules from `crates/jikji-server/console/`,
//! embedded in the binary (no bundler, no second server, no request to any other host). The pages
//! call the admin API with the session cookie and CSRF token (`auth.rs`).
//!
//! Every asset is served with a strict Content-Security-Policy (only this origin; no inline
//! script), `nosniff`, no framing and no referrer.

use axum::extract::Path;
#[cfg(test)]
use axum::http::StatusCode;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};

/// `(file name, content type, bytes)` of every console asset.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../console/index.html"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../console/style.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/app.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/api.js"),
    ),
    (
        "batch.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/batch.js"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/i18n.js"),
    ),
    (
        "pages.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/pages.js"),
    ),
    (
        "tryit.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/tryit.js"),
    ),
    (
        "builder.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/builder.js"),
    ),
    (
        "reader.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/reader.js"),
    ),
    (
        "ui.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/ui.js"),
    ),
];

/// Only this origin; images also from `blob:`/`data:` (the uploaded file shown in try-it).
const CSP: &str = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; \
                   script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'; form-action 'self'";

fn asset(name: &str) -> Response {
    let Some((_, ctype, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        // Like any unknown route: 400 with the CLOVA body of 0001.
        return crate::ApiError::detail(jikji_clova::uncertain::UNKNOWN_ROUTE, "unknown route")
            .into_response();
    };
    let mut r = (*bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// `/console` → `/console/`.
pub async fn redirect() -> Response {
    Redirect::permanent("/console/").into_response()
}

/// `/console/`: the single page.
pub async fn index() -> Response {
    asset("index.html")
}

/// `/console/{file}`.
pub async fn file(Path(name): Path<String>) -> Response {
    asset(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No asset names another host: the console works offline and leaks nothing to third parties.
    #[test]
    fn assets_only_reference_this_origin() {
        for (name, _, bytes) in ASSETS {
            let text = std::str::from_utf8(bytes).unwrap();
            for bad in ["http://", "https://", "//cdn", "<script>"] {
                let hits: Vec<&str> = text
                    .lines()
                    // curl lines and invoke URLs are built from this page's own origin; the SVG
                    // namespace is a name and an input's placeholder example text, never fetched
                    .filter(|l| {
                        l.contains(bad)
                            && !l.contains("curl")
                            && !l.contains("location.origin")
                            && !l.contains("placeholder: '")
                    })
                    .filter(|l| !l.contains("'http://www.w3.org/2000/svg'"))
                    .collect();
                assert!(hits.is_empty(), "{name} references {bad}: {hits:?}");
            }
        }
    }

    #[test]
    fn unknown_assets_are_unknown_routes() {
        assert_eq!(asset("../Cargo.toml").status(), StatusCode::BAD_REQUEST);
        assert_eq!(asset("index.html").status(), StatusCode::OK);
    }
}
