//! Worklogs and time tracking.
//!
//! An issue keeps its original estimate, remaining estimate and time spent, in seconds, as the
//! stored fields `timeoriginalestimate`, `timeestimate` and `timespent`; every worklog write
//! moves them together and records the change. Durations read and print with Jira's defaults:
//! 8-hour days and 5-day weeks.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::issues::{apply_changes, Changes};
use super::{caller, ctx, in_tx, object, visible_issue, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::rich_text_in;
use crate::meta::{Meta, User};
use crate::render::{Ctx, Out};
use crate::store::{self, ChangeItem, IssueRow};
use crate::write_json;
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 8 * HOUR;
const WEEK: i64 = 5 * DAY;

/// Seconds of a Jira duration: `1w 2d 3h 30m`, units in any order, decimals allowed (`1.5h`), a
/// bare number meaning minutes. `None` when it does not read.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = 0f64;
    for token in text.split_whitespace() {
        let (num, unit) = match token.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
            Some((i, _)) => (&token[..i], &token[i..]),
            None => (token, "m"),
        };
        let n: f64 = num.parse().ok().filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
        let unit = match unit.to_ascii_lowercase().as_str() {
            "w" => WEEK,
            "d" => DAY,
            "h" => HOUR,
            "m" => MINUTE,
            _ => return None,
        };
        total += n * unit as f64;
    }
    (total <= 1e15).then_some(total.round() as i64)
}

/// Jira's short form of a duration: `1w 2d 3h 30m`, `0m` for nothing.
pub fn format_duration(seconds: i64) -> String {
    let mut left = seconds.max(0);
    let mut parts = Vec::new();
    for (unit, suffix) in [(WEEK, "w"), (DAY, "d"), (HOUR, "h"), (MINUTE, "m")] {
        let n = left / unit;
        if n > 0 {
            parts.push(format!("{n}{suffix}"));
        }
        left %= unit;
    }
    if parts.is_empty() {
        "0m".into()
    } else {
        parts.join(" ")
    }
}

fn secs(fields: &Map<String, Value>, id: &str) -> Option<i64> {
    fields.get(id).and_then(Value::as_i64)
}

/// The stored changes a `timetracking` value asks for: `{originalEstimate, remainingEstimate}`
/// as durations. Setting only the original estimate on an issue with no remaining estimate and no
/// work logged sets the remaining estimate too, as Jira does.
pub fn timetracking_in(value: &Value, current: &Map<String, Value>) -> Result<Vec<(String, Value)>, String> {
    let o = value
        .as_object()
        .ok_or("Time tracking takes an object with 'originalEstimate' and/or 'remainingEstimate'.")?;
    let read = |k: &str| -> Result<Option<Value>, String> {
        match o.get(k) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(Value::Null)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(Value::Null)),
            Some(Value::String(s)) => parse_duration(s)
                .map(|n| Some(json!(n)))
                .ok_or_else(|| format!("The {k} '{s}' is not a valid duration such as '2d 4h'.")),
            Some(_) => Err(format!("The {k} must be a duration such as '2d 4h'.")),
        }
    };
    let original = read("originalEstimate")?;
    let remaining = read("remainingEstimate")?;
    let mut out = Vec::new();
    if let Some(v) = &original {
        out.push(("timeoriginalestimate".to_string(), v.clone()));
    }
    match remaining {
        Some(v) => out.push(("timeestimate".to_string(), v)),
        None => {
            if let Some(v) = original {
                if secs(current, "timeestimate").is_none() && secs(current, "timespent").unwrap_or(0) == 0 {
                    out.push(("timeestimate".to_string(), v));
                }
            }
        }
    }
    Ok(out)
}

/// The stored time fields that the time-tracking fields show.
const TIME_IDS: [&str; 3] = ["timeoriginalestimate", "timeestimate", "timespent"];

/// An issue's original estimate, remaining estimate and time spent (in [`TIME_IDS`]' order),
/// its own and with its subtasks', each read once however many of a page's nine time fields
/// show them.
#[derive(Default)]
pub struct Times {
    own: OnceCell<[Option<i64>; 3]>,
    total: OnceCell<[Option<i64>; 3]>,
}

impl Times {
    fn own(&self, i: &IssueRow) -> [Option<i64>; 3] {
        *self.own.get_or_init(|| TIME_IDS.map(|id| secs(&i.fields, id)))
    }

