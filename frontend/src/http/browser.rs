//! What a call to auth-service passes on from the browser's request: the chosen headers as the
//! browser sent them, and the person's address as `X-Forwarded-For` (the TCP peer, or what
//! trusted proxies say; never the browser's own claim, see [`common::client_address`]).

use actix_web::HttpRequest;
use common::client_address::{TrustedProxies, client_address};
use reqwest::header::HeaderName;

use crate::upstream::BrowserHeaders;

/// The browser's `names` headers of `request` (every value, in order) and its client address.
pub fn browser_headers(
    request: &HttpRequest,
    trusted: &TrustedProxies,
    names: &[&'static str],
) -> BrowserHeaders {
    let mut headers = BrowserHeaders::new().forwarded_for(client_address(request, trusted));
    for name in names {
        for value in request.headers().get_all(*name) {
            headers = headers.header(HeaderName::from_static(name), value.as_bytes());
        }
    }
    headers
}
