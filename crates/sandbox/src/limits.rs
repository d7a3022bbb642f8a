//! Rate limits as Jira Cloud applies them (`/_sandbox/limits`): a burst token bucket per endpoint
//! template and method, per-issue write windows, and an optional hourly points quota. Time is the
//! sandbox clock's, so tests freeze it and move it instead of waiting.
//!
//! The quota, when set, costs one point per request whatever the credentials: in Jira it applies
//! to apps only, and a test that turns it on wants to see it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::control::admin;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::AppState;

const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub limit: u32,
    pub ms: i64,
    /// As it was given (`"2s"`), for `GET`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Requests per second per endpoint template and method; `None` turns the burst limit off.
    pub burst_per_second: Option<u32>,
    pub issue_writes: Vec<Window>,
    pub points_per_hour: Option<u64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            burst_per_second: Some(100),
            issue_writes: vec![
                Window {
                    limit: 20,
                    ms: 2_000,
                    text: "2s".into(),
                },
                Window {
                    limit: 100,
                    ms: 30_000,
                    text: "30s".into(),
                },
            ],
            points_per_hour: None,
        }
    }
}

impl Settings {
    fn to_json(&self) -> Value {
        json!({
            "burst_per_second": self.burst_per_second,
            "issue_writes": self.issue_writes.iter().map(|w| json!([w.limit, w.text])).collect::<Vec<_>>(),
            "points_per_hour": self.points_per_hour,
        })
    }

    fn from_json(body: &Value) -> ApiResult<Settings> {
        let obj = crate::api::object(body)?;
        let mut s = Settings::default();
        if let Some(v) = obj.get("burst_per_second") {
            s.burst_per_second = match v {
                Value::Null => None,
                v => Some(
                    v.as_u64()
                        .filter(|n| (1..=u32::MAX as u64).contains(n))
                        .ok_or_else(|| {
                            ApiError::field(
                                "burst_per_second",
                                "'burst_per_second' must be a positive integer or null.",
                            )
                        })? as u32,
                ),
            };
        }
        if let Some(v) = obj.get("issue_writes") {
            let bad = || {
                ApiError::field(
                    "issue_writes",
                    "'issue_writes' must be a list of [count, \"duration\"] pairs, e.g. [[20, \"2s\"]].",
                )
            };
            s.issue_writes = match v {
                Value::Null => Vec::new(),
                Value::Array(pairs) => pairs
                    .iter()
                    .map(|p| {
                        let limit = p
                            .get(0)
                            .and_then(Value::as_u64)
                            .filter(|n| *n >= 1)
                            .ok_or_else(bad)?;
                        let text = p.get(1).and_then(Value::as_str).ok_or_else(bad)?;
                        let d = crate::clock::parse_duration(text).ok_or_else(bad)?;
                        let ms = d.as_millis() as i64;
                        if ms <= 0 || p.as_array().map(Vec::len) != Some(2) {
                            return Err(bad());
                        }
                        Ok(Window {
                            limit: limit.min(u32::MAX as u64) as u32,
                            ms,
                            text: text.to_string(),
                        })
                    })
                    .collect::<ApiResult<_>>()?,
                _ => return Err(bad()),
            };
        }
        if let Some(v) = obj.get("points_per_hour") {
            s.points_per_hour = match v {
                Value::Null => None,
                v => Some(v.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
                    ApiError::field(
                        "points_per_hour",
                        "'points_per_hour' must be a positive integer or null.",
                    )
                })?),
            };
        }
        if let Some(k) = obj
            .keys()
            .find(|k| !["burst_per_second", "issue_writes", "points_per_hour"].contains(&k.as_str()))
        {
            return Err(ApiError::field(k, format!("Unknown limit '{k}'.")));
        }
        Ok(s)
    }
}

#[derive(Default)]
struct Counters {
    /// (tokens, last refill in ms) per "METHOD template".
    buckets: HashMap<String, (f64, i64)>,
    /// Write instants per issue id.
    writes: HashMap<String, VecDeque<i64>>,
    /// (hour start, points used).
    points: (i64, u64),
}

#[derive(Default)]
pub struct Limits {
    inner: Mutex<(Settings, Counters)>,
}

/// Why a request was refused, and what the client is told.
#[derive(Debug, PartialEq)]
struct Refusal {
    reason: &'static str,
    limit: u64,
    retry_after_ms: i64,
}