    /// With the subtasks' added; `None` where neither the issue nor a subtask has any.
    fn total(
        &self,
        conn: &Connection,
        i: &IssueRow,
        subs: &OnceCell<std::borrow::Cow<'_, [IssueRow]>>,
    ) -> rusqlite::Result<[Option<i64>; 3]> {
        if let Some(t) = self.total.get() {
            return Ok(*t);
        }
        let mut sum = self.own(i);
        for s in store::subtasks_once(conn, i.id, subs)? {
            for (total, id) in sum.iter_mut().zip(TIME_IDS) {
                if let Some(n) = secs(&s.fields, id) {
                    *total = Some(total.unwrap_or(0) + n);
                }
            }
        }
        Ok(*self.total.get_or_init(|| sum))
    }
}

/// Time tracking and worklog fields of an issue; `None` for other ids.
pub fn field_value(
    cx: &Ctx,
    conn: &Connection,
    i: &IssueRow,
    subs: &OnceCell<std::borrow::Cow<'_, [IssueRow]>>,
    times: &Times,
    id: &str,
) -> rusqlite::Result<Option<Out>> {
    // Every field of an issue comes through here first: the others leave before any lookup,
    // most of them (custom fields, `summary`, `status`...) on their first letter.
    if !matches!(id.as_bytes().first(), Some(b't' | b'a' | b'p' | b'w')) {
        return Ok(None);
    }
    if !matches!(
        id,
        "timeoriginalestimate"
            | "timeestimate"
            | "timespent"
            | "aggregatetimeoriginalestimate"
            | "aggregatetimeestimate"
            | "aggregatetimespent"
            | "progress"
            | "aggregateprogress"
            | "workratio"
            | "timetracking"
            | "worklog"
    ) {
        return Ok(None);
    }
    let [orig, rem, spent] = times.own(i);
    let total = || times.total(conn, i, subs);
    // Keys in a `Value`'s order (see `Out::written`).
    let progress = |spent: Option<i64>, rem: Option<i64>| {
        let (s, r) = (spent.unwrap_or(0), rem.unwrap_or(0));
        let total = s + r;
        Out::written(64, |out| {
            if total > 0 {
                out.extend_from_slice(br#"{"percent":"#);
                write_json::int(out, s * 100 / total)?;
                out.extend_from_slice(br#","progress":"#);
                write_json::int(out, s)?;
                out.extend_from_slice(br#","total":"#);
                write_json::int(out, total)?;
                out.push(b'}');
            } else {
                out.extend_from_slice(br#"{"progress":0,"total":0}"#);
            }
            Ok(())
        })
    };
    Ok(Some(match id {
        "timeoriginalestimate" => json!(orig).into(),
        "timeestimate" => json!(rem).into(),
        "timespent" => json!(spent).into(),
        "aggregatetimeoriginalestimate" => json!(total()?[0]).into(),
        "aggregatetimeestimate" => json!(total()?[1]).into(),
        "aggregatetimespent" => json!(total()?[2]).into(),
        "progress" => progress(spent, rem),
        "aggregateprogress" => {
            let [_, rem, spent] = total()?;
            progress(spent, rem)
        }
        "workratio" => match orig {
            Some(o) if o > 0 => json!(spent.unwrap_or(0) * 100 / o),
            _ => json!(-1),
        }
        .into(),
        "timetracking" => {
            let mut o = Map::new();
            if let Some(n) = orig {
                o.insert("originalEstimate".into(), json!(format_duration(n)));
                o.insert("originalEstimateSeconds".into(), json!(n));
            }
            if let Some(n) = rem {
                o.insert("remainingEstimate".into(), json!(format_duration(n)));
                o.insert("remainingEstimateSeconds".into(), json!(n));
            }
            if let Some(n) = spent {
                o.insert("timeSpent".into(), json!(format_duration(n)));
                o.insert("timeSpentSeconds".into(), json!(n));
            }
            Value::Object(o).into()
        }
        "worklog" => {
            let (total, rows) = page(conn, i.id, 0, 20, None, None)?;
            json!({
                "startAt": 0,
                "maxResults": 20,
                "total": total,
                "worklogs": rows.iter().map(|w| worklog_json(cx, w, &i.key)).collect::<Vec<_>>(),
            })
            .into()
        }
        _ => return Ok(None),
    }))
}

#[derive(Debug, Clone)]
pub struct WorklogRow {
    pub id: i64,
    pub issue_id: i64,
    pub author: String,
    pub update_author: String,
    pub comment: Option<Value>,
    pub started: i64,
    pub seconds: i64,
    pub created: i64,
    pub updated: i64,
    pub visibility: Option<Value>,
}

const COLS: &str =
    "id, issue_id, author, update_author, comment, started, seconds, created, updated, visibility";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<WorklogRow> {
    let comment: Option<String> = r.get(4)?;
    let vis: Option<String> = r.get(9)?;
    Ok(WorklogRow {
        id: r.get(0)?,
        issue_id: r.get(1)?,
        author: r.get(2)?,
        update_author: r.get(3)?,
        comment: comment.and_then(|c| serde_json::from_str(&c).ok()),
        started: r.get(5)?,
        seconds: r.get(6)?,
        created: r.get(7)?,
        updated: r.get(8)?,
        visibility: vis.and_then(|v| serde_json::from_str(&v).ok()),
    })
}

fn page(
    conn: &Connection,
    issue_id: i64,
    start: i64,
    max: i64,
    after: Option<i64>,
    before: Option<i64>,
) -> rusqlite::Result<(i64, Vec<WorklogRow>)> {
    let (after, before) = (after.unwrap_or(i64::MIN), before.unwrap_or(i64::MAX));
    let total: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM worklogs WHERE issue_id = ?1 AND started >= ?2 AND started <= ?3",
        )?
        .query_row(params![issue_id, after, before], |r| r.get(0))?;
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM worklogs WHERE issue_id = ?1 AND started >= ?2 AND started <= ?3 ORDER BY id LIMIT ?4 OFFSET ?5"
        ))?
        .query_map(params![issue_id, after, before, max, start], from_row)?
        .collect::<Result<_, _>>()?;
    Ok((total, rows))
}

fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<WorklogRow>> {
    conn.prepare_cached(&format!("SELECT {COLS} FROM worklogs WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

pub fn worklog_json(cx: &Ctx, w: &WorklogRow, _issue_key: &str) -> Value {
    let mut o = json!({
        "self": format!("{}/issue/{}/worklog/{}", cx.api(), w.issue_id, w.id),
        "author": cx.user_ref(&w.author),
        "updateAuthor": cx.user_ref(&w.update_author),
        "created": cx.ts(w.created),
        "updated": cx.ts(w.updated),
        "started": cx.ts(w.started),
        "timeSpent": format_duration(w.seconds),
        "timeSpentSeconds": w.seconds,
        "id": w.id.to_string(),
        "issueId": w.issue_id.to_string(),
    });
    if let Some(c) = &w.comment {
        o["comment"] = cx.rich_text(c);
    }
    if let Some(v) = &w.visibility {
        o["visibility"] = v.clone();
    }
    o
}

/// What a worklog body asks for: seconds, start, comment, visibility (each `None` when absent).
struct WorklogIn {
    seconds: Option<i64>,
    started: Option<i64>,
    comment: Option<Value>,
    visibility: Option<Option<Value>>,
}

fn worklog_in(v: ApiVersion, mode: crate::Mode, body: &Value, creating: bool) -> ApiResult<WorklogIn> {
    let o = object(body)?;
    let mut errors = BTreeMap::new();
    let seconds = match (o.get("timeSpentSeconds"), o.get("timeSpent")) {
        (Some(Value::Number(n)), _) => match n.as_i64() {
            Some(s) if s > 0 => Some(s),
            _ => {
                errors.insert(
                    "timeLogged".into(),
                    "Time spent must be a positive number of seconds.".to_string(),
                );
                None
            }
        },
        (Some(v), _) if !v.is_null() => {
            errors.insert(
                "timeLogged".into(),
                "Time spent must be a positive number of seconds.".to_string(),
            );
            None
        }
        (_, Some(Value::String(s))) => match parse_duration(s) {
            Some(n) if n > 0 => Some(n),
            _ => {
                errors.insert("timeLogged".into(), "Invalid time duration entered.".to_string());
                None
            }
        },
        (_, Some(v)) if !v.is_null() => {
            errors.insert("timeLogged".into(), "Invalid time duration entered.".to_string());
            None
        }
        _ => {
            if creating {
                errors.insert(
                    "timeLogged".into(),
                    "You must indicate the time spent working.".to_string(),
                );
            }
            None
        }
    };
    let started = match o.get("started") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match crate::clock::parse_datetime(s) {
            Some(t) => Some(t),
            None => {
                errors.insert(
                    "started".into(),
                    format!("The start '{s}' is not a date-time such as 2026-01-05T09:00:00.000+0000."),
                );
                None
            }
        },
        Some(_) => {
            errors.insert(
                "started".into(),
                "The start must be a date-time string.".to_string(),
            );
            None
        }
    };
    let comment = match o.get("comment") {
        None | Some(Value::Null) => None,
        Some(c) => match rich_text_in(v, mode, c) {
            Ok(stored) => Some(stored),
            Err(e) => {
                errors.insert("comment".into(), e);
                None
            }
        },
    };
    let visibility = match o.get("visibility") {
        None => None,
        other => Some(super::comments::visibility_in(other)?),
    };
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    Ok(WorklogIn {
        seconds,
        started,
        comment,
        visibility,
    })
}

/// The remaining estimate after a worklog write, by `adjustEstimate`. `delta` is the time spent
/// that `auto` takes off the estimate (negative to give it back, on delete); `manual` takes
/// `reduceBy` (or gives `increaseBy` back, on delete).
fn adjusted(
    params: &Params,
    current: Option<i64>,
    delta: i64,
    deleting: bool,
) -> ApiResult<Option<Option<i64>>> {
    let duration = |key: &str| -> ApiResult<i64> {
        let text = params.get(key).ok_or_else(|| {
            ApiError::bad_request(format!(
                "The '{key}' parameter is required with this 'adjustEstimate'."
            ))
        })?;
        parse_duration(text).ok_or_else(|| {
            ApiError::bad_request(format!("The '{key}' value '{text}' is not a valid duration."))
        })
    };
    Ok(match params.get("adjustEstimate").unwrap_or("auto") {
        "auto" => Some(Some((current.unwrap_or(0) - delta).max(0))),
        "leave" => None,
        "new" => Some(Some(duration("newEstimate")?)),
        "manual" if deleting => Some(Some(current.unwrap_or(0) + duration("increaseBy")?)),
        "manual" => Some(Some((current.unwrap_or(0) - duration("reduceBy")?).max(0))),
        other => {
            return Err(ApiError::bad_request(format!(
                "The 'adjustEstimate' value '{other}' is not one of new, leave, manual or auto."
            )))
        }
    })
}

/// Moves the issue's time spent by `spent_delta` and its estimate as asked, with the changelog.
#[allow(clippy::too_many_arguments)]
fn book(
    tx: &Connection,
    meta: &Meta,
    user: &User,
    issue: &mut IssueRow,
    spent_delta: i64,
    estimate: Option<Option<i64>>,
    worklog_id: i64,
    now: i64,
) -> ApiResult<()> {
    let spent = secs(&issue.fields, "timespent").unwrap_or(0) + spent_delta;
    let mut values = BTreeMap::new();
    values.insert(
        "timespent".to_string(),
        if spent > 0 { json!(spent) } else { Value::Null },
    );
    if let Some(e) = estimate {
        values.insert("timeestimate".to_string(), json!(e));
    }
    let lead = vec![ChangeItem {
        field: "WorklogId".into(),
        fieldtype: "jira".into(),
        field_id: None,
        from: None,
        from_string: None,
        to: Some(worklog_id.to_string()),
        to_string: Some(worklog_id.to_string()),
    }];
    let changes = Changes {
        values,
        parent: None,
        issue_type: None,
    };
    apply_changes(tx, meta, user, issue, changes, now, lead)?;
    Ok(())
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
    let after = params.int("startedAfter")?;
    let before = params.int("startedBefore")?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let (total, rows) = page(&db.conn, issue.id, start, max, after, before)?;
    Ok(Json(json!({
        "startAt": start,
        "maxResults": max,
        "total": total,
        "worklogs": rows.iter().map(|w| worklog_json(&cx, w, &issue.key)).collect::<Vec<_>>(),
    })))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Cannot find worklog with id: '{id}'."))
}

fn worklog_of(conn: &Connection, issue: &IssueRow, id: &str) -> ApiResult<WorklogRow> {
    let n: i64 = id.parse().map_err(|_| not_found(id))?;
    by_id(conn, n)?
        .filter(|w| w.issue_id == issue.id)
        .ok_or_else(|| not_found(id))
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
    let w = worklog_of(&db.conn, &issue, &id)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(worklog_json(&cx, &w, &issue.key)))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    let mode = state.mode();
    let now = state.clock().now_ms();
    let mut db = state.db();
    let mut issue = visible_issue(&db, &me, &key)?;
    let w = in_tx(&mut db, |tx, meta| {
        let input = worklog_in(v, mode, &body, true)?;
        let seconds = input.seconds.unwrap_or(0);
        let estimate = adjusted(&params, secs(&issue.fields, "timeestimate"), seconds, false)?;
        tx.execute(
            "INSERT INTO worklogs (issue_id, author, update_author, comment, started, seconds, created, updated, visibility) \
             VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![
                issue.id,
                me.account_id,
                input.comment.as_ref().map(Value::to_string),
                input.started.unwrap_or(now),
                seconds,
                now,
                input.visibility.flatten().map(|v| v.to_string())
            ],
        )?;
        let id = tx.last_insert_rowid();
        book(tx, meta, &me, &mut issue, seconds, estimate, id, now)?;
        let w = by_id(tx, id)?.ok_or_else(|| not_found(&id.to_string()))?;
        notify(tx, meta, &me, &issue, &w, "worklog_created", now)?;
        Ok(w)
    })?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok((StatusCode::CREATED, Json(worklog_json(&cx, &w, &issue.key))))
}

/// `worklog_created`/`_updated`/`_deleted`: `{worklog}` as `GET /rest/api/2/.../worklog/{id}`
/// shows it.
fn notify(
    tx: &Connection,
    meta: &Meta,
    me: &User,
    issue: &IssueRow,
    w: &WorklogRow,
    event: &'static str,
    now: i64,
) -> ApiResult<()> {
    crate::webhooks::enqueue_entity(tx, meta, me, Some(issue), event, now, |cx| {
        Ok(json!({ "worklog": worklog_json(cx, w, &issue.key) }))
    })
}

fn may_change(user: &User, w: &WorklogRow, id: &str) -> ApiResult<()> {
    if w.author == user.account_id || user.site_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "You do not have the permission to change the worklog with id '{id}'."
        )))
    }
}

