//! Hostile: a flood of requests with made-up HTTP method names must not grow the frontend's
//! metrics (one series per method name) or its memory. Its own test binary, so the process's
//! resident size is the frontend's plus this test's and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    hash::{BuildHasher, Hasher, RandomState},
    net::SocketAddr,
};

use common::config::Env;
use frontend::{configuration::Settings, startup::Application};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const REQUESTS: usize = 20_000;
const CONNECTIONS: usize = 8;

/// Resident set size of this process, in bytes (from `/proc/self/status`).
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// A fresh random method name: 8 to 15 upper-case letters (a valid HTTP token).
fn random_method(state: &RandomState, n: u64) -> String {
    let mut hasher = state.build_hasher();
    hasher.write_u64(n);
    let mut bits = hasher.finish();
    let len = 8 + (bits % 8) as usize;
    (0..len)
        .map(|_| {
            let c = b'A' + (bits % 26) as u8;
            bits = bits.rotate_left(5) ^ 0x9e37_79b9_7f4a_7c15;
            bits = bits.wrapping_mul(0x2545_f491_4f6c_dd1d);
            c as char
        })
        .collect()
}

/// Reads one HTTP/1.1 response (headers and a Content-Length body) and returns its status.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> u16 {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let status: u16 = head[9..12].parse().unwrap();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .expect("a sized response");
            while buffer.len() < end + 4 + length {
                read_more(stream, buffer).await;
            }
            buffer.drain(..end + 4 + length);
            return status;
        }
        read_more(stream, buffer).await;
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await.unwrap();
    assert!(n > 0, "the server closed a keep-alive connection");
    buffer.extend_from_slice(&chunk[..n]);
}

/// `count` requests with random methods over one keep-alive connection.
async fn flood(address: SocketAddr, state: RandomState, first: u64, count: usize) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut buffer = Vec::new();
    for n in 0..count as u64 {
        let method = random_method(&state, first + n);
        let request = format!("{method} /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let status = read_response(&mut stream, &mut buffer).await;
        assert_eq!(status, 404, "{method} /x");
    }
}

struct Metrics {
    bytes: usize,
    series: usize,
}

async fn metrics(base: &str) -> Metrics {
    let body = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Metrics {
        bytes: body.len(),
        series: body
            .lines()
            .filter(|l| l.starts_with("http_requests_total{"))
            .count(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_method_names_do_not_grow_metrics_or_memory() {
    // The upstreams are closed ports: the flood only meets the frontend's own 404 page.
    let env = Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("AUTH_SERVICE_URL", "http://127.0.0.1:9")
        .with("GMAIL_SERVICE_URL", "http://127.0.0.1:9");
    let app = Application::build(Settings::from_env(&env).unwrap())
        .await
        .unwrap();
    let address: SocketAddr = ([127, 0, 0, 1], app.port()).into();
    let base = format!("http://{address}");
    tokio::spawn(app.run_until_stopped());

    // Warm up: connections, buffers, the allocator, and the series a flood legitimately adds.
    let state = RandomState::new();
    let warm_up: Vec<_> = (0..CONNECTIONS)
        .map(|c| tokio::spawn(flood(address, state.clone(), (c * 1_000_000) as u64, 50)))
        .collect();
    for task in warm_up {
        task.await.unwrap();
    }
    metrics(&base).await;
    let before = metrics(&base).await;
    let rss_before = rss_bytes();

    let per_connection = REQUESTS / CONNECTIONS;
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|c| {
            let first = (c * 1_000_000 + 1_000) as u64;
            tokio::spawn(flood(address, state.clone(), first, per_connection))
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }

    let after = metrics(&base).await;
    let rss_after = rss_bytes();
    eprintln!(
        "{REQUESTS} random-method requests: /metrics {} -> {} bytes, {} -> {} request series, \
         RSS {:.1} -> {:.1} MiB",
        before.bytes,
        after.bytes,
        before.series,
        after.series,
        rss_before as f64 / 1048576.0,
        rss_after as f64 / 1048576.0,
    );
    assert_eq!(after.series, before.series, "new series per method name");
    assert!(
        after.bytes < before.bytes + 4 * 1024,
        "/metrics grew from {} to {} bytes",
        before.bytes,
        after.bytes
    );
    assert!(
        rss_after < rss_before + 16 * 1024 * 1024,
        "RSS grew from {rss_before} to {rss_after} bytes"
    );
}
