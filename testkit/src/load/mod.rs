//! Load for tools and suites that count results instead of asserting each request: a browser
//! that returns errors ([`browser::Browser`]) and load through a Redis failover ([`failover`]).

pub mod browser;
pub mod failover;

pub use browser::Browser;
