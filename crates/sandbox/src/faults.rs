//! Fault rules (`/_sandbox/faults`): latency, error statuses, torn connections and "commit then
//! fail", matched on method and path pattern. They apply to `/rest/` paths only, never to the
//! control plane, and sit between authentication and the handlers.
//!
//! Torn connections rely on hyper's HTTP/1 dispatcher: a response body that fails makes hyper
//! drop the connection. Failing on the first poll, before anything was flushed, sends nothing at
//! all (a reset as the client sees it); failing after a pause sends what was written so far.

use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::control::admin;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::AppState;

/// How long a "timeout" fault keeps the client waiting before it drops the connection.
const HANG: Duration = Duration::from_secs(120);
/// The seed of the probability draws when the rules do not name one.
const DEFAULT_SEED: u64 = 0x5eed;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum CommitThen {
    Status(u16),
    Timeout(String),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Action {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_then: Option<CommitThen>,
    /// The `Retry-After` (seconds) of an injected 429 or 503, instead of 1; 0 is allowed, as
    /// Jira sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `None` or `"*"`: any method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Segments separated by `/`; `*` matches one segment, a trailing `**` the rest.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Fires this many times, then stops; shown as what remains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    pub action: Action,
    /// How often the rule has fired since it was set.
    #[serde(default)]
    pub fired: u64,
}

/// What a matching rule does to one request.
#[derive(Debug, Clone, PartialEq)]
enum Fault {
    Status(StatusCode, Option<u64>),
    Delay(Duration),
    Reset,
    Truncate,
    CommitThenStatus(StatusCode, Option<u64>),
    CommitThenTimeout,
}

impl Action {
    fn fault(&self) -> Result<Fault, String> {
        let mut chosen = Vec::new();
        if let Some(s) = self.status {
            let code = StatusCode::from_u16(s)
                .ok()
                .filter(|c| c.as_u16() >= 400)
                .ok_or_else(|| format!("'status' {s} is not an error status (400-599)."))?;
            chosen.push(Fault::Status(code, self.retry_after));
        }
        if let Some(ms) = self.delay_ms {
            chosen.push(Fault::Delay(Duration::from_millis(ms.min(600_000))));
        }
        if self.reset == Some(true) {
            chosen.push(Fault::Reset);
        }
        if self.truncate == Some(true) {
            chosen.push(Fault::Truncate);
        }
        match &self.commit_then {
            None => {}
            Some(CommitThen::Status(s)) => {
                let code = StatusCode::from_u16(*s)
                    .ok()
                    .filter(|c| c.as_u16() >= 400)
                    .ok_or_else(|| format!("'commit_then' {s} is not an error status (400-599)."))?;
                chosen.push(Fault::CommitThenStatus(code, self.retry_after));
            }
            Some(CommitThen::Timeout(t)) if t == "timeout" => chosen.push(Fault::CommitThenTimeout),
            Some(CommitThen::Timeout(t)) => {
                return Err(format!(
                    "'commit_then' must be a status code or \"timeout\", not \"{t}\"."
                ))
            }
        }
        if self.retry_after.is_some()
            && !matches!(
                chosen.as_slice(),
                [Fault::Status(..)] | [Fault::CommitThenStatus(..)]
            )
        {
            return Err("'retry_after' goes with 'status' or a 'commit_then' status.".into());
        }
        match chosen.len() {
            1 => Ok(chosen.remove(0)),
            0 => Err("'action' needs one of status, delay_ms, reset, truncate, commit_then.".into()),
            _ => Err("'action' takes exactly one of status, delay_ms, reset, truncate, commit_then.".into()),
        }
    }
}

/// Whether `path` matches `pattern` segment by segment.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let got: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    for (i, p) in pat.iter().enumerate() {
        if *p == "**" && i == pat.len() - 1 {
            return got.len() >= i;
        }
        match got.get(i) {
            None => return false,
            Some(g) if *p == "*" || p == g => {}
            Some(_) => return false,
        }
    }
    pat.len() == got.len()
}

