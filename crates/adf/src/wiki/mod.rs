//! Jira wiki markup, the rich text of the REST API v2.

pub(crate) mod inline;
pub(crate) mod read;
pub(crate) mod write;
