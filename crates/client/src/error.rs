//! The one public error type. Callers branch on predicates, not on variants.

use std::time::Duration;

use jirakit_model::ErrorCollection;

/// The rate-limit headers of a response, all of them, as Jira sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub retry_after: Option<Duration>,
    /// `RateLimit-Reason`: `jira-burst-based`, `jira-per-issue-on-write`, `jira-quota-*`.
    pub reason: Option<String>,
    /// `X-RateLimit-Reset` (ISO 8601).
    pub reset: Option<String>,
    pub limit: Option<String>,
    pub remaining: Option<String>,
    pub near_limit: bool,
    /// Every other `*ratelimit*` header (beta and legacy), name and value.
    pub other: Vec<(String, String)>,
}

impl RateLimit {
    pub(crate) fn from_headers(h: &reqwest::header::HeaderMap) -> RateLimit {
        let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut rl = RateLimit {
            retry_after: get("retry-after").and_then(|v| crate::retry::parse_retry_after(&v)),
            reason: get("ratelimit-reason"),
            reset: get("x-ratelimit-reset"),
            limit: get("x-ratelimit-limit"),
            remaining: get("x-ratelimit-remaining"),
            near_limit: get("x-ratelimit-nearlimit").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            other: Vec::new(),
        };
        for (name, value) in h {
            let n = name.as_str();
            let known = matches!(
                n,
                "ratelimit-reason"
                    | "x-ratelimit-reset"
                    | "x-ratelimit-limit"
                    | "x-ratelimit-remaining"
                    | "x-ratelimit-nearlimit"
            );
            if !known && (n.contains("ratelimit") || n.contains("retry-after")) && n != "retry-after" {
                if let Ok(v) = value.to_str() {
                    rl.other.push((n.to_owned(), v.to_owned()));
                }
            }
        }
        rl
    }
}

/// A non-success HTTP answer from Jira.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub method: String,
    /// The request path (no query string, no credentials).
    pub path: String,
    pub status: u16,
    /// Jira's `errorMessages` and per-field `errors`, when the body had them.
    pub body: ErrorCollection,
    /// The body when it was not Jira's error shape (truncated).
    pub raw: Option<String>,
    /// `X-ARequestId`, to quote to Atlassian support.
    pub request_id: Option<String>,
    pub rate_limit: RateLimit,
    /// How many attempts were made.
    pub attempts: u32,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} answered {}", self.method, self.path, self.status)?;
        let msgs = self.body.messages();
        if !msgs.is_empty() {
            write!(f, ": {}", msgs.join("; "))?;
        } else if let Some(raw) = &self.raw {
            if !raw.is_empty() {
                write!(f, ": {raw}")?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Jira answered with a non-success status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request did not complete: connection, timeout, reset, TLS.
    #[error("{method} {path}: {message}")]
    Network {
        method: String,
        path: String,
        message: String,
        /// Whether the request may have reached Jira (a timeout or a reset after sending).
        ambiguous: bool,
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The response did not match the expected shape.
    #[error("{endpoint}: cannot decode the response at `{json_path}`: {message}")]
    Decode {
        endpoint: String,
        json_path: String,
        message: String,
    },
    /// The client is misconfigured (bad base URL, unusable header value).
    #[error("configuration: {0}")]
    Config(String),
    /// A token provider failed.
    #[error("authentication: {0}")]
    Token(String),
    /// No transition leads where the caller asked.
    #[error("{issue} has no transition {wanted:?} from its current status; available: {}", available.join(", "))]
    NoTransition {
        issue: String,
        wanted: String,
        available: Vec<String>,
    },
    /// A field name that the field catalog does not know, or knows twice.
    #[error("field {name:?}: {problem}")]
    Field { name: String, problem: String },
    /// A JQL query could not be built.
    #[error("JQL: {0}")]
    Jql(#[from] jirakit_jql::BuildError),
    /// Encoding a request body failed.
    #[error("cannot encode the request body: {0}")]
    Encode(#[from] serde_json::Error),
}

impl Error {
    /// The HTTP status, if Jira answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            _ => None,
        }
    }

    /// The Jira API error, if Jira answered.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether trying the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => matches!(e.status, 408 | 429 | 500 | 502 | 503 | 504),
            Error::Network { .. } => true,
            _ => false,
        }
    }

    /// The server's requested wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.rate_limit.retry_after)
    }

    /// 404: the resource does not exist *or the caller may not see it* (Jira does not tell).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 401, or a token provider failure.
    pub fn is_auth(&self) -> bool {
        self.status() == Some(401) || matches!(self, Error::Token(_))
    }

    /// 403.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }

    /// 429.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// 400/409/422 with Jira's reasons: the request itself was refused.
    pub fn is_rejected(&self) -> bool {
        matches!(self.status(), Some(400 | 409 | 413 | 422))
    }

    /// 5xx.
    pub fn is_server(&self) -> bool {
        self.status().is_some_and(|s| s >= 500)
    }

    /// A network failure.
    pub fn is_network(&self) -> bool {
        matches!(self, Error::Network { .. })
    }

    /// Jira's request id (`X-ARequestId`).
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// Jira's `errorMessages`.
    pub fn error_messages(&self) -> &[String] {
        self.api()
            .map(|e| e.body.error_messages.as_slice())
            .unwrap_or(&[])
    }

    /// Jira's per-field `errors`.
    pub fn field_errors(&self) -> Option<&std::collections::BTreeMap<String, String>> {
        self.api().map(|e| &e.body.errors)
    }

    /// The rate-limit headers of the failed response.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        self.api().map(|e| &e.rate_limit)
    }
}

