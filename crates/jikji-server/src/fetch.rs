//! Image URL downloads with SSRF protection.
//!
//! - only `http`/`https`, no credentials in the URL;
//! - the host is resolved **once** per hop and **every** resolved address is checked (not only literal
//!   IPs); the connection is then pinned to exactly those checked addresses (the HTTP client gets them
//!   as its only DNS answer and has no resolver of its own), so a DNS server that answers a public
//!   address to the check and a private one a moment later (DNS rebinding) cannot redirect the
//!   connection;
//! - redirects are followed by hand, and each hop is resolved, checked and pinned the same way;
//! - the body is streamed with a byte limit, the whole download (all hops) has a timeout;
//! - environment proxies are ignored (a proxy would bypass the address checks).
//!
//! Refused always: link-local (`169.254/16`, `fe80::/10`: cloud credential endpoints live there),
//! cloud metadata addresses, unspecified, multicast, broadcast, documentation/benchmark/reserved
//! ranges, IPv6 outside global unicast `2000::/3`, and the IPv6 transition forms that tunnel to an
//! IPv4 address the check would not see (6to4 `2002::/16`, Teredo `2001::/32`, NAT64 local-use
//! `64:ff9b:1::/48`, IPv4-translated `::ffff:0:a.b.c.d`, IPv4-compatible `::a.b.c.d`).
//! IPv4-mapped `::ffff:a.b.c.d` and well-known NAT64 `64:ff9b::a.b.c.d` (DNS64 networks synthesise
//! these for every IPv4-only host) are judged by the IPv4 address they carry.
//! Refused unless allowed: loopback (`allow_loopback` or `allow_private`), private (RFC 1918, ULA
//! `fc00::/7`, CGNAT, `allow_private`).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What the address policy allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlPolicy {
    /// Private ranges (RFC 1918, ULA, CGNAT) and loopback. Never link-local or metadata.
    pub allow_private: bool,
    /// Loopback only (tests, local setups).
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

/// A host-name lookup, so that tests can answer differently on each call (DNS rebinding).
pub trait HostResolver: Send + Sync + 'static {
    /// The addresses of `host` (a DNS name, never an IP literal).
    fn lookup(
        &self,
        host: String,
        port: u16,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;
}

/// The system resolver (`getaddrinfo` through tokio).
pub struct SystemResolver;

impl HostResolver for SystemResolver {
    fn lookup(
        &self,
        host: String,
        port: u16,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .map(|a| a.ip())
                .collect())
        })
    }
}

/// Cloud instance-metadata endpoints outside the link-local range (those inside are refused anyway).
fn is_metadata(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4 == Ipv4Addr::new(169, 254, 169, 254) // AWS, GCP, Azure, OpenStack, …
                || v4 == Ipv4Addr::new(100, 100, 100, 200) // Alibaba Cloud
                || v4 == Ipv4Addr::new(168, 63, 129, 16) // Azure WireServer
        }
        IpAddr::V6(v6) => v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254), // AWS IMDS (IPv6)
    }
}

fn embedded_v4(hi: u16, lo: u16) -> Ipv4Addr {
    Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
}

/// Why `ip` is refused under `policy`, or `None` when it may be contacted.
pub fn refusal(ip: IpAddr, policy: UrlPolicy) -> Option<&'static str> {
    if is_metadata(ip) {
        return Some("cloud metadata address");
    }
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4, policy),
        IpAddr::V6(v6) => refusal_v6(v6, policy),
    }
}

