//! TLS to Redis: the process's one rustls crypto provider, the PEM files read once, and a
//! `redis::Client` for a URL that verifies the server against them.

use redis::{Client, ClientTlsConfig, RedisError, RedisResult, TlsCertificates};

use super::settings::RedisTlsFiles;

/// Installs ring as the process's rustls crypto provider, once. Every TLS stack of the process
/// (reqwest, the redis crate, the tests' WebDriver client) then agrees on one provider; without
/// this, a build in which two providers are compiled in (the test builds are) cannot make a TLS
/// client at all. Called by every `Application::build` and by [`super::RedisStore::connect`];
/// calling it again is harmless.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only when another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The CA and client certificate, read from their files.
pub(crate) fn load(files: &RedisTlsFiles) -> Result<TlsCertificates, RedisError> {
    let read = |path: &str| {
        std::fs::read(path).map_err(|e| {
            RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "cannot read a Redis TLS file",
                format!("{path}: {e}"),
            ))
        })
    };
    let root_cert = files.ca_file.as_deref().map(read).transpose()?;
    let client_tls = match &files.client {
        Some((cert, key)) => Some(ClientTlsConfig {
            client_cert: read(cert)?,
            client_key: read(key)?,
        }),
        None => None,
    };
    Ok(TlsCertificates {
        client_tls,
        root_cert,
    })
}

/// A client for `url`: over TLS with `certificates` when the URL is `rediss://` and they are
/// given (else the system's roots).
pub(crate) fn client(url: &str, certificates: Option<&TlsCertificates>) -> RedisResult<Client> {
    match certificates {
        Some(certificates) if url.starts_with("rediss://") => {
            Client::build_with_tls(url, certificates.clone())
        }
        _ => Client::open(url),
    }
}

/// `url` with `username` and `password` put in, unless it has its own.
pub(crate) fn with_credentials(
    url: &str,
    username: Option<&str>,
    password: Option<&str>,
) -> Result<String, RedisError> {
    if username.is_none() && password.is_none() {
        return Ok(url.to_owned());
    }
    let mut parsed = url::Url::parse(url).map_err(|_| {
        RedisError::from((
            redis::ErrorKind::InvalidClientConfig,
            "not a valid Redis URL",
        ))
    })?;
    let refused = || {
        RedisError::from((
            redis::ErrorKind::InvalidClientConfig,
            "cannot put credentials into this Redis URL",
        ))
    };
    if let Some(username) = username
        && parsed.username().is_empty()
    {
        parsed.set_username(username).map_err(|()| refused())?;
    }
    if let Some(password) = password
        && parsed.password().is_none()
    {
        parsed
            .set_password(Some(password))
            .map_err(|()| refused())?;
    }
    Ok(parsed.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_go_into_the_url_unless_it_has_its_own() {
        assert_eq!(
            with_credentials("redis://h:1", None, Some("p@ss/word")).unwrap(),
            "redis://:p%40ss%2Fword@h:1"
        );
        assert_eq!(
            with_credentials("rediss://u:own@h:1", Some("x"), Some("y")).unwrap(),
            "rediss://u:own@h:1"
        );
        assert_eq!(
            with_credentials("redis://h:1", Some("app"), None).unwrap(),
            "redis://app@h:1"
        );
        assert_eq!(
            with_credentials("redis://h:1", None, None).unwrap(),
            "redis://h:1"
        );
    }
}
