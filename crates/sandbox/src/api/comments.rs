//! Comments on issues.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::issues::comment_json;
use super::{caller, ctx, in_tx, object, visible_issue, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::rich_text_in;
use crate::store;
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

/// The body of a comment in its stored (ADF) form, or Jira's 400.
pub fn body_in(v: ApiVersion, mode: crate::Mode, value: Option<&Value>) -> ApiResult<Value> {
    let stored = match value {
        None | Some(Value::Null) => Value::Null,
        Some(b) => rich_text_in(v, mode, b).map_err(|e| ApiError::field("comment", e))?,
    };
    let empty = match &stored {
        Value::Null => true,
        Value::String(wiki) => wiki.trim().is_empty(),
        doc => jirakit_adf::Doc::from_json(doc.clone())
            .map(|d| d.to_plain_text().trim().is_empty())
            .unwrap_or(true),
    };
    if empty {
        return Err(ApiError::field("comment", "Comment body can not be empty!"));
    }
    Ok(stored)
}

pub fn visibility_in(value: Option<&Value>) -> ApiResult<Option<Value>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => {
            let ty = o.get("type").and_then(Value::as_str);
            let val = o
                .get("value")
                .and_then(Value::as_str)
                .or_else(|| o.get("identifier").and_then(Value::as_str));
            match (ty, val) {
                (Some("group" | "role"), Some(_)) => Ok(Some(Value::Object(o.clone()))),
                _ => Err(ApiError::field(
                    "commentLevel",
                    "Visibility needs a 'type' of group or role and a 'value'.",
                )),
            }
        }
        Some(_) => Err(ApiError::field("commentLevel", "Visibility must be an object.")),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(5000, 5000)?;
    let newest_first = match params.get("orderBy") {
        None | Some("created" | "+created") => false,
        Some("-created") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The 'orderBy' value '{other}' is not supported: use created or -created."
            )))
        }
    };
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let (total, rows) = store::comments(&db.conn, issue.id, start, max, newest_first)?;
    Ok(Json(json!({
        "startAt": start,
        "maxResults": max,
        "total": total,
        "comments": rows.iter().map(|c| comment_json(&cx, c, issue.id)).collect::<Vec<_>>(),
    })))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    let o = object(&body)?;
    let stored = body_in(v, state.mode(), o.get("body"))?;
    let visibility = visibility_in(o.get("visibility"))?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let id = in_tx(&mut db, |tx, meta| {
        let id = store::insert_comment(tx, issue.id, &me.account_id, &stored, visibility.as_ref(), now)?;
        store::touch_issue(tx, issue.id, now)?;
        notify(tx, meta, &me, issue.id, id, "created", now)?;
        Ok(id)
    })?;
    let row = store::comment(&db.conn, issue.id, id)?
        .ok_or_else(|| ApiError::Internal("comment vanished".into()))?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok((StatusCode::CREATED, Json(comment_json(&cx, &row, issue.id))))
}

fn comment_id(id: &str) -> ApiResult<i64> {
    id.parse()
        .map_err(|_| ApiError::not_found(format!("Can not find a comment for the id: {id}.")))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path((key, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let cid = comment_id(&id)?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let row = store::comment(&db.conn, issue.id, cid)?
        .ok_or_else(|| ApiError::not_found(format!("Can not find a comment for the id: {id}.")))?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(comment_json(&cx, &row, issue.id)))
}

pub async fn update(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path((key, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let cid = comment_id(&id)?;
    let o = object(&body)?;
    let stored = body_in(v, state.mode(), o.get("body"))?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let mut row = store::comment(&db.conn, issue.id, cid)?
        .ok_or_else(|| ApiError::not_found(format!("Can not find a comment for the id: {id}.")))?;
    if row.author != me.account_id && !me.site_admin {
        return Err(ApiError::forbidden(
            "You do not have the permission to edit this comment.",
        ));
    }
    row.body = stored;
    row.update_author = me.account_id.clone();
    row.updated = now;
    if o.contains_key("visibility") {
        row.visibility = visibility_in(o.get("visibility"))?;
    }
    in_tx(&mut db, |tx, meta| {
        store::update_comment(tx, &row)?;
        store::touch_issue(tx, issue.id, now)?;
        notify(tx, meta, &me, issue.id, row.id, "updated", now)?;
        Ok(())
    })?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(comment_json(&cx, &row, issue.id)))
}

pub async fn delete(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((key, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let cid = comment_id(&id)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let row = store::comment(&db.conn, issue.id, cid)?
        .ok_or_else(|| ApiError::not_found(format!("Can not find a comment for the id: {id}.")))?;
    if row.author != me.account_id && !me.site_admin {
        return Err(ApiError::forbidden(
            "You do not have the permission to delete this comment.",
        ));
    }
    in_tx(&mut db, |tx, meta| {
        let issue = store::issue_by_id(tx, issue.id)?.ok_or_else(ApiError::issue_not_found)?;
        crate::webhooks::enqueue(
            tx,
            meta,
            &me,
            &issue,
            crate::webhooks::Event::Comment("deleted", &row),
            now,
        )?;
        store::delete_comment(tx, row.id)?;
        store::touch_issue(tx, issue.id, now)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a comment event with the issue and comment as they stand in the transaction.
pub(crate) fn notify(
    tx: &rusqlite::Connection,
    meta: &crate::meta::Meta,
    me: &crate::meta::User,
    issue_id: i64,
    comment_id: i64,
    kind: &'static str,
    now: i64,
) -> crate::error::ApiResult<()> {
    let issue = store::issue_by_id(tx, issue_id)?.ok_or_else(ApiError::issue_not_found)?;
    let row = store::comment(tx, issue_id, comment_id)?.ok_or_else(ApiError::issue_not_found)?;
    crate::webhooks::enqueue(
        tx,
        meta,
        me,
        &issue,
        crate::webhooks::Event::Comment(kind, &row),
        now,
    )
}
