//! Request extractors that fail in Jira's shape: a JSON body with Jira's content-type and XSRF
//! rules, and query parameters that may repeat.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde_json::Value;

use crate::error::ApiError;

/// Most JSON endpoints take 10 MB at the most.
const MAX_BODY: usize = 10 * 1024 * 1024;

/// The JSON body of a request, as a value; handlers validate it field by field so that each bad
/// field gets its own message. An absent body is `Value::Null`.
pub struct JsonBody(pub Value);

/// Whether a content type is a form or plain text that Atlassian's XSRF filter guards.
pub fn is_xsrf_guarded(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.starts_with("application/x-www-form-urlencoded")
        || ct.starts_with("multipart/form-data")
        || ct.starts_with("text/plain")
}

pub fn has_no_check_token(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("x-atlassian-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("no-check") || v.eq_ignore_ascii_case("nocheck"))
}

pub fn xsrf_failed() -> ApiError {
    ApiError::forbidden("XSRF check failed")
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let no_check = has_no_check_token(req.headers());
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large or could not be read.",
            )
        })?;
        if bytes.len() > MAX_BODY {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            ));
        }
        if let Some(ct) = &content_type {
            let lower = ct.to_ascii_lowercase();
            let is_json = lower.starts_with("application/json") || lower.contains("+json");
            if !is_json {
                if is_xsrf_guarded(ct) && !no_check {
                    return Err(xsrf_failed());
                }
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!("Unsupported Media Type: this resource takes application/json, not '{ct}'."),
                ));
            }
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Value::Null));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => Ok(JsonBody(v)),
            Err(e) => Err(ApiError::bad_request(format!(
                "The request body is not valid JSON: {} (line {}, column {}).",
                describe_json_error(&e),
                e.line(),
                e.column()
            ))),
        }
    }
}

fn describe_json_error(e: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the position is given separately.
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Query parameters in order, repeated keys kept (`fields=a&fields=b`), `+` read as a space.
#[derive(Debug, Default, Clone)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// Every value of a key, with comma-separated values split.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_request(format!(
                "The value '{v}' of the parameter '{key}' is not a boolean."
            ))),
        }
    }
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!(
                    "The value '{v}' of the parameter '{key}' is not a number."
                ))
            }),
        }
    }
    /// `startAt` and `maxResults`, validated and clamped to `max`.
    pub fn page(&self, default_max: i64, max: i64) -> Result<(i64, i64), ApiError> {
        let start = self.int("startAt")?.unwrap_or(0);
        if start < 0 {
            return Err(ApiError::bad_request("'startAt' must be zero or greater."));
        }
        let mut size = self.int("maxResults")?.unwrap_or(default_max);
        if size < 0 {
            return Err(ApiError::bad_request("'maxResults' must be zero or greater."));
        }
        if size > max {
            size = max;
        }
        Ok((start, size))
    }
}

pub fn parse_query(query: &str) -> Params {
    Params(
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect(),
    )
}

fn decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parse_query(parts.uri.query().unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keeps_repeats_and_reads_plus_as_space() {
        let p = parse_query("jql=project+%3D+ABC&fields=a,b&fields=c&deleteSubtasks=False");
        assert_eq!(p.get("jql"), Some("project = ABC"));
        assert_eq!(p.list("fields"), vec!["a", "b", "c"]);
        assert_eq!(p.bool("deleteSubtasks").unwrap(), Some(false));
        assert!(parse_query("x=maybe").bool("x").is_err());
    }
}
