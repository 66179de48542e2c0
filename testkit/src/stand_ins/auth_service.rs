//! A stand-in for auth-service as gmail-service sees it (docs/internal-api.md): the JWKS at
//! `/.well-known/jwks.json` on its public port, and, on a separate internal port,
//! `POST /internal/google-access-token`, which checks gmail-service's `X-Service-Credential`
//! (`401 invalid_credential` otherwise), verifies the caller's JWT and hands out the Google
//! access token of the JWT's account. The credential is a fixed random one per stand-in
//! ([`AuthStandIn::env`] hands it to gmail-service), or, as in demo mode, the one shared
//! through Redis ([`AuthStandIn::start_sharing_demo_credential`]).
//!
//! Google tokens come from a real login at the Google emulator (auto-approve, PKCE,
//! `login_hint` = the JWT's `email`), made the first time an account asks, as if the person
//! had connected Gmail. A `rejected_access_token_sha256` equal to the current token refreshes
//! it with the refresh token; a refresh Google refuses ends the grant (`401 reauth_required`
//! from then on). Shared by gmail-service's tests, the fuzz stack and the benchmark.

use std::{
    collections::HashMap,
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, http::StatusCode, web};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::{
    ExposeSecret,
    config::Env,
    jwt::{Es256KeyPair, GMAIL_SERVICE_AUDIENCE, InternalClaims, JwtVerifier, unix_now},
    problem::{Problem, ProblemCode},
    redis_store::RedisStore,
};
use sha2::{Digest, Sha256};

/// The redirect URI the stand-in registers at the emulator (never followed).
pub const REDIRECT: &str = "http://127.0.0.1:9/oauth/callback";
pub const CLIENT_ID: &str = "demo-client.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "demo-secret";
pub const ISSUER: &str = "auth-service";
const SCOPES: &str = "openid email https://www.googleapis.com/auth/gmail.readonly";

/// The demo accounts' `sub` and address (as the emulator has them).
pub const ALICE: (&str, &str) = ("104216548201937465021", "alice@example.com");
pub const BOB: (&str, &str) = ("109873450129834765102", "bob@example.com");
pub const CAROL: (&str, &str) = ("112093487561203948576", "carol@example.com");

/// The credential the internal route demands.
pub enum ExpectedCredential {
    /// This value, given to gmail-service as `GMAIL_SERVICE_CREDENTIAL`.
    Fixed(String),
    /// Demo mode: the one shared through Redis under `keys:gmail-service-credential`.
    SharedDemo(RedisStore),
}

enum Grant {
    Connected {
        access_token: String,
        refresh_token: String,
        expires_at: i64,
    },
    Disconnected,
}

struct State {
    emulator_url: String,
    /// The scopes the stand-in's logins ask for.
    scopes: String,
    http: reqwest::Client,
    verifier: JwtVerifier,
    credential: ExpectedCredential,
    credential_refusals: AtomicU64,
    grants: tokio::sync::Mutex<HashMap<String, Grant>>,
    token_requests: AtomicU64,
    refreshes: AtomicU64,
    jwks_requests: AtomicU64,
}

/// A running stand-in.
#[derive(Clone)]
pub struct AuthStandIn {
    /// Its public base URL (what gmail-service's `AUTH_SERVICE_URL` names): the JWKS.
    pub url: String,
    /// Its internal base URL (`AUTH_SERVICE_INTERNAL_URL`): the Google-token route.
    pub internal_url: String,
    pub key: Arc<Es256KeyPair>,
    state: Arc<State>,
}

impl AuthStandIn {
    /// Starts the stand-in on a free port, issuing Google tokens from the emulator at `emulator_url`.
    pub fn start(emulator_url: &str) -> Self {
        Self::start_with_scopes(emulator_url, SCOPES)
    }

    /// Like [`AuthStandIn::start`], with grants for `scopes` only.
    pub fn start_with_scopes(emulator_url: &str, scopes: &str) -> Self {
        let credential = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        Self::start_with(emulator_url, scopes, ExpectedCredential::Fixed(credential))
    }

    /// Like [`AuthStandIn::start`], demanding the demo credential shared through `redis`.
    pub fn start_sharing_demo_credential(emulator_url: &str, redis: RedisStore) -> Self {
        Self::start_with(emulator_url, SCOPES, ExpectedCredential::SharedDemo(redis))
    }

