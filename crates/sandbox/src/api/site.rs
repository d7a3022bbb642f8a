//! `serverInfo`, `myself`, users and groups.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use rusqlite::params;
use serde_json::{json, Value};

use super::{caller, ctx, object, reload, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::meta::User;
use crate::render::{page_bean, page_of};
use crate::{AppState, Mode};

type MaybeCaller = Option<Extension<Caller>>;

pub async fn server_info(State(state): State<AppState>, Extension(v): Extension<ApiVersion>) -> Json<Value> {
    let now = state.clock().now_ms();
    let (version, numbers, deployment) = match state.mode() {
        Mode::Cloud => ("1001.0.0-SNAPSHOT", json!([1001, 0, 0]), "Cloud"),
        Mode::DataCenter => ("9.12.0", json!([9, 12, 0]), "Server"),
    };
    let _ = v;
    Json(json!({
        "baseUrl": state.base_url(),
        "displayUrl": state.base_url(),
        "version": version,
        "versionNumbers": numbers,
        "deploymentType": deployment,
        "buildNumber": 100_281,
        "buildDate": "2026-11-01T00:00:00.000+0000",
        "serverTime": crate::clock::format_ts(now),
        "scmInfo": "jirakit-sandbox",
        "serverTitle": "Jira (jirakit sandbox)",
        "serverTimeZone": "Etc/UTC",
    }))
}

pub async fn myself(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
) -> ApiResult<Json<Value>> {
    let user = caller(c)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let mut o = cx.user(&user);
    o["locale"] = json!("en_US");
    let groups: Vec<Value> = db
        .meta
        .groups_of(&user.account_id)
        .map(|g| json!({"name": g.name, "groupId": g.group_id, "self": format!("{}/group?groupId={}", cx.api(), g.group_id)}))
        .collect();
    o["groups"] = json!({ "size": groups.len(), "items": groups });
    o["applicationRoles"] = json!({ "size": 1, "items": [] });
    o["expand"] = json!("groups,applicationRoles");
    Ok(Json(o))
}

fn find_user<'m>(meta: &'m crate::meta::Meta, params: &Params, mode: Mode) -> ApiResult<&'m User> {
    if let Some(id) = params.get("accountId") {
        return meta
            .user(id)
            .ok_or_else(|| ApiError::not_found(format!("The user with account ID '{id}' does not exist.")));
    }
    if mode == Mode::DataCenter {
        if let Some(name) = params.get("username").or_else(|| params.get("key")) {
            return meta
                .users
                .values()
                .find(|u| u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .ok_or_else(|| ApiError::not_found(format!("The user named '{name}' does not exist.")));
        }
    }
    if params.get("username").is_some() || params.get("key").is_some() {
        return Err(ApiError::bad_request(
            "The query parameters 'username' and 'key' are not supported in Jira Cloud: use 'accountId'.",
        ));
    }
    Err(ApiError::bad_request(
        "The query parameter 'accountId' is required.",
    ))
}

pub async fn get_user(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    let base = state.base_url();
    let u = find_user(&db.meta, &params, state.mode())?;
    let cx = ctx(&state, &db.meta, &base, v);
    let mut o = cx.user(u);
    let groups: Vec<Value> = db
        .meta
        .groups_of(&u.account_id)
        .map(|g| json!({"name": g.name, "groupId": g.group_id}))
        .collect();
    o["groups"] = json!({ "size": groups.len(), "items": groups });
    Ok(Json(o))
}

fn matches_query(u: &User, q: &str) -> bool {
    let q = q.to_lowercase();
    q.is_empty()
        || u.display_name
            .to_lowercase()
            .split_whitespace()
            .any(|w| w.starts_with(&q))
        || u.display_name.to_lowercase().starts_with(&q)
        || u.email
            .as_deref()
            .is_some_and(|e| e.to_lowercase().starts_with(&q))
        || u.name
            .as_deref()
            .is_some_and(|n| n.to_lowercase().starts_with(&q))
        || u.account_id == q
}

pub async fn search_users(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let query = params
        .get("query")
        .or_else(|| params.get("username"))
        .map(str::to_string);
    let account = params.get("accountId").map(str::to_string);
    if query.is_none() && account.is_none() {
        return Err(ApiError::bad_request(
            "One of 'query' or 'accountId' query parameters must be provided.",
        ));
    }
    let (start, max) = params.page(50, 1000)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let found: Vec<Value> = db
        .meta
        .users
        .values()
        .filter(|u| u.active || params.bool("includeInactive").ok().flatten().unwrap_or(false))
        .filter(|u| account.as_deref().is_none_or(|a| u.account_id == a))
        .filter(|u| query.as_deref().is_none_or(|q| matches_query(u, q)))
        .skip(start as usize)
        .take(max as usize)
        .map(|u| cx.user(u))
        .collect();
    Ok(Json(Value::Array(found)))
}

