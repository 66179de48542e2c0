//! What every handler shares: settings, the Redis store, the keys, the Google client, metrics.

use crate::{
    configuration::Settings, google::GoogleClient, keys::Keys, metrics::AuthMetrics, store::Store,
};

/// The application state (one per process, shared by all workers).
pub struct AppState {
    pub settings: Settings,
    pub store: Store,
    pub keys: Keys,
    pub google: GoogleClient,
    pub metrics: AuthMetrics,
}
