//! End-to-end tests: real HTTP against a sandbox on port 0.

mod control;
mod errors;
mod issues;
mod jql;
mod jql_diff;
mod openapi;
mod projects;
mod search;
mod site;
mod support;
mod workflow;