/// The rules in force and the seeded generator behind their probabilities.
pub struct Faults {
    inner: Mutex<(Vec<Rule>, StdRng)>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            inner: Mutex::new((Vec::new(), StdRng::seed_from_u64(DEFAULT_SEED))),
        }
    }
}

impl Faults {
    /// The first rule (in order) that matches and fires; counts it.
    fn pick(&self, method: &str, path: &str) -> Option<Fault> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (rules, rng) = &mut *guard;
        for rule in rules.iter_mut() {
            let method_ok = rule
                .method
                .as_deref()
                .is_none_or(|m| m == "*" || m.eq_ignore_ascii_case(method));
            if !method_ok || !path_matches(&rule.path, path) {
                continue;
            }
            if rule.count == Some(0) {
                continue;
            }
            if let Some(p) = rule.probability {
                if !rng.gen_bool(p.clamp(0.0, 1.0)) {
                    continue;
                }
            }
            let Ok(fault) = rule.action.fault() else { continue };
            if let Some(c) = rule.count.as_mut() {
                *c -= 1;
            }
            rule.fired += 1;
            return Some(fault);
        }
        None
    }
}

/// The middleware: applies the first firing rule to a `/rest/` request.
pub async fn apply(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if !path.starts_with("/rest/") {
        return next.run(req).await;
    }
    let Some(fault) = state.0.faults.pick(req.method().as_str(), &path) else {
        return next.run(req).await;
    };
    tracing::debug!(?fault, %path, "fault injected");
    match fault {
        Fault::Status(code, retry_after) => failure(code, retry_after),
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Fault::Reset => torn(),
        Fault::Truncate => {
            let response = next.run(req).await;
            truncated(response).await
        }
        Fault::CommitThenStatus(code, retry_after) => {
            let _ = next.run(req).await;
            failure(code, retry_after)
        }
        Fault::CommitThenTimeout => {
            let _ = next.run(req).await;
            // The response itself must not exist yet: hyper sends headers as soon as it has them.
            tokio::time::sleep(HANG).await;
            torn()
        }
    }
}

/// A Jira-shaped error of the given status, as Jira's edge sends them.
fn failure(code: StatusCode, retry_after: Option<u64>) -> Response {
    let message = match code.as_u16() {
        429 => "Rate limit exceeded.".to_string(),
        503 => "Service Unavailable: the sandbox injected a fault.".to_string(),
        _ => format!(
            "{} (injected by a sandbox fault rule)",
            code.canonical_reason().unwrap_or("Error")
        ),
    };
    let mut r = ApiError::new(code, message).into_response();
    if code == StatusCode::SERVICE_UNAVAILABLE || code == StatusCode::TOO_MANY_REQUESTS {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after.unwrap_or(1)));
    }
    r
}

/// A response whose body fails on its first poll: hyper drops the connection before it has
/// flushed the headers, so the client gets nothing at all.
fn torn() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection reset by a sandbox fault"))
    });
    let mut r = Response::new(Body::from_stream(stream));
    *r.status_mut() = StatusCode::BAD_GATEWAY;
    r
}

/// The handler's response with a `Content-Length` larger than the bytes that follow, then a
/// closed connection.
async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let promised = bytes.len() + 64;
    let sent = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(promised));
    let stream = futures_util::stream::iter([Ok::<Bytes, std::io::Error>(sent)]).chain(
        futures_util::stream::once(async {
            // Let hyper flush what was written before the connection goes.
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(std::io::Error::other("body truncated by a sandbox fault"))
        }),
    );
    Response::from_parts(parts, Body::from_stream(stream))
}

fn rules_json(state: &AppState) -> Value {
    let guard = state.0.faults.inner.lock().unwrap_or_else(|e| e.into_inner());
    json!({ "rules": guard.0 })
}

pub async fn get_faults(
    State(state): State<AppState>,
    caller: Option<axum::Extension<crate::api::Caller>>,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    Ok(Json(rules_json(&state)))
}