pub async fn update(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path((key, id)): Path<(String, String)>,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let mode = state.mode();
    let now = state.clock().now_ms();
    let mut db = state.db();
    let mut issue = visible_issue(&db, &me, &key)?;
    let w = in_tx(&mut db, |tx, meta| {
        let mut w = worklog_of(tx, &issue, &id)?;
        may_change(&me, &w, &id)?;
        let input = worklog_in(v, mode, &body, false)?;
        let delta = input.seconds.map(|s| s - w.seconds).unwrap_or(0);
        let estimate = adjusted(&params, secs(&issue.fields, "timeestimate"), delta, false)?;
        if let Some(s) = input.seconds {
            w.seconds = s;
        }
        if let Some(s) = input.started {
            w.started = s;
        }
        if input.comment.is_some() {
            w.comment = input.comment;
        }
        if let Some(vis) = input.visibility {
            w.visibility = vis;
        }
        w.update_author = me.account_id.clone();
        w.updated = now;
        tx.execute(
            "UPDATE worklogs SET update_author = ?2, comment = ?3, started = ?4, seconds = ?5, updated = ?6, visibility = ?7 WHERE id = ?1",
            params![
                w.id,
                w.update_author,
                w.comment.as_ref().map(Value::to_string),
                w.started,
                w.seconds,
                w.updated,
                w.visibility.as_ref().map(Value::to_string)
            ],
        )?;
        book(tx, meta, &me, &mut issue, delta, estimate, w.id, now)?;
        store::touch_issue(tx, issue.id, now)?;
        notify(tx, meta, &me, &issue, &w, "worklog_updated", now)?;
        Ok(w)
    })?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(worklog_json(&cx, &w, &issue.key)))
}

