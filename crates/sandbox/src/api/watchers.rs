//! Watchers and votes. The creator and the reporter of an issue watch it from the start.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::related::Related;
use super::{caller, ctx, in_tx, visible_issue, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::meta::{Meta, User};
use crate::render::{Ctx, Out};
use crate::store::IssueRow;
use crate::write_json;
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

/// Makes `account_id` watch the issue (no-op when it already does).
pub fn watch(conn: &Connection, issue_id: i64, account_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO watchers (issue_id, account_id) VALUES (?1, ?2)",
        params![issue_id, account_id],
    )?;
    Ok(())
}

fn accounts(conn: &Connection, table: &str, issue_id: i64) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(&format!(
        "SELECT account_id FROM {table} WHERE issue_id = ?1 ORDER BY account_id"
    ))?
    .query_map([issue_id], |r| r.get(0))?
    .collect()
}

/// The accounts in `table` ("watchers" or "votes") of a page's issues, by issue, each issue's in
/// account order.
pub fn accounts_of_issues(
    conn: &Connection,
    table: &str,
    ids: &super::related::PageIds,
) -> rusqlite::Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    let mut st = conn.prepare_cached(&format!(
        "SELECT issue_id, account_id FROM {table} WHERE {} ORDER BY issue_id, account_id",
        ids.clause("issue_id")
    ))?;
    let rows = st.query_map(rusqlite::params_from_iter(ids.params()), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (issue, account) = row?;
        if ids.has(issue) {
            out.entry(issue).or_default().push(account);
        }
    }
    Ok(out)
}

/// `fields.watches` and `fields.votes` as the user sees them; `None` for other ids. `related`
/// holds the accounts when the issue's page read them together.
pub fn field_value(
    cx: &Ctx,
    conn: &Connection,
    user: &User,
    i: &IssueRow,
    id: &str,
    related: Option<&Related>,
) -> rusqlite::Result<Option<Out>> {
    let api = cx.api();
    let read = |table: &str| -> rusqlite::Result<Cow<[String]>> {
        Ok(match related.and_then(|r| r.accounts(table, i.id)) {
            Some(known) => known.into(),
            None => accounts(conn, table, i.id)?.into(),
        })
    };
    // Keys in a `Value`'s order (see `Out::written`).
    let counter = |flag: &str, mine: bool, what: &str, key: &str, n: usize| {
        Out::written(api.len() + i.key.len() + 64, |out| {
            out.extend_from_slice(b"{\"");
            out.extend_from_slice(flag.as_bytes());
            out.extend_from_slice(if mine {
                b"\":true,\"self\":"
            } else {
                b"\":false,\"self\":"
            });
            write_json::joined(out, &[api, "/issue/", &i.key, "/", what])?;
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            write_json::int(out, i64::try_from(n).unwrap_or(i64::MAX))?;
            out.push(b'}');
            Ok(())
        })
    };
    Ok(match id {
        "watches" => {
            let w = read("watchers")?;
            Some(counter(
                "isWatching",
                w.contains(&user.account_id),
                "watchers",
                "watchCount",
                w.len(),
            ))
        }
        "votes" => {
            let v = read("votes")?;
            Some(counter(
                "hasVoted",
                v.contains(&user.account_id),
                "votes",
                "votes",
                v.len(),
            ))
        }
        _ => None,
    })
}

fn user_by_param(meta: &Meta, params: &Params) -> ApiResult<String> {
    if let Some(id) = params.get("accountId") {
        return meta
            .user(id)
            .map(|u| u.account_id.clone())
            .ok_or_else(|| ApiError::not_found(format!("The user with account ID '{id}' does not exist.")));
    }
    if let Some(name) = params.get("username") {
        return meta
            .users
            .values()
            .find(|u| u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .map(|u| u.account_id.clone())
            .ok_or_else(|| ApiError::not_found(format!("The user '{name}' does not exist.")));
    }
    Err(ApiError::bad_request(
        "Give the watcher to remove as 'accountId'.",
    ))
}

pub async fn watchers(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let w = accounts(&db.conn, "watchers", issue.id)?;
    Ok(Json(json!({
        "self": format!("{}/issue/{}/watchers", cx.api(), issue.key),
        "isWatching": w.contains(&me.account_id),
        "watchCount": w.len(),
        "watchers": w.iter().map(|a| cx.user_ref(a)).collect::<Vec<_>>(),
    })))
}

/// `POST /watchers` with the account id as a JSON string, or no body for the caller.
pub async fn add_watcher(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    in_tx(&mut db, |tx, meta| {
        let who = match &body {
            Value::Null => me.account_id.clone(),
            Value::String(s) => meta
                .user(s)
                .or_else(|| {
                    meta.users
                        .values()
                        .find(|u| u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(s)))
                })
                .filter(|u| u.active)
                .map(|u| u.account_id.clone())
                .ok_or_else(|| {
                    ApiError::not_found(format!("The user with account ID '{s}' does not exist."))
                })?,
            _ => {
                return Err(ApiError::bad_request(
                    "Give the watcher's account ID as a JSON string.",
                ))
            }
        };
        if who != me.account_id && !me.site_admin {
            return Err(ApiError::forbidden(
                "You do not have the permission to manage the watcher list.",
            ));
        }
        watch(tx, issue.id, &who)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_watcher(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    in_tx(&mut db, |tx, meta| {
        let who = user_by_param(meta, &params)?;
        if who != me.account_id && !me.site_admin {
            return Err(ApiError::forbidden(
                "You do not have the permission to manage the watcher list.",
            ));
        }
        tx.execute(
            "DELETE FROM watchers WHERE issue_id = ?1 AND account_id = ?2",
            params![issue.id, who],
        )?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn votes(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let voters = accounts(&db.conn, "votes", issue.id)?;
    Ok(Json(json!({
        "self": format!("{}/issue/{}/votes", cx.api(), issue.key),
        "votes": voters.len(),
        "hasVoted": voters.contains(&me.account_id),
        "voters": voters.iter().map(|a| cx.user_ref(a)).collect::<Vec<_>>(),
    })))
}

pub async fn vote(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    if issue.get("reporter").as_str() == Some(me.account_id.as_str()) {
        return Err(ApiError::bad_request(
            "You cannot vote for an issue you have reported.",
        ));
    }
    in_tx(&mut db, |tx, _| {
        tx.execute(
            "INSERT OR IGNORE INTO votes (issue_id, account_id) VALUES (?1, ?2)",
            params![issue.id, me.account_id],
        )?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unvote(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let removed = in_tx(&mut db, |tx, _| {
        Ok(tx.execute(
            "DELETE FROM votes WHERE issue_id = ?1 AND account_id = ?2",
            params![issue.id, me.account_id],
        )?)
    })?;
    if removed == 0 {
        return Err(ApiError::not_found("You have not voted for this issue."));
    }
    Ok(StatusCode::NO_CONTENT)
}
