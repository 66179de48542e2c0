//! [`SentinelConnection`]: the master a set of sentinels names, followed across failovers.
//!
//! The redis crate asks the sentinels once and then stays with that address; it does not follow
//! `+switch-master`. This connection keeps one multiplexed connection to the current master and
//! forgets it on any error that is not an ordinary reply of the server (a dropped connection, a
//! timeout, `READONLY`/`MASTERDOWN`/`LOADING`: the old master came back as a replica): the
//! command that saw the error fails (the service answers 503 with `Retry-After`), and the next
//! command asks the sentinels again (one caller at a time), so the services follow the new master
//! by themselves, with no restart. A master is only taken after it answers `ROLE` as `master`, so
//! a sentinel that has not seen the failover yet is skipped.
//!
//! Deliberately not a `ConnectionManager`: that reconnects to the same address by itself, and a
//! killed master that restarts answers as an (empty) master for a moment before the sentinels
//! demote it. Reconnecting only through the sentinels never lands there.

use std::sync::{Arc, RwLock};

use redis::{
    AsyncConnectionConfig, Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult,
    TlsCertificates, Value,
    aio::{ConnectionLike, MultiplexedConnection},
};

use super::tls;

/// How the sentinels and the data nodes are reached.
pub(crate) struct SentinelParams {
    pub sentinels: Vec<(String, u16)>,
    pub master: String,
    pub sentinel_password: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: bool,
    pub certificates: Option<TlsCertificates>,
    /// Timeouts of the connections to the sentinels and to the master.
    pub connection: AsyncConnectionConfig,
}

#[derive(Clone)]
struct Master {
    generation: u64,
    address: String,
    connection: MultiplexedConnection,
}

struct Inner {
    params: SentinelParams,
    current: RwLock<Option<Master>>,
    /// Held while the sentinels are asked, so a failover makes one round of questions, not one
    /// per waiting request.
    resolving: tokio::sync::Mutex<u64>,
}

/// A connection to the master the sentinels name; cheap to clone.
#[derive(Clone)]
pub struct SentinelConnection {
    inner: Arc<Inner>,
}

impl SentinelConnection {
    pub(crate) fn new(params: SentinelParams) -> Self {
        Self {
            inner: Arc::new(Inner {
                params,
                current: RwLock::new(None),
                resolving: tokio::sync::Mutex::new(0),
            }),
        }
    }

    /// `host:port` of the master in use, if one is.
    pub fn master_address(&self) -> Option<String> {
        self.inner
            .current
            .read()
            .ok()
            .and_then(|c| c.as_ref().map(|m| m.address.clone()))
    }

    async fn master(&self) -> RedisResult<Master> {
        if let Some(master) = self.inner.current.read().ok().and_then(|c| c.clone()) {
            return Ok(master);
        }
        let mut generation = self.inner.resolving.lock().await;
        if let Some(master) = self.inner.current.read().ok().and_then(|c| c.clone()) {
            return Ok(master);
        }
        let (address, connection) = self.inner.resolve().await?;
        *generation += 1;
        let master = Master {
            generation: *generation,
            address,
            connection,
        };
        tracing::info!(master = %master.address, "following the master the sentinels name");
        if let Ok(mut current) = self.inner.current.write() {
            *current = Some(master.clone());
        }
        Ok(master)
    }

    /// After `error` on `master`'s connection: forget that master when the error says it may
    /// no longer be the master (unless a newer one is already in use).
    fn after_error(&self, master: &Master, error: &RedisError) {
        if !master_may_have_moved(error) {
            return;
        }
        if let Ok(mut current) = self.inner.current.write()
            && current
                .as_ref()
                .is_some_and(|c| c.generation == master.generation)
        {
            tracing::warn!(master = %master.address, error = %error.category(), "the Redis master failed; asking the sentinels again");
            *current = None;
        }
    }
}

/// Errors after which the master is asked for again: all but the server's ordinary error
/// replies and our own decoding errors.
fn master_may_have_moved(error: &RedisError) -> bool {
    match error.kind() {
        ErrorKind::Server(_) => {
            matches!(error.code(), Some("READONLY" | "MASTERDOWN" | "LOADING"))
        }
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType => false,
        _ => true,
    }
}

impl Inner {
    fn url(&self, host: &str, port: u16) -> String {
        let scheme = if self.params.tls { "rediss" } else { "redis" };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        format!("{scheme}://{host}:{port}")
    }

    /// Asks each sentinel in turn for the master; takes the first that answers `ROLE` as master.
    async fn resolve(&self) -> RedisResult<(String, MultiplexedConnection)> {
        let mut last_error =
            RedisError::from((ErrorKind::Io, "no sentinel named a reachable master"));
        for (host, port) in &self.params.sentinels {
            match self.ask(host, *port).await {
                Ok(found) => return Ok(found),
                Err(error) => {
                    tracing::debug!(sentinel = %format!("{host}:{port}"), error = %error.category(), "sentinel gave no usable master");
                    last_error = error;
                }
            }
        }
        Err(last_error)
    }

    async fn ask(&self, host: &str, port: u16) -> RedisResult<(String, MultiplexedConnection)> {
        let url = tls::with_credentials(
            &self.url(host, port),
            None,
            self.params.sentinel_password.as_deref(),
        )?;
        let sentinel = tls::client(&url, self.params.certificates.as_ref())?;
        let mut connection = sentinel
            .get_multiplexed_async_connection_with_config(&self.params.connection)
            .await?;
        let address: Option<(String, u16)> = redis::cmd("SENTINEL")
            .arg("get-master-addr-by-name")
            .arg(&self.params.master)
            .query_async(&mut connection)
            .await?;
        let (master_host, master_port) = address.ok_or_else(|| {
            RedisError::from((ErrorKind::Io, "the sentinel does not know the master name"))
        })?;
        let url = tls::with_credentials(
            &self.url(&master_host, master_port),
            self.params.username.as_deref(),
            self.params.password.as_deref(),
        )?;
        let client = tls::client(&url, self.params.certificates.as_ref())?;
        let mut master = client
            .get_multiplexed_async_connection_with_config(&self.params.connection)
            .await?;
        let role: Vec<Value> = redis::cmd("ROLE").query_async(&mut master).await?;
        match role.first() {
            Some(Value::BulkString(kind)) if kind.as_slice() == b"master" => {
                Ok((format!("{master_host}:{master_port}"), master))
            }
            _ => Err(RedisError::from((
                ErrorKind::Io,
                "the node the sentinel names is not a master (yet)",
            ))),
        }
    }
}

impl ConnectionLike for SentinelConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let master = self.master().await?;
            let mut connection = master.connection.clone();
            let result = connection.req_packed_command(cmd).await;
            if let Err(error) = &result {
                self.after_error(&master, error);
            }
            result
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let master = self.master().await?;
            let mut connection = master.connection.clone();
            let result = connection
                .req_packed_commands(pipeline, offset, count)
                .await;
            if let Err(error) = &result {
                self.after_error(&master, error);
            }
            result
        })
    }

    fn get_db(&self) -> i64 {
        0
    }
}
