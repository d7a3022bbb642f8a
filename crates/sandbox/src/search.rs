//! Issue search: `search/jql` (token paged, Cloud), the legacy `search` (410 in Cloud, offset paged
//! in Data Center).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::api::{caller, ctx, object, render_page, ApiVersion, Caller, IssueJson, View};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields;
use crate::render::Out;
use crate::search_cursor::{chunk_len, Chunk, Lookup};
use crate::write_json::{self, WriteJson};
use crate::{AppState, Mode};

type MaybeCaller = Option<Extension<Caller>>;

pub const UNBOUNDED: &str =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";
pub const SEARCH_GONE: &str = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046";

pub fn encode_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

pub fn decode_token(token: &str) -> Option<usize> {
    decode_search_token(token).map(|(offset, _)| offset)
}

/// A search's token: the next page's offset and the walk's cursor (see `search_cursor`).
fn encode_search_token(offset: usize, cursor: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}:c{cursor}"))
}

/// The offset and cursor of a token; tokens of other pagers (and older sandboxes) hold no cursor.
fn decode_search_token(token: &str) -> Option<(usize, Option<u64>)> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let rest = text.strip_prefix("o:")?;
    match rest.split_once(":c") {
        None => Some((rest.parse().ok()?, None)),
        Some((offset, cursor)) => Some((offset.parse().ok()?, Some(cursor.parse().ok()?))),
    }
}

/// One search request, from the query string or a JSON body.
struct SearchRequest {
    jql: String,
    offset: usize,
    cursor: Option<u64>,
    max: usize,
    fields: Vec<String>,
    expand: Vec<String>,
    properties: Vec<String>,
}

fn strings(v: Option<&Value>, name: &str) -> ApiResult<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::String(s)) => Ok(s
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::bad_request(format!("'{name}' must be a list of strings.")))
            })
            .collect(),
        Some(_) => Err(ApiError::bad_request(format!(
            "'{name}' must be a list of strings."
        ))),
    }
}

/// Jira allows more results per page when only ids (or keys) are asked for.
fn max_page(fields: &[String]) -> usize {
    if !fields.is_empty() && fields.iter().all(|f| f == "id" || f == "key") {
        5000
    } else {
        100
    }
}

fn limit(requested: Option<i64>, fields: &[String]) -> ApiResult<usize> {
    match requested {
        None => Ok(50),
        Some(n) if n < 0 => Err(ApiError::bad_request("'maxResults' must be zero or greater.")),
        Some(n) => Ok((n as usize).min(max_page(fields))),
    }
}

fn token(t: Option<&str>) -> ApiResult<(usize, Option<u64>)> {
    match t {
        None | Some("") => Ok((0, None)),
        Some(t) => decode_search_token(t)
            .ok_or_else(|| ApiError::bad_request("The provided next page token is invalid or expired.")),
    }
}

pub async fn search_get(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Response> {
    if state.mode() == Mode::DataCenter {
        return Err(ApiError::not_found(
            "No resource at /search/jql: Jira Data Center serves /rest/api/2/search.",
        ));
    }
    let fields = params.list("fields");
    let (offset, cursor) = token(params.get("nextPageToken"))?;
    let req = SearchRequest {
        jql: params.get("jql").unwrap_or("").to_string(),
        offset,
        cursor,
        max: limit(params.int("maxResults")?, &fields)?,
        fields,
        expand: params.list("expand"),
        properties: params.list("properties"),
    };
    run(&state, v, c, req).await
}

pub async fn search_post(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    if state.mode() == Mode::DataCenter {
        return Err(ApiError::not_found(
            "No resource at /search/jql: Jira Data Center serves /rest/api/2/search.",
        ));
    }
    let o = object(&body)?;
    let fields = strings(o.get("fields"), "fields")?;
    let max = match o.get("maxResults") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => return Err(ApiError::bad_request("'maxResults' must be a number.")),
    };
    let (offset, cursor) = token(o.get("nextPageToken").and_then(Value::as_str))?;
    let req = SearchRequest {
        jql: match o.get("jql") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(ApiError::bad_request("'jql' must be a string.")),
        },
        offset,
        cursor,
        max: limit(max, &fields)?,
        expand: strings(o.get("expand"), "expand")?,
        properties: strings(o.get("properties"), "properties")?,
        fields,
    };
    run(&state, v, c, req).await
}

