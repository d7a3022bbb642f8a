//! Wire types of Jira's REST API shared by the jirakit client and sandbox.
//!
//! ```no_run
//! let body: jirakit_model::ErrorCollection =
//!     serde_json::from_str(r#"{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}}"#).unwrap();
//! assert_eq!(body.errors["summary"], "You must specify a summary of the issue.");
//! ```

mod extra;
mod ids;
mod open_enum;
#[doc(hidden)]
pub mod open_struct;
mod types;

pub use extra::Extra;
pub use ids::*;
pub use types::*;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Jira's error body: `{"errorMessages": [...], "errors": {"field": "message"}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCollection {
    #[serde(default)]
    pub error_messages: Vec<String>,
    #[serde(default)]
    pub errors: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl ErrorCollection {
    /// Every message, the general ones first, then `field: message` for each field.
    pub fn messages(&self) -> Vec<String> {
        self.error_messages
            .iter()
            .cloned()
            .chain(self.errors.iter().map(|(f, m)| format!("{f}: {m}")))
            .collect()
    }
}
