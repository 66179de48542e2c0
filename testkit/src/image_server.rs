//! A sender's image server for the image proxy's tests: it serves an image, and things that
//! are not one, and records every request (path and `User-Agent`), so a test can tell that
//! nothing reached it, or that only the proxy did.
//!
//! - `/banner.png`, `/hero.png`, `/logo.png`: real PNGs (`testkit/fixtures/`, `google-emulator/images/`).
//! - `/page.html`: HTML. `/lying.png`: HTML declared `image/png`. `/logo.svg`: SVG.
//! - `/huge.png`: a PNG's first bytes and then 6 MiB.
//! - `/to-metadata`: a redirect to the cloud metadata address. `/loop`: a redirect to itself.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// The PNG the server hands out.
pub const BANNER_PNG: &[u8] = include_bytes!("../fixtures/banner.png");
/// The newsletter's pictures (`testkit/fixtures/newsletter.eml`), the emulator's own.
pub use google_emulator::images::{HERO_PNG, LOGO_PNG};

/// One request the server saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub path: String,
    pub user_agent: String,
}

/// The running server.
pub struct ImageServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl ImageServer {
    pub fn start() -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let record = Arc::clone(&record);
            App::new().default_service(web::to(move |request: HttpRequest| {
                let record = Arc::clone(&record);
                async move { answer(&request, &record) }
            }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            port,
            seen,
        }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(request: &HttpRequest, record: &Mutex<Vec<Seen>>) -> HttpResponse {
    let path = request.path().to_owned();
    record.lock().unwrap().push(Seen {
        path: path.clone(),
        user_agent: request
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    });
    match path.as_str() {
        "/banner.png" => HttpResponse::Ok()
            .content_type("image/png")
            .body(BANNER_PNG),
        "/hero.png" => HttpResponse::Ok().content_type("image/png").body(HERO_PNG),
        "/logo.png" => HttpResponse::Ok().content_type("image/png").body(LOGO_PNG),
        "/page.html" => HttpResponse::Ok()
            .content_type("text/html")
            .body("<html><script>alert(1)</script></html>"),
        "/lying.png" => HttpResponse::Ok()
            .content_type("image/png")
            .body("<html><script>alert(1)</script></html>"),
        "/logo.svg" => HttpResponse::Ok()
            .content_type("image/svg+xml")
            .body("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"),
        "/huge.png" => {
            let mut body = BANNER_PNG[..8].to_vec();
            body.resize(6 * 1024 * 1024, 0);
            HttpResponse::Ok().content_type("image/png").body(body)
        }
        "/to-metadata" => HttpResponse::Found()
            .insert_header(("location", "http://169.254.169.254/latest/meta-data/"))
            .finish(),
        "/loop" => HttpResponse::Found()
            .insert_header(("location", "/loop"))
            .finish(),
        _ => HttpResponse::NotFound().finish(),
    }
}
