//! The control plane under `/_sandbox/`: reset and seed, the clock, the request log.
//! Admin credentials only; JSON in and out.

use std::collections::VecDeque;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::Caller;
use crate::clock::{format_ts, parse_duration};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::seed::Seed;
use crate::AppState;

/// How many requests the log keeps; the oldest go first.
const LOG_CAPACITY: usize = 100_000;

#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    pub duration_ms: f64,
    pub auth_user: Option<String>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    next: u64,
    entries: VecDeque<LoggedRequest>,
}

impl AppState {
    /// Records a request; returns its sequence number.
    pub(crate) fn log_request(&self, mut entry: LoggedRequest) -> u64 {
        let mut log = self.0.requests.lock().unwrap_or_else(|e| e.into_inner());
        log.next += 1;
        entry.seq = log.next;
        if log.entries.len() == LOG_CAPACITY {
            log.entries.pop_front();
        }
        log.entries.push_back(entry);
        log.next
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reset", post(reset))
        .route("/clock", get(get_clock).put(set_clock).delete(release_clock))
        .route("/clock/advance", post(advance_clock))
        .route("/requests", get(list_requests).delete(clear_requests))
        .route("/projects/{key}/permissions", put(set_permissions))
        .route(
            "/faults",
            get(crate::faults::get_faults)
                .put(crate::faults::put_faults)
                .delete(crate::faults::clear_faults),
        )
        .route(
            "/limits",
            get(crate::limits::get_limits)
                .put(crate::limits::put_limits)
                .delete(crate::limits::reset_limits),
        )
        .route(
            "/webhooks",
            get(crate::webhooks::get_misbehaviour).put(crate::webhooks::set_misbehaviour),
        )
        .merge(crate::oauth::control_routes())
}

pub(crate) fn admin(caller: Option<axum::Extension<Caller>>) -> ApiResult<Caller> {
    match caller {
        Some(axum::Extension(c)) if c.0.site_admin => Ok(c),
        Some(_) => Err(ApiError::forbidden(
            "The sandbox control plane takes the site administrator's credentials.",
        )),
        None => Err(ApiError::Unauthenticated {
            reason: "AUTHENTICATION_DENIED",
        }),
    }
}

fn str_field<'a>(body: &'a Value, name: &str) -> ApiResult<Option<&'a str>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::field(name, format!("'{name}' must be a string."))),
    }
}

async fn reset(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let seed = match str_field(&body, "seed")? {
        None => Seed::Empty,
        Some(s) => s.parse::<Seed>().map_err(|e| ApiError::field("seed", e))?,
    };
    let s = state.clone();
    let seed2 = seed.clone();
    tokio::task::spawn_blocking(move || {
        let mut db = s.db();
        crate::seed::reset(&mut db, s.config(), s.clock(), &seed2)?;
        db.meta = std::sync::Arc::new(crate::meta::Meta::load(&db.conn)?);
        // Attachment rows went with the reset; their files go too.
        s.0.files.sweep(&db.conn)?;
        Ok::<_, ApiError>(())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("reset task: {e}")))??;
    Ok(Json(json!({ "seed": seed.to_string() })))
}

fn clock_json(state: &AppState) -> Value {
    let now = state.clock().now();
    json!({ "now": now.to_string(), "jira": format_ts(now.as_millisecond()), "frozen": state.clock().is_frozen() })
}

async fn get_clock(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    Ok(Json(clock_json(&state)))
}

async fn set_clock(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let text = str_field(&body, "now")?
        .ok_or_else(|| ApiError::field("now", "'now' is required, e.g. \"2026-01-05T09:00:00Z\"."))?;
    let ms = crate::clock::parse_datetime(text).ok_or_else(|| {
        ApiError::field(
            "now",
            format!("'{text}' is not a date-time such as 2026-01-05T09:00:00Z."),
        )
    })?;
    let ts = jiff::Timestamp::from_millisecond(ms).map_err(|e| ApiError::field("now", e.to_string()))?;
    state.clock().freeze(ts);
    Ok(Json(clock_json(&state)))
}

async fn advance_clock(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let text = str_field(&body, "by")?
        .ok_or_else(|| ApiError::field("by", "'by' is required, e.g. \"90m\" or \"1d 2h\"."))?;
    let by = parse_duration(text).ok_or_else(|| {
        ApiError::field(
            "by",
            format!("'{text}' is not a duration: use numbers with the units w d h m s."),
        )
    })?;
    state
        .clock()
        .advance(by)
        .map_err(|e| ApiError::field("by", e.to_string()))?;
    Ok(Json(clock_json(&state)))
}

async fn release_clock(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    state.clock().release();
    Ok(Json(clock_json(&state)))
}

async fn list_requests(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    params: Params,
) -> ApiResult<Json<Vec<LoggedRequest>>> {
    admin(caller)?;
    let since = params.int("since")?.unwrap_or(0).max(0) as u64;
    let log = state.0.requests.lock().unwrap_or_else(|e| e.into_inner());
    Ok(Json(
        log.entries.iter().filter(|e| e.seq > since).cloned().collect(),
    ))
}

async fn clear_requests(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
) -> ApiResult<StatusCode> {
    admin(caller)?;
    state
        .0
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entries
        .clear();
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /_sandbox/projects/{key}/permissions {"browse": ["group", ...] | null}`: who may browse a
/// project (`null`: every user). Jira's permission schemes are out of the sandbox's scope; this is
/// how tests set up "a user who may not see that project".
async fn set_permissions(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    axum::extract::Path(key): axum::extract::Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let groups: Option<Vec<String>> = match body.get("browse") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|g| {
                    g.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| ApiError::field("browse", "Group names must be strings."))
                })
                .collect::<ApiResult<_>>()?,
        ),
        Some(_) => {
            return Err(ApiError::field(
                "browse",
                "'browse' must be a list of group names or null.",
            ))
        }
    };
    let mut db = state.db();
    let project = db
        .meta
        .project_by_key_or_id(&key)
        .ok_or_else(|| ApiError::not_found(format!("No project could be found with key '{key}'.")))?
        .id;
    if let Some(gs) = &groups {
        for g in gs {
            if db.meta.group(g).is_none() {
                return Err(ApiError::field(
                    "browse",
                    format!("The group '{g}' does not exist."),
                ));
            }
        }
    }
    let text = groups.as_ref().map(serde_json::to_string).transpose()?;
    db.conn.execute(
        "UPDATE projects SET browse_groups = ?1 WHERE id = ?2",
        rusqlite::params![text, project],
    )?;
    db.meta = std::sync::Arc::new(crate::meta::Meta::load(&db.conn)?);
    Ok(Json(json!({ "browse": groups })))
}
