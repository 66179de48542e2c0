//! auth-service on port 0 against an in-process emulator and a real Redis, and a browser that
//! follows the login dance by hand: the test kit's (`testkit::auth`).

pub use testkit::auth::*;