/// What the client is told on a request that passes.
#[derive(Debug)]
struct Allowance {
    limit: u64,
    remaining: u64,
}

impl Limits {
    fn check(&self, now: i64, bucket_key: &str, issue: Option<&str>) -> Result<Option<Allowance>, Refusal> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (settings, counters) = &mut *guard;
        // The quota first: when it is spent, everything waits for the top of the hour.
        if let Some(quota) = settings.points_per_hour {
            let hour = now - now.rem_euclid(HOUR_MS);
            if counters.points.0 != hour {
                counters.points = (hour, 0);
            }
            if counters.points.1 >= quota {
                return Err(Refusal {
                    reason: "jira-quota-tenant-based",
                    limit: quota,
                    retry_after_ms: hour + HOUR_MS - now,
                });
            }
        }
        let mut bucket = None;
        if let Some(rate) = settings.burst_per_second {
            let cap = f64::from(rate);
            let (tokens, last) = counters.buckets.get(bucket_key).copied().unwrap_or((cap, now));
            let tokens = (tokens + (now - last).max(0) as f64 * cap / 1000.0).min(cap);
            if tokens < 1.0 {
                counters.buckets.insert(bucket_key.to_string(), (tokens, now));
                return Err(Refusal {
                    reason: "jira-burst-based",
                    limit: u64::from(rate),
                    retry_after_ms: ((1.0 - tokens) * 1000.0 / cap).ceil() as i64,
                });
            }
            bucket = Some((tokens, rate));
        }
        if let Some(id) = issue {
            let longest = settings.issue_writes.iter().map(|w| w.ms).max().unwrap_or(0);
            let times = counters.writes.entry(id.to_string()).or_default();
            while times.front().is_some_and(|t| *t <= now - longest) {
                times.pop_front();
            }
            for w in &settings.issue_writes {
                let inside: Vec<i64> = times.iter().copied().filter(|t| *t > now - w.ms).collect();
                if inside.len() >= w.limit as usize {
                    // Free once the oldest write that still counts leaves the window.
                    let oldest = inside[inside.len() - w.limit as usize];
                    return Err(Refusal {
                        reason: "jira-per-issue-on-write",
                        limit: u64::from(w.limit),
                        retry_after_ms: oldest + w.ms - now,
                    });
                }
            }
            times.push_back(now);
        }
        if settings.points_per_hour.is_some() {
            counters.points.1 += 1;
        }
        Ok(bucket.map(|(tokens, rate)| {
            let left = tokens - 1.0;
            counters.buckets.insert(bucket_key.to_string(), (left, now));
            Allowance {
                limit: u64::from(rate),
                remaining: left.max(0.0).floor() as u64,
            }
        }))
    }
}

fn header_num(h: &mut HeaderMap, name: &'static str, n: u64) {
    h.insert(name, HeaderValue::from(n));
}

fn iso(ms: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.round(jiff::Unit::Second)
        .unwrap_or(ts)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The middleware, run after routing so the endpoint template and the issue key are known.
pub async fn enforce(
    State(state): State<AppState>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    req: Request,
    next: Next,
) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    // v2, v3 and latest are one endpoint to Jira's limiter.
    let template = template
        .replacen("/rest/api/2/", "/rest/api/*/", 1)
        .replacen("/rest/api/3/", "/rest/api/*/", 1)
        .replacen("/rest/api/latest/", "/rest/api/*/", 1);
    let method = req.method().clone();
    let is_write = method != Method::GET && method != Method::HEAD && method != Method::OPTIONS;
    let key = params
        .ok()
        .filter(|_| is_write && template.contains("/issue/{key}"))
        .and_then(|p| p.iter().find(|(n, _)| *n == "key").map(|(_, v)| v.to_string()));
    // The same issue by key or by id is one issue.
    let issue = key.map(|key| {
        let db = state.db();
        crate::store::issue(&db.conn, &key)
            .ok()
            .flatten()
            .map(|i| i.id.to_string())
            .unwrap_or(key)
    });
    finish(state, req, next, format!("{method} {template}"), issue).await
}