pub async fn all_users(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let (start, max) = params.page(50, 1000)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(Value::Array(
        db.meta
            .users
            .values()
            .skip(start as usize)
            .take(max as usize)
            .map(|u| cx.user(u))
            .collect(),
    )))
}

pub async fn bulk_users(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let ids = params.all("accountId");
    if ids.is_empty() {
        return Err(ApiError::bad_request(
            "The query parameter 'accountId' is required at least once.",
        ));
    }
    let (start, max) = params.page(10, 200)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let found: Vec<&User> = ids.iter().filter_map(|id| db.meta.user(id)).collect();
    let total = found.len() as i64;
    let values = found
        .into_iter()
        .skip(start as usize)
        .take(max as usize)
        .map(|u| cx.user(u))
        .collect();
    Ok(Json(page_bean(
        format!("{}/user/bulk", cx.api()),
        start,
        max,
        total,
        values,
    )))
}

pub async fn user_groups(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    let u = find_user(&db.meta, &params, state.mode())?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(Value::Array(
        db.meta
            .groups_of(&u.account_id)
            .map(|g| json!({"name": g.name, "groupId": g.group_id, "self": format!("{}/group?groupId={}", cx.api(), g.group_id)}))
            .collect(),
    )))
}

fn require_admin(user: &User) -> ApiResult<()> {
    if user.site_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "You do not have permission to manage users and groups.",
        ))
    }
}

/// `POST /user {emailAddress, displayName?, name?, password?}`: an admin adds a user. The sandbox
/// also takes `apiToken` so tests can sign in as the new user.
pub async fn create_user(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    require_admin(&me)?;
    let o = object(&body)?;
    let email = o
        .get("emailAddress")
        .and_then(Value::as_str)
        .filter(|e| e.contains('@'))
        .ok_or_else(|| ApiError::field("emailAddress", "A valid email address is required."))?;
    let mut db = state.db();
    if db
        .meta
        .users
        .values()
        .any(|u| u.email.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(email)))
    {
        return Err(ApiError::field(
            "emailAddress",
            "A user with that email address already exists.",
        ));
    }
    let local = email.split('@').next().unwrap_or(email).to_string();
    let display = o
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| local.clone());
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or(local);
    let n: i64 = db
        .conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
    let account_id = format!(
        "712020:{:08x}-0000-4000-8000-{:012x}",
        0x5eed_0000u32 + n as u32,
        n + 1000
    );
    let token = o.get("apiToken").and_then(Value::as_str).map(str::to_string);
    let password = o.get("password").and_then(Value::as_str).map(str::to_string);
    db.conn.execute(
        "INSERT INTO users (account_id, email, name, display_name, api_token, password) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![account_id, email, name, display, token, password],
    )?;
    let default_group = "jira-users";
    db.conn.execute(
        "INSERT OR IGNORE INTO group_members (group_name, account_id) SELECT name, ?1 FROM groups WHERE name = ?2",
        params![account_id, default_group],
    )?;
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let u = db
        .meta
        .user(&account_id)
        .ok_or_else(|| ApiError::Internal("user vanished".into()))?;
    Ok((StatusCode::CREATED, Json(cx.user(u))))
}

pub async fn delete_user(
    State(state): State<AppState>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    require_admin(&me)?;
    let mut db = state.db();
    let id = find_user(&db.meta, &params, state.mode())?.account_id.clone();
    if id == me.account_id {
        return Err(ApiError::bad_request("You cannot delete your own account."));
    }
    db.conn.execute(
        "UPDATE users SET active = 0, api_token = NULL, pat = NULL, password = NULL WHERE account_id = ?1",
        [&id],
    )?;
    db.conn
        .execute("DELETE FROM group_members WHERE account_id = ?1", [&id])?;
    reload(&mut db)?;
    Ok(StatusCode::NO_CONTENT)
}

fn group_name(params: &Params, meta: &crate::meta::Meta) -> ApiResult<String> {
    if let Some(name) = params.get("groupname") {
        return meta
            .group(name)
            .map(|g| g.name.clone())
            .ok_or_else(|| ApiError::not_found(format!("Group '{name}' does not exist.")));
    }
    if let Some(id) = params.get("groupId") {
        return meta
            .groups
            .values()
            .find(|g| g.group_id == id)
            .map(|g| g.name.clone())
            .ok_or_else(|| ApiError::not_found(format!("Group with id '{id}' does not exist.")));
    }
    Err(ApiError::bad_request(
        "Either 'groupname' or 'groupId' is required.",
    ))
}

fn group_json(cx: &crate::render::Ctx, name: &str) -> Value {
    let g = cx.meta.group(name);
    json!({
        "name": name,
        "groupId": g.map(|g| g.group_id.clone()),
        "self": format!("{}/group?groupId={}", cx.api(), g.map(|g| g.group_id.as_str()).unwrap_or("")),
        "users": { "size": g.map(|g| g.members.len()).unwrap_or(0), "items": [], "max-results": 50, "start-index": 0, "end-index": 0 },
        "expand": "users",
    })
}

