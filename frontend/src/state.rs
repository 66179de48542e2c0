//! What every handler shares.

use crate::{configuration::Settings, upstream::Upstreams};

/// Settings and the upstream clients.
pub struct FrontendState {
    pub settings: Settings,
    pub upstreams: Upstreams,
}
