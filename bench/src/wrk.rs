//! The load generator: `wrk` (Debian's package), installed with apt-get when missing (with
//! `redis-server`, which the benchmark starts when `REDIS_URL` is unset), run
//! against one URL at a given number of connections, its report parsed.
//!
//! wrk sets headers with `-H` (the bearer token, the session cookie); anything more (a POST,
//! a different bearer token per request) is a Lua script, written to `target/release/`. wrk reports latency percentiles from its own
//! histogram (`--latency`: 50/75/90/99 %), non-2xx/3xx answers and socket errors.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use anyhow::{Context, Result, bail};

/// Makes sure `wrk` is on the PATH, and `redis-server` too unless `REDIS_URL` names a Redis:
/// installs Debian's packages when missing (as root).
pub fn ensure_installed() -> Result<()> {
    let external_redis = std::env::var("REDIS_URL").is_ok_and(|u| !u.trim().is_empty());
    let mut missing: Vec<&str> = Vec::new();
    if Command::new("wrk").arg("--version").output().is_err() {
        missing.push("wrk");
    }
    if !external_redis
        && Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
    {
        missing.push("redis-server");
    }
    if missing.is_empty() {
        return Ok(());
    }
    let wanted = missing.join(" ");
    eprintln!("{wanted} missing; installing Debian's packages (apt-get install -y {wanted})…");
    let apt = |args: &[&str]| -> Result<()> {
        let status = Command::new("apt-get")
            .args(args)
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .with_context(|| format!("cannot run apt-get; install {wanted} yourself"))?;
        if !status.success() {
            bail!("apt-get failed; install {wanted} yourself");
        }
        Ok(())
    };
    if apt(&["install", "-y", "-qq"]).is_err() {
        let status = Command::new("apt-get")
            .args(["update", "-qq"])
            .status()
            .context("cannot run apt-get update")?;
        if !status.success() {
            bail!("apt-get update failed; install {wanted} yourself");
        }
        apt(&["install", "-y", "-qq"])?;
    }
    Ok(())
}

/// One load run.
pub struct Load<'a> {
    pub url: &'a str,
    /// A wrk Lua script, e.g. [`POST`] or [`rotating_bearers`].
    pub script: Option<String>,
    pub headers: Vec<(&'static str, String)>,
    pub connections: usize,
    pub duration: Duration,
}

/// What wrk measured.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    /// Non-2xx/3xx answers plus socket errors (connect, read, write, timeout).
    pub errors: u64,
}

/// The script that makes every request a POST.
pub const POST: &str = "wrk.method = \"POST\"\n";

/// A script whose requests take the bearer tokens in turn (each wrk thread cycles through all).
pub fn rotating_bearers(tokens: &[String]) -> String {
    let mut lua = String::from("local tokens = {\n");
    for token in tokens {
        // JWTs are base64url and dots: nothing to escape in a Lua string.
        lua.push_str(&format!("  \"Bearer {token}\",\n"));
    }
    lua.push_str(
        "}\nlocal i = 0\nrequest = function()\n  i = i % #tokens + 1\n  \
         return wrk.format(nil, nil, { [\"Authorization\"] = tokens[i] })\nend\n",
    );
    lua
}

fn script_file(dir: &Path, script: &str) -> Result<PathBuf> {
    let path = dir.join("bench-wrk.lua");
    std::fs::write(&path, script)?;
    Ok(path)
}

/// Runs wrk; `scratch` is where the script goes.
pub fn run(load: &Load<'_>, scratch: &Path) -> Result<Report> {
    let mut command = Command::new("wrk");
    command
        .arg("--latency")
        .arg(format!("-t{}", load.connections.min(2)))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("10s");
    for (name, value) in &load.headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    let script = match &load.script {
        Some(script) => Some(script_file(scratch, script)?),
        None => None,
    };
    if let Some(path) = &script {
        command.arg("-s").arg(path);
    }
    command.arg(load.url);
    let output = command.output().context("cannot run wrk");
    if let Some(path) = &script {
        // It may hold bearer tokens; they expire within the hour, but leave nothing behind.
        let _ = std::fs::remove_file(path);
    }
    let output = output?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse(&text).with_context(|| format!("cannot read wrk's report:\n{text}"))
}

