//! Exit codes (DESIGN.md's table), one class per kind of failure, decided from the client's
//! error predicates so scripts can branch on them.

use std::process::ExitCode;

pub const OK: u8 = 0;
pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
pub const AUTH: u8 = 4;
pub const NOT_FOUND: u8 = 5;
pub const REJECTED: u8 = 6;
pub const RATE_LIMITED: u8 = 7;
pub const NETWORK: u8 = 8;

/// The table `jk help exit-codes` prints.
pub const TABLE: &str = "\
jk exit codes

  0  success (a search with no results is a success with an empty list)
  1  failure not covered below
  2  usage or configuration: a bad flag, a missing profile, an unknown field name
  4  authentication or permission: wrong or missing credentials (401), not allowed (403)
  5  not found (404): the resource does not exist, or you may not see it
  6  rejected by Jira (400, 409, 413, 422): bad JQL, a required field, no such transition
  7  rate limited (429), after the retries were used up
  8  network or server error (5xx, timeouts, refused connections)
";

/// A failure the CLI itself decides (bad input, missing configuration).
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Shorthand: `return Err(usage("…"))`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage(msg.into()))
}

/// A failure already reported on stderr, with the code to exit with.
#[derive(Debug)]
pub struct Reported(pub u8);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Reported {}

/// The exit code for an error, from the first cause that says which class it is.
pub fn code_for(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(r) = cause.downcast_ref::<Reported>() {
            return r.0;
        }
        if cause.downcast_ref::<Usage>().is_some() {
            return USAGE;
        }
        if let Some(e) = cause.downcast_ref::<jirakit::Error>() {
            return code_for_client(e);
        }
    }
    FAILURE
}

fn code_for_client(e: &jirakit::Error) -> u8 {
    if e.is_auth() || e.is_forbidden() {
        AUTH
    } else if e.is_not_found() {
        NOT_FOUND
    } else if e.is_rate_limited() {
        RATE_LIMITED
    } else if e.is_rejected() {
        REJECTED
    } else if e.is_server() || e.is_network() {
        NETWORK
    } else {
        match e {
            jirakit::Error::Config(_) | jirakit::Error::Field { .. } | jirakit::Error::Jql(_) => USAGE,
            jirakit::Error::NoTransition { .. } => REJECTED,
            _ => FAILURE,
        }
    }
}

pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_and_reported_errors_keep_their_class_through_context() {
        let e = usage("bad").context("while parsing");
        assert_eq!(code_for(&e), USAGE);
        assert_eq!(code_for(&anyhow::Error::new(Reported(7))), 7);
        assert_eq!(code_for(&anyhow::anyhow!("plain")), FAILURE);
        let e = anyhow::Error::new(jirakit::Error::Config("x".into()));
        assert_eq!(code_for(&e), USAGE);
    }
}
