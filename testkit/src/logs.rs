//! Log capture: everything a tracing subscriber writes, kept in memory, for the tests that search
//! the logs for secrets (`auth-service/tests/log_capture.rs`, `gmail-service/tests/logs.rs`).
//!
//! [`LogCapture::install_trace`] installs the services' own JSON subscriber
//! ([`common::telemetry::subscriber`]) at TRACE level, writing here: what is captured is what a
//! service would print. The global subscriber can be set once per process, so each such test is
//! a test binary of its own.

use std::{
    io::Write,
    sync::{Arc, Mutex, PoisonError},
};

/// What a subscriber wrote so far; a [`tracing_subscriber::fmt::MakeWriter`].
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Installs a process-wide JSON subscriber at TRACE level writing here, and returns the
    /// capture (one per test binary: the global subscriber can be set once).
    pub fn install_trace() -> Self {
        let capture = Self::default();
        let settings = common::config::LogSettings {
            format: common::config::LogFormat::Json,
            filter: "trace".into(),
        };
        tracing::subscriber::set_global_default(common::telemetry::subscriber(
            &settings,
            capture.clone(),
        ))
        .expect("a global subscriber was already set in this test binary");
        capture
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