pub async fn create_group(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    require_admin(&me)?;
    let name = object(&body)?
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::field("name", "A group name is required."))?
        .to_string();
    let mut db = state.db();
    if db.meta.group(&name).is_some() {
        return Err(ApiError::bad_request(format!(
            "A group with name '{name}' already exists."
        )));
    }
    let n: i64 = db
        .conn
        .query_row("SELECT count(*) FROM groups", [], |r| r.get(0))?;
    let gid = format!("{:08x}-6a1c-4b5e-9d3f-{:012x}", 0xa11c_e000u32 + n as u32, n + 77);
    db.conn.execute(
        "INSERT INTO groups (name, group_id) VALUES (?1, ?2)",
        params![name, gid],
    )?;
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok((StatusCode::CREATED, Json(group_json(&cx, &name))))
}

pub async fn delete_group(
    State(state): State<AppState>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    require_admin(&me)?;
    let mut db = state.db();
    let name = group_name(&params, &db.meta)?;
    db.conn.execute("DELETE FROM groups WHERE name = ?1", [&name])?;
    reload(&mut db)?;
    Ok(StatusCode::OK)
}

pub async fn group_members(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let (start, max) = params.page(50, 50)?;
    let include_inactive = params.bool("includeInactiveUsers")?.unwrap_or(false);
    let db = state.db();
    let name = group_name(&params, &db.meta)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let g = db
        .meta
        .group(&name)
        .ok_or_else(|| ApiError::not_found("Group does not exist."))?;
    let members: Vec<&User> = g
        .members
        .iter()
        .filter_map(|a| db.meta.user(a))
        .filter(|u| include_inactive || u.active)
        .collect();
    let total = members.len() as i64;
    let values = members
        .into_iter()
        .skip(start as usize)
        .take(max as usize)
        .map(|u| cx.user(u))
        .collect();
    Ok(Json(page_bean(
        format!("{}/group/member?groupname={}", cx.api(), name),
        start,
        max,
        total,
        values,
    )))
}

pub async fn add_to_group(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    require_admin(&me)?;
    let mut db = state.db();
    let name = group_name(&params, &db.meta)?;
    let o = object(&body)?;
    let account = o
        .get("accountId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::field("accountId", "The user's 'accountId' is required."))?;
    if db.meta.user(account).is_none() {
        return Err(ApiError::bad_request(format!(
            "The user with account ID '{account}' does not exist."
        )));
    }
    if db.meta.group(&name).is_some_and(|g| g.members.contains(account)) {
        return Err(ApiError::bad_request(format!(
            "Cannot add user. User is already a member of '{name}'."
        )));
    }
    db.conn.execute(
        "INSERT INTO group_members (group_name, account_id) VALUES (?1, ?2)",
        params![name, account],
    )?;
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok((StatusCode::CREATED, Json(group_json(&cx, &name))))
}

pub async fn remove_from_group(
    State(state): State<AppState>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    require_admin(&me)?;
    let mut db = state.db();
    let name = group_name(&params, &db.meta)?;
    let account = params
        .get("accountId")
        .ok_or_else(|| ApiError::bad_request("The query parameter 'accountId' is required."))?;
    let n = db.conn.execute(
        "DELETE FROM group_members WHERE group_name = ?1 AND account_id = ?2",
        params![name, account],
    )?;
    if n == 0 {
        return Err(ApiError::bad_request(format!(
            "The user is not a member of '{name}'."
        )));
    }
    reload(&mut db)?;
    Ok(StatusCode::OK)
}

pub async fn bulk_groups(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let (start, max) = params.page(50, 1000)?;
    let names = params.all("groupName");
    let ids = params.all("groupId");
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let groups: Vec<Value> = db
        .meta
        .groups
        .values()
        .filter(|g| {
            (names.is_empty() && ids.is_empty())
                || names.iter().any(|n| n.eq_ignore_ascii_case(&g.name))
                || ids.contains(&g.group_id)
        })
        .map(|g| json!({"name": g.name, "groupId": g.group_id}))
        .collect();
    Ok(Json(page_of(
        format!("{}/group/bulk", cx.api()),
        start,
        max,
        groups,
    )))
}

pub async fn group_picker(
    State(state): State<AppState>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let q = params.get("query").unwrap_or("").to_lowercase();
    let max = params.int("maxResults")?.unwrap_or(20).max(0) as usize;
    let db = state.db();
    let matched: Vec<Value> = db
        .meta
        .groups
        .values()
        .filter(|g| g.name.to_lowercase().contains(&q))
        .map(|g| json!({"name": g.name, "html": g.name, "groupId": g.group_id, "labels": []}))
        .collect();
    let total = matched.len();
    let groups: Vec<Value> = matched.into_iter().take(max).collect();
    Ok(Json(
        json!({ "header": format!("Showing {} of {} matching groups", groups.len(), total), "total": total, "groups": groups }),
    ))
}