fn refusal_v6(v6: Ipv6Addr, policy: UrlPolicy) -> Option<&'static str> {
    let seg = v6.segments();
    // Forms the kernel (mapped) or a DNS64/NAT64 gateway turns into a connection to the IPv4 address
    // they carry: judged as that address.
    if seg[..5] == [0; 5] && seg[5] == 0xffff {
        return refusal(IpAddr::V4(embedded_v4(seg[6], seg[7])), policy);
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return refusal(IpAddr::V4(embedded_v4(seg[6], seg[7])), policy);
    }
    if v6.is_loopback() {
        return (!(policy.allow_loopback || policy.allow_private)).then_some("loopback address");
    }
    if v6.is_unspecified() || v6.is_multicast() {
        return Some("unspecified or multicast address");
    }
    // Transition forms that reach an IPv4 address through a tunnel or translator the address check
    // cannot see through reliably: refused whatever they carry.
    if seg[..4] == [0; 4] && seg[4] == 0xffff && seg[5] == 0 {
        return Some("IPv4-translated address (::ffff:0:0:0/96)");
    }
    if seg[..6] == [0; 6] {
        return Some("IPv4-compatible address (::/96)");
    }
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1 {
        return Some("NAT64 local-use address (64:ff9b:1::/48)");
    }
    if seg[0] == 0x2002 {
        return Some("6to4 address (2002::/16)");
    }
    if seg[0] == 0x2001 && seg[1] == 0 {
        return Some("Teredo address (2001::/32)");
    }
    if (seg[0] & 0xffc0) == 0xfe80 {
        return Some("link-local address");
    }
    if (seg[0] & 0xfe00) == 0xfc00 {
        return (!policy.allow_private).then_some("private address (ULA)");
    }
    // Everything else must be global unicast 2000::/3, minus the special blocks inside it.
    if (seg[0] & 0xe000) != 0x2000 {
        return Some("reserved IPv6 address (outside 2000::/3)");
    }
    if seg[0] == 0x2001 && seg[1] < 0x0200 {
        return Some("IETF protocol assignment (2001::/23)");
    }
    if (seg[0] == 0x2001 && seg[1] == 0x0db8) || (seg[0] == 0x3fff && seg[1] < 0x1000) {
        return Some("documentation address");
    }
    None
}

fn refusal_v4(ip: Ipv4Addr, policy: UrlPolicy) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        return (!(policy.allow_loopback || policy.allow_private)).then_some("loopback address");
    }
    if o[0] == 0 || ip.is_broadcast() || ip.is_multicast() || o[0] >= 240 {
        return Some("unspecified, broadcast, multicast or reserved address");
    }
    if ip.is_link_local() {
        return Some("link-local address");
    }
    let documentation = (o[0] == 192 && o[1] == 0 && o[2] == 2)
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113);
    if documentation {
        return Some("documentation address");
    }
    if o[0] == 192 && o[1] == 88 && o[2] == 99 {
        return Some("6to4 relay anycast address (192.88.99/24)");
    }
    let private = ip.is_private()
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18); // benchmarking 198.18/15
    (private && !policy.allow_private).then_some("private address")
}

/// The HTTP client's resolver: it answers nothing. Every host is pinned to its checked addresses
/// with `resolve_to_addrs` before a request, so reaching this means a host was not pinned.
struct NoResolve;

impl reqwest::dns::Resolve for NoResolve {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async { Err("host not pinned to checked addresses".into()) })
    }
}

/// Downloads image URLs under the policy and limits.
#[derive(Clone)]
pub struct Fetcher {
    resolver: Arc<dyn HostResolver>,
    policy: UrlPolicy,
    max_bytes: usize,
    max_redirects: usize,
    timeout: Duration,
}

/// A URL whose host has been resolved and every address checked.
#[derive(Debug)]
pub struct Checked {
    /// The host name to pin (`None` for an IP literal, which needs no resolution).
    pub host: Option<String>,
    /// The checked addresses (port 0: the URL's port applies).
    pub addrs: Vec<SocketAddr>,
}

impl Fetcher {
    pub fn new(
        policy: UrlPolicy,
        max_bytes: usize,
        max_redirects: usize,
        timeout: Duration,
    ) -> Fetcher {
        Fetcher {
            resolver: Arc::new(SystemResolver),
            policy,
            max_bytes,
            max_redirects,
            timeout,
        }
    }

    /// The same fetcher with another host resolver (tests).
    pub fn with_resolver(mut self, resolver: Arc<dyn HostResolver>) -> Fetcher {
        self.resolver = resolver;
        self
    }