async fn finish(
    state: AppState,
    req: Request,
    next: Next,
    bucket: String,
    issue: Option<String>,
) -> Response {
    let now = state.clock().now_ms();
    match state.0.limits.check(now, &bucket, issue.as_deref()) {
        Err(refusal) => {
            let secs = ((refusal.retry_after_ms.max(1) + 999) / 1000).max(1);
            let mut r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded.").into_response();
            let h = r.headers_mut();
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs as u64));
            header_num(h, "x-ratelimit-limit", refusal.limit);
            header_num(h, "x-ratelimit-remaining", 0);
            if let Ok(v) = HeaderValue::from_str(&iso(now + secs * 1000)) {
                h.insert("x-ratelimit-reset", v);
            }
            h.insert("ratelimit-reason", HeaderValue::from_static(refusal.reason));
            h.insert("x-ratelimit-nearlimit", HeaderValue::from_static("true"));
            r
        }
        Ok(allowance) => {
            let mut r = next.run(req).await;
            if let Some(a) = allowance {
                let h = r.headers_mut();
                header_num(h, "x-ratelimit-limit", a.limit);
                header_num(h, "x-ratelimit-remaining", a.remaining);
                if (a.remaining as f64) < a.limit as f64 * 0.2 {
                    h.insert("x-ratelimit-nearlimit", HeaderValue::from_static("true"));
                }
            }
            r
        }
    }
}

pub async fn get_limits(
    State(state): State<AppState>,
    caller: Option<axum::Extension<crate::api::Caller>>,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let guard = state.0.limits.inner.lock().unwrap_or_else(|e| e.into_inner());
    Ok(Json(guard.0.to_json()))
}

pub async fn put_limits(
    State(state): State<AppState>,
    caller: Option<axum::Extension<crate::api::Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let settings = Settings::from_json(&body)?;
    let out = settings.to_json();
    *state.0.limits.inner.lock().unwrap_or_else(|e| e.into_inner()) = (settings, Counters::default());
    Ok(Json(out))
}

pub async fn reset_limits(
    State(state): State<AppState>,
    caller: Option<axum::Extension<crate::api::Caller>>,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let settings = Settings::default();
    let out = settings.to_json();
    *state.0.limits.inner.lock().unwrap_or_else(|e| e.into_inner()) = (settings, Counters::default());
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(s: Settings) -> Limits {
        let l = Limits::default();
        l.inner.lock().unwrap().0 = s;
        l
    }

    #[test]
    fn the_bucket_refills_at_its_rate() {
        let l = limits(Settings {
            burst_per_second: Some(2),
            issue_writes: vec![],
            points_per_hour: None,
        });
        assert!(l.check(0, "GET /x", None).is_ok());
        assert!(l.check(0, "GET /x", None).is_ok());
        let r = l.check(0, "GET /x", None).unwrap_err();
        assert_eq!(r.reason, "jira-burst-based");
        assert_eq!(r.retry_after_ms, 500);
        assert!(
            l.check(0, "POST /x", None).is_ok(),
            "another method has its own bucket"
        );
        assert!(l.check(500, "GET /x", None).is_ok());
    }

    #[test]
    fn per_issue_windows_free_up_as_the_oldest_write_leaves() {
        let l = limits(Settings {
            burst_per_second: None,
            issue_writes: vec![Window {
                limit: 2,
                ms: 2_000,
                text: "2s".into(),
            }],
            points_per_hour: None,
        });
        assert!(l.check(0, "PUT", Some("1")).is_ok());
        assert!(l.check(500, "PUT", Some("1")).is_ok());
        let r = l.check(1_000, "PUT", Some("1")).unwrap_err();
        assert_eq!(r.reason, "jira-per-issue-on-write");
        assert_eq!(r.retry_after_ms, 1_000);
        assert!(l.check(1_000, "PUT", Some("2")).is_ok());
        assert!(l.check(2_000, "PUT", Some("1")).is_ok());
    }

    #[test]
    fn the_quota_resets_at_the_top_of_the_hour() {
        let l = limits(Settings {
            burst_per_second: None,
            issue_writes: vec![],
            points_per_hour: Some(1),
        });
        assert!(l.check(HOUR_MS + 10, "GET", None).is_ok());
        let r = l.check(HOUR_MS + 20, "GET", None).unwrap_err();
        assert_eq!(r.reason, "jira-quota-tenant-based");
        assert_eq!(r.retry_after_ms, HOUR_MS - 20);
        assert!(l.check(2 * HOUR_MS, "GET", None).is_ok());
    }
}
