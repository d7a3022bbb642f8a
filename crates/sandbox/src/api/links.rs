//! Issue link types and issue links.
//!
//! Direction follows Jira: `POST /issueLink {type: Blocks, inwardIssue: A, outwardIssue: B}` makes
//! A block B. A (the link's source) shows `outwardIssue: B` under the outward text ("blocks"),
//! B shows `inwardIssue: A` under the inward text ("is blocked by").

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::borrow::Cow;
use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::issues::issue_ref;
use super::{caller, ctx, in_tx, object, visible_issue, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::meta::User;
use crate::render::Ctx;
use crate::store::{self, ChangeItem, IssueRow};
use crate::{AppState, Db};

type MaybeCaller = Option<Extension<Caller>>;

/// Jira Cloud's default link types, present on every new site.
const DEFAULT_TYPES: &[(&str, &str, &str)] = &[
    ("Blocks", "is blocked by", "blocks"),
    ("Cloners", "is cloned by", "clones"),
    ("Duplicate", "is duplicated by", "duplicates"),
    ("Relates", "relates to", "relates to"),
];

/// Puts the default link types back after a reset.
pub fn seed_link_types(conn: &Connection) -> rusqlite::Result<()> {
    for (name, inward, outward) in DEFAULT_TYPES {
        conn.execute(
            "INSERT INTO link_types (name, inward, outward) VALUES (?1, ?2, ?3)",
            params![name, inward, outward],
        )?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct LinkType {
    pub id: i64,
    pub name: String,
    pub inward: String,
    pub outward: String,
}

fn type_from_row(r: &rusqlite::Row) -> rusqlite::Result<LinkType> {
    Ok(LinkType {
        id: r.get(0)?,
        name: r.get(1)?,
        inward: r.get(2)?,
        outward: r.get(3)?,
    })
}

fn all_types(conn: &Connection) -> rusqlite::Result<Vec<LinkType>> {
    conn.prepare_cached("SELECT id, name, inward, outward FROM link_types ORDER BY name")?
        .query_map([], type_from_row)?
        .collect()
}

fn type_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<LinkType>> {
    conn.prepare_cached("SELECT id, name, inward, outward FROM link_types WHERE id = ?1")?
        .query_row([id], type_from_row)
        .optional()
}

fn type_json(cx: &Ctx, t: &LinkType) -> Value {
    json!({
        "id": t.id.to_string(),
        "name": t.name,
        "inward": t.inward,
        "outward": t.outward,
        "self": format!("{}/issueLinkType/{}", cx.api(), t.id),
    })
}

fn type_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("No issue link type with id '{id}' exists."))
}

fn parse_type_id(conn: &Connection, id: &str) -> ApiResult<LinkType> {
    let n: i64 = id.parse().map_err(|_| type_not_found(id))?;
    type_by_id(conn, n)?.ok_or_else(|| type_not_found(id))
}

fn require_admin(user: &User) -> ApiResult<()> {
    if user.site_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "You do not have permission to manage issue link types: Jira administrators only.",
        ))
    }
}

/// One of the three names of a link type in a create or update body.
fn type_text(o: &serde_json::Map<String, Value>, key: &str, required: bool) -> ApiResult<Option<String>> {
    match o.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 255 => {
            Ok(Some(s.trim().to_string()))
        }
        None | Some(Value::Null) if !required => Ok(None),
        _ => Err(ApiError::field(
            key,
            format!("The link type's '{key}' must be a non-empty string of at most 255 characters."),
        )),
    }
}

pub async fn list_types(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let types: Vec<Value> = all_types(&db.conn)?.iter().map(|t| type_json(&cx, t)).collect();
    Ok(Json(json!({ "issueLinkTypes": types })))
}

pub async fn get_type(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    let t = parse_type_id(&db.conn, &id)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(type_json(&cx, &t)))
}