pub async fn delete(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((key, id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let mut issue = visible_issue(&db, &me, &key)?;
    in_tx(&mut db, |tx, meta| {
        let w = worklog_of(tx, &issue, &id)?;
        may_change(&me, &w, &id)?;
        let estimate = adjusted(&params, secs(&issue.fields, "timeestimate"), -w.seconds, true)?;
        tx.execute("DELETE FROM worklogs WHERE id = ?1", [w.id])?;
        tx.execute(
            "INSERT INTO worklog_deletions (worklog_id, deleted) VALUES (?1, ?2) \
             ON CONFLICT (worklog_id) DO UPDATE SET deleted = excluded.deleted",
            params![w.id, now],
        )?;
        book(tx, meta, &me, &mut issue, -w.seconds, estimate, w.id, now)?;
        notify(tx, meta, &me, &issue, &w, "worklog_deleted", now)?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /worklog/updated` and `/worklog/deleted`: ids changed since a time, a thousand a page.
fn changed_since(
    state: &AppState,
    v: ApiVersion,
    user: &User,
    params: &Params,
    deleted: bool,
) -> ApiResult<Value> {
    const PAGE: i64 = 1000;
    let since = params.int("since")?.unwrap_or(0);
    let db = state.db();
    let sql = if deleted {
        "SELECT worklog_id, deleted, NULL FROM worklog_deletions WHERE deleted >= ?1 ORDER BY deleted, worklog_id"
    } else {
        "SELECT id, updated, issue_id FROM worklogs WHERE updated >= ?1 ORDER BY updated, id"
    };
    let mut values = Vec::new();
    let mut last_page = true;
    let mut until = since;
    let mut st = db.conn.prepare_cached(sql)?;
    let rows = st.query_map([since], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })?;
    for row in rows {
        let (id, at, issue_id) = row?;
        if let Some(issue_id) = issue_id {
            if visible_issue(&db, user, &issue_id.to_string()).is_err() {
                continue;
            }
        }
        if values.len() as i64 == PAGE {
            last_page = false;
            break;
        }
        until = at;
        values.push(json!({"worklogId": id, "updatedTime": at, "properties": []}));
    }
    let api = format!("{}/rest/api/{}", state.base_url(), v.number());
    let what = if deleted { "deleted" } else { "updated" };
    let mut out = json!({
        "values": values,
        "since": since,
        "until": until,
        "self": format!("{api}/worklog/{what}?since={since}"),
        "lastPage": last_page,
    });
    if !last_page {
        out["nextPage"] = json!(format!("{api}/worklog/{what}?since={until}"));
    }
    Ok(out)
}

pub async fn updated(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    Ok(Json(changed_since(&state, v, &me, &params, false)?))
}

pub async fn deleted(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    Ok(Json(changed_since(&state, v, &me, &params, true)?))
}

/// `POST /worklog/list {ids}`: the worklogs the user can see, up to a thousand.
pub async fn by_ids(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let ids: Vec<i64> = object(&body)?
        .get("ids")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::field("ids", "Give the worklog 'ids' as a list of numbers."))?
        .iter()
        .map(|x| x.as_i64().or_else(|| x.as_str().and_then(|s| s.parse().ok())))
        .collect::<Option<_>>()
        .ok_or_else(|| ApiError::field("ids", "Give the worklog 'ids' as a list of numbers."))?;
    if ids.len() > 1000 {
        return Err(ApiError::bad_request(
            "At most 1000 worklog ids can be asked for at once.",
        ));
    }
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let mut out = Vec::new();
    for id in ids {
        let Some(w) = by_id(&db.conn, id)? else { continue };
        let Ok(issue) = visible_issue(&db, &me, &w.issue_id.to_string()) else {
            continue;
        };
        out.push(worklog_json(&cx, &w, &issue.key));
    }
    Ok(Json(Value::Array(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_use_eight_hour_days_and_five_day_weeks() {
        assert_eq!(parse_duration("1w 2d 3h 30m"), Some(214_200));
        assert_eq!(parse_duration("1h 30m"), Some(5400));
        assert_eq!(parse_duration("1.5h"), Some(5400));
        assert_eq!(parse_duration("90"), Some(5400));
        assert_eq!(parse_duration("3x"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(format_duration(214_200), "1w 2d 3h 30m");
        assert_eq!(format_duration(5400), "1h 30m");
        assert_eq!(format_duration(0), "0m");
    }
}
