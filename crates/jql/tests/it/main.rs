//! Integration tests for jirakit-jql: the `.jql` corpus with snapshots, and property tests.

mod corpus;
mod roundtrip;