    fn start_with(emulator_url: &str, scopes: &str, credential: ExpectedCredential) -> Self {
        let key = Arc::new(Es256KeyPair::generate().unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let internal_listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let internal_url = format!(
            "http://127.0.0.1:{}",
            internal_listener.local_addr().unwrap().port()
        );
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let state = Arc::new(State {
            emulator_url: emulator_url.to_owned(),
            scopes: scopes.to_owned(),
            verifier: JwtVerifier::new(
                http.clone(),
                &format!("{url}/.well-known/jwks.json"),
                ISSUER,
                GMAIL_SERVICE_AUDIENCE,
            ),
            http,
            credential,
            credential_refusals: AtomicU64::new(0),
            grants: tokio::sync::Mutex::new(HashMap::new()),
            token_requests: AtomicU64::new(0),
            refreshes: AtomicU64::new(0),
            jwks_requests: AtomicU64::new(0),
        });
        let jwks = serde_json::json!({ "keys": [key.public_jwk()] }).to_string();
        let app_state = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            let jwks = jwks.clone();
            App::new().app_data(app_state.clone()).route(
                "/.well-known/jwks.json",
                web::get().to(move |state: web::Data<State>| {
                    let jwks = jwks.clone();
                    state.jwks_requests.fetch_add(1, Ordering::SeqCst);
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(jwks)
                    }
                }),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        let internal_state = web::Data::from(state.clone());
        let internal = HttpServer::new(move || {
            App::new().app_data(internal_state.clone()).route(
                "/internal/google-access-token",
                web::post().to(google_access_token),
            )
        })
        .workers(2)
        .listen(internal_listener)
        .unwrap()
        .run();
        tokio::spawn(internal);
        Self {
            url,
            internal_url,
            key,
            state,
        }
    }

    /// What gmail-service needs to reach this stand-in: `AUTH_SERVICE_URL`,
    /// `AUTH_SERVICE_INTERNAL_URL` and (unless the credential is the shared demo one)
    /// `GMAIL_SERVICE_CREDENTIAL`.
    pub fn env(&self) -> Env {
        let env = Env::default()
            .with("AUTH_SERVICE_URL", &self.url)
            .with("AUTH_SERVICE_INTERNAL_URL", &self.internal_url);
        match &self.state.credential {
            ExpectedCredential::Fixed(value) => env.with("GMAIL_SERVICE_CREDENTIAL", value),
            ExpectedCredential::SharedDemo(_) => env,
        }
    }

    /// The fixed credential the internal route demands, if it is a fixed one.
    pub fn credential(&self) -> Option<&str> {
        match &self.state.credential {
            ExpectedCredential::Fixed(value) => Some(value),
            ExpectedCredential::SharedDemo(_) => None,
        }
    }

    /// Internal calls refused for a missing or wrong `X-Service-Credential`.
    pub fn credential_refusals(&self) -> u64 {
        self.state.credential_refusals.load(Ordering::SeqCst)
    }

    /// A valid internal JWT for `(sub, email)`, living `lifetime`.
    pub fn jwt_for(&self, account: (&str, &str), lifetime: Duration) -> String {
        self.key
            .sign(&InternalClaims::new(ISSUER, account.0, account.1, lifetime))
            .unwrap()
    }

    /// A five-minute session JWT.
    pub fn jwt(&self, account: (&str, &str)) -> String {
        self.jwt_for(account, Duration::from_secs(300))
    }

    /// Signs arbitrary claims with the published key.
    pub fn sign(&self, claims: &InternalClaims) -> String {
        self.key.sign(claims).unwrap()
    }

    /// `POST /internal/google-access-token` calls answered so far.
    pub fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// `GET /.well-known/jwks.json` requests so far (gmail-service's and the stand-in's own).
    pub fn jwks_requests(&self) -> u64 {
        self.state.jwks_requests.load(Ordering::SeqCst)
    }

    /// Refreshes made at the emulator so far.
    pub fn refreshes(&self) -> u64 {
        self.state.refreshes.load(Ordering::SeqCst)
    }
}

fn problem(status: StatusCode, code: ProblemCode, detail: &str) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.content_type("application/problem+json");
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header(("Retry-After", "5"));
    }
    response.json(Problem::new(status, code, code.as_str(), detail).body())
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn google_access_token(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<State>,
) -> HttpResponse {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let expected = match &state.credential {
        ExpectedCredential::Fixed(value) => value.clone(),
        ExpectedCredential::SharedDemo(redis) => {
            match redis.shared_demo_secret("gmail-service-credential").await {
                Ok(secret) => secret.expose_secret().to_owned(),
                Err(_) => {
                    return problem(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ProblemCode::DependencyUnavailable,
                        "Redis is unavailable.",
                    );
                }
            }
        }
    };
    let presented = request
        .headers()
        .get("x-service-credential")
        .and_then(|v| v.to_str().ok());
    if presented != Some(expected.as_str()) {
        state.credential_refusals.fetch_add(1, Ordering::SeqCst);
        return problem(
            StatusCode::UNAUTHORIZED,
            ProblemCode::InvalidCredential,
            "The calling service's credential is missing or wrong.",
        );
    }
    let bearer = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let Ok(claims) = state.verifier.verify(bearer).await else {
        return problem(
            StatusCode::UNAUTHORIZED,
            ProblemCode::InvalidToken,
            "The token is refused.",
        );
    };
    let rejected = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(json) => json["rejected_access_token_sha256"]
                .as_str()
                .map(str::to_owned),
            Err(_) => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    ProblemCode::BadRequest,
                    "Malformed JSON.",
                );
            }
        }
    };
    let mut grants = state.grants.lock().await;
    if !grants.contains_key(&claims.sub) {
        match login(&state, &claims.email).await {
            Some(grant) => {
                grants.insert(claims.sub.clone(), grant);
            }
            None => {
                return problem(
                    StatusCode::UNAUTHORIZED,
                    ProblemCode::ReauthRequired,
                    "No Google grant for this account.",
                );
            }
        }
    }
    let grant = grants.get_mut(&claims.sub).unwrap();
    let Grant::Connected {
        access_token,
        refresh_token,
        expires_at,
    } = grant
    else {
        return problem(
            StatusCode::UNAUTHORIZED,
            ProblemCode::ReauthRequired,
            "Connect Gmail again.",
        );
    };
    if rejected.as_deref() == Some(sha256_hex(access_token).as_str()) {
        state.refreshes.fetch_add(1, Ordering::SeqCst);
        let response = state
            .http
            .post(format!("{}/token", state.emulator_url))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.as_str()),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ])
            .send()
            .await;
        match response {
            Ok(r) if r.status() == 200 => {
                let json: serde_json::Value = r.json().await.unwrap();
                *access_token = json["access_token"].as_str().unwrap().to_owned();
                *expires_at = unix_now() + json["expires_in"].as_i64().unwrap_or(3599);
            }
            Ok(r) if r.status() == 400 => {
                *grant = Grant::Disconnected;
                return problem(
                    StatusCode::UNAUTHORIZED,
                    ProblemCode::ReauthRequired,
                    "Connect Gmail again.",
                );
            }
            _ => {
                return problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ProblemCode::UpstreamUnavailable,
                    "Google's token endpoint failed.",
                );
            }
        }
    }
    let Grant::Connected {
        access_token,
        expires_at,
        ..
    } = grant
    else {
        unreachable!()
    };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "access_token": access_token, "expires_at": expires_at }))
}

/// A whole authorization-code + PKCE login at the emulator for `email`.
async fn login(state: &State, email: &str) -> Option<Grant> {
    let verifier = format!(
        "{}-0123456789abcdefghijk",
        URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let response = state
        .http
        .get(format!("{}/o/oauth2/v2/auth", state.emulator_url))
        .query(&[
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", state.scopes.as_str()),
            ("state", "stand-in"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("login_hint", email),
        ])
        .send()
        .await
        .ok()?;
    let location = response
        .headers()
        .get("location")?
        .to_str()
        .ok()?
        .to_owned();
    let code = url::Url::parse(&location)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == "code")?
        .1
        .into_owned();
    let tokens: serde_json::Value = state
        .http
        .post(format!("{}/token", state.emulator_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    Some(Grant::Connected {
        access_token: tokens["access_token"].as_str()?.to_owned(),
        refresh_token: tokens["refresh_token"].as_str()?.to_owned(),
        expires_at: unix_now() + tokens["expires_in"].as_i64().unwrap_or(3599),
    })
}
