//! Remote issue links: the links integrations put on issues. A POST whose `globalId` already
//! exists on the issue updates that link (200) instead of adding one (201).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::{caller, ctx, in_tx, object, visible_issue, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::render::Ctx;
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

struct Row {
    id: i64,
    issue_id: i64,
    global_id: Option<String>,
    body: Map<String, Value>,
}

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    let body: String = r.get(3)?;
    Ok(Row {
        id: r.get(0)?,
        issue_id: r.get(1)?,
        global_id: r.get(2)?,
        body: serde_json::from_str(&body).unwrap_or_default(),
    })
}

fn of_issue(conn: &Connection, issue_id: i64) -> rusqlite::Result<Vec<Row>> {
    conn.prepare_cached(
        "SELECT id, issue_id, global_id, body FROM remote_links WHERE issue_id = ?1 ORDER BY id",
    )?
    .query_map([issue_id], from_row)?
    .collect()
}

fn by_global_id(conn: &Connection, issue_id: i64, global_id: &str) -> rusqlite::Result<Option<Row>> {
    conn.prepare_cached(
        "SELECT id, issue_id, global_id, body FROM remote_links WHERE issue_id = ?1 AND global_id = ?2",
    )?
    .query_row(params![issue_id, global_id], from_row)
    .optional()
}

fn by_id(conn: &Connection, issue_id: i64, id: &str) -> ApiResult<Row> {
    let not_found = || ApiError::not_found(format!("No remote link with id '{id}' exists on this issue."));
    let n: i64 = id.parse().map_err(|_| not_found())?;
    conn.prepare_cached(
        "SELECT id, issue_id, global_id, body FROM remote_links WHERE issue_id = ?1 AND id = ?2",
    )?
    .query_row(params![issue_id, n], from_row)
    .optional()?
    .ok_or_else(not_found)
}

fn self_url(cx: &Ctx, issue_id: i64, id: i64) -> String {
    format!("{}/issue/{issue_id}/remotelink/{id}", cx.api())
}

fn link_json(cx: &Ctx, r: &Row) -> Value {
    let mut o = r.body.clone();
    o.insert("id".into(), json!(r.id));
    o.insert("self".into(), json!(self_url(cx, r.issue_id, r.id)));
    if let Some(g) = &r.global_id {
        o.insert("globalId".into(), json!(g));
    }
    Value::Object(o)
}

/// The stored part of a remote link body: `object` with a `url` and a `title` is required.
fn body_in(body: &Value) -> ApiResult<(Option<String>, Map<String, Value>)> {
    let o = object(body)?;
    let obj = o.get("object").and_then(Value::as_object).ok_or_else(|| {
        ApiError::field(
            "object",
            "The remote link needs an 'object' with a 'url' and a 'title'.",
        )
    })?;
    for k in ["url", "title"] {
        let text = obj.get(k).and_then(Value::as_str).unwrap_or("");
        if text.trim().is_empty() {
            return Err(ApiError::field(
                k,
                format!("The remote link's object needs a non-empty '{k}'."),
            ));
        }
    }
    let global_id = match o.get("globalId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= 255 => Some(s.clone()),
        Some(_) => {
            return Err(ApiError::field(
                "globalId",
                "The 'globalId' must be a string of at most 255 characters.",
            ))
        }
    };
    let mut stored = Map::new();
    for k in ["application", "relationship", "object"] {
        if let Some(v) = o.get(k).filter(|v| !v.is_null()) {
            stored.insert(k.to_string(), v.clone());
        }
    }
    Ok((global_id, stored))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    if let Some(g) = params.get("globalId") {
        let r = by_global_id(&db.conn, issue.id, g)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "No remote link with globalId '{g}' exists on this issue."
            ))
        })?;
        return Ok(Json(link_json(&cx, &r)));
    }
    let rows = of_issue(&db.conn, issue.id)?;
    Ok(Json(Value::Array(
        rows.iter().map(|r| link_json(&cx, r)).collect(),
    )))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path((key, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let r = by_id(&db.conn, issue.id, &id)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(link_json(&cx, &r)))
}

/// Creates a link, or updates the one with the same `globalId`.
pub async fn create(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let (id, created) = in_tx(&mut db, |tx, _| {
        let (global_id, stored) = body_in(&body)?;
        let text = Value::Object(stored).to_string();
        let existing = match &global_id {
            Some(g) => by_global_id(tx, issue.id, g)?,
            None => None,
        };
        let out = match existing {
            Some(r) => {
                tx.execute(
                    "UPDATE remote_links SET body = ?2 WHERE id = ?1",
                    params![r.id, text],
                )?;
                (r.id, false)
            }
            None => {
                tx.execute(
                    "INSERT INTO remote_links (issue_id, global_id, body) VALUES (?1, ?2, ?3)",
                    params![issue.id, global_id, text],
                )?;
                (tx.last_insert_rowid(), true)
            }
        };
        crate::store::touch_issue(tx, issue.id, now)?;
        Ok(out)
    })?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({"id": id, "self": self_url(&cx, issue.id, id)})),
    )
        .into_response())
}

pub async fn update(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((key, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    in_tx(&mut db, |tx, _| {
        let r = by_id(tx, issue.id, &id)?;
        let (global_id, stored) = body_in(&body)?;
        if let Some(g) = &global_id {
            if by_global_id(tx, issue.id, g)?.is_some_and(|o| o.id != r.id) {
                return Err(ApiError::field(
                    "globalId",
                    format!("Another remote link on this issue has the globalId '{g}'."),
                ));
            }
        }
        tx.execute(
            "UPDATE remote_links SET global_id = ?2, body = ?3 WHERE id = ?1",
            params![r.id, global_id.or(r.global_id), Value::Object(stored).to_string()],
        )?;
        crate::store::touch_issue(tx, issue.id, now)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((key, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    in_tx(&mut db, |tx, _| {
        let r = by_id(tx, issue.id, &id)?;
        tx.execute("DELETE FROM remote_links WHERE id = ?1", [r.id])?;
        crate::store::touch_issue(tx, issue.id, now)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /remotelink?globalId=`.
pub async fn delete_by_global_id(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let g = params
        .get("globalId")
        .ok_or_else(|| ApiError::bad_request("Give the 'globalId' of the remote link to delete."))?
        .to_string();
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    in_tx(&mut db, |tx, _| {
        let r = by_global_id(tx, issue.id, &g)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "No remote link with globalId '{g}' exists on this issue."
            ))
        })?;
        tx.execute("DELETE FROM remote_links WHERE id = ?1", [r.id])?;
        crate::store::touch_issue(tx, issue.id, now)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}
