//! [`ClientError`]: why a call to one of the services gave no answer of the contract.

use contract::{
    headers::retry_after_secs,
    problem::{Problem, ProblemCode},
};

/// Why a call failed. Never holds a token or a body's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// No answer: the connection failed or the call timed out.
    #[error("{service} did not answer ({})", if *timed_out { "timed out" } else { "cannot connect" })]
    Unreachable {
        service: &'static str,
        timed_out: bool,
    },
    /// An answer that is not a success. `code` is the problem's, `None` when the body was not
    /// problem+json (e.g. a proxy's page).
    #[error("{service} answered {status} ({})", code.map_or("no problem code", ProblemCode::as_str))]
    Refused {
        service: &'static str,
        status: u16,
        code: Option<ProblemCode>,
        /// `Retry-After` in seconds (the header, else the problem's `retry_after`).
        retry_after: Option<u64>,
    },
    /// A success whose body is not the contract's type.
    #[error("{service} answered {status} with an unreadable body ({reason})")]
    Malformed {
        service: &'static str,
        status: u16,
        reason: String,
    },
}

impl ClientError {
    pub(crate) fn unreachable(service: &'static str, error: &reqwest::Error) -> Self {
        Self::Unreachable {
            service,
            timed_out: error.is_timeout(),
        }
    }

    /// What serde found wrong, without the values (they may be tokens).
    pub(crate) fn malformed(service: &'static str, status: u16, error: &serde_json::Error) -> Self {
        Self::Malformed {
            service,
            status,
            reason: format!(
                "{:?} JSON error at line {} column {}",
                error.classify(),
                error.line(),
                error.column()
            ),
        }
    }

    /// The error for a non-success `response` of `service`: its status, problem code and
    /// `Retry-After`.
    pub async fn from_response(service: &'static str, response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let header_retry = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after_secs);
        // Read as a problem whatever the Content-Type says (stand-ins answer plain JSON);
        // a body that is not one has no code.
        let problem = response
            .bytes()
            .await
            .ok()
            .and_then(|body| serde_json::from_slice::<Problem>(&body).ok());
        Self::Refused {
            service,
            status,
            code: problem.as_ref().map(|p| p.code),
            retry_after: header_retry.or(problem.and_then(|p| p.retry_after)),
        }
    }

    /// The service called.
    pub fn service(&self) -> &'static str {
        match self {
            Self::Unreachable { service, .. }
            | Self::Refused { service, .. }
            | Self::Malformed { service, .. } => service,
        }
    }

    /// The answer's status, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unreachable { .. } => None,
            Self::Refused { status, .. } | Self::Malformed { status, .. } => Some(*status),
        }
    }

    /// The problem's code, if the answer was a problem.
    pub fn code(&self) -> Option<ProblemCode> {
        match self {
            Self::Refused { code, .. } => *code,
            _ => None,
        }
    }

    /// `Retry-After` in seconds, if the answer gave one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Refused { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
