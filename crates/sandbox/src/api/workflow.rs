//! Transitions of the simplified workflow and the changelog.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::issues::{apply_changes, history_json, read_changes, Changes, Screen};
use super::{caller, ctx, in_tx, object, visible_issue, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields;
use crate::render::{page_bean, Ctx};
use crate::store::{self, ChangeItem, IssueRow};
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

/// The transition id that reaches the status at `index` of a workflow: 11, 21, 31, ...
fn transition_id(index: usize) -> String {
    format!("{}", (index + 1) * 10 + 1)
}

/// Every transition out of the issue's current status: in the simplified workflow, one to each
/// other status, named after it.
pub fn transitions_of(cx: &Ctx, issue: &IssueRow, with_fields: bool) -> Vec<Value> {
    let Some(project) = cx.meta.project(issue.project_id) else {
        return vec![];
    };
    project
        .workflow
        .iter()
        .enumerate()
        .filter(|(_, s)| **s != issue.status_id)
        .filter_map(|(i, s)| cx.meta.status(*s).map(|st| (i, st)))
        .map(|(i, st)| {
            let mut t = json!({
                "id": transition_id(i),
                "name": st.name,
                "to": cx.status(st),
                "hasScreen": false,
                "isGlobal": true,
                "isInitial": false,
                "isAvailable": true,
                "isConditional": false,
                "looped": false,
            });
            if with_fields {
                let mut fs = Map::new();
                if st.category == "done" {
                    if let Some(f) = fields::screen_field(cx, project, "resolution", false, false) {
                        fs.insert("resolution".into(), f);
                    }
                }
                t["fields"] = Value::Object(fs);
            }
            t
        })
        .collect()
}

pub async fn transitions(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let with_fields = params.list("expand").iter().any(|e| e == "transitions.fields");
    let only = params.get("transitionId").map(str::to_string);
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let ts: Vec<Value> = transitions_of(&cx, &issue, with_fields)
        .into_iter()
        .filter(|t| only.as_deref().is_none_or(|o| t["id"].as_str() == Some(o)))
        .collect();
    Ok(Json(json!({ "expand": "transitions", "transitions": ts })))
}

pub async fn transition(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mode = state.mode();
    let mut db = state.db();
    let mut issue = visible_issue(&db, &me, &key)?;
    in_tx(&mut db, |tx, meta| {
        let o = object(&body)?;
        let tid = match o.get("transition").and_then(|t| t.get("id")) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(ApiError::bad_request("Missing 'transition' identifier")),
        };
        let project = meta
            .project(issue.project_id)
            .ok_or_else(ApiError::issue_not_found)?;
        let target = project
            .workflow
            .iter()
            .enumerate()
            .find(|(i, s)| transition_id(*i) == tid && **s != issue.status_id)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                ApiError::bad_request(format!("Transition id '{tid}' is not valid for this issue."))
            })?;
        let target_status = meta
            .status(target)
            .ok_or_else(|| ApiError::Internal("status vanished".into()))?;
        let done = target_status.category == "done";
        let allowed = |id: &str| fields::TRANSITION_SCREEN.contains(&id) && (id != "resolution" || done);
        let fields_in = match o.get("fields") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(_) => return Err(ApiError::bad_request("'fields' must be a JSON object.")),
        };
        let mut update_in = match o.get("update") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(ApiError::bad_request("'update' must be a JSON object.")),
        };
        let comment_ops = update_in.remove("comment");
        let mut errors = BTreeMap::new();
        let mut changes = read_changes(
            tx,
            meta,
            v,
            mode,
            &me,
            project,
            issue.issue_type_id,
            &issue.fields,
            fields_in,
            Some(&update_in),
            Screen { allowed: &allowed },
            &mut errors,
        );
        let mut comments = Vec::new();
        for op in comment_ops
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match op.get("add") {
                Some(add) => match super::comments::body_in(v, mode, add.get("body")) {
                    Ok(b) => comments.push((b, super::comments::visibility_in(add.get("visibility"))?)),
                    Err(ApiError::Jira { errors: e, .. }) => errors.extend(e),
                    Err(e) => return Err(e),
                },
                None => {
                    errors.insert(
                        "comment".into(),
                        "Only 'add' is supported for comments in a transition.".into(),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::fields(errors));
        }
        let old_status = issue.status_id;
        let old_category = meta.status_category_of(old_status).to_string();
        let was_done = old_category == "done";
        if done && !was_done && !changes.values.contains_key("resolution") {
            if let Some(r) = meta.resolutions.first() {
                changes.values.insert("resolution".into(), json!(r.id));
            }
        }
        if !done && was_done {
            changes.values.insert("resolution".into(), Value::Null);
        }
        let name = |id: i64| meta.status(id).map(|s| s.name.clone());
        let status_item = ChangeItem {
            field: "status".into(),
            fieldtype: "jira".into(),
            field_id: Some("status".into()),
            from: Some(old_status.to_string()),
            from_string: name(old_status),
            to: Some(target.to_string()),
            to_string: name(target),
        };
        issue.status_id = target;
        if done && !was_done {
            issue.fields.insert("resolutiondate".into(), json!(now));
        } else if !done && was_done {
            issue.fields.remove("resolutiondate");
        }
        if old_category != target_status.category {
            issue.fields.insert("statuscategorychangedate".into(), json!(now));
        }
        let values = std::mem::take(&mut changes.values);
        let mut items = vec![status_item];
        // Resolution first, as Jira orders it, then the status, then the rest.
        let mut rest = Changes {
            values,
            parent: changes.parent,
            issue_type: None,
        };
        if let Some(res) = rest.values.remove("resolution") {
            let old = issue.fields.get("resolution").cloned().unwrap_or(Value::Null);
            let res_items = super::issues::change_items(meta, "resolution", &old, &res);
            if res.is_null() {
                issue.fields.remove("resolution");
            } else {
                issue.fields.insert("resolution".into(), res);
            }
            items.splice(0..0, res_items);
        }
        apply_changes(tx, meta, &me, &mut issue, rest, now, items)?;
        for (body, vis) in comments {
            let cid = store::insert_comment(tx, issue.id, &me.account_id, &body, vis.as_ref(), now)?;
            super::comments::notify(tx, meta, &me, issue.id, cid, "created", now)?;
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn changelog(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(100, 100)?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let (total, hs) = store::histories(&db.conn, issue.id, start, max)?;
    let values = hs.iter().map(|h| history_json(&cx, h)).collect();
    Ok(Json(page_bean(
        format!("{}/issue/{}/changelog?maxResults={max}", cx.api(), issue.key),
        start,
        max,
        total,
        values,
    )))
}

/// `POST /changelog/bulkfetch {issueIdsOrKeys, fieldIds?, maxResults?, nextPageToken?}`.
pub async fn bulk_changelog(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let o = object(&body)?;
    let keys: Vec<String> = match o.get("issueIdsOrKeys") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|k| match k {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(ApiError::field(
                    "issueIdsOrKeys",
                    "Issue ids and keys must be strings.",
                )),
            })
            .collect::<ApiResult<_>>()?,
        _ => {
            return Err(ApiError::field(
                "issueIdsOrKeys",
                "'issueIdsOrKeys' must list between 1 and 1000 issues.",
            ))
        }
    };
    if keys.len() > 1000 {
        return Err(ApiError::field(
            "issueIdsOrKeys",
            "'issueIdsOrKeys' must list between 1 and 1000 issues.",
        ));
    }
    let field_ids: Vec<String> = match o.get("fieldIds") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(_) => {
            return Err(ApiError::field(
                "fieldIds",
                "'fieldIds' must be a list of field ids.",
            ))
        }
    };
    if field_ids.len() > 10 {
        return Err(ApiError::field("fieldIds", "At most 10 field ids may be given."));
    }
    let max = match o.get("maxResults") {
        None | Some(Value::Null) => 1000,
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::field("maxResults", "'maxResults' must be a positive number."))?
            .min(10_000),
        Some(_) => return Err(ApiError::field("maxResults", "'maxResults' must be a number.")),
    };
    let offset = match o.get("nextPageToken") {
        None | Some(Value::Null) => 0,
        Some(Value::String(t)) => crate::search::decode_token(t)
            .ok_or_else(|| ApiError::bad_request("The nextPageToken is not valid."))?,
        Some(_) => return Err(ApiError::bad_request("The nextPageToken is not valid.")),
    };
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let mut flat: Vec<(i64, Value)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for k in &keys {
        let Ok(issue) = visible_issue(&db, &me, k) else {
            continue;
        };
        if !seen.insert(issue.id) {
            continue;
        }
        let (_, hs) = store::histories(&db.conn, issue.id, 0, i64::MAX)?;
        for mut h in hs {
            if !field_ids.is_empty() {
                h.items
                    .retain(|it| it.field_id.as_ref().is_some_and(|f| field_ids.contains(f)));
                if h.items.is_empty() {
                    continue;
                }
            }
            flat.push((issue.id, history_json(&cx, &h)));
        }
    }
    let end = (offset + max as usize).min(flat.len());
    let mut groups: Vec<(i64, Vec<Value>)> = Vec::new();
    for (id, h) in flat.get(offset..end).unwrap_or(&[]).iter().cloned() {
        match groups.last_mut() {
            Some((last, hs)) if *last == id => hs.push(h),
            _ => groups.push((id, vec![h])),
        }
    }
    let mut out = json!({
        "issueChangeLogs": groups.into_iter().map(|(id, hs)| json!({"issueId": id.to_string(), "changeHistories": hs})).collect::<Vec<_>>(),
    });
    if end < flat.len() {
        out["nextPageToken"] = json!(crate::search::encode_token(end));
    }
    Ok(Json(out))
}
