//! End-to-end tests of the client against a real sandbox on port 0.

mod agile;
mod connect;
mod examples;
mod faults;
mod idempotent;
mod issues;
mod oauth;
mod resources;
mod search;
mod storm;
mod support;
mod typed_fields;
