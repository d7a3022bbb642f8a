//! End-to-end tests: real HTTP against a sandbox on port 0.

mod agile;
mod control;
mod datacenter;
mod errors;
mod faults;
mod issue_cache;
mod issues;
mod jql;
mod jql_diff;
mod limits;
mod links_props;
mod oauth;
mod openapi;
mod projects;
mod readers;
mod resources;
mod search;
mod site;
mod support;
mod text_search;
mod webhooks;
mod workflow;
