//! An attachment's download and gmail-service's memory (`cargo run -p bench --release --
//! attachments`): a 20 MB attachment delivered at the emulator, downloaded through a fresh
//! gmail-service process, `BENCH_RUNS` times; its resident memory before, its peak (`VmHWM`)
//! after, and the time of each download.

use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::{
    live::logged_in,
    stats::{Samples, ms, status_kib},
};

pub async fn run(dir: &std::path::Path, runs: usize) -> Result<String> {
    let (system, http, token) = logged_in(dir).await?;
    let size = 20 * 1000 * 1000;
    let bytes: Vec<u8> = (0..size).map(|n| (n % 251) as u8).collect();
    let raw = testkit::fixtures::mail_with_attachments(
        "bench attachment",
        &[("big.bin", "application/octet-stream", &bytes)],
    );
    drop(bytes);
    let delivered: serde_json::Value = http
        .post(format!(
            "{}/emulator/accounts/alice@example.com/messages",
            system.emulator.url
        ))
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await?
        .json()
        .await?;
    let id = delivered["id"].as_str().context("no id")?.to_owned();
    let mut out = String::from(
        "## A 20 MB attachment\n\nDownloaded through a fresh gmail-service process each run \
         (`GET /v1/messages/{id}/attachments/1`, the emulator at latency 0); its resident memory \
         before the download and its peak (`VmHWM`) after:\n\n\
         | run | before | peak | growth | download |\n| ---: | ---: | ---: | ---: | ---: |\n",
    );
    let mut growths = Vec::new();
    let mut times = Vec::new();
    for run in 1..=runs {
        let replica = system.spawn_gmail_replica(&[]).await?;
        // One small call first, so the pools and the token are up before the baseline.
        http.get(format!("{}/v1/unread-count", replica.url))
            .bearer_auth(&token)
            .send()
            .await?;
        let status = std::fs::read_to_string(replica.status_path())?;
        let before = status_kib(&status, "VmRSS:").unwrap_or(0);
        let started = Instant::now();
        let mut response = http
            .get(format!("{}/v1/messages/{id}/attachments/1", replica.url))
            .bearer_auth(&token)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("download: {}", response.status());
        }
        let mut total = 0;
        while let Some(chunk) = response.chunk().await? {
            total += chunk.len();
        }
        let took = started.elapsed();
        if total != size {
            bail!("downloaded {total} bytes, not {size}");
        }
        let peak = replica.peak_rss_kib().unwrap_or(0);
        let growth = peak.saturating_sub(before);
        growths.push(growth as f64);
        times.push(took);
        out.push_str(&format!(
            "| {run} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {} |\n",
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            growth as f64 / 1024.0,
            ms(took)
        ));
    }
    growths.sort_by(f64::total_cmp);
    let median_growth = growths[growths.len() / 2];
    out.push_str(&format!(
        "\nMedian growth **{:.1} MiB** for a 19.1 MiB attachment (its base64 answer from Gmail is \
         25.4 MiB); median download {}.\n\n",
        median_growth / 1024.0,
        ms(Samples::new(times).median())
    ));
    Ok(out)
}