async fn run(state: &AppState, v: ApiVersion, c: MaybeCaller, req: SearchRequest) -> ApiResult<Response> {
    let me = caller(c)?;
    // Before anything is read: a cursor's ids are kept only at the generation they were read at.
    let generation = state.generation();
    let db = state.read()?;
    // One read transaction for the whole page: one snapshot for every issue and its links,
    // watchers and subtasks, and one lock taken instead of one per statement. Nothing is written;
    // dropping it rolls back.
    let tx = db.conn.unchecked_transaction()?;
    let conn: &rusqlite::Connection = &tx;
    let query = crate::jql_eval::compile(&db.meta, &me, &req.jql, state.clock().now_ms())?;
    if !query.bounded() {
        return Err(ApiError::bad_request(UNBOUNDED));
    }
    let requested = if req.fields.is_empty() {
        vec!["id".to_string()]
    } else {
        req.fields.clone()
    };
    let only_ids = requested.iter().all(|f| f == "id" || f == "key");
    // Ids alone, with nothing expanded, render from the key: the page's fields are never read.
    let bare = only_ids && req.expand.is_empty() && req.properties.is_empty();
    let cursors = &state.0.search_cursors;
    let cursor = req.cursor.unwrap_or_else(|| cursors.open());
    let (ids, more) = match cursors.page(generation, cursor, &me.account_id, &req.jql, req.offset, req.max) {
        Lookup::Page(ids, more) => (ids, more),
        Lookup::Miss { last } => {
            let len = chunk_len(req.offset, req.max, last);
            let (ids, complete) = crate::jql_sql::ordered_ids(conn, &db.meta, &me, &query, req.offset, len)?;
            let chunk = Chunk {
                account_id: me.account_id.clone(),
                jql: req.jql.clone(),
                start: req.offset,
                ids,
                complete,
            };
            // The chunk starts at the page and is at least as long, or is the end of the result.
            let page = chunk.page(req.offset, req.max).unwrap_or_default();
            if page.1 {
                cursors.keep(generation, cursor, chunk);
            }
            page
        }
    };
    let page = crate::jql_sql::Page {
        rows: if bare {
            Vec::new()
        } else {
            crate::store::issues_by_ids(conn, &ids)?
        },
        ids,
        more,
    };
    let base = state.base_url();
    let cx = ctx(state, &db.meta, &base, v).with_users(state.users(generation));
    let view = crate::api::issues_view(&db.meta, &requested, &req.expand, &req.properties);
    let end = req.offset.saturating_add(page.ids.len());
    let mut out = BTreeMap::new();
    if page.more {
        out.insert(
            "nextPageToken".into(),
            json!(encode_search_token(end, cursor)).into(),
        );
    }
    out.insert("isLast".into(), json!(!page.more).into());
    if req.expand.iter().any(|e| e == "names") {
        let names: Map<String, Value> = view
            .fields
            .iter()
            .filter_map(|id| fields::name_of(&db.meta, id).map(|n| (id.clone(), json!(n))))
            .collect();
        out.insert("names".into(), Value::Object(names).into());
    }
    if bare && page.rows.is_empty() {
        let mut issues = Vec::with_capacity(page.ids.len());
        for (id, key) in crate::store::issue_keys(conn, &page.ids)? {
            let mut o = Map::new();
            o.insert("id".into(), json!(id.to_string()));
            o.insert("self".into(), json!(format!("{}/issue/{id}", cx.api())));
            o.insert("key".into(), json!(key));
            issues.push(Value::Object(o));
        }
        // An id, a key and a link.
        return with_issues(&out, &issues, 128);
    }
    let mut issues = render_page(&cx, conn, &me, &page.rows, &view, Some(state.refs(generation)))?;
    if only_ids {
        issues = issues.into_iter().map(IssueJson::without_fields).collect();
    }
    with_issues(&out, &issues, issue_size_hint(&view))
}

