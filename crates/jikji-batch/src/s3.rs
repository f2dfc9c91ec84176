//! S3-compatible object storage (AWS S3, NAVER Cloud Object Storage, MinIO, Garage, s3s…):
//! `rusty-s3` signs the requests (SigV4, presigned URLs) and parses the listing; `reqwest` sends
//! them. Only three calls are needed: ListObjectsV2, GetObject, PutObject.

use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use serde::{Deserialize, Serialize};

use crate::spec::{is_input_name, S3Location};
use crate::BatchError;

/// How long a signed URL stays valid: it is used at once, so a short validity only needs to
/// cover clock skew and a slow upload of one result.
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);
/// Keys per ListObjectsV2 page (S3's maximum).
const LIST_PAGE: usize = 1000;
/// A request to the object store that takes longer than this fails (the item is retried later).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An access key. `Debug` shows the key id only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// A process's object-storage settings: the defaults for every job's [`S3Location`] and the
/// credentials (never stored with a job). Unset fields fall back to the usual environment
/// variables ([`S3Settings::with_env`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl S3Settings {
    /// Fills unset fields from `AWS_ENDPOINT_URL`, `AWS_REGION` (or `AWS_DEFAULT_REGION`),
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    pub fn with_env(&self) -> (S3Settings, Option<String>) {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let s = S3Settings {
            endpoint: self.endpoint.clone().or_else(|| env("AWS_ENDPOINT_URL")),
            region: self
                .region
                .clone()
                .or_else(|| env("AWS_REGION"))
                .or_else(|| env("AWS_DEFAULT_REGION")),
            access_key_id: self.access_key_id.clone().or_else(|| env("AWS_ACCESS_KEY_ID")),
            secret_access_key: self
                .secret_access_key
                .clone()
                .or_else(|| env("AWS_SECRET_ACCESS_KEY")),
        };
        (s, env("AWS_SESSION_TOKEN"))
    }

    /// The credentials, if both parts are set (config first, then environment).
    pub fn credentials(&self) -> Option<S3Credentials> {
        let (s, token) = self.with_env();
        Some(S3Credentials {
            access_key_id: s.access_key_id?,
            secret_access_key: s.secret_access_key?,
            session_token: token,
        })
    }
}

/// A client for one bucket prefix.
pub struct S3Client {
    http: reqwest::Client,
    bucket: Bucket,
    credentials: Option<Credentials>,
    location: S3Location,
}