    /// Checks a URL (scheme, credentials, host addresses) without fetching it, and returns the
    /// addresses the connection must use.
    pub async fn check(&self, url: &reqwest::Url) -> Result<Checked, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!(
                "scheme {} is not http(s)",
                url.scheme()
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Refused("credentials in URL".into()));
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let host_str = url
            .host_str()
            .ok_or_else(|| FetchError::Refused("no host".into()))?;
        // The URL parser has already normalised IP literals (`127.1` → `127.0.0.1`, `[::1]`).
        let literal = host_str
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host_str)
            .parse::<IpAddr>()
            .ok();
        let (host, ips) = match literal {
            Some(ip) => (None, vec![ip]),
            None => {
                let name = host_str.trim_end_matches('.').to_string();
                if name.is_empty() {
                    return Err(FetchError::Refused("no host".into()));
                }
                let lookup = self.resolver.lookup(name, port);
                let ips = match tokio::time::timeout(self.timeout, lookup).await {
                    Ok(Ok(a)) => a,
                    Ok(Err(e)) => {
                        return Err(FetchError::Failed(format!("cannot resolve host: {e}")))
                    }
                    Err(_) => return Err(FetchError::Failed("host resolution timed out".into())),
                };
                (Some(host_str.to_string()), ips)
            }
        };
        if ips.is_empty() {
            return Err(FetchError::Failed("host has no address".into()));
        }
        for &ip in &ips {
            if let Some(r) = refusal(ip, self.policy) {
                return Err(FetchError::Refused(format!("{r} ({ip})")));
            }
        }
        Ok(Checked {
            host,
            addrs: ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect(),
        })
    }

    /// A client that connects to `checked`'s addresses only (no DNS of its own, no proxy, no
    /// automatic redirects). One per hop: building it costs about a millisecond, next to a DNS
    /// lookup and a TCP/TLS handshake.
    fn pinned_client(&self, checked: &Checked) -> Result<reqwest::Client, FetchError> {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(NoResolve))
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            .user_agent(concat!("jikji/", env!("CARGO_PKG_VERSION")));
        if let Some(host) = &checked.host {
            b = b.resolve_to_addrs(host, &checked.addrs);
        }
        b.build()
            .map_err(|e| FetchError::Failed(format!("http client: {e}")))
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

    /// POSTs `body` as JSON to `url` under the same checks as a download (every address checked, the
    /// connection pinned to them), without following redirects, and returns the answer's status.
    /// Webhooks use it (`webhook.rs`).
    pub async fn post_json(
        &self,
        url: &str,
        body: Vec<u8>,
        headers: &[(&str, String)],
    ) -> Result<u16, FetchError> {
        self.post(url, body, headers, false).await.map(|(status, _)| status)
    }

    /// [`Fetcher::post_json`], and the answer's body too (at most `max_bytes`; more is
    /// [`FetchError::TooLarge`]). External validation uses it (`validation.rs`).
    pub async fn post_json_answer(
        &self,
        url: &str,
        body: Vec<u8>,
        headers: &[(&str, String)],
    ) -> Result<(u16, Vec<u8>), FetchError> {
        self.post(url, body, headers, true).await
    }

    async fn post(
        &self,
        url: &str,
        body: Vec<u8>,
        headers: &[(&str, String)],
        read_answer: bool,
    ) -> Result<(u16, Vec<u8>), FetchError> {
        let url = reqwest::Url::parse(url.trim())
            .map_err(|e| FetchError::Refused(format!("malformed URL: {e}")))?;
        let attempt = async {
            let checked = self.check(&url).await?;
            let client = self.pinned_client(&checked)?;
            let mut req = client
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
            for (name, value) in headers {
                req = req.header(*name, value);
            }
            let resp = req.send().await.map_err(|e| {
                FetchError::Failed(format!("request failed: {}", without_url(&e)))
            })?;
            let status = resp.status().as_u16();
            let answer = if read_answer {
                self.read_limited(resp).await?
            } else {
                Vec::new()
            };
            Ok((status, answer))
        };
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Failed("request timed out".into())),
        }
    }

    /// An answer's body, refused past `max_bytes` (by its length header, or as it arrives).
    async fn read_limited(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(FetchError::TooLarge(self.max_bytes));
        }
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
        Ok(body)
    }

    async fn fetch_inner(&self, mut url: reqwest::Url) -> Result<Vec<u8>, FetchError> {
        for _hop in 0..=self.max_redirects {
            let checked = self.check(&url).await?;
            let client = self.pinned_client(&checked)?;
            let resp =
                client.get(url.clone()).send().await.map_err(|e| {
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
            return self.read_limited(resp).await;
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
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    const STRICT: UrlPolicy = UrlPolicy {
        allow_private: false,
        allow_loopback: false,
    };
    const LOOPBACK: UrlPolicy = UrlPolicy {
        allow_private: false,
        allow_loopback: true,
    };
    const PRIVATE: UrlPolicy = UrlPolicy {
        allow_private: true,
        allow_loopback: false,
    };

    fn refused(s: &str, p: UrlPolicy) -> bool {
        refusal(s.parse().unwrap(), p).is_some()
    }

    fn assert_refused_under_every_policy(addrs: &[&str]) {
        for a in addrs {
            for p in [STRICT, LOOPBACK, PRIVATE] {
                assert!(refused(a, p), "{a} should be refused under {p:?}");
            }
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808", // NAT64 of 8.8.8.8 (DNS64 networks)
            "64:ff9b::8.8.4.4",
        ] {
            for p in [STRICT, LOOPBACK, PRIVATE] {
                assert!(!refused(a, p), "{a} should be allowed under {p:?}");
            }
        }
    }

    #[test]
    fn loopback_needs_a_flag() {
        for a in [
            "127.0.0.1",
            "127.255.0.9",
            "::1",
            "::ffff:127.0.0.1",
            "64:ff9b::7f00:1",
        ] {
            assert!(refused(a, STRICT), "{a}");
            assert!(!refused(a, LOOPBACK), "{a}");
            assert!(!refused(a, PRIVATE), "{a}");
        }
    }

    #[test]
    fn private_ranges_need_allow_private() {
        for a in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.8",
            "198.18.0.1",
            "198.19.255.1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:10.0.0.1",
            "::ffff:192.168.0.1",
            "64:ff9b::a00:1",       // NAT64 of 10.0.0.1
            "64:ff9b::192.168.1.1", // NAT64 of a private address
        ] {
            assert!(refused(a, STRICT), "{a}");
            assert!(refused(a, LOOPBACK), "{a}");
            assert!(!refused(a, PRIVATE), "{a}");
        }
    }

    #[test]
    fn link_local_and_metadata_never() {
        assert_refused_under_every_policy(&[
            "169.254.169.254",
            "169.254.1.1",
            "169.254.0.0",
            "169.254.255.255",
            "fe80::1",
            "fe80::a9fe:a9fe",
            "febf:ffff::1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
            "fd00:ec2::254",
            "100.100.100.200",
            "168.63.129.16",
        ]);
    }

    #[test]
    fn ipv6_transition_forms_never() {
        assert_refused_under_every_policy(&[
            // 6to4 2002::/16, carrying a private, a loopback and a public IPv4
            "2002:a00:1::1",
            "2002:7f00:1::",
            "2002:808:808::1",
            // Teredo 2001::/32 (server and obfuscated client IPv4 inside)
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001::1",
            "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
            // NAT64 local-use 64:ff9b:1::/48
            "64:ff9b:1::a00:1",
            "64:ff9b:1:ffff::808:808",
            // IPv4-translated ::ffff:0:0:0/96
            "::ffff:0:7f00:1",
            "::ffff:0:808:808",
            "::ffff:0:a9fe:a9fe",
            // IPv4-compatible ::/96 (deprecated)
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
            "::2",
        ]);
    }

    #[test]
    fn reserved_and_special_never() {
        assert_refused_under_every_policy(&[
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.9",
            "192.88.99.1",
            "::",
            "ff02::1",
            "ff05::2",
            "fec0::1",     // site-local (deprecated)
            "100::1",      // discard-only
            "2001:db8::1", // documentation
            "3fff::1",     // documentation (RFC 9637)
            "2001:10::1",  // ORCHID (IETF protocol assignments)
            "2001:2::1",   // benchmarking
            "4000::1",     // outside global unicast 2000::/3
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::ffff:224.0.0.1",
            "64:ff9b::e000:1",
        ]);
    }

    /// Answers `answers[i]` on the i-th lookup (the last one after that) and counts the lookups.
    struct Rebinding {
        answers: Vec<Vec<IpAddr>>,
        calls: AtomicUsize,
        hosts: Mutex<Vec<String>>,
    }

    impl Rebinding {
        fn new(answers: &[&[&str]]) -> Arc<Rebinding> {
            Arc::new(Rebinding {
                answers: answers
                    .iter()
                    .map(|a| a.iter().map(|s| s.parse().unwrap()).collect())
                    .collect(),
                calls: AtomicUsize::new(0),
                hosts: Mutex::new(Vec::new()),
            })
        }
    }

    impl HostResolver for Rebinding {
        fn lookup(
            &self,
            host: String,
            _port: u16,
        ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
            let i = self.calls.fetch_add(1, Ordering::SeqCst);
            self.hosts.lock().unwrap().push(host);
            let a = self.answers[i.min(self.answers.len() - 1)].clone();
            Box::pin(async move { Ok(a) })
        }
    }

    /// A one-route HTTP server on 127.0.0.1 answering `body` to every request, counting them.
    async fn serve_once(body: &'static [u8]) -> (u16, Arc<AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                h.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(body).await;
            }
        });
        (port, hits)
    }

    fn fetcher(policy: UrlPolicy, resolver: Arc<dyn HostResolver>) -> Fetcher {
        Fetcher::new(policy, 1 << 20, 2, Duration::from_secs(5)).with_resolver(resolver)
    }

    /// DNS rebinding: the check sees an allowed address, a second lookup would give the metadata
    /// address. The connection uses the checked address, and nothing is looked up a second time.
    #[tokio::test]
    async fn connection_is_pinned_to_the_checked_address() {
        let (port, hits) = serve_once(b"image bytes").await;
        let dns = Rebinding::new(&[&["127.0.0.1"], &["169.254.169.254"]]);
        let f = fetcher(LOOPBACK, dns.clone());
        let url = format!("http://images.example:{port}/a.png");
        let body = f
            .fetch(&url)
            .await
            .expect("fetched from the checked address");
        assert_eq!(body, b"image bytes");
        assert_eq!(dns.calls.load(Ordering::SeqCst), 1, "one lookup per hop");
        assert_eq!(dns.hosts.lock().unwrap().as_slice(), ["images.example"]);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        // The second request for the same name sees the rebound answer and is refused before
        // any connection.
        match f.fetch(&url).await {
            Err(FetchError::Refused(m)) => assert!(m.contains("metadata"), "{m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "no connection after a refusal"
        );
    }

    /// The reverse order: the first answer is refused, whatever a later lookup would say.
    #[tokio::test]
    async fn refused_first_answer_is_final() {
        let (port, hits) = serve_once(b"x").await;
        let dns = Rebinding::new(&[&["10.0.0.1"], &["127.0.0.1"]]);
        let f = fetcher(LOOPBACK, dns.clone());
        let r = f.fetch(&format!("http://rebind.example:{port}/")).await;
        assert!(matches!(r, Err(FetchError::Refused(_))), "{r:?}");
        assert_eq!(dns.calls.load(Ordering::SeqCst), 1);
        assert_eq!(hits.load(Ordering::SeqCst), 0);
    }

    /// One refused address among several refuses the host (the client could pick any of them).
    #[tokio::test]
    async fn every_resolved_address_is_checked() {
        let dns = Rebinding::new(&[&["127.0.0.1", "2002:a00:1::1"]]);
        let f = fetcher(LOOPBACK, dns);
        let r = f.fetch("http://mixed.example/").await;
        match r {
            Err(FetchError::Refused(m)) => assert!(m.contains("6to4"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn literals_and_url_forms() {
        let dns = Rebinding::new(&[&["8.8.8.8"]]);
        let f = fetcher(STRICT, dns.clone());
        for u in [
            "http://127.1/",
            "http://[::ffff:7f00:1]/",
            "http://[2002:a9fe:a9fe::]/",
            "http://[64:ff9b:1::a9fe:a9fe]/",
            "http://[fe80::1]/",
            "http://0x7f000001/",
            "http://2130706433/",
            "ftp://example.com/",
            "file:///etc/passwd",
            "http://user:pw@example.com/",
            "not a url",
        ] {
            assert!(
                matches!(f.fetch(u).await, Err(FetchError::Refused(_))),
                "{u} should be refused"
            );
        }
        assert_eq!(
            dns.calls.load(Ordering::SeqCst),
            0,
            "literals are never looked up"
        );
    }
}