/// About how many bytes an issue of `view` takes written, so that a page's buffer seldom grows.
pub(crate) fn issue_size_hint(view: &View) -> usize {
    512 + 128 * view.fields.len()
}

/// A response of `entries` and the page's `issues` under `"issues"`, keys in order (as the
/// `BTreeMap` of them all would have them), written in one pass into one buffer.
pub(crate) fn with_issues<T: WriteJson>(
    entries: &BTreeMap<String, Out>,
    issues: &[T],
    per_issue: usize,
) -> ApiResult<Response> {
    let mut body = Vec::with_capacity(256 + per_issue * issues.len());
    page_body(&mut body, entries, issues)?;
    Ok(crate::api::json_bytes(body.into()))
}

fn page_body<T: WriteJson>(
    out: &mut Vec<u8>,
    entries: &BTreeMap<String, Out>,
    issues: &[T],
) -> serde_json::Result<()> {
    let (before, after): (Vec<_>, Vec<_>) = entries.iter().partition(|(k, _)| k.as_str() < "issues");
    out.push(b'{');
    for (k, v) in before {
        write_json::key(out, k)?;
        v.write_json(out)?;
        out.push(b',');
    }
    write_json::key(out, "issues")?;
    write_json::array(out, issues)?;
    for (k, v) in after {
        out.push(b',');
        write_json::key(out, k)?;
        v.write_json(out)?;
    }
    out.push(b'}');
    Ok(())
}

/// The legacy `/search`: removed in Cloud (410), offset-paged in Data Center.
pub async fn legacy_search(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    if state.mode() == Mode::Cloud {
        return Err(ApiError::new(StatusCode::GONE, SEARCH_GONE));
    }
    let me = caller(c)?;
    let jql = body
        .get("jql")
        .and_then(Value::as_str)
        .or(params.get("jql"))
        .unwrap_or("")
        .to_string();
    let start = body
        .get("startAt")
        .and_then(Value::as_i64)
        .or(params.int("startAt")?)
        .unwrap_or(0)
        .max(0) as usize;
    let fields = match body.get("fields") {
        Some(f) => strings(Some(f), "fields")?,
        None => params.list("fields"),
    };
    let max = limit(
        body.get("maxResults")
            .and_then(Value::as_i64)
            .or(params.int("maxResults")?),
        &["*navigable".to_string()],
    )?;
    let generation = state.generation();
    let db = state.read()?;
    // One snapshot, and one lock, for the count and the page (see `run`).
    let tx = db.conn.unchecked_transaction()?;
    let conn: &rusqlite::Connection = &tx;
    let query = crate::jql_eval::compile(&db.meta, &me, &jql, state.clock().now_ms())?;
    let total = crate::jql_sql::count(conn, &db.meta, &me, &query)?;
    let page = crate::jql_sql::search_page(conn, &db.meta, &me, &query, start, max, true)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v).with_users(state.users(generation));
    let requested = if fields.is_empty() {
        vec!["*navigable".to_string()]
    } else {
        fields
    };
    let view = crate::api::issues_view(&db.meta, &requested, &params.list("expand"), &[]);
    let issues = render_page(&cx, conn, &me, &page.rows, &view, Some(state.refs(generation)))?;
    let entries = BTreeMap::from([
        ("expand".to_string(), json!("schema,names").into()),
        ("startAt".to_string(), json!(start).into()),
        ("maxResults".to_string(), json!(max).into()),
        ("total".to_string(), json!(total).into()),
    ]);
    with_issues(&entries, &issues, issue_size_hint(&view))
}
