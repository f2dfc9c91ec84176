//! The invoke URL (spec §1): `{public_url}/custom/v1/{domainId}/{invokeKey}/{operation}`, where the
//! operation is `general`, `infer` or `document/<type>`. The invoke key is a credential: it never reaches
//! logs ([`redacted_path`]).

/// The path every invoke URL starts with.
pub const PATH_PREFIX: &str = "/custom/v1/";

/// A domain's invoke URL without the operation: `{public_url}/custom/v1/{domain_id}/{invoke_key}` (no
/// trailing slash; a trailing slash of `public_url` is dropped). `public_url` may be empty for the path
/// alone.
pub fn base_url(public_url: &str, domain_id: i64, invoke_key: &str) -> String {
    format!(
        "{}{PATH_PREFIX}{domain_id}/{invoke_key}",
        public_url.trim_end_matches('/')
    )
}

/// A request path safe to log: the invoke key of an invoke path is replaced by `***`; any other path is
/// cut to 200 characters.
pub fn redacted_path(path: &str) -> String {
    match path.strip_prefix(PATH_PREFIX) {
        Some(rest) => {
            let mut segs: Vec<&str> = rest.splitn(3, '/').collect();
            if segs.len() >= 2 {
                segs[1] = "***";
            }
            format!("{PATH_PREFIX}{}", segs.join("/"))
        }
        None => path.chars().take(200).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(base_url("http://h:8080/", 7, "k"), "http://h:8080/custom/v1/7/k");
        assert_eq!(base_url("http://h", 7, "k"), "http://h/custom/v1/7/k");
        assert_eq!(base_url("", 7, "k"), "/custom/v1/7/k");
    }

    #[test]
    fn the_invoke_key_is_redacted() {
        assert_eq!(
            redacted_path("/custom/v1/7/abcdef/document/receipt"),
            "/custom/v1/7/***/document/receipt"
        );
        assert_eq!(redacted_path("/custom/v1/7/abcdef"), "/custom/v1/7/***");
        assert_eq!(redacted_path("/custom/v1/7"), "/custom/v1/7");
        assert_eq!(redacted_path("/healthz"), "/healthz");
        assert_eq!(redacted_path(&"x".repeat(300)).len(), 200);
    }
}
