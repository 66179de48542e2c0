//! The image proxy: a message's remote images, fetched by the frontend on the reader's
//! request ("Show images"), so the sender's server never sees the reader's browser (address,
//! cookies, referrer) and learns nothing until the reader asks.
//!
//! Only URLs the frontend itself put into a message's frame pass: each is signed
//! ([`ImageProxy::signed_path`]: HMAC-SHA256 over the message id, the URL and an expiry, with
//! `IMAGE_PROXY_KEY`), so the proxy is no open proxy. Only `http` and `https`. The destination
//! is checked after DNS resolution and on every redirect (at most [`MAX_REDIRECTS`]): the
//! client's resolver ([`GuardedResolver`]) drops every address [`is_allowed`] refuses, so the
//! connection can only go to a checked address (no second lookup to race), and addresses
//! written in the URL are checked before any connection. Loopback, private, shared (CGNAT)
//! and unique-local addresses are refused unless `IMAGE_PROXY_ALLOW_PRIVATE=1` (the demo and
//! tests, whose image servers are on such addresses); link-local, the cloud metadata
//! addresses, multicast, reserved and documentation ranges are refused always. The answer must
//! be `200`, at most `IMAGE_PROXY_MAX_BYTES`, within [`FETCH_TIMEOUT`], declared as a raster
//! image type and recognised as one by its first bytes (SVG is never served); it is sent on
//! with the recognised type, `nosniff`, a sandboxing CSP, and cached by the browser. No cookie,
//! referrer or credential goes out. At most [`MAX_FETCHES`] fetches run at once, so what the
//! proxy holds stays bounded.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::hmac;
use url::Url;

/// How long a signed image URL stays good.
pub const SIGNED_FOR: Duration = Duration::from_secs(3600);
/// Redirects followed, each checked as the first request.
pub const MAX_REDIRECTS: usize = 3;
/// The whole fetch, redirects included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The route of the proxy.
pub const PATH: &str = "/image-proxy";
/// Fetches in flight at once (each holds up to `IMAGE_PROXY_MAX_BYTES`); more wait, within
/// [`FETCH_TIMEOUT`], for one to end.
pub const MAX_FETCHES: usize = 64;

/// Why an image is not served.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProxyError {
    #[error("the image link is not signed by this service, or its signature is wrong")]
    BadSignature,
    #[error("the image link has expired")]
    Expired,
    #[error("only http and https images are fetched")]
    NotHttp,
    #[error("the image's address is not one this proxy may reach")]
    Blocked,
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("the image server failed: {0}")]
    Upstream(String),
    #[error("the answer is not an image")]
    NotImage,
    #[error("the image is larger than {0} bytes")]
    TooLarge(usize),
}

impl ProxyError {
    /// The status the proxy answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadSignature | Self::Expired | Self::NotHttp | Self::Blocked => 403,
            Self::TooManyRedirects | Self::Upstream(_) | Self::NotImage | Self::TooLarge(_) => 502,
        }
    }
}

/// A fetched image.
#[derive(Debug)]
pub struct Image {
    /// As recognised from its first bytes.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Whether the proxy may connect to `ip`.
pub fn is_allowed(ip: IpAddr, allow_private: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_allowed(v4, allow_private),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_allowed(v4, allow_private);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: judge that.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return v4_allowed(Ipv4Addr::new(a, b, c, d), allow_private);
            }
            if s[0] == 0x2002 {
                let [a, b] = s[1].to_be_bytes();
                let [c, d] = s[2].to_be_bytes();
                return v4_allowed(Ipv4Addr::new(a, b, c, d), allow_private);
            }
            let always_refused = v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2001 && s[1] == 0) // Teredo
                || s[0..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() // IPv4-compatible, ::/96
                || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254); // AWS metadata
            if always_refused {
                return false;
            }
            let private = v6.is_loopback() || (s[0] & 0xfe00) == 0xfc00; // unique local
            !private || allow_private
        }
    }
}