pub async fn create_type(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    require_admin(&me)?;
    let mut db = state.db();
    let t = in_tx(&mut db, |tx, _| {
        let o = object(&body)?;
        let name = type_text(o, "name", true)?.unwrap_or_default();
        let inward = type_text(o, "inward", true)?.unwrap_or_default();
        let outward = type_text(o, "outward", true)?.unwrap_or_default();
        if all_types(tx)?.iter().any(|t| t.name.eq_ignore_ascii_case(&name)) {
            return Err(ApiError::bad_request(format!(
                "A link type with the name '{name}' already exists."
            )));
        }
        tx.execute(
            "INSERT INTO link_types (name, inward, outward) VALUES (?1, ?2, ?3)",
            params![name, inward, outward],
        )?;
        Ok(LinkType {
            id: tx.last_insert_rowid(),
            name,
            inward,
            outward,
        })
    })?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok((StatusCode::CREATED, Json(type_json(&cx, &t))))
}

pub async fn update_type(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    require_admin(&me)?;
    let mut db = state.db();
    let t = in_tx(&mut db, |tx, _| {
        let mut t = parse_type_id(tx, &id)?;
        let o = object(&body)?;
        if let Some(name) = type_text(o, "name", false)? {
            if all_types(tx)?
                .iter()
                .any(|x| x.id != t.id && x.name.eq_ignore_ascii_case(&name))
            {
                return Err(ApiError::bad_request(format!(
                    "A link type with the name '{name}' already exists."
                )));
            }
            t.name = name;
        }
        if let Some(s) = type_text(o, "inward", false)? {
            t.inward = s;
        }
        if let Some(s) = type_text(o, "outward", false)? {
            t.outward = s;
        }
        tx.execute(
            "UPDATE link_types SET name = ?2, inward = ?3, outward = ?4 WHERE id = ?1",
            params![t.id, t.name, t.inward, t.outward],
        )?;
        Ok(t)
    })?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(type_json(&cx, &t)))
}

pub async fn delete_type(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    require_admin(&me)?;
    let mut db = state.db();
    in_tx(&mut db, |tx, _| {
        let t = parse_type_id(tx, &id)?;
        tx.execute("DELETE FROM link_types WHERE id = ?1", [t.id])?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone)]
pub struct LinkRow {
    id: i64,
    type_id: i64,
    source_id: i64,
    dest_id: i64,
}

fn link_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<LinkRow>> {
    conn.prepare_cached("SELECT id, type_id, source_id, dest_id FROM issue_links WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(LinkRow {
                id: r.get(0)?,
                type_id: r.get(1)?,
                source_id: r.get(2)?,
                dest_id: r.get(3)?,
            })
        })
        .optional()
}

