//! A browser without a browser for load: the test kit's cookie jar ([`CookieJar`], reqwest's
//! cookie store) and redirects followed as a browser does, for logins and pages under load (the
//! benchmark, the failover suite); its API token comes through the typed [`clients::AuthClient`].
//! (`crate::browser::Browser` is the same for ordinary tests; this one returns errors instead of
//! panicking, because under load an error is a result to count.)

use crate::browser::CookieJar;
use anyhow::{Context, Result, bail};
use clients::{AuthClient, BrowserHeaders};

/// One person's browser.
pub struct Browser {
    pub jar: CookieJar,
    http: reqwest::Client,
}

impl Browser {
    pub fn new(http: &reqwest::Client) -> Self {
        Self {
            jar: CookieJar::default(),
            http: http.clone(),
        }
    }

    /// GET `url`, following up to ten redirects; the final response's status and body.
    pub async fn get(&mut self, url: &str) -> Result<(u16, String, String)> {
        let mut url = url::Url::parse(url)?;
        for _ in 0..10 {
            let response = self
                .http
                .get(url.clone())
                .header("cookie", self.jar.header_for(url.as_str()))
                .send()
                .await?;
            self.jar.keep(&response);
            if response.status().is_redirection() {
                let location = response
                    .headers()
                    .get("location")
                    .context("a redirect without Location")?
                    .to_str()?;
                url = url.join(location)?;
                continue;
            }
            let status = response.status().as_u16();
            return Ok((status, url.to_string(), response.text().await?));
        }
        bail!("more than ten redirects")
    }

    /// A full login through the frontend (auto-approve at the emulator) ending on the inbox.
    pub async fn log_in(&mut self, frontend: &str) -> Result<String> {
        self.log_in_as(frontend, None).await
    }

    /// A full login as the emulator account `email` (`login_hint`), or the default one.
    pub async fn log_in_as(&mut self, frontend: &str, email: Option<&str>) -> Result<String> {
        let mut login = url::Url::parse(&format!("{frontend}/oauth/login"))?;
        if let Some(email) = email {
            login.query_pairs_mut().append_pair("login_hint", email);
        }
        let (status, url, body) = self.get(login.as_str()).await?;
        if status != 200 || url != format!("{frontend}/") {
            bail!("login ended at {url} with {status}");
        }
        Ok(body)
    }

    /// Attaches the emulator account `email` to this browser's session ("Add another account":
    /// `/oauth/login?add=1`), ending on the inbox.
    pub async fn attach(&mut self, frontend: &str, email: &str) -> Result<String> {
        let mut login = url::Url::parse(&format!("{frontend}/oauth/login"))?;
        login
            .query_pairs_mut()
            .append_pair(contract::paths::auth::ADD_PARAM, "1")
            .append_pair("login_hint", email);
        let (status, url, body) = self.get(login.as_str()).await?;
        if status != 200 || url != format!("{frontend}/") {
            bail!("attaching {email} ended at {url} with {status}");
        }
        Ok(body)
    }

    /// A one-hour API token (`POST /v1/api-tokens` on auth-service, as from the frontend's page).
    pub async fn api_token(&self, auth: &str, frontend: &str) -> Result<String> {
        let url = format!("{auth}{}", contract::paths::auth::API_TOKENS);
        let browser = BrowserHeaders::new()
            .cookie(&self.jar.header_for(&url))
            .origin(frontend);
        let answer = AuthClient::new(self.http.clone(), auth)
            .api_token(&browser, None)
            .await
            .context("POST /v1/api-tokens")?;
        Ok(answer.access_token)
    }
}