fn v4_allowed(ip: Ipv4Addr, allow_private: bool) -> bool {
    let [a, b, c, _] = ip.octets();
    let always_refused = ip.is_unspecified()
        || a == 0
        || ip.is_broadcast()
        || ip.is_multicast()
        || a >= 240 // reserved
        || ip.is_link_local() // 169.254/16: the cloud metadata address among them
        || ip.is_documentation()
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // benchmarking
        || ip == Ipv4Addr::new(100, 100, 100, 200); // Alibaba Cloud metadata
    if always_refused {
        return false;
    }
    let private = ip.is_loopback() || ip.is_private() || (a == 100 && (b & 0xc0) == 64); // CGNAT
    !private || allow_private
}

/// reqwest's resolver for the proxy's client: the system's answer, less every address
/// [`is_allowed`] refuses; none left is an error, so no connection is made.
pub struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| is_allowed(addr.ip(), allow_private))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(BlockedName) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the name resolves to no address the image proxy may reach")]
struct BlockedName;

/// Signs image URLs and fetches them.
pub struct ImageProxy {
    key: hmac::Key,
    client: reqwest::Client,
    allow_private: bool,
    max_bytes: usize,
    /// Bounds the memory fetches hold: [`MAX_FETCHES`] permits.
    fetches: tokio::sync::Semaphore,
}

impl ImageProxy {
    /// `key`: `IMAGE_PROXY_KEY`'s bytes; `allow_private`: `IMAGE_PROXY_ALLOW_PRIVATE`.
    pub fn new(key: &[u8], allow_private: bool, max_bytes: usize) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .connect_timeout(Duration::from_secs(3))
            .timeout(FETCH_TIMEOUT)
            .user_agent("gmail-unread-image-proxy")
            .build()?;
        Ok(Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            client,
            allow_private,
            max_bytes,
            fetches: tokio::sync::Semaphore::new(MAX_FETCHES),
        })
    }

    fn signature(&self, message_id: &str, url: &str, expires: u64) -> String {
        let tag = hmac::sign(
            &self.key,
            format!("{message_id}\n{expires}\n{url}").as_bytes(),
        );
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    }

    /// The proxy's path for image `url` of message `message_id`, good for [`SIGNED_FOR`];
    /// `None` for anything but an `http(s)` URL.
    pub fn signed_path(&self, message_id: &str, url: &str) -> Option<String> {
        let parsed = Url::parse(url).ok()?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return None;
        }
        let expires = now() + SIGNED_FOR.as_secs();
        let signature = self.signature(message_id, url, expires);
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("m", message_id)
            .append_pair("e", &expires.to_string())
            .append_pair("u", url)
            .append_pair("s", &signature)
            .finish();
        Some(format!("{PATH}?{query}"))
    }

    /// The URL a signed path names, if its signature holds and it has not expired.
    pub fn verify(
        &self,
        message_id: &str,
        url: &str,
        expires: u64,
        signature: &str,
    ) -> Result<Url, ProxyError> {
        let given = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| ProxyError::BadSignature)?;
        hmac::verify(
            &self.key,
            format!("{message_id}\n{expires}\n{url}").as_bytes(),
            &given,
        )
        .map_err(|_| ProxyError::BadSignature)?;
        if expires < now() {
            return Err(ProxyError::Expired);
        }
        let parsed = Url::parse(url).map_err(|_| ProxyError::NotHttp)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ProxyError::NotHttp);
        }
        Ok(parsed)
    }

    /// Checks what the URL itself says of its destination (scheme, an address written in it).
    fn check(&self, url: &Url) -> Result<(), ProxyError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ProxyError::NotHttp);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ProxyError::Blocked);
        }
        match url.host() {
            Some(url::Host::Ipv4(ip)) if !is_allowed(IpAddr::V4(ip), self.allow_private) => {
                Err(ProxyError::Blocked)
            }
            Some(url::Host::Ipv6(ip)) if !is_allowed(IpAddr::V6(ip), self.allow_private) => {
                Err(ProxyError::Blocked)
            }
            Some(_) => Ok(()),
            None => Err(ProxyError::Blocked),
        }
    }

    /// Fetches the image at `url`, following at most [`MAX_REDIRECTS`] checked redirects.
    pub async fn fetch(&self, url: Url) -> Result<Image, ProxyError> {
        tokio::time::timeout(FETCH_TIMEOUT, async {
            let _permit = self
                .fetches
                .acquire()
                .await
                .map_err(|_| ProxyError::Upstream("the proxy is closing".into()))?;
            self.fetch_within(url).await
        })
        .await
        .map_err(|_| ProxyError::Upstream("timed out".into()))?
    }

    async fn fetch_within(&self, mut url: Url) -> Result<Image, ProxyError> {
        for _ in 0..=MAX_REDIRECTS {
            self.check(&url)?;
            let mut response = self
                .client
                .get(url.clone())
                .header(
                    "accept",
                    "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8",
                )
                .send()
                .await
                .map_err(|e| {
                    if is_blocked_name(&e) {
                        ProxyError::Blocked
                    } else {
                        ProxyError::Upstream(if e.is_timeout() {
                            "timed out".into()
                        } else {
                            "cannot be reached".into()
                        })
                    }
                })?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| ProxyError::Upstream("a redirect without a Location".into()))?;
                url = url
                    .join(location)
                    .map_err(|_| ProxyError::Upstream("a redirect to nowhere".into()))?;
                continue;
            }
            if status != reqwest::StatusCode::OK {
                return Err(ProxyError::Upstream(format!("HTTP {}", status.as_u16())));
            }
            let declared = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if !RASTER_TYPES.contains(&declared.as_str()) {
                return Err(ProxyError::NotImage);
            }
            if response
                .content_length()
                .is_some_and(|len| len > self.max_bytes as u64)
            {
                return Err(ProxyError::TooLarge(self.max_bytes));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|_| ProxyError::Upstream("the answer broke off".into()))?
            {
                if bytes.len() + chunk.len() > self.max_bytes {
                    return Err(ProxyError::TooLarge(self.max_bytes));
                }
                bytes.extend_from_slice(&chunk);
            }
            let content_type = recognise(&bytes).ok_or(ProxyError::NotImage)?;
            return Ok(Image {
                content_type,
                bytes,
            });
        }
        Err(ProxyError::TooManyRedirects)
    }
}

