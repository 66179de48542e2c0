//! `spawn_app()`: the frontend on port 0, pointed at given upstream URLs; `RecordingAuth`: a
//! stand-in auth-service that records what reaches it; `raw()`: an HTTP/1.1 exchange by hand.

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, web};
use common::config::Env;
use frontend::{configuration::Settings, startup::Application};

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
}

/// A stand-in upstream answering `/healthz` with 200; returns its base URL.
pub fn healthy_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| App::new().route("/healthz", web::get().to(HttpResponse::Ok)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

pub async fn spawn_app(auth_service_url: &str, gmail_service_url: &str) -> TestApp {
    spawn_app_with(auth_service_url, gmail_service_url, &[]).await
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }
}

/// The frontend on port 0 with `env` on top of the upstream URLs.
pub async fn spawn_app_with(
    auth_service_url: &str,
    gmail_service_url: &str,
    env: &[(&str, &str)],
) -> TestApp {
    let mut settings = Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("AUTH_SERVICE_URL", auth_service_url)
        .with("GMAIL_SERVICE_URL", gmail_service_url);
    for (name, value) in env {
        settings = settings.with(name, *value);
    }
    let app = Application::build(Settings::from_env(&settings).unwrap())
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

/// One request a stand-in auth-service received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub forwarded_for: Vec<String>,
}

/// A stand-in auth-service that records every request. Normally it answers the login routes
/// with redirects and `/v1/*` with `401 invalid_session`; `rate_limited` makes it answer every
/// request `429 rate_limited` with `Retry-After: 42`, as auth-service's limiter does.
pub struct RecordingAuth {
    pub base: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl RecordingAuth {
    pub fn start(rate_limited: bool) -> Self {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Seen>::new()));
        let recorder = seen.clone();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let recorder = recorder.clone();
            App::new().default_service(web::to(move |request: actix_web::HttpRequest| {
                let recorder = recorder.clone();
                async move {
                    recorder.lock().unwrap().push(Seen {
                        method: request.method().to_string(),
                        path: request.path().to_owned(),
                        query: request.query_string().to_owned(),
                        forwarded_for: request
                            .headers()
                            .get_all("x-forwarded-for")
                            .map(|v| v.to_str().unwrap().to_owned())
                            .collect(),
                    });
                    if rate_limited {
                        return HttpResponse::TooManyRequests()
                            .content_type("application/problem+json")
                            .insert_header(("Retry-After", "42"))
                            .body(
                                r#"{"type":"urn:gmail-unread:problem:rate_limited","title":"Too many requests","status":429,"detail":"Slow down.","code":"rate_limited","retry_after":42}"#,
                            );
                    }
                    match request.path() {
                        "/oauth/login" => HttpResponse::Found()
                            .insert_header(("Location", "http://google.invalid/auth"))
                            .finish(),
                        "/oauth/callback" | "/oauth/logout" => HttpResponse::SeeOther()
                            .insert_header(("Location", "/"))
                            .finish(),
                        _ => HttpResponse::Unauthorized()
                            .content_type("application/problem+json")
                            .body(r#"{"status":401,"code":"invalid_session"}"#),
                    }
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            seen,
        }
    }

    /// Everything received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A raw HTTP/1.1 exchange: `head` is sent as it is (request line and headers, no blank line),
/// then `Connection: close`, then `body`; returns the status, the lower-cased head and the body.
pub async fn raw(address: &str, head: &str, body: &[u8]) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut request = format!("{head}\r\nHost: {host}\r\nConnection: close\r\n");
    if !body.is_empty() {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    // The server may answer (and stop reading) before the body is all sent.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer to {head:?}"));
    (status, head.to_ascii_lowercase(), body.to_owned())
}