impl S3Client {
    /// A client for `location`, with the endpoint, region and credentials of `settings` (and the
    /// environment) where the location leaves them out. Without credentials, requests are sent
    /// unsigned (a public bucket).
    pub fn new(location: &S3Location, settings: &S3Settings) -> Result<S3Client, BatchError> {
        location.validate()?;
        let (s, _) = settings.with_env();
        let region = location
            .region
            .clone()
            .or(s.region)
            .unwrap_or_else(|| "us-east-1".to_string());
        let endpoint = location
            .endpoint
            .clone()
            .or(s.endpoint)
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let endpoint: url::Url = endpoint
            .parse()
            .map_err(|e| BatchError::Invalid(format!("S3 endpoint is not a URL: {e}")))?;
        let style = if location.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(endpoint, style, location.bucket.clone(), region)
            .map_err(|e| BatchError::Invalid(format!("S3 bucket: {e}")))?;
        let credentials = settings.credentials().map(|c| match c.session_token {
            Some(t) => Credentials::new_with_token(c.access_key_id, c.secret_access_key, t),
            None => Credentials::new(c.access_key_id, c.secret_access_key),
        });
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| BatchError::S3(format!("HTTP client: {e}")))?;
        Ok(S3Client {
            http,
            bucket,
            credentials,
            location: location.clone(),
        })
    }

    pub fn location(&self) -> &S3Location {
        &self.location
    }

    /// Every input object under the prefix, as keys relative to it, in key order; more than `max`
    /// inputs is an error.
    pub async fn list_inputs(&self, max: usize) -> Result<Vec<String>, BatchError> {
        let prefix = self.location.key("");
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = self.bucket.list_objects_v2(self.credentials.as_ref());
            if !prefix.is_empty() {
                action.with_prefix(prefix.as_str());
            }
            if let Some(t) = &token {
                action.with_continuation_token(t.as_str());
            }
            action.with_max_keys(LIST_PAGE);
            let url = action.sign(SIGNED_FOR);
            let resp = self.http.get(url).send().await.map_err(request_error)?;
            let text = checked(resp).await?.text().await.map_err(request_error)?;
            let page = rusty_s3::actions::ListObjectsV2::parse_response(&text)
                .map_err(|e| BatchError::S3(format!("listing: unreadable answer: {e}")))?;
            for obj in page.contents {
                let rel = obj.key.strip_prefix(&prefix).unwrap_or(&obj.key);
                let rel = rel.trim_start_matches('/');
                if is_input_name(rel) && crate::spec::check_relative(rel).is_ok() {
                    out.push(rel.to_string());
                    if out.len() > max {
                        return Err(BatchError::Invalid(format!(
                            "the prefix holds more than {max} inputs; split it into several jobs"
                        )));
                    }
                }
            }
            match page.next_continuation_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        out.sort();
        Ok(out)
    }

    /// The object `rel` (relative to the prefix), at most `limit` bytes.
    pub async fn get(&self, rel: &str, limit: u64) -> Result<Vec<u8>, BatchError> {
        let key = self.location.key(rel);
        let url = self
            .bucket
            .get_object(self.credentials.as_ref(), &key)
            .sign(SIGNED_FOR);
        let mut resp = checked(self.http.get(url).send().await.map_err(request_error)?).await?;
        if let Some(size) = resp.content_length().filter(|&n| n > limit) {
            return Err(BatchError::TooLarge { size, limit });
        }
        let mut buf = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(request_error)? {
            if (buf.len() + chunk.len()) as u64 > limit {
                return Err(BatchError::TooLarge {
                    size: (buf.len() + chunk.len()) as u64,
                    limit,
                });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    }

    /// Writes the object `rel` (relative to the prefix). A PUT replaces the object whole, so
    /// writing the same name again leaves one object.
    pub async fn put(&self, rel: &str, body: Vec<u8>, content_type: &str) -> Result<(), BatchError> {
        let key = self.location.key(rel);
        let url = self
            .bucket
            .put_object(self.credentials.as_ref(), &key)
            .sign(SIGNED_FOR);
        let resp = self
            .http
            .put(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(request_error)?;
        checked(resp).await.map(drop)
    }
}

/// The transport error without the URL (a presigned URL carries the access key id and a
/// signature; neither belongs in a log or an API answer).
fn request_error(e: reqwest::Error) -> BatchError {
    BatchError::S3(e.without_url().to_string())
}

/// An error status as an error with S3's `<Code>` (e.g. `NoSuchBucket`, `AccessDenied`).
async fn checked(resp: reqwest::Response) -> Result<reqwest::Response, BatchError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let body = resp.text().await.unwrap_or_default();
    let code = body
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(c, _)| c.chars().take(64).collect::<String>())
        .unwrap_or_default();
    Err(BatchError::S3(format!("HTTP {} {code}", status.as_u16()).trim_end().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let c = S3Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG".into(),
            session_token: Some("tok".into()),
        };
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIDEXAMPLE") && !shown.contains("wJalr") && !shown.contains("tok"));
    }

    #[test]
    fn config_wins_over_the_environment() {
        let s = S3Settings {
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: Some("kr-standard".into()),
            access_key_id: Some("id".into()),
            secret_access_key: Some("secret".into()),
        };
        let (e, _) = s.with_env();
        assert_eq!(e, s);
        let c = s.credentials().unwrap();
        assert_eq!((c.access_key_id.as_str(), c.secret_access_key.as_str()), ("id", "secret"));
    }

    #[test]
    fn client_urls() {
        let loc = S3Location {
            bucket: "scans".into(),
            prefix: "in".into(),
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: None,
            path_style: true,
        };
        let c = S3Client::new(&loc, &S3Settings::default()).unwrap();
        assert_eq!(c.bucket.base_url().as_str(), "http://127.0.0.1:9000/scans/");
        let bad = S3Location {
            endpoint: Some("ftp://x".into()),
            ..loc
        };
        assert!(S3Client::new(&bad, &S3Settings::default()).is_err());
    }
}
