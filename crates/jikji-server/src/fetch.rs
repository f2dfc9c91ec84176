//! Image URL downloads with SSRF protection.
//!
//! - only `http`/`https`, no credentials in the URL;
//! - the host is resolved and **every** resolved address is checked (not only literal IPs); the
//!   client's own DNS resolver checks again at connect time, so a rebinding DNS answer cannot slip
//!   through between the check and the connection;
//! - redirects are followed by hand, and each hop is checked the same way;
//! - the body is streamed with a byte limit, the whole download (all hops) has a timeout;
//! - environment proxies are ignored (a proxy would bypass the address checks).
//!
//! Refused: loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified, multicast, broadcast,
//! documentation/benchmark/reserved ranges, and cloud metadata addresses. `allow_private` lifts the
//! refusal for everything but metadata; `allow_loopback` for loopback only.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// What the address policy allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlPolicy {
    pub allow_private: bool,
    pub allow_loopback: bool,
}

/// Why a download did not produce bytes.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL is not acceptable (scheme, syntax, refused address): the request is invalid.
    #[error("refused image URL: {0}")]
    Refused(String),
    /// The image is larger than the limit.
    #[error("image URL body exceeds {0} bytes")]
    TooLarge(usize),
    /// The download failed (connection, status, timeout, too many redirects).
    #[error("image download failed: {0}")]
    Failed(String),
}

fn is_metadata(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4 == Ipv4Addr::new(169, 254, 169, 254) || v4 == Ipv4Addr::new(100, 100, 100, 200)
        }
        IpAddr::V6(v6) => v6 == "fd00:ec2::254".parse::<Ipv6Addr>().expect("ip"),
    }
}

/// Why `ip` is refused under `policy`, or `None` when it may be contacted.
pub fn refusal(ip: IpAddr, policy: UrlPolicy) -> Option<&'static str> {
    if is_metadata(ip) {
        return Some("cloud metadata address");
    }
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4, policy),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refusal(IpAddr::V4(v4), policy);
            }
            let seg = v6.segments();
            // NAT64 (64:ff9b::/96) and IPv4-compatible (::a.b.c.d) embed an IPv4 address.
            if (seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0])
                || (seg[..6] == [0; 6] && seg[6] != 0)
            {
                let v4 = Ipv4Addr::new(
                    (seg[6] >> 8) as u8,
                    seg[6] as u8,
                    (seg[7] >> 8) as u8,
                    seg[7] as u8,
                );
                return refusal(IpAddr::V4(v4), policy);
            }
            if v6.is_loopback() {
                return (!(policy.allow_loopback || policy.allow_private))
                    .then_some("loopback address");
            }
            if v6.is_unspecified() || v6.is_multicast() {
                return Some("unspecified or multicast address");
            }
            if seg[0] == 0x2001 && seg[1] == 0x0db8 {
                return Some("documentation address");
            }
            let private = (seg[0] & 0xfe00) == 0xfc00 // ULA fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || (seg[0] & 0xffc0) == 0xfec0; // site-local (deprecated)
            (private && !policy.allow_private).then_some("private or link-local address")
        }
    }
}

fn refusal_v4(ip: Ipv4Addr, policy: UrlPolicy) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        return (!(policy.allow_loopback || policy.allow_private)).then_some("loopback address");
    }
    if o[0] == 0 || ip.is_broadcast() || ip.is_multicast() || o[0] >= 240 {
        return Some("unspecified, broadcast, multicast or reserved address");
    }
    let documentation = (o[0] == 192 && o[1] == 0 && o[2] == 2)
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113);
    if documentation {
        return Some("documentation address");
    }
    let private = ip.is_private()
        || ip.is_link_local()
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18); // benchmarking 198.18/15
    (private && !policy.allow_private).then_some("private or link-local address")
}