/// Whether reqwest failed because [`GuardedResolver`] left no address.
fn is_blocked_name(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<BlockedName>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// The image types declared answers may have (SVG is not among them: it can carry script).
const RASTER_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/jpg",
    "image/pjpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/bmp",
    "image/x-icon",
    "image/vnd.microsoft.icon",
];

/// The raster type `bytes` begin as, if any.
pub fn recognise(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some("image/png"),
        [0xff, 0xd8, 0xff, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some("image/gif"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        [
            _,
            _,
            _,
            _,
            b'f',
            b't',
            b'y',
            b'p',
            b'a',
            b'v',
            b'i',
            b'f' | b's',
            ..,
        ] => Some("image/avif"),
        [b'B', b'M', ..] if bytes.len() > 26 => Some("image/bmp"),
        [0, 0, 1, 0, ..] => Some("image/x-icon"),
        _ => None,
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_the_proxy_may_reach() {
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "1.1.1.1"] {
            assert!(is_allowed(ip(public), false), "{public}");
        }
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
        ] {
            assert!(!is_allowed(ip(private), false), "{private}");
            assert!(
                is_allowed(ip(private), true),
                "{private} with private allowed"
            );
        }
        for never in [
            "169.254.169.254",
            "169.254.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "192.0.0.170",
            "100.100.100.200",
            "::",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
        ] {
            assert!(!is_allowed(ip(never), true), "{never}");
            assert!(!is_allowed(ip(never), false), "{never}");
        }
    }

    #[test]
    fn signed_paths_verify_only_as_signed() {
        let proxy = ImageProxy::new(b"key one", false, 1024).unwrap();
        let other = ImageProxy::new(b"key two", false, 1024).unwrap();
        let path = proxy
            .signed_path("18c2f0a1b2c3d4e5", "https://img.example/a.png?x=1&y=2")
            .unwrap();
        let query: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(path.split_once('?').unwrap().1.as_bytes())
                .into_owned()
                .collect();
        let expires: u64 = query["e"].parse().unwrap();
        assert_eq!(
            proxy
                .verify(&query["m"], &query["u"], expires, &query["s"])
                .unwrap()
                .as_str(),
            "https://img.example/a.png?x=1&y=2"
        );
        // Another key, message, URL or expiry: refused.
        let refused = [
            other.verify(&query["m"], &query["u"], expires, &query["s"]),
            proxy.verify("18c2f0a1b2c3d4e6", &query["u"], expires, &query["s"]),
            proxy.verify(
                &query["m"],
                "https://img.example/b.png",
                expires,
                &query["s"],
            ),
            proxy.verify(&query["m"], &query["u"], expires + 1, &query["s"]),
            proxy.verify(&query["m"], &query["u"], expires, "not base64!"),
        ];
        for result in refused {
            assert_eq!(result.unwrap_err(), ProxyError::BadSignature);
        }
        let old = 1_000;
        let signature = proxy.signature("m1", "https://img.example/a.png", old);
        assert_eq!(
            proxy.verify("m1", "https://img.example/a.png", old, &signature),
            Err(ProxyError::Expired)
        );
        for not_http in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:image/png,x",
            "cid:x",
        ] {
            assert!(proxy.signed_path("m1", not_http).is_none(), "{not_http}");
        }
    }

    /// What every hop (the first request and each redirect's target) is checked against before
    /// a connection: a redirect to a private address is refused like a link to one.
    #[test]
    fn every_hop_is_checked_before_connecting() {
        let strict = ImageProxy::new(b"k", false, 1024).unwrap();
        let demo = ImageProxy::new(b"k", true, 1024).unwrap();
        let url = |s: &str| Url::parse(s).unwrap();
        for refused in [
            "http://10.0.0.1/next.png",
            "http://127.0.0.1:8080/next.png",
            "http://[::1]/next.png",
            "http://[fc00::1]/next.png",
            "http://169.254.169.254/latest/meta-data/",
            "http://user:secret@img.example/a.png",
            "ftp://img.example/a.png",
            "file:///etc/passwd",
        ] {
            assert!(strict.check(&url(refused)).is_err(), "{refused}");
        }
        assert!(strict.check(&url("https://img.example/a.png")).is_ok());
        assert!(strict.check(&url("http://93.184.216.34/a.png")).is_ok());
        // The demo may reach private addresses, never link-local or metadata ones.
        assert!(demo.check(&url("http://10.0.0.1/next.png")).is_ok());
        assert_eq!(
            demo.check(&url("http://169.254.169.254/latest/meta-data/")),
            Err(ProxyError::Blocked)
        );
        // A redirect's Location resolves against the hop it came from, then is checked.
        let next = url("http://img.example/a.png")
            .join("//10.0.0.1/x.png")
            .unwrap();
        assert_eq!(strict.check(&next), Err(ProxyError::Blocked));
    }

    /// With every permit taken, a fetch waits and gives up at the timeout without connecting.
    #[tokio::test(start_paused = true)]
    async fn fetches_in_flight_are_bounded() {
        let proxy = ImageProxy::new(b"k", false, 1024).unwrap();
        let _all = proxy
            .fetches
            .acquire_many(MAX_FETCHES as u32)
            .await
            .unwrap();
        let started = tokio::time::Instant::now();
        let outcome = proxy
            .fetch(Url::parse("https://img.example/a.png").unwrap())
            .await;
        assert_eq!(
            outcome.unwrap_err(),
            ProxyError::Upstream("timed out".into())
        );
        assert!(started.elapsed() >= FETCH_TIMEOUT);
    }

    #[test]
    fn images_are_recognised_by_their_first_bytes() {
        assert_eq!(recognise(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(recognise(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(recognise(b"GIF89a...."), Some("image/gif"));
        assert_eq!(recognise(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(recognise(b"<svg onload=alert(1)>"), None);
        assert_eq!(recognise(b"<html>"), None);
        assert_eq!(recognise(b""), None);
    }
}
