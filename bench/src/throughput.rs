//! Throughput at emulator latency 0, with wrk: requests per second, p50/p99 and errors of
//! gmail-service's warm page, auth-service's session → JWT and the frontend's inbox at 1, 16,
//! 64 and 256 connections; then each service's peak RSS over the whole run so far.

use anyhow::Result;

use crate::{
    Bench,
    stats::thousands,
    wrk::{self, Load},
};

const CONNECTIONS: [usize; 4] = [1, 16, 64, 256];

pub async fn run(bench: &Bench) -> Result<String> {
    let system = &bench.system;
    system.set_latency(&bench.http, 0).await?;
    let page = system.unread_page_url();
    let token = format!(
        "{}{}",
        system.auth.url,
        contract::paths::auth::SESSION_TOKEN
    );
    let inbox = format!("{}/", system.frontend.url);
    let targets: [(&str, &str, bool, (&'static str, String)); 3] = [
        (
            "gmail-service: warm page of 50 (`GET /v1/messages/unread?limit=50`)",
            &page,
            false,
            bench.bearer(),
        ),
        (
            "auth-service: session → JWT (`POST /v1/session/token`)",
            &token,
            true,
            bench.cookie(),
        ),
        (
            "frontend: inbox page (`GET /`: session → JWT → warm page → HTML)",
            &inbox,
            false,
            bench.cookie(),
        ),
    ];

    let mut out = String::from(
        "## Throughput, emulator latency 0 (wrk)\n\n\
         | target | connections | requests/s | p50 | p99 | requests (all runs) | errors (all runs) |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (what, url, post, header) in &targets {
        for connections in CONNECTIONS {
            eprintln!("  {what} at {connections} connections…");
            let report = wrk::run_repeated(
                &Load {
                    url,
                    script: post.then(|| wrk::POST.to_owned()),
                    headers: vec![header.clone()],
                    connections,
                    duration: bench.load_secs,
                },
                &bench.scratch,
                bench.runs,
            )?;
            out.push_str(&format!(
                "| {what} | {connections} | {} | {:.2} ms | {:.2} ms | {} | {} |\n",
                thousands(report.requests_per_sec.round() as u64),
                report.p50_ms,
                report.p99_ms,
                thousands(report.requests),
                report.errors,
            ));
        }
    }

    out.push_str(
        "\nPeak RSS (`VmHWM`) of each process after the latency and throughput runs:\n\n\
         | service | peak RSS |\n| --- | ---: |\n",
    );
    for process in system.processes() {
        out.push_str(&format!(
            "| {} | {} |\n",
            process.name,
            process.peak_rss_kib().map_or("?".to_owned(), |kib| format!(
                "{:.1} MiB",
                kib as f64 / 1024.0
            ))
        ));
    }
    out.push('\n');
    Ok(out)
}
