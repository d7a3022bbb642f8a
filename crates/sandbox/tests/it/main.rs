//! End-to-end tests: real HTTP against a sandbox on port 0.

mod control;
mod errors;
mod issues;
mod openapi;
mod projects;
mod resources;
mod search;
mod site;
mod support;
mod workflow;