/// Runs the same load `runs` times (at least once): requests/s, p50 and p99 are the medians over
/// the runs; requests and errors are the totals.
pub fn run_repeated(load: &Load<'_>, scratch: &Path, runs: usize) -> Result<Report> {
    let reports = (0..runs.max(1))
        .map(|_| run(load, scratch))
        .collect::<Result<Vec<_>>>()?;
    Ok(summarize(&reports))
}

fn summarize(reports: &[Report]) -> Report {
    let median = |figure: fn(&Report) -> f64| {
        let mut values: Vec<f64> = reports.iter().map(figure).collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or_default()
    };
    Report {
        requests_per_sec: median(|r| r.requests_per_sec),
        p50_ms: median(|r| r.p50_ms),
        p99_ms: median(|r| r.p99_ms),
        requests: reports.iter().map(|r| r.requests).sum(),
        errors: reports.iter().map(|r| r.errors).sum(),
    }
}

/// `1.23ms`, `456.00us`, `1.02s`, `2.00m` in milliseconds.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => return None,
    })
}

fn parse(text: &str) -> Option<Report> {
    let mut report = Report::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", value] => report.requests_per_sec = value.parse().ok()?,
            ["50%", value] => report.p50_ms = duration_ms(value)?,
            ["99%", value] => report.p99_ms = duration_ms(value)?,
            [count, "requests", "in", ..] => report.requests = count.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                report.errors += count.parse::<u64>().ok()?;
            }
            ["Socket", "errors:", rest @ ..] => {
                // connect 0, read 0, write 0, timeout 0
                for pair in rest.chunks(2) {
                    if let [_, count] = pair {
                        report.errors += count.trim_end_matches(',').parse::<u64>().ok()?;
                    }
                }
            }
            _ => {}
        }
    }
    (report.requests > 0).then_some(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrks_report() {
        let text = "Running 5s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n  \
            Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     9.80ms    \
            3.20ms  40.10ms   80.00%\n  Latency Distribution\n     50%    9.12ms\n     75%   \
            11.00ms\n     90%   13.50ms\n     99%   20.01ms\n  32000 requests in 5.00s, 10.00MB \
            read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx \
            responses: 3\nRequests/sec:   6400.12\nTransfer/sec:      2.00MB\n";
        let report = parse(text).unwrap();
        assert_eq!(report.requests, 32_000);
        assert!((report.requests_per_sec - 6400.12).abs() < 1e-9);
        assert!((report.p50_ms - 9.12).abs() < 1e-9);
        assert!((report.p99_ms - 20.01).abs() < 1e-9);
        assert_eq!(report.errors, 6);
        assert_eq!(duration_ms("456.00us"), Some(0.456));
        assert_eq!(duration_ms("1.50s"), Some(1500.0));
    }

    #[test]
    fn repeated_runs_give_medians_and_totals() {
        let run = |rps: f64, p99: f64, errors: u64| Report {
            requests_per_sec: rps,
            p50_ms: rps / 1000.0,
            p99_ms: p99,
            requests: 100,
            errors,
        };
        let report = summarize(&[
            run(3000.0, 9.0, 0),
            run(1000.0, 50.0, 2),
            run(2000.0, 7.0, 1),
        ]);
        assert!((report.requests_per_sec - 2000.0).abs() < 1e-9);
        assert!((report.p50_ms - 2.0).abs() < 1e-9);
        assert!((report.p99_ms - 9.0).abs() < 1e-9);
        assert_eq!((report.requests, report.errors), (300, 3));
    }
}
