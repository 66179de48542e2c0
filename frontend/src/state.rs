//! What every handler shares.

use crate::{configuration::Settings, image_proxy::ImageProxy, upstream::Upstreams};

/// Settings, the upstream clients and the image proxy.
pub struct FrontendState {
    pub settings: Settings,
    pub upstreams: Upstreams,
    pub image_proxy: ImageProxy,
}
