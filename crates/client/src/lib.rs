//! jirakit: an async, typed client for Jira Cloud and Data Center (issue 5; not written yet).
//!
//! ```no_run
//! // The client arrives with issue 5. Until then, the wire types live in `jirakit_model`.
//! let _ = jirakit::VERSION;
//! ```

/// The version of this crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
