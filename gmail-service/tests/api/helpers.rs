//! gmail-service on port 0 with its own Redis key prefix, an in-process Google emulator and the
//! auth-service stand-in, one helper per endpoint: the test kit's (`testkit::gmail`).

pub use contract::problem::ProblemCode;
pub use testkit::gmail::*;
