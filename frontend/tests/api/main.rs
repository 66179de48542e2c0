//! The frontend over real HTTP: its own endpoints, and its pages through the whole system.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod attachments;
mod health;
mod helpers;
mod hostile;
mod image_proxy;
mod invariants;
mod live;
mod mail_html;
mod pages;
mod redis_modes;
mod revocation;
mod stack;
