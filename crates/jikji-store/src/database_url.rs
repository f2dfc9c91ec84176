//! Database URLs as the store opens them: SQLite file URLs (escaping, the directory created, `mode=rwc`)
//! and URLs shown in error messages without their password.

use std::path::Path;

use crate::StoreError;

/// `sqlite:{path}?mode=rwc` for a database file, with the characters SQLite's URL parser would take for
/// a query or fragment (`%`, `?`, `#`) percent-escaped.
pub(crate) fn sqlite_file_url(path: &Path) -> String {
    let path = path.to_string_lossy();
    let mut escaped = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            _ => escaped.push(c),
        }
    }
    format!("sqlite:{escaped}?mode=rwc")
}

/// Rewrite a SQLite URL so that opening it works: create the file's directory, and add
/// `mode=rwc` when no mode is given. Returns the URL and whether it is in-memory.
pub(crate) fn prepare_sqlite_url(url: &str) -> Result<(String, bool), StoreError> {
    // Same split as sqlx-sqlite: strip the scheme, then the query.
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, params) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let param = |name: &str| {
        params.and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        })
    };
    let mode = param("mode");
    if path.is_empty() || path == ":memory:" || mode == Some("memory") {
        return Ok((url.to_string(), true));
    }
    if mode != Some("ro") {
        let path = percent_decode(path);
        if let Some(dir) = Path::new(&path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
        }
    }
    let url = match (mode, params) {
        (Some(_), _) => url.to_string(),
        (None, Some(q)) if !q.is_empty() => format!("{url}&mode=rwc"),
        (None, Some(_)) => format!("{url}mode=rwc"),
        (None, None) => format!("{url}?mode=rwc"),
    };
    Ok((url, false))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex_val = |c: u8| (c as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Shown instead of a password.
pub const MASK: &str = "<redacted>";

/// `url` with its password replaced by [`MASK`] (`postgres://user:<redacted>@host/db`), also a
/// `password=` query parameter; anything that is not a URL with a password is returned as is.
pub fn mask_database_url(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        // Not a URL: a key=value connection string (`host=… password=…`) is masked by hand.
        return mask_keyword_password(url);
    };
    let has_query_password = u
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("password"));
    if u.password().is_none() && !has_query_password {
        return url.to_string();
    }
    if u.password().is_some() && u.set_password(Some(MASK)).is_err() {
        return MASK.into();
    }
    if has_query_password {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") {
                    MASK.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // `set_password` percent-encodes the mask; show it as written.
    u.to_string().replace("%3Credacted%3E", MASK)
}

fn mask_keyword_password(s: &str) -> String {
    s.split(' ')
        .map(|part| match part.split_once('=') {
            Some((k, _)) if k.trim().eq_ignore_ascii_case("password") => format!("{k}={MASK}"),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls() {
        let dir = std::env::temp_dir().join(format!("jikji-url-{}", uuid::Uuid::new_v4()));
        let db = dir.join("sub").join("x.db");
        let (u, mem) = prepare_sqlite_url(&format!("sqlite://{}", db.display())).unwrap();
        assert!(!mem);
        assert!(u.ends_with("x.db?mode=rwc"), "{u}");
        assert!(db.parent().unwrap().is_dir());
        let (u, _) = prepare_sqlite_url(&format!("sqlite:{}?mode=rw", db.display())).unwrap();
        assert!(u.ends_with("?mode=rw"));
        assert!(prepare_sqlite_url("sqlite::memory:").unwrap().1);
        let d = sqlite_file_url(Path::new("/srv/a b?/data/jikji.db"));
        assert_eq!(d, "sqlite:/srv/a b%3F/data/jikji.db?mode=rwc");
        assert_eq!(percent_decode("/srv/a b%3F/x"), "/srv/a b?/x");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn database_url_masking() {
        for (url, shown) in [
            ("postgres://u:secret@h/db", "postgres://u:<redacted>@h/db"),
            (
                "postgresql://u:secret@h:5433/db?sslmode=require",
                "postgresql://u:<redacted>@h:5433/db?sslmode=require",
            ),
            (
                "postgres://u@h/db?password=secret&sslmode=disable",
                "postgres://u@h/db?password=<redacted>&sslmode=disable",
            ),
            ("postgres://h/db", "postgres://h/db"),
            ("sqlite:./data/jikji.db", "sqlite:./data/jikji.db"),
            (
                "host=h user=u password=secret dbname=d",
                "host=h user=u password=<redacted> dbname=d",
            ),
        ] {
            let m = mask_database_url(url);
            assert!(!m.contains("secret"), "{url} -> {m}");
            assert_eq!(m.replace("%3Credacted%3E", MASK), shown, "{url}");
        }
    }
}
