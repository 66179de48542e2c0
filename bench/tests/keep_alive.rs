//! Idle connections between the services: every service keeps an idle keep-alive connection
//! open longer than our HTTP clients keep one in their pools (`common::server`). With actix-web's
//! default of 5 s, a pooled connection idle for 5 s could be closed by the server just as a peer
//! reused it, and that request failed ("error sending request"): the load test once lost a JWKS
//! call that way.
//!
//! Each of the four servers answers a request, the connection then sits idle past actix-web's
//! default, and a second request on the same connection must still be answered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use common::server::{CLIENT_POOL_IDLE_TIMEOUT, SERVER_KEEP_ALIVE};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Longer than actix-web's default keep-alive (5 s).
const IDLE: Duration = Duration::from_secs(6);

/// Sends `GET /healthz` on `stream` and reads one whole response; its status line, or `None`
/// when the server has closed the connection.
async fn healthz(stream: &mut TcpStream, host: &str) -> Option<String> {
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer);
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .expect("healthz answers with a Content-Length");
            if buffer.len() >= end + 4 + length {
                return text.lines().next().map(str::to_owned);
            }
        }
    }
}

async fn survives_idling(base: &str) -> Result<(), String> {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.unwrap();
    let first = healthz(&mut stream, host).await;
    if !first.as_deref().is_some_and(|s| s.contains(" 200 ")) {
        return Err(format!("{base}: first answer {first:?}"));
    }
    tokio::time::sleep(IDLE).await;
    match healthz(&mut stream, host).await {
        Some(status) if status.contains(" 200 ") => Ok(()),
        other => Err(format!(
            "{base} closed or refused a connection idle for {IDLE:?}: {other:?}"
        )),
    }
}

#[test]
fn servers_keep_idle_connections_longer_than_clients_pool_them() {
    assert!(CLIENT_POOL_IDLE_TIMEOUT < SERVER_KEEP_ALIVE);
    assert!(IDLE < CLIENT_POOL_IDLE_TIMEOUT);
}

#[tokio::test]
async fn every_service_keeps_an_idle_connection_open() {
    let stack = testkit::stack::spawn_stack().await;
    let bases = [
        stack.base.clone(),
        stack.auth.clone(),
        stack.gmail.clone(),
        stack.emulator.url.clone(),
    ];
    let results =
        futures_util::future::join_all(bases.iter().map(|base| survives_idling(base))).await;
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
