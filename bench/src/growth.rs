//! The cost of growth: the same warm page (wrk, 64 connections, latency 0) with 10, 100 and
//! 1,000 accounts' tokens, sessions and message caches in Redis, and Redis memory per account.
//!
//! The emulator has three demo accounts, so accounts beyond the one logged in are made in
//! Redis: every key of the real account (its encrypted Google tokens, its e-mail index, one
//! session, its cached message summaries) is copied byte for byte (`DUMP`/`RESTORE`) under a new
//! account id. Their size and number are those of real accounts; the requests are the real
//! account's. At the end every key of the benchmark's prefix is deleted.

use anyhow::{Context, Result};

use crate::{
    Bench,
    stats::thousands,
    wrk::{self, Load},
};

const ACCOUNTS: [usize; 3] = [10, 100, 1_000];

/// One key of the real account, to copy.
struct Template {
    key: String,
    payload: Vec<u8>,
}

async fn used_memory(redis: &mut redis::aio::MultiplexedConnection) -> Result<u64> {
    let info: String = redis::cmd("INFO").arg("memory").query_async(redis).await?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .context("INFO memory has no used_memory")
}

/// The keys of the logged-in account: everything naming its id, its e-mail index, one session.
async fn templates(
    bench: &Bench,
    redis: &mut redis::aio::MultiplexedConnection,
) -> Result<(String, Vec<Template>)> {
    let prefix = &bench.system.prefix;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(redis)
        .await?;
    let account = keys
        .iter()
        .find_map(|k| {
            k.strip_prefix(&format!("{prefix}account:"))?
                .strip_suffix(":tokens")
        })
        .context("no account:<id>:tokens key; did the login store tokens?")?
        .to_owned();
    let session = keys
        .iter()
        .find(|k| k.starts_with(&format!("{prefix}session:")))
        .cloned();
    let mut chosen: Vec<String> = keys
        .iter()
        .filter(|k| k.contains(&format!(":{account}:")) || k.ends_with(&format!(":{account}")))
        .filter(|k| !k.starts_with(&format!("{prefix}lock:")))
        .chain(
            keys.iter()
                .filter(|k| k.starts_with(&format!("{prefix}account-by-email:"))),
        )
        .cloned()
        .collect();
    chosen.extend(session);
    let mut out = Vec::with_capacity(chosen.len());
    for key in chosen {
        let payload: Option<Vec<u8>> = redis::cmd("DUMP").arg(&key).query_async(redis).await?;
        if let Some(payload) = payload {
            out.push(Template { key, payload });
        }
    }
    Ok((account, out))
}

/// The key a template takes for made-up account number `n`.
fn key_for(template: &str, prefix: &str, account: &str, n: usize) -> String {
    let id = format!("9{n:020}");
    if template.starts_with(&format!("{prefix}session:")) {
        format!("{prefix}session:{:064x}", n + 1)
    } else if template.starts_with(&format!("{prefix}account-by-email:")) {
        format!("{prefix}account-by-email:user{n}@example.com")
    } else {
        template.replace(account, &id)
    }
}

pub async fn run(bench: &Bench) -> Result<String> {
    let system = &bench.system;
    system.set_latency(&bench.http, 0).await?;
    let mut redis = system.redis().await?;
    let (account, templates) = templates(bench, &mut redis).await?;
    let page = format!("{}/v1/messages/unread?limit=50", system.gmail.url);
    let before = used_memory(&mut redis).await?;

    let mut out = format!(
        "## Cost of growth (warm page of 50, 64 connections, latency 0)\n\n\
         One account is {} keys in Redis (encrypted tokens, e-mail index, one session, {} cached \
         summaries); accounts beyond the logged-in one are byte-for-byte copies under new ids.\n\n\
         | accounts in Redis | requests/s | p50 | p99 | errors | Redis used_memory |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        templates.len(),
        templates
            .iter()
            .filter(|t| t.key.starts_with(&format!("{}msg:", system.prefix)))
            .count(),
    );
    let mut made = 1;
    let mut per_account = 0.0;
    for target in ACCOUNTS {
        while made < target {
            let mut pipe = redis::pipe();
            for template in &templates {
                pipe.cmd("RESTORE")
                    .arg(key_for(&template.key, &system.prefix, &account, made))
                    .arg(0)
                    .arg(&template.payload)
                    .arg("REPLACE")
                    .ignore();
            }
            let () = pipe.query_async(&mut redis).await?;
            made += 1;
        }
        let used = used_memory(&mut redis).await?;
        per_account = used.saturating_sub(before) as f64 / (made - 1).max(1) as f64;
        eprintln!("  {target} accounts…");
        let report = wrk::run(
            &Load {
                url: &page,
                method_post: false,
                headers: vec![bench.bearer()],
                connections: 64,
                duration: bench.load_secs,
            },
            &bench.scratch,
        )?;
        out.push_str(&format!(
            "| {} | {} | {:.2} ms | {:.2} ms | {} | {:.1} MiB |\n",
            thousands(target as u64),
            thousands(report.requests_per_sec.round() as u64),
            report.p50_ms,
            report.p99_ms,
            report.errors,
            used as f64 / (1024.0 * 1024.0),
        ));
    }
    out.push_str(&format!(
        "\nRedis memory per account: **{:.1} KiB** (growth of `used_memory` over the made-up \
         accounts).\n\n",
        per_account / 1024.0
    ));

    // Leave the Redis as it was.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", system.prefix))
        .query_async(&mut redis)
        .await?;
    for chunk in keys.chunks(1_000) {
        let () = redis::cmd("DEL").arg(chunk).query_async(&mut redis).await?;
    }
    Ok(out)
}
