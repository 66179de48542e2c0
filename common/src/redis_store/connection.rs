//! [`RedisConnection`]: one connection type for the three modes, so every command, pipeline
//! and script of the services runs unchanged on a single Redis, a Sentinel-managed master or a
//! Cluster (it implements the redis crate's `ConnectionLike`).
//!
//! - single: the crate's `ConnectionManager` (multiplexed, reconnects by itself);
//! - sentinel: [`SentinelConnection`], a `ConnectionManager` to the current master that
//!   asks the sentinels again after a connection error or a `READONLY` reply;
//! - cluster: the crate's async `ClusterConnection` (follows `MOVED`/`ASK` and slot changes).

use redis::{
    Cmd, Pipeline, RedisFuture, Value,
    aio::{ConnectionLike, ConnectionManager},
    cluster_async::ClusterConnection,
};

use super::sentinel::SentinelConnection;

/// A cheap-to-clone connection of whichever mode is configured.
#[derive(Clone)]
pub enum RedisConnection {
    Single(ConnectionManager),
    Sentinel(SentinelConnection),
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            Self::Sentinel(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Sentinel(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            Self::Sentinel(c) => c.get_db(),
            Self::Cluster(c) => c.get_db(),
        }
    }
}
