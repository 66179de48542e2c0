//! `/healthz` and `/readyz` answers shared by every service.
//!
//! `/healthz` is 200 while the process serves. `/readyz` runs the service's dependency checks and
//! answers 200 `{"status":"ready","checks":{…}}`, or 503 problem+json naming what is down.

use actix_web::{HttpResponse, http::StatusCode};
use serde_json::json;

use crate::{
    problem::{Problem, ProblemCode},
    redis_store::{RedisNode, RedisStore},
};

/// `GET /healthz`.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Redis's readiness: the check, and what the answer says of it (`{"mode","node"}`: which of
/// single, sentinel and cluster, and which node answered).
pub async fn redis_readiness(redis: &RedisStore) -> (Result<(), String>, serde_json::Value) {
    match redis.ping().await {
        Ok(RedisNode { mode, node }) => (Ok(()), json!({ "mode": mode, "node": node })),
        Err(error) => (
            Err(format!(
                "Redis ({} mode) does not answer ({})",
                redis.mode(),
                crate::redis_store::explain(&error)
            )),
            json!({ "mode": redis.mode() }),
        ),
    }
}

/// The readiness answer for named check outcomes.
pub fn readiness(checks: &[(&str, Result<(), String>)]) -> HttpResponse {
    readiness_reporting(checks, serde_json::Map::new())
}

/// [`readiness`], with `report` (e.g. `"redis": {"mode","node"}`) beside the checks of a ready
/// answer.
pub fn readiness_reporting(
    checks: &[(&str, Result<(), String>)],
    report: serde_json::Map<String, serde_json::Value>,
) -> HttpResponse {
    let failed: Vec<String> = checks
        .iter()
        .filter_map(|(name, outcome)| outcome.as_ref().err().map(|e| format!("{name}: {e}")))
        .collect();
    if failed.is_empty() {
        let names: serde_json::Map<String, serde_json::Value> = checks
            .iter()
            .map(|(name, _)| ((*name).to_owned(), json!("ok")))
            .collect();
        let mut body = report;
        body.insert("status".into(), json!("ready"));
        body.insert("checks".into(), serde_json::Value::Object(names));
        return HttpResponse::Ok().json(body);
    }
    let problem = Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ProblemCode::NotReady,
        "Not ready",
        format!("Unavailable dependencies: {}", failed.join("; ")),
    )
    .with_retry_after(5);
    actix_web::ResponseError::error_response(&problem)
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;

    #[test]
    fn ready_only_when_every_check_passes() {
        let ok = readiness(&[("redis", Ok(()))]);
        assert_eq!(ok.status(), StatusCode::OK);
        let down = readiness(&[
            ("redis", Err("connection refused".into())),
            ("jwks", Ok(())),
        ]);
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = down.into_body().try_into_bytes().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], "not_ready");
        assert!(
            json["detail"]
                .as_str()
                .unwrap()
                .contains("redis: connection refused")
        );
    }
}