/// reqwest resolver that refuses hosts resolving to a refused address (checked at connect time).
struct CheckedResolver {
    policy: UrlPolicy,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err("no address".into());
            }
            if let Some(r) = addrs.iter().find_map(|a| refusal(a.ip(), policy)) {
                return Err(format!("refused: {r}").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Downloads image URLs under the policy and limits.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: UrlPolicy,
    max_bytes: usize,
    max_redirects: usize,
    timeout: Duration,
}

impl Fetcher {
    pub fn new(
        policy: UrlPolicy,
        max_bytes: usize,
        max_redirects: usize,
        timeout: Duration,
    ) -> Fetcher {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver { policy }))
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("jikji/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("http client");
        Fetcher {
            client,
            policy,
            max_bytes,
            max_redirects,
            timeout,
        }
    }

    /// Checks a URL (scheme, credentials, host addresses) without fetching it.
    pub async fn check(&self, url: &reqwest::Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!(
                "scheme {} is not http(s)",
                url.scheme()
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Refused("credentials in URL".into()));
        }
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::Refused("no host".into()))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        let ips: Vec<IpAddr> = match literal {
            Some(ip) => vec![ip],
            None => {
                let d = host.trim_end_matches('.');
                match tokio::time::timeout(self.timeout, tokio::net::lookup_host((d, port))).await {
                    Ok(Ok(a)) => a.map(|a| a.ip()).collect(),
                    Ok(Err(e)) => {
                        return Err(FetchError::Failed(format!("cannot resolve host: {e}")))
                    }
                    Err(_) => return Err(FetchError::Failed("host resolution timed out".into())),
                }
            }
        };
        if ips.is_empty() {
            return Err(FetchError::Failed("host has no address".into()));
        }
        for ip in ips {
            if let Some(r) = refusal(ip, self.policy) {
                return Err(FetchError::Refused(format!("{r} ({ip})")));
            }
        }
        Ok(())
    }

    /// Downloads `url`, following at most `max_redirects` redirects, each hop re-checked.
    pub async fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let url = reqwest::Url::parse(url.trim())
            .map_err(|e| FetchError::Refused(format!("malformed URL: {e}")))?;
        match tokio::time::timeout(self.timeout, self.fetch_inner(url)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Failed("download timed out".into())),
        }
    }

    async fn fetch_inner(&self, mut url: reqwest::Url) -> Result<Vec<u8>, FetchError> {
        for _hop in 0..=self.max_redirects {
            self.check(&url).await?;
            let resp =
                self.client.get(url.clone()).send().await.map_err(|e| {
                    FetchError::Failed(format!("request failed: {}", without_url(&e)))
                })?;
            let status = resp.status();
            if status.is_redirection() {
                let loc = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        FetchError::Failed(format!("redirect {status} without Location"))
                    })?;
                url = url
                    .join(loc)
                    .map_err(|e| FetchError::Refused(format!("bad redirect target: {e}")))?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Failed(format!("HTTP status {status}")));
            }
            if resp
                .content_length()
                .is_some_and(|n| n > self.max_bytes as u64)
            {
                return Err(FetchError::TooLarge(self.max_bytes));
            }
            let mut resp = resp;
            let mut body = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| FetchError::Failed(format!("read failed: {}", without_url(&e))))?
            {
                if body.len() + chunk.len() > self.max_bytes {
                    return Err(FetchError::TooLarge(self.max_bytes));
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(body);
        }
        Err(FetchError::Failed(format!(
            "more than {} redirects",
            self.max_redirects
        )))
    }
}

fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "<url>");
    }
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str, p: UrlPolicy) -> bool {
        refusal(s.parse().unwrap(), p).is_some()
    }

    #[test]
    fn address_classes() {
        let strict = UrlPolicy::default();
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::127.0.0.1",
            "100.100.100.200",
        ] {
            assert!(refused(a, strict), "{a} should be refused");
        }
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!refused(a, strict), "{a} should be allowed");
        }
        let lo = UrlPolicy {
            allow_loopback: true,
            allow_private: false,
        };
        assert!(!refused("127.0.0.1", lo) && !refused("::1", lo));
        assert!(refused("10.0.0.1", lo));
        let private = UrlPolicy {
            allow_loopback: false,
            allow_private: true,
        };
        assert!(!refused("10.0.0.1", private) && !refused("fe80::1", private));
        assert!(
            refused("169.254.169.254", private),
            "metadata is never allowed"
        );
    }
}
