//! The test kit of gmail-unread: everything tests, the benchmark and the CI fuzz stack need to
//! start the system or parts of it, from one place. Dev-only: a dev-dependency of the services'
//! tests and a dependency of the `bench` tool, never a dependency of a service
//! (`.ci/structure-check` holds that).
//!
//! - The test Redis, free ports, unique key prefixes: [`redis_url`], [`RedisServer`],
//!   [`free_port`], [`unique_prefix`] (re-exported from `testkit-core`, see below).
//! - [`stack`]: the whole system in this process (emulator, auth-service, gmail-service,
//!   frontend): the frontend's tests, the browser suite, the load-and-fault suite.
//! - [`processes`]: the whole system, or one service, as release binaries in processes of their
//!   own: the benchmark.
//! - [`auth`]: auth-service alone against the emulator, and a browser that stops at every
//!   redirect: auth-service's tests, the load-and-fault suite's replicas.
//! - [`gmail`]: gmail-service alone against the emulator and the auth-service stand-in:
//!   gmail-service's tests, the fuzz stack (`src/bin/gmail-fuzz-stack.rs`).
//! - [`stand_ins`]: the auth-service stand-in, a fake Google token endpoint, a bare JWKS.
//! - [`browser`]: the one cookie jar of the tests (reqwest's cookie store) and a browser that
//!   follows redirects.
//! - [`fixtures`]: hostile mail kept as data (`testkit/fixtures/`).
//! - [`image_server`]: a sender's image server for the image proxy's tests, recording what
//!   reaches it.
//! - [`logs`]: log capture for the tests that search the logs for secrets.
//! - [`redis_dump`]: every value under a key prefix, for tests that prove no secret is stored in
//!   the clear.
//!
//! # Why two crates
//!
//! This crate depends on every service (it starts them). A service's unit tests inside its
//! `src/` that depended on it would link a second copy of the service, whose types differ from
//! those of the copy under test. So what such unit tests need (a real Redis, free ports, key
//! prefixes: common's `redis_store`, gmail-service's `quota`) lives in `testkit-core`
//! (`testkit/core/`), which depends on nothing of the workspace; `common` and gmail-service
//! dev-depend on it. Integration tests (`tests/`) use this crate.
//!
//! Setup that fails panics with the reason (these are test helpers), except in [`processes`],
//! which the benchmark tool uses and which returns errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod auth;
pub mod browser;
pub mod fixtures;
pub mod gmail;
pub mod image_server;
pub mod load;
pub mod logs;
pub mod processes;
pub mod redis_dump;
pub mod sse;
pub mod stack;
pub mod stand_ins;

pub use testkit_core::{
    RedisCluster, RedisServer, SentinelOptions, SentinelSet, TestCertificates, TlsOptions,
    TlsRedis, free_port, redis_url, unique_prefix,
};