pub async fn put_faults(
    State(state): State<AppState>,
    caller: Option<axum::Extension<crate::api::Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let seed = match body.get("seed") {
        None | Some(Value::Null) => DEFAULT_SEED,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| ApiError::field("seed", "'seed' must be a non-negative integer."))?,
    };
    let raw = body
        .get("rules")
        .cloned()
        .ok_or_else(|| ApiError::field("rules", "'rules' is required: a list of fault rules."))?;
    let mut rules: Vec<Rule> = serde_path_to_error::deserialize(raw)
        .map_err(|e| ApiError::field("rules", format!("Invalid rule at {}: {}", e.path(), e.inner())))?;
    for (i, rule) in rules.iter_mut().enumerate() {
        rule.fired = 0;
        if let Err(e) = rule.action.fault() {
            return Err(ApiError::field("rules", format!("Rule {i}: {e}")));
        }
        if let Some(p) = rule.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(ApiError::field(
                    "rules",
                    format!("Rule {i}: 'probability' must be between 0 and 1."),
                ));
            }
        }
        if !rule.path.starts_with('/') {
            return Err(ApiError::field(
                "rules",
                format!("Rule {i}: 'path' must start with '/', e.g. \"/rest/api/*/issue\"."),
            ));
        }
    }
    *state.0.faults.inner.lock().unwrap_or_else(|e| e.into_inner()) = (rules, StdRng::seed_from_u64(seed));
    Ok(Json(rules_json(&state)))
}

pub async fn clear_faults(
    State(state): State<AppState>,
    caller: Option<axum::Extension<crate::api::Caller>>,
) -> ApiResult<StatusCode> {
    admin(caller)?;
    *state.0.faults.inner.lock().unwrap_or_else(|e| e.into_inner()) =
        (Vec::new(), StdRng::seed_from_u64(DEFAULT_SEED));
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_one_segment_and_double_star_the_rest() {
        assert!(path_matches("/rest/api/*/issue", "/rest/api/3/issue"));
        assert!(path_matches("/rest/api/*/issue", "/rest/api/2/issue/"));
        assert!(!path_matches("/rest/api/*/issue", "/rest/api/3/issue/PROJ-1"));
        assert!(!path_matches("/rest/api/*/issue", "/rest/api/3"));
        assert!(path_matches("/rest/api/*/issue/*", "/rest/api/3/issue/PROJ-1"));
        assert!(path_matches("/rest/**", "/rest/api/3/issue/PROJ-1/comment"));
        assert!(!path_matches("/rest/**", "/_sandbox/faults"));
    }

    #[test]
    fn an_action_takes_exactly_one_fault() {
        let a: Action = serde_json::from_value(json!({"commit_then": "timeout"})).unwrap();
        assert_eq!(a.fault(), Ok(Fault::CommitThenTimeout));
        let a: Action = serde_json::from_value(json!({"commit_then": 503})).unwrap();
        assert_eq!(
            a.fault(),
            Ok(Fault::CommitThenStatus(StatusCode::SERVICE_UNAVAILABLE, None))
        );
        let a: Action = serde_json::from_value(json!({"status": 429, "retry_after": 0})).unwrap();
        assert_eq!(
            a.fault(),
            Ok(Fault::Status(StatusCode::TOO_MANY_REQUESTS, Some(0)))
        );
        let a: Action = serde_json::from_value(json!({"reset": true, "retry_after": 0})).unwrap();
        assert!(a.fault().is_err());
        let a: Action = serde_json::from_value(json!({"status": 503, "reset": true})).unwrap();
        assert!(a.fault().is_err());
        let a: Action = serde_json::from_value(json!({"status": 200})).unwrap();
        assert!(a.fault().is_err());
    }

    #[test]
    fn a_count_rule_fires_that_many_times_then_stops() {
        let f = Faults::default();
        f.inner.lock().unwrap().0 = vec![serde_json::from_value(json!({
            "method": "POST", "path": "/rest/api/*/issue", "count": 2, "action": {"status": 503}
        }))
        .unwrap()];
        assert!(f.pick("POST", "/rest/api/3/issue").is_some());
        assert!(f.pick("GET", "/rest/api/3/issue").is_none());
        assert!(f.pick("POST", "/rest/api/2/issue").is_some());
        assert!(f.pick("POST", "/rest/api/2/issue").is_none());
    }
}
