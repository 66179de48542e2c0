//! `/emulator/*`: controls for tests and benchmarks, not part of Google's API.
//!
//! - `GET /emulator/stats`, `POST /emulator/stats/reset`: requests seen, by kind.
//! - `GET|PUT /emulator/faults`: the fault plan (JSON, see [`crate::faults::FaultPlan`]).
//! - `POST /emulator/tokens/expire`: every access token expires now.
//! - `POST /emulator/accounts/{email}/revoke`: the account revokes every app's access.
//! - `GET /emulator/accounts`: the demo accounts and their mailbox sizes.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::{faults::FaultPlan, state::EmulatorState};

/// `GET /emulator/stats`.
pub async fn stats(state: web::Data<EmulatorState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "requests": state.counts() }))
}

/// `POST /emulator/stats/reset`.
pub async fn reset_stats(state: web::Data<EmulatorState>) -> HttpResponse {
    state.with_store(|s| s.counts.clear());
    HttpResponse::NoContent().finish()
}

/// `GET /emulator/faults`.
pub async fn get_faults(state: web::Data<EmulatorState>) -> HttpResponse {
    HttpResponse::Ok().json(state.with_store(|s| s.faults))
}

/// `PUT /emulator/faults`.
pub async fn put_faults(
    plan: web::Json<FaultPlan>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    if let Err(reason) = plan.validate() {
        return HttpResponse::BadRequest().json(json!({ "error": reason }));
    }
    state.with_store(|s| s.faults = *plan);
    HttpResponse::Ok().json(*plan)
}

/// `POST /emulator/tokens/expire`.
pub async fn expire_tokens(state: web::Data<EmulatorState>) -> HttpResponse {
    state.with_store(|s| s.expire_access_tokens());
    HttpResponse::NoContent().finish()
}

/// `POST /emulator/accounts/{email}/revoke`.
pub async fn revoke_account(
    path: web::Path<String>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    let Some(account) = state.accounts.find(&path) else {
        return HttpResponse::NotFound().json(json!({ "error": "unknown account" }));
    };
    let revoked = state.with_store(|s| {
        let grants: Vec<u64> = s
            .grants
            .iter()
            .filter(|(_, g)| g.account == account)
            .map(|(id, _)| *id)
            .collect();
        for grant in &grants {
            s.revoke_grant(*grant);
        }
        grants.len()
    });
    HttpResponse::Ok().json(json!({ "revoked_grants": revoked }))
}

/// `GET /emulator/accounts`.
pub async fn list_accounts(state: web::Data<EmulatorState>) -> HttpResponse {
    let accounts: Vec<_> = state
        .accounts
        .iter()
        .map(|a| {
            let messages = a.mailbox.messages();
            json!({
                "email": a.email,
                "sub": a.sub,
                "name": a.name,
                "messages": messages.len(),
                "unread": messages.iter().filter(|x| x.is_unread()).count(),
            })
        })
        .collect();
    HttpResponse::Ok().json(accounts)
}
