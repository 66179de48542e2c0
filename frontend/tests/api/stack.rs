//! The whole system in this process and a browser without JavaScript: the test kit's
//! (`testkit::stack`, `testkit::browser`).

pub use testkit::{browser::Browser, stack::*};