/// `fields.issuelinks` of an issue: each link once, seen from this issue's side.
/// `fields.issuelinks`; `known` the issue's links when its page's were read together.
pub fn issuelinks_field(
    cx: &Ctx,
    conn: &Connection,
    i: &IssueRow,
    known: Option<&[LinkRow]>,
) -> rusqlite::Result<Value> {
    let rows: Cow<[LinkRow]> = match known {
        Some(rows) => rows.into(),
        None => conn
            .prepare_cached(
                "SELECT id, type_id, source_id, dest_id FROM issue_links WHERE source_id = ?1 OR dest_id = ?1 ORDER BY id",
            )?
            .query_map([i.id], link_from_row)?
            .collect::<Result<Vec<_>, _>>()?
            .into(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for l in rows.iter() {
        let Some(t) = type_by_id(conn, l.type_id)? else {
            continue;
        };
        let (side, other) = if l.source_id == i.id {
            ("outwardIssue", l.dest_id)
        } else {
            ("inwardIssue", l.source_id)
        };
        let Some(other) = store::issue_by_id(conn, other)? else {
            continue;
        };
        let mut o = json!({
            "id": l.id.to_string(),
            "self": format!("{}/issueLink/{}", cx.api(), l.id),
            "type": type_json(cx, &t),
        });
        o[side] = issue_ref(cx, &other);
        out.push(o);
    }
    Ok(Value::Array(out))
}

fn link_from_row(r: &rusqlite::Row) -> rusqlite::Result<LinkRow> {
    Ok(LinkRow {
        id: r.get(0)?,
        type_id: r.get(1)?,
        source_id: r.get(2)?,
        dest_id: r.get(3)?,
    })
}

/// The links of a page's issues, by issue, each issue's in id order (a link between two of
/// them is under both).
pub fn rows_of_issues(
    conn: &Connection,
    ids: &super::related::PageIds,
) -> rusqlite::Result<HashMap<i64, Vec<LinkRow>>> {
    let mut out: HashMap<i64, Vec<LinkRow>> = HashMap::new();
    let mut st = conn.prepare_cached(&format!(
        "SELECT id, type_id, source_id, dest_id FROM issue_links WHERE {} OR {} ORDER BY id",
        ids.clause("source_id"),
        ids.clause("dest_id")
    ))?;
    for l in st.query_map(rusqlite::params_from_iter(ids.params()), link_from_row)? {
        let l = l?;
        if !ids.has(l.source_id) && !ids.has(l.dest_id) {
            continue;
        }
        if l.dest_id != l.source_id {
            out.entry(l.dest_id).or_default().push(l.clone());
        }
        out.entry(l.source_id).or_default().push(l);
    }
    Ok(out)
}

/// The issue named by `{"key"}`/`{"id"}` under `side` of a link request.
fn linked_issue(
    db_conn: &Connection,
    meta: &crate::meta::Meta,
    user: &User,
    body: &Value,
    side: &str,
) -> ApiResult<IssueRow> {
    let key = body
        .get(side)
        .and_then(|o| {
            o.get("key")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    o.get("id").and_then(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .or_else(|| i.as_i64().map(|n| n.to_string()))
                    })
                })
        })
        .ok_or_else(|| {
            ApiError::field(
                side,
                format!("Specify the '{side}' as an object with a 'key' or an 'id'."),
            )
        })?;
    let issue = store::issue(db_conn, &key)?.ok_or_else(ApiError::issue_not_found)?;
    let project = meta
        .project(issue.project_id)
        .ok_or_else(ApiError::issue_not_found)?;
    if !meta.can_browse(user, project) {
        return Err(ApiError::issue_not_found());
    }
    Ok(issue)
}

fn link_item(to: Option<(&IssueRow, &str)>, from: Option<(&IssueRow, &str)>) -> ChangeItem {
    let repr = |x: Option<(&IssueRow, &str)>| match x {
        Some((i, text)) => (Some(i.key.clone()), Some(format!("This issue {text} {}", i.key))),
        None => (None, None),
    };
    let (from, from_string) = repr(from);
    let (to, to_string) = repr(to);
    ChangeItem {
        field: "Link".into(),
        fieldtype: "jira".into(),
        field_id: None,
        from,
        from_string,
        to,
        to_string,
    }
}

pub async fn create_link(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let id = in_tx(&mut db, |tx, meta| {
        object(&body)?;
        let ty = body
            .get("type")
            .ok_or_else(|| ApiError::field("issueLinkType", "Specify the link 'type' by 'name' or 'id'."))?;
        let types = all_types(tx)?;
        let t = match (ty.get("id"), ty.get("name").and_then(Value::as_str)) {
            (Some(id), _) => {
                let id = id
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| id.as_i64().map(|n| n.to_string()))
                    .unwrap_or_default();
                types
                    .into_iter()
                    .find(|t| t.id.to_string() == id)
                    .ok_or_else(|| type_not_found(&id))?
            }
            (None, Some(name)) => types
                .into_iter()
                .find(|t| t.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    ApiError::not_found(format!("No issue link type with name '{name}' found."))
                })?,
            _ => {
                return Err(ApiError::field(
                    "issueLinkType",
                    "Specify the link 'type' by 'name' or 'id'.",
                ))
            }
        };
        let source = linked_issue(tx, meta, &me, &body, "inwardIssue")?;
        let dest = linked_issue(tx, meta, &me, &body, "outwardIssue")?;
        if source.id == dest.id {
            return Err(ApiError::bad_request("You cannot link an issue to itself."));
        }
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM issue_links WHERE type_id = ?1 AND source_id = ?2 AND dest_id = ?3",
                params![t.id, source.id, dest.id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        tx.execute(
            "INSERT INTO issue_links (type_id, source_id, dest_id) VALUES (?1, ?2, ?3)",
            params![t.id, source.id, dest.id],
        )?;
        let id = tx.last_insert_rowid();
        link_event(tx, meta, &me, "issuelink_created", id, &t, &source, &dest, now)?;
        record(tx, &me, now, &source, link_item(Some((&dest, &t.outward)), None))?;
        record(tx, &me, now, &dest, link_item(Some((&source, &t.inward)), None))?;
        Ok(id)
    })?;
    let base = state.base_url();
    let location = format!("{base}/rest/api/{}/issueLink/{id}", v.number());
    let mut r = StatusCode::CREATED.into_response();
    if let Ok(h) = header::HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, h);
    }
    Ok(r)
}