/// Decodes `bytes` as `T`, naming the JSON path and the endpoint on a mismatch.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(endpoint: &str, bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| Error::Decode {
        endpoint: endpoint.to_owned(),
        json_path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Decodes a JSON value as `T`, with `prefix` before the path (`issues[3].fields`).
pub(crate) fn decode_value<T: serde::de::DeserializeOwned>(
    endpoint: &str,
    prefix: &str,
    value: serde_json::Value,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let json_path = match (prefix.is_empty(), inner.as_str()) {
            (true, _) => inner.clone(),
            (false, ".") => prefix.to_owned(),
            (false, p) if p.starts_with('[') => format!("{prefix}{p}"),
            (false, p) => format!("{prefix}.{p}"),
        };
        Error::Decode {
            endpoint: endpoint.to_owned(),
            json_path,
            message: e.inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &str) -> Error {
        Error::Api(Box::new(ApiError {
            method: "POST".into(),
            path: "/rest/api/3/issue".into(),
            status,
            body: serde_json::from_str(body).unwrap_or_default(),
            raw: None,
            request_id: Some("abc123".into()),
            rate_limit: RateLimit::default(),
            attempts: 1,
        }))
    }

    #[test]
    fn display_names_the_call_jiras_reasons_and_the_request_id() {
        let e = api(
            400,
            r#"{"errorMessages":["bad"],"errors":{"summary":"required"}}"#,
        );
        assert_eq!(
            e.to_string(),
            "POST /rest/api/3/issue answered 400: bad; summary: required (request id abc123)"
        );
        assert!(e.is_rejected() && !e.is_retryable());
        assert_eq!(e.field_errors().unwrap()["summary"], "required");
    }

    #[test]
    fn predicates_follow_the_status() {
        assert!(api(404, "{}").is_not_found());
        assert!(api(401, "{}").is_auth());
        assert!(api(429, "{}").is_rate_limited() && api(429, "{}").is_retryable());
        assert!(api(503, "{}").is_server());
    }

    #[test]
    fn a_decode_error_names_the_json_path_and_the_endpoint() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: Vec<u32>,
        }
        let e = decode::<T>("GET /x", br#"{"a":[1,"two"]}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("GET /x: cannot decode the response at `a[1]`"),
            "{e}"
        );
        let e = decode_value::<Vec<T>>("GET /y", "issues", serde_json::json!([{"a": [1]}, {"a": "x"}]))
            .unwrap_err();
        assert!(e.to_string().contains("`issues[1].a`"), "{e}");
    }

    #[test]
    fn rate_limit_headers_are_all_kept() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "5".parse().unwrap());
        h.insert("ratelimit-reason", "jira-burst-based".parse().unwrap());
        h.insert("x-ratelimit-nearlimit", "true".parse().unwrap());
        h.insert(
            "beta-ratelimit",
            "\"global-app-quota\";r=1;t=600".parse().unwrap(),
        );
        let rl = RateLimit::from_headers(&h);
        assert_eq!(rl.retry_after, Some(Duration::from_secs(5)));
        assert_eq!(rl.reason.as_deref(), Some("jira-burst-based"));
        assert!(rl.near_limit);
        assert_eq!(
            rl.other,
            vec![(
                "beta-ratelimit".to_owned(),
                "\"global-app-quota\";r=1;t=600".to_owned()
            )]
        );
    }
}
