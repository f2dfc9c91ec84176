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

/// The URL without a password, for error messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
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
    fn redacts_password() {
        assert_eq!(redact("mysql://u:pw@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact("mysql://u@h/db"), "mysql://u@h/db");
    }
}
