//! Bulk create (`POST /issue/bulk`, up to 50) and bulk fetch (`POST /issue/bulkfetch`, up to 100).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::issues::{create_in, render_page};
use super::{caller, ctx, in_tx, issues_view, object, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::store;
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

const MAX_CREATE: usize = 50;
const MAX_FETCH: usize = 100;

/// Each issue is created in its own transaction through the single-create path, so one bad
/// element fails alone, as in Jira.
pub async fn create(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    let updates = object(&body)?
        .get("issueUpdates")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::field(
                "issueUpdates",
                "Give the issues to create as a list 'issueUpdates'.",
            )
        })?
        .clone();
    if updates.is_empty() {
        return Err(ApiError::field(
            "issueUpdates",
            "Give at least one issue to create.",
        ));
    }
    if updates.len() > MAX_CREATE {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_CREATE} issues can be created in one request; this one has {}.",
            updates.len()
        )));
    }
    let now = state.clock().now_ms();
    let mode = state.mode();
    let base = state.base_url();
    let mut db = state.db();
    let mut issues = Vec::new();
    let mut errors = Vec::new();
    for (n, item) in updates.iter().enumerate() {
        match in_tx(&mut db, |tx, meta| create_in(tx, meta, v, mode, &me, now, item)) {
            Ok(i) => issues.push(json!({
                "id": i.id.to_string(),
                "key": i.key,
                "self": format!("{base}/rest/api/{}/issue/{}", v.number(), i.id),
            })),
            Err(e) => {
                let status = e.status().as_u16();
                let element = match e {
                    ApiError::Jira { messages, errors, .. } => {
                        json!({"errorMessages": messages, "errors": errors})
                    }
                    ApiError::Internal(cause) => {
                        tracing::error!(%cause, "bulk create element failed");
                        json!({"errorMessages": ["Internal server error"], "errors": {}})
                    }
                    ApiError::Unauthenticated { .. } => {
                        json!({"errorMessages": [crate::error::NOT_AUTHENTICATED], "errors": {}})
                    }
                };
                errors.push(json!({"status": status, "elementErrors": element, "failedElementNumber": n}));
            }
        }
    }
    let status = if issues.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(json!({"issues": issues, "errors": errors}))))
}

fn strings(body: &serde_json::Map<String, Value>, key: &str) -> ApiResult<Vec<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(ApiError::field(
                    key,
                    format!("'{key}' must be a list of strings."),
                )),
            })
            .collect(),
        Some(_) => Err(ApiError::field(
            key,
            format!("'{key}' must be a list of strings."),
        )),
    }
}

pub async fn fetch(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let me = caller(c)?;
    let o = object(&body)?;
    let wanted = strings(o, "issueIdsOrKeys")?;
    if wanted.is_empty() {
        return Err(ApiError::bad_request(
            "Give at least one issue ID or key in 'issueIdsOrKeys'.",
        ));
    }
    if wanted.len() > MAX_FETCH {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_FETCH} issues can be fetched in one request; this one asks for {}.",
            wanted.len()
        )));
    }
    let fields = strings(o, "fields")?;
    let expand = strings(o, "expand")?;
    let properties = strings(o, "properties")?;
    // Reads only: from the reader pool, so that fetches run side by side (and beside writes).
    let generation = state.generation();
    let db = state.read()?;
    // One snapshot, and one lock, for the lookups and the page (see `search::run`).
    let tx = db.conn.unchecked_transaction()?;
    let conn: &rusqlite::Connection = &tx;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v).with_users(state.users(generation));
    let view = issues_view(&db.meta, &fields, &expand, &properties);
    // The official document: issues that are not found or that the caller may not see are left
    // out, and are *not* listed in `issueErrors`; that list is for retriable errors and payload
    // limits, which the sandbox does not have, so it is always empty here.
    let mut found = Vec::new();
    let issue_errors: Vec<Value> = Vec::new();
    for k in &wanted {
        match super::visible_issue(&db, &me, k) {
            Ok(i) => {
                if !found.iter().any(|f: &store::IssueRow| f.id == i.id) {
                    found.push(i);
                }
            }
            Err(e) if e.status() == StatusCode::NOT_FOUND => {}
            Err(e) => return Err(e),
        }
    }
    found.sort_by_key(|i| i.id);
    let issues = render_page(&cx, conn, &me, &found, &view, Some(state.refs(generation)))?;
    let entries = BTreeMap::from([("issueErrors".to_string(), Value::Array(issue_errors).into())]);
    crate::search::with_issues(&entries, &issues, crate::search::issue_size_hint(&view))
}