/// `issuelink_created` / `issuelink_deleted`: `{issueLink: {id, sourceIssueId,
/// destinationIssueId, issueLinkType}}`, as Jira's link events carry it. The source is the
/// `inwardIssue` of the request (the issue that "blocks").
#[allow(clippy::too_many_arguments)]
fn link_event(
    tx: &Connection,
    meta: &crate::meta::Meta,
    me: &User,
    event: &'static str,
    id: i64,
    t: &LinkType,
    source: &IssueRow,
    dest: &IssueRow,
    now: i64,
) -> ApiResult<()> {
    crate::webhooks::enqueue_entity(tx, meta, me, Some(source), event, now, |_| {
        Ok(json!({"issueLink": {
            "id": id,
            "sourceIssueId": source.id,
            "destinationIssueId": dest.id,
            "issueLinkType": {
                "id": t.id,
                "name": t.name,
                "outwardName": t.outward,
                "inwardName": t.inward,
                "isSubTaskLinkType": false,
                "isSystemLinkType": false,
            },
        }}))
    })
}

fn record(tx: &Connection, user: &User, now: i64, issue: &IssueRow, item: ChangeItem) -> ApiResult<()> {
    store::add_history(tx, issue.id, Some(&user.account_id), now, &[item])?;
    store::touch_issue(tx, issue.id, now)?;
    Ok(())
}

fn link_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("No issue link with id '{id}' exists."))
}

/// A link whose two issues the user can see, with them.
fn visible_link(db: &Db, user: &User, id: &str) -> ApiResult<(LinkRow, IssueRow, IssueRow)> {
    let n: i64 = id.parse().map_err(|_| link_not_found(id))?;
    let l = link_by_id(&db.conn, n)?.ok_or_else(|| link_not_found(id))?;
    let source = visible_issue(db, user, &l.source_id.to_string()).map_err(|_| link_not_found(id))?;
    let dest = visible_issue(db, user, &l.dest_id.to_string()).map_err(|_| link_not_found(id))?;
    Ok((l, source, dest))
}

pub async fn get_link(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let (l, source, dest) = visible_link(&db, &me, &id)?;
    let t = type_by_id(&db.conn, l.type_id)?.ok_or_else(|| link_not_found(&id))?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(json!({
        "id": l.id.to_string(),
        "self": format!("{}/issueLink/{}", cx.api(), l.id),
        "type": type_json(&cx, &t),
        "inwardIssue": issue_ref(&cx, &source),
        "outwardIssue": issue_ref(&cx, &dest),
    })))
}

pub async fn delete_link(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let (l, source, dest) = visible_link(&db, &me, &id)?;
    in_tx(&mut db, |tx, meta| {
        let t = type_by_id(tx, l.type_id)?.ok_or_else(|| link_not_found(&id))?;
        link_event(tx, meta, &me, "issuelink_deleted", l.id, &t, &source, &dest, now)?;
        tx.execute("DELETE FROM issue_links WHERE id = ?1", [l.id])?;
        record(tx, &me, now, &source, link_item(None, Some((&dest, &t.outward))))?;
        record(tx, &me, now, &dest, link_item(None, Some((&source, &t.inward))))?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}
