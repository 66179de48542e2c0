//! Configuration from the environment.
//!
//! Every binary reads its settings through [`Env`], so tests can hand a service an explicit map
//! instead of mutating the process environment. Secrets are read into [`SecretString`], whose
//! `Debug` prints `[REDACTED]`, and may come from a file named by `<NAME>_FILE` (Docker and
//! Kubernetes secrets).

use std::{collections::HashMap, net::SocketAddr, str::FromStr};

use secrecy::SecretString;

/// Why a configuration value could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: String, reason: String },
    #[error("{name}_FILE names {path}, which cannot be read: {source}")]
    SecretFile {
        name: String,
        path: String,
        source: std::io::Error,
    },
    #[error("both {name} and {name}_FILE are set; set only one")]
    Ambiguous { name: String },
}

/// A source of configuration variables: the process environment, or a fixed map in tests.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// Snapshot of the process environment (variables that are not UTF-8 are skipped).
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// A fixed set of variables, for tests.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Returns a copy with `name` set to `value`.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// The value of `name`, treating an empty value as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The value of `name`, or `default`.
    pub fn get_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_owned()
    }

    /// Parses `name` with [`FromStr`], or returns `default` when unset.
    pub fn parse_or<T>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|e: T::Err| ConfigError::Invalid {
                    name: name.to_owned(),
                    reason: e.to_string(),
                }),
        }
    }

    /// A boolean flag: `1`, `true`, `yes`, `on` (any case) are true; `0`, `false`, `no`, `off` false.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(_) => Err(ConfigError::Invalid {
                name: name.to_owned(),
                reason: "expected 1/0, true/false, yes/no or on/off".into(),
            }),
        }
    }

    /// A secret from `name` or from the file named by `name_FILE` (trailing newline trimmed).
    pub fn secret(&self, name: &str) -> Result<Option<SecretString>, ConfigError> {
        let file_var = format!("{name}_FILE");
        match (self.get(name), self.get(&file_var)) {
            (Some(_), Some(_)) => Err(ConfigError::Ambiguous {
                name: name.to_owned(),
            }),
            (Some(value), None) => Ok(Some(SecretString::from(value.to_owned()))),
            (None, Some(path)) => {
                let content =
                    std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFile {
                        name: name.to_owned(),
                        path: path.to_owned(),
                        source,
                    })?;
                let trimmed = content.trim_end_matches(['\n', '\r']);
                if trimmed.is_empty() {
                    return Err(ConfigError::Invalid {
                        name: file_var,
                        reason: "the file is empty".into(),
                    });
                }
                Ok(Some(SecretString::from(trimmed.to_owned())))
            }
            (None, None) => Ok(None),
        }
    }

    /// `LISTEN_ADDR`, defaulting to `127.0.0.1:<default_port>`.
    pub fn listen_addr(&self, default_port: u16) -> Result<SocketAddr, ConfigError> {
        self.parse_or(
            "LISTEN_ADDR",
            SocketAddr::from(([127, 0, 0, 1], default_port)),
        )
    }

    /// `LOG_FORMAT` (`json` or `pretty`, default `pretty`) and `RUST_LOG`.
    pub fn log(&self, default_filter: &str) -> Result<LogSettings, ConfigError> {
        let format = match self
            .get("LOG_FORMAT")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "LOG_FORMAT".into(),
                    reason: format!("{other:?} is neither json nor pretty"),
                });
            }
        };
        Ok(LogSettings {
            format,
            filter: self.get_or("RUST_LOG", default_filter),
        })
    }
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Log format and filter.
#[derive(Clone, Debug)]
pub struct LogSettings {
    pub format: LogFormat,
    /// An `EnvFilter` directive such as `info,auth_service=debug`.
    pub filter: String,
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn listen_addr_defaults_and_parses() {
        let env = Env::default();
        assert_eq!(env.listen_addr(5001).unwrap().to_string(), "127.0.0.1:5001");
        let env = env.with("LISTEN_ADDR", "0.0.0.0:0");
        assert_eq!(env.listen_addr(5001).unwrap().to_string(), "0.0.0.0:0");
        let env = Env::default().with("LISTEN_ADDR", "localhost");
        assert!(matches!(
            env.listen_addr(1),
            Err(ConfigError::Invalid { .. })
        ));
    }

    #[test]
    fn secret_comes_from_a_file_and_never_prints() {
        let dir = std::env::temp_dir().join(format!("gu-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, "s3cr3t-value\n").unwrap();
        let env = Env::default().with("GOOGLE_CLIENT_SECRET_FILE", path.to_string_lossy());
        let secret = env.secret("GOOGLE_CLIENT_SECRET").unwrap().unwrap();
        assert_eq!(secret.expose_secret(), "s3cr3t-value");
        assert!(!format!("{secret:?}").contains("s3cr3t"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn secret_errors_are_explicit() {
        let env = Env::default().with("K_FILE", "/nonexistent/gu-secret");
        assert!(matches!(
            env.secret("K"),
            Err(ConfigError::SecretFile { .. })
        ));
        let env = Env::default().with("K", "a").with("K_FILE", "/x");
        assert!(matches!(
            env.secret("K"),
            Err(ConfigError::Ambiguous { .. })
        ));
        assert!(Env::default().secret("K").unwrap().is_none());
    }

    #[test]
    fn flags_and_numbers() {
        let env = Env::from_pairs([("A", "yes"), ("B", "0"), ("C", "maybe"), ("N", "12x")]);
        assert!(env.flag("A", false).unwrap());
        assert!(!env.flag("B", true).unwrap());
        assert!(env.flag("C", true).is_err());
        assert!(env.flag("MISSING", true).unwrap());
        assert!(env.parse_or::<u64>("N", 1).is_err());
        assert_eq!(env.parse_or::<u64>("MISSING", 7).unwrap(), 7);
    }

    #[test]
    fn log_settings() {
        let env = Env::default();
        assert_eq!(env.log("info").unwrap().format, LogFormat::Pretty);
        let json = Env::default().with("LOG_FORMAT", "JSON");
        assert_eq!(json.log("info").unwrap().format, LogFormat::Json);
        assert!(
            Env::default()
                .with("LOG_FORMAT", "xml")
                .log("info")
                .is_err()
        );
    }
}
