//! Jira Software: filters (`/rest/api/{2,3}/filter`), boards, sprints, backlog and rank
//! (`/rest/agile/1.0`). The Sprint field on issues is the `gh-sprint` custom field; its value is the
//! list of sprint ids the issue has been in, the last one current.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use crate::api::{
    caller, ctx, in_tx, object, required_text, visible_issue, visible_project, ApiVersion, Caller,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::meta::{CustomKind, Meta, User};
use crate::render::page_bean;
use crate::store::{self, ChangeItem, IssueRow};
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

/// At most this many issues move in one request, as Jira documents.
const MAX_MOVE: usize = 50;

/// `/rest/agile/1.0` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/board", get(list_boards).post(create_board))
        .route("/board/{id}", get(get_board).delete(delete_board))
        .route("/board/{id}/configuration", get(board_configuration))
        .route("/board/{id}/sprint", get(board_sprints))
        .route("/board/{id}/issue", get(board_issues))
        .route("/board/{id}/backlog", get(board_backlog))
        .route("/sprint", post(create_sprint))
        .route(
            "/sprint/{id}",
            get(get_sprint)
                .post(update_sprint)
                .put(replace_sprint)
                .delete(delete_sprint),
        )
        .route("/sprint/{id}/issue", get(sprint_issues).post(move_to_sprint))
        .route("/backlog/issue", post(move_to_backlog))
        .route("/board/{id}/epic", get(board_epics))
        .route(
            "/epic/none/issue",
            get(issues_without_epic).post(remove_from_epic),
        )
        .route("/epic/{key}", get(get_epic))
        .route("/epic/{key}/issue", get(epic_issues).post(move_to_epic))
        .route("/issue/rank", put(rank))
}

/// Filter routes, nested under both REST versions.
pub fn filter_routes() -> Router<AppState> {
    Router::new()
        .route("/filter", post(create_filter))
        .route("/filter/search", get(search_filters))
        .route("/filter/my", get(my_filters))
        .route(
            "/filter/{id}",
            get(get_filter).put(update_filter).delete(delete_filter),
        )
}

// ---------------------------------------------------------------------------------------------
// Filters

struct Filter {
    id: i64,
    name: String,
    description: String,
    jql: String,
    owner: String,
    favourite: bool,
}

fn filter_row(conn: &Connection, id: i64) -> rusqlite::Result<Option<Filter>> {
    conn.query_row(
        "SELECT id, name, description, jql, owner, favourite FROM filters WHERE id = ?1",
        [id],
        filter_from_row,
    )
    .optional()
}

fn filter_from_row(r: &rusqlite::Row) -> rusqlite::Result<Filter> {
    Ok(Filter {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        jql: r.get(3)?,
        owner: r.get(4)?,
        favourite: r.get(5)?,
    })
}

fn filter_json(state: &AppState, meta: &Meta, v: ApiVersion, f: &Filter) -> Value {
    let base = state.base_url();
    let cx = ctx(state, meta, &base, v);
    json!({
        "self": format!("{}/filter/{}", cx.api(), f.id),
        "id": f.id.to_string(),
        "name": f.name,
        "description": f.description,
        "owner": cx.user_ref(&f.owner),
        "jql": f.jql,
        "viewUrl": format!("{base}/issues/?filter={}", f.id),
        "searchUrl": format!("{}/search/jql?jql={}", cx.api(), percent_encoding::utf8_percent_encode(&f.jql, percent_encoding::NON_ALPHANUMERIC)),
        "favourite": f.favourite,
        "favouritedCount": i64::from(f.favourite),
        "sharePermissions": [],
        "editPermissions": [],
    })
}

fn id_of(text: &str, what: &str) -> ApiResult<i64> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::not_found(format!("The {what} with id '{text}' does not exist.")))
}

/// A filter the caller may see: the sandbox's filters are visible to everyone, editable by their
/// owner and the site admins.
fn visible_filter(conn: &Connection, id: &str) -> ApiResult<Filter> {
    let n = id_of(id, "filter")?;
    filter_row(conn, n)?.ok_or_else(|| ApiError::bad_request(format!("The selected filter is not available to you, perhaps it has been deleted or had its permissions changed. (id {id})")))
}

fn check_jql(meta: &Meta, user: &User, jql: &str, now: i64) -> ApiResult<()> {
    crate::jql_eval::compile(meta, user, jql, now)
        .map(|_| ())
        .map_err(|e| match e {
            ApiError::Jira { messages, .. } => ApiError::field("jql", messages.join(" ")),
            other => other,
        })
}

async fn create_filter(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let o = object(&body)?;
    let name = required_text(
        o,
        "name",
        "filterName",
        "You must specify a name to save this filter as.",
    )?;
    let jql = o.get("jql").and_then(Value::as_str).unwrap_or("").to_string();
    let description = o
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let favourite = o.get("favourite").and_then(Value::as_bool).unwrap_or(false);
    let now = state.clock().now_ms();
    let mut db = state.db();
    check_jql(&db.meta, &me, &jql, now)?;
    let id = in_tx(&mut db, |tx, _| {
        let exists: bool = tx.query_row(
            "SELECT count(*) FROM filters WHERE owner = ?1 AND name = ?2",
            params![me.account_id, name],
            |r| r.get::<_, i64>(0),
        )? > 0;
        if exists {
            return Err(ApiError::field(
                "filterName",
                format!("Filter with same name already exists: {name}"),
            ));
        }
        tx.execute(
            "INSERT INTO filters (name, description, jql, owner, favourite) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, description, jql, me.account_id, favourite],
        )?;
        Ok(tx.last_insert_rowid())
    })?;
    let f = filter_row(&db.conn, id)?.ok_or_else(|| ApiError::Internal("filter vanished".into()))?;
    Ok(Json(filter_json(&state, &db.meta, v, &f)))
}

async fn get_filter(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    let f = visible_filter(&db.conn, &id)?;
    Ok(Json(filter_json(&state, &db.meta, v, &f)))
}

async fn update_filter(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let o = object(&body)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let mut f = visible_filter(&db.conn, &id)?;
    if f.owner != me.account_id && !me.site_admin {
        return Err(ApiError::bad_request(
            "You do not have permission to edit this filter.",
        ));
    }
    if let Some(n) = o.get("name").and_then(Value::as_str) {
        if n.trim().is_empty() {
            return Err(ApiError::field(
                "filterName",
                "You must specify a name to save this filter as.",
            ));
        }
        f.name = n.trim().to_string();
    }
    if let Some(j) = o.get("jql").and_then(Value::as_str) {
        check_jql(&db.meta, &me, j, now)?;
        f.jql = j.to_string();
    }
    if let Some(d) = o.get("description").and_then(Value::as_str) {
        f.description = d.to_string();
    }
    if let Some(b) = o.get("favourite").and_then(Value::as_bool) {
        f.favourite = b;
    }
    in_tx(&mut db, |tx, _| {
        tx.execute(
            "UPDATE filters SET name = ?2, description = ?3, jql = ?4, favourite = ?5 WHERE id = ?1",
            params![f.id, f.name, f.description, f.jql, f.favourite],
        )?;
        Ok(())
    })?;
    Ok(Json(filter_json(&state, &db.meta, v, &f)))
}

async fn delete_filter(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let f = visible_filter(&db.conn, &id)?;
    if f.owner != me.account_id && !me.site_admin {
        return Err(ApiError::bad_request(
            "You do not have permission to delete this filter.",
        ));
    }
    let used: i64 = db
        .conn
        .query_row("SELECT count(*) FROM boards WHERE filter_id = ?1", [f.id], |r| {
            r.get(0)
        })?;
    if used > 0 {
        return Err(ApiError::bad_request(
            "The filter is used by a board: delete the board first.",
        ));
    }
    in_tx(&mut db, |tx, _| {
        Ok(tx.execute("DELETE FROM filters WHERE id = ?1", [f.id])?)
    })?;
    Ok(StatusCode::NO_CONTENT)
}

fn all_filters(conn: &Connection) -> rusqlite::Result<Vec<Filter>> {
    conn.prepare("SELECT id, name, description, jql, owner, favourite FROM filters ORDER BY id")?
        .query_map([], filter_from_row)?
        .collect()
}

async fn search_filters(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let (start, max) = params.page(50, 100)?;
    let name = params.get("filterName").map(str::to_lowercase);
    let db = state.db();
    let all: Vec<Value> = all_filters(&db.conn)?
        .iter()
        .filter(|f| name.as_deref().is_none_or(|n| f.name.to_lowercase().contains(n)))
        .map(|f| filter_json(&state, &db.meta, v, f))
        .collect();
    let url = format!("{}/rest/api/{}/filter/search", state.base_url(), v.number());
    Ok(Json(crate::render::page_of(url, start, max, all)))
}

async fn my_filters(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    Ok(Json(Value::Array(
        all_filters(&db.conn)?
            .iter()
            .filter(|f| f.owner == me.account_id)
            .map(|f| filter_json(&state, &db.meta, v, f))
            .collect(),
    )))
}

// ---------------------------------------------------------------------------------------------
// Boards

struct Board {
    id: i64,
    name: String,
    kind: String,
    filter_id: i64,
    project_id: Option<i64>,
}

fn board_row(conn: &Connection, id: i64) -> rusqlite::Result<Option<Board>> {
    conn.query_row(
        "SELECT id, name, type, filter_id, project_id FROM boards WHERE id = ?1",
        [id],
        |r| {
            Ok(Board {
                id: r.get(0)?,
                name: r.get(1)?,
                kind: r.get(2)?,
                filter_id: r.get(3)?,
                project_id: r.get(4)?,
            })
        },
    )
    .optional()
}

fn agile_url(state: &AppState) -> String {
    format!("{}/rest/agile/1.0", state.base_url())
}

fn board_json(state: &AppState, meta: &Meta, b: &Board) -> Value {
    board_json_at(&state.base_url(), meta, b)
}

/// A board rendered for the site at `base` (webhook payloads render without the state).
fn board_json_at(base: &str, meta: &Meta, b: &Board) -> Value {
    let mut o = json!({
        "id": b.id,
        "self": format!("{base}/rest/agile/1.0/board/{}", b.id),
        "name": b.name,
        "type": b.kind,
        "isPrivate": false,
        "favourite": false,
    });
    if let Some(p) = b.project_id.and_then(|p| meta.project(p)) {
        o["location"] = json!({
            "projectId": p.id,
            "displayName": format!("{} ({})", p.name, p.key),
            "projectName": p.name,
            "projectKey": p.key,
            "projectTypeKey": p.type_key,
            "avatarURI": format!("{base}/secure/projectavatar?size=small&pid={}", p.id),
            "name": format!("{} ({})", p.name, p.key),
        });
    }
    o
}

/// A board the caller may see: its project (if any) must be browsable.
fn visible_board(conn: &Connection, meta: &Meta, user: &User, id: &str) -> ApiResult<Board> {
    let n = id_of(id, "board")?;
    let b = board_row(conn, n)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "Board does not exist or you do not have permission to see it. (id {id})"
        ))
    })?;
    if let Some(p) = b.project_id.and_then(|p| meta.project(p)) {
        if !meta.can_browse(user, p) {
            return Err(ApiError::not_found(format!(
                "Board does not exist or you do not have permission to see it. (id {id})"
            )));
        }
    }
    Ok(b)
}

/// `board_created` / `board_deleted`: `{board}`.
fn board_event(
    tx: &Connection,
    meta: &Meta,
    me: &User,
    event: &'static str,
    b: &Board,
    now: i64,
) -> ApiResult<()> {
    crate::webhooks::enqueue_entity(tx, meta, me, None, event, now, |cx| {
        Ok(json!({ "board": board_json_at(cx.base, meta, b) }))
    })
}

/// A sprint event: `{sprint}`, and for `sprint_updated` the sprint as it was in `oldValue`.
fn sprint_event(
    tx: &Connection,
    meta: &Meta,
    me: &User,
    event: &'static str,
    s: &crate::meta::Sprint,
    old: Option<&crate::meta::Sprint>,
    now: i64,
) -> ApiResult<()> {
    crate::webhooks::enqueue_entity(tx, meta, me, None, event, now, |cx| {
        let mut o = json!({ "sprint": sprint_json(cx.base, s) });
        if let Some(old) = old {
            o["oldValue"] = sprint_json(cx.base, old);
        }
        Ok(o)
    })
}

async fn create_board(
    State(state): State<AppState>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    let o = object(&body)?;
    let name = required_text(o, "name", "name", "The board name is required.")?;
    let kind = match o.get("type").and_then(Value::as_str) {
        Some(t @ ("scrum" | "kanban")) => t.to_string(),
        Some(other) => {
            return Err(ApiError::field(
                "type",
                format!("The board type '{other}' is not valid: use scrum or kanban."),
            ))
        }
        None => {
            return Err(ApiError::field(
                "type",
                "The board type is required: scrum or kanban.",
            ))
        }
    };
    let filter_id = match o.get("filterId") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        ApiError::field(
            "filterId",
            "The board needs the id of a saved filter in 'filterId'.",
        )
    })?;
    let mut db = state.db();
    if filter_row(&db.conn, filter_id)?.is_none() {
        return Err(ApiError::field(
            "filterId",
            format!("The filter with id {filter_id} does not exist."),
        ));
    }
    let project_id = match o.get("location") {
        None | Some(Value::Null) => None,
        Some(Value::Object(l)) => {
            let t = l.get("type").and_then(Value::as_str).unwrap_or("project");
            if t != "project" {
                return Err(ApiError::field(
                    "location",
                    "Only project locations are supported by the sandbox.",
                ));
            }
            let key = match l.get("projectKeyOrId") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => {
                    return Err(ApiError::field(
                        "location",
                        "A project location needs 'projectKeyOrId'.",
                    ))
                }
            };
            Some(
                visible_project(&db.meta, &me, &key)
                    .map_err(|_| ApiError::field("location", format!("The project '{key}' does not exist.")))?
                    .id,
            )
        }
        Some(_) => return Err(ApiError::field("location", "'location' must be an object.")),
    };
    let now = state.clock().now_ms();
    let id = in_tx(&mut db, |tx, meta| {
        tx.execute(
            "INSERT INTO boards (name, type, filter_id, project_id) VALUES (?1, ?2, ?3, ?4)",
            params![name, kind, filter_id, project_id],
        )?;
        let id = tx.last_insert_rowid();
        let b = board_row(tx, id)?.ok_or_else(|| ApiError::Internal("board vanished".into()))?;
        board_event(tx, meta, &me, "board_created", &b, now)?;
        Ok(id)
    })?;
    let b = board_row(&db.conn, id)?.ok_or_else(|| ApiError::Internal("board vanished".into()))?;
    Ok((StatusCode::CREATED, Json(board_json(&state, &db.meta, &b))))
}

async fn list_boards(
    State(state): State<AppState>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(50, 50)?;
    let kinds = params.list("type");
    let name = params.get("name").map(str::to_lowercase);
    let db = state.db();
    let project = match params.get("projectKeyOrId") {
        Some(k) => Some(visible_project(&db.meta, &me, k)?.id),
        None => None,
    };
    let mut st = db.conn.prepare("SELECT id FROM boards ORDER BY id")?;
    let ids: Vec<i64> = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut all = Vec::new();
    for id in ids {
        let Ok(b) = visible_board(&db.conn, &db.meta, &me, &id.to_string()) else {
            continue;
        };
        let matches = (kinds.is_empty() || kinds.contains(&b.kind))
            && name.as_deref().is_none_or(|n| b.name.to_lowercase().contains(n))
            && project.is_none_or(|p| b.project_id == Some(p));
        if matches {
            all.push(board_json(&state, &db.meta, &b));
        }
    }
    Ok(Json(crate::render::page_of(
        format!("{}/board", agile_url(&state)),
        start,
        max,
        all,
    )))
}

async fn get_board(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let b = visible_board(&db.conn, &db.meta, &me, &id)?;
    Ok(Json(board_json(&state, &db.meta, &b)))
}

async fn delete_board(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let b = visible_board(&db.conn, &db.meta, &me, &id)?;
    let now = state.clock().now_ms();
    in_tx(&mut db, |tx, meta| {
        board_event(tx, meta, &me, "board_deleted", &b, now)?;
        Ok(tx.execute("DELETE FROM boards WHERE id = ?1", [b.id])?)
    })?;
    reload_sprints(&mut db)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn board_configuration(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let b = visible_board(&db.conn, &db.meta, &me, &id)?;
    let workflow = b
        .project_id
        .and_then(|p| db.meta.project(p))
        .map(|p| p.workflow.clone())
        .unwrap_or_default();
    let api = format!("{}/rest/api/2", state.base_url());
    let columns: Vec<Value> = workflow
        .iter()
        .filter_map(|s| db.meta.status(*s))
        .map(|s| json!({"name": s.name, "statuses": [{"id": s.id.to_string(), "self": format!("{api}/status/{}", s.id)}]}))
        .collect();
    let rank = db
        .meta
        .fields
        .iter()
        .find(|f| f.kind == CustomKind::Rank)
        .map(|f| f.num);
    let mut o = json!({
        "id": b.id,
        "name": b.name,
        "type": b.kind,
        "self": format!("{}/board/{}/configuration", agile_url(&state), b.id),
        "filter": {"id": b.filter_id.to_string(), "self": format!("{api}/filter/{}", b.filter_id)},
        "columnConfig": {"columns": columns, "constraintType": "none"},
        "ranking": {"rankCustomFieldId": rank},
    });
    if b.kind == "scrum" {
        let points = db.meta.custom_field_by_name("Story Points").map(|f| f.id.clone());
        o["estimation"] =
            json!({"type": "field", "field": {"fieldId": points, "displayName": "Story Points"}});
    }
    if let Some(p) = b.project_id.and_then(|p| db.meta.project(p)) {
        o["location"] = json!({"type": "project", "key": p.key, "id": p.id.to_string(), "self": format!("{api}/project/{}", p.id), "name": p.name});
    }
    Ok(Json(o))
}

/// The issues of a board: its filter's query (and an extra `jql`), for the caller.
fn board_query(
    db: &crate::Db,
    me: &User,
    b: &Board,
    extra: Option<&str>,
    now: i64,
) -> ApiResult<Vec<IssueRow>> {
    let f = filter_row(&db.conn, b.filter_id)?
        .ok_or_else(|| ApiError::bad_request("The board's filter was deleted."))?;
    let base = f
        .jql
        .split_once_ignore_case(" order by")
        .map(|(q, _)| q)
        .unwrap_or(&f.jql)
        .trim()
        .to_string();
    let order = f
        .jql
        .split_once_ignore_case(" order by")
        .map(|(_, o)| format!(" ORDER BY {o}"))
        .unwrap_or_default();
    let mut jql = if base.is_empty() {
        String::new()
    } else {
        format!("({base})")
    };
    if let Some(x) = extra.filter(|x| !x.trim().is_empty()) {
        jql = if jql.is_empty() {
            format!("({x})")
        } else {
            format!("{jql} AND ({x})")
        };
    }
    jql.push_str(&order);
    let q = crate::jql_eval::compile(&db.meta, me, &jql, now)?;
    crate::jql_eval::execute(&db.conn, &db.meta, me, &q)
}

trait SplitIgnoreCase {
    fn split_once_ignore_case(&self, pat: &str) -> Option<(&str, &str)>;
}

impl SplitIgnoreCase for String {
    fn split_once_ignore_case(&self, pat: &str) -> Option<(&str, &str)> {
        let i = self.to_lowercase().find(pat)?;
        Some((&self[..i], &self[i + pat.len()..]))
    }
}

fn issues_page(
    state: &AppState,
    db: &crate::Db,
    me: &User,
    issues: Vec<IssueRow>,
    params: &Params,
) -> ApiResult<Json<Value>> {
    let (start, max) = params.page(50, 1000)?;
    let base = state.base_url();
    let cx = ctx(state, &db.meta, &base, ApiVersion::V2);
    let requested = params.list("fields");
    let view = crate::api::issues_view(
        &db.meta,
        &if requested.is_empty() {
            vec!["*navigable".into()]
        } else {
            requested
        },
        &params.list("expand"),
        &[],
    );
    let total = issues.len() as i64;
    let page: Vec<Value> = issues
        .iter()
        .skip(start as usize)
        .take(max as usize)
        .map(|i| crate::api::render_issue(&cx, &db.conn, me, i, &view))
        .collect::<ApiResult<_>>()?;
    Ok(Json(
        json!({"expand": "schema,names", "startAt": start, "maxResults": max, "total": total, "issues": page}),
    ))
}

async fn board_issues(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let b = visible_board(&db.conn, &db.meta, &me, &id)?;
    let issues = board_query(&db, &me, &b, params.get("jql"), state.clock().now_ms())?;
    issues_page(&state, &db, &me, issues, &params)
}

async fn board_backlog(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let b = visible_board(&db.conn, &db.meta, &me, &id)?;
    let sprint_field = sprint_field(&db.meta)?;
    let issues: Vec<IssueRow> = board_query(&db, &me, &b, params.get("jql"), state.clock().now_ms())?
        .into_iter()
        .filter(|i| {
            current_sprint(i, &sprint_field, &db.meta).is_none()
                && db.meta.status_category_of(i.status_id) != "done"
        })
        .collect();
    issues_page(&state, &db, &me, issues, &params)
}

// ---------------------------------------------------------------------------------------------
// Sprints

pub fn reload_sprints(db: &mut crate::Db) -> ApiResult<()> {
    db.meta = std::sync::Arc::new(Meta::load(&db.conn)?);
    Ok(())
}

fn sprint_field(meta: &Meta) -> ApiResult<String> {
    meta.fields
        .iter()
        .find(|f| f.kind == CustomKind::Sprint)
        .map(|f| f.id.clone())
        .ok_or_else(|| ApiError::Internal("the site has no Sprint field".into()))
}

/// The sprint an issue is in now: the last of its sprints that is not closed.
fn current_sprint(i: &IssueRow, field: &str, meta: &Meta) -> Option<i64> {
    let ids: Vec<i64> = i
        .get(field)
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    ids.into_iter()
        .rev()
        .find(|id| meta.sprint(*id).is_some_and(|s| s.state != "closed"))
}

fn agile_ts(ms: Option<i64>) -> Value {
    match ms {
        Some(ms) => {
            let s = crate::clock::format_ts(ms);
            json!(format!("{}Z", &s[..s.len() - 5]))
        }
        None => Value::Null,
    }
}

pub fn sprint_json(base: &str, s: &crate::meta::Sprint) -> Value {
    let mut o = json!({
        "id": s.id,
        "self": format!("{base}/rest/agile/1.0/sprint/{}", s.id),
        "state": s.state,
        "name": s.name,
        "createdDate": agile_ts(Some(s.created_date)),
        "originBoardId": s.board_id,
        "goal": s.goal,
    });
    for (k, v) in [
        ("startDate", s.start_date),
        ("endDate", s.end_date),
        ("completeDate", s.complete_date),
    ] {
        if v.is_some() {
            o[k] = agile_ts(v);
        }
    }
    o
}

fn date_in(o: &Map<String, Value>, k: &str) -> ApiResult<Option<Option<i64>>> {
    match o.get(k) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => crate::clock::parse_datetime(s)
            .map(|ms| Some(Some(ms)))
            .ok_or_else(|| {
                ApiError::field(
                    k,
                    format!("'{s}' is not a date-time such as 2026-01-05T09:00:00.000Z."),
                )
            }),
        Some(_) => Err(ApiError::field(k, format!("'{k}' must be a date-time string."))),
    }
}

fn visible_sprint(db: &crate::Db, me: &User, id: &str) -> ApiResult<crate::meta::Sprint> {
    let n = id_of(id, "sprint")?;
    let s = db.meta.sprint(n).cloned().ok_or_else(|| {
        ApiError::not_found(format!(
            "Sprint with id {id} does not exist or you do not have permission to see it."
        ))
    })?;
    visible_board(&db.conn, &db.meta, me, &s.board_id.to_string()).map_err(|_| {
        ApiError::not_found(format!(
            "Sprint with id {id} does not exist or you do not have permission to see it."
        ))
    })?;
    Ok(s)
}

async fn create_sprint(
    State(state): State<AppState>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    let o = object(&body)?;
    let name = required_text(o, "name", "name", "The sprint name is required.")?;
    if name.chars().count() > 30 {
        return Err(ApiError::field(
            "name",
            "The sprint name must not be longer than 30 characters.",
        ));
    }
    let board = match o.get("originBoardId") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        ApiError::field(
            "originBoardId",
            "The sprint needs the id of its board in 'originBoardId'.",
        )
    })?;
    let start = date_in(o, "startDate")?.flatten();
    let end = date_in(o, "endDate")?.flatten();
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(ApiError::field(
                "endDate",
                "The end date must be after the start date.",
            ));
        }
    }
    let goal = o.get("goal").and_then(Value::as_str).unwrap_or("").to_string();
    let now = state.clock().now_ms();
    let mut db = state.db();
    let b = visible_board(&db.conn, &db.meta, &me, &board.to_string())
        .map_err(|_| ApiError::field("originBoardId", format!("Board {board} does not exist.")))?;
    if b.kind != "scrum" {
        return Err(ApiError::field(
            "originBoardId",
            "Sprints belong to scrum boards only.",
        ));
    }
    let id = in_tx(&mut db, |tx, meta| {
        tx.execute(
            "INSERT INTO sprints (name, state, start_date, end_date, created_date, goal, board_id) VALUES (?1, 'future', ?2, ?3, ?4, ?5, ?6)",
            params![name, start, end, now, goal, b.id],
        )?;
        let s = crate::meta::Sprint {
            id: tx.last_insert_rowid(),
            name: name.clone(),
            state: "future".into(),
            start_date: start,
            end_date: end,
            complete_date: None,
            created_date: now,
            goal: goal.clone(),
            board_id: b.id,
        };
        sprint_event(tx, meta, &me, "sprint_created", &s, None, now)?;
        Ok(s.id)
    })?;
    reload_sprints(&mut db)?;
    let s = db
        .meta
        .sprint(id)
        .ok_or_else(|| ApiError::Internal("sprint vanished".into()))?;
    Ok((StatusCode::CREATED, Json(sprint_json(&state.base_url(), s))))
}

async fn get_sprint(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let s = visible_sprint(&db, &me, &id)?;
    Ok(Json(sprint_json(&state.base_url(), &s)))
}

async fn board_sprints(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(50, 50)?;
    let states = params.list("state");
    for s in &states {
        if !matches!(s.as_str(), "future" | "active" | "closed") {
            return Err(ApiError::bad_request(format!(
                "The sprint state '{s}' is not valid: use future, active or closed."
            )));
        }
    }
    let db = state.db();
    let b = visible_board(&db.conn, &db.meta, &me, &id)?;
    if b.kind != "scrum" {
        return Err(ApiError::bad_request("The board does not support sprints."));
    }
    let base = state.base_url();
    let all: Vec<Value> = db
        .meta
        .sprints
        .iter()
        .filter(|s| s.board_id == b.id && (states.is_empty() || states.contains(&s.state)))
        .map(|s| sprint_json(&base, s))
        .collect();
    let total = all.len() as i64;
    let values = all.into_iter().skip(start as usize).take(max as usize).collect();
    let mut page = page_bean(
        format!("{}/board/{}/sprint", agile_url(&state), b.id),
        start,
        max,
        total,
        values,
    );
    if let Some(o) = page.as_object_mut() {
        o.remove("self");
        o.remove("nextPage");
    }
    Ok(Json(page))
}

/// Sets the Sprint field of issues, recording the change; `None` sends them to the backlog.
fn set_sprint(
    tx: &Connection,
    meta: &Meta,
    me: &User,
    issues: Vec<IssueRow>,
    to: Option<i64>,
    now: i64,
) -> ApiResult<()> {
    let field = sprint_field(meta)?;
    let name_of = |ids: &[i64]| {
        ids.iter()
            .filter_map(|id| meta.sprint(*id))
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for mut i in issues {
        let before: Vec<i64> = i
            .get(&field)
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .collect();
        let current = current_sprint(&i, &field, meta);
        if current == to {
            continue;
        }
        // Closed sprints stay in the list (the issue's history); the open one is replaced.
        let mut after: Vec<i64> = before.iter().copied().filter(|id| Some(*id) != current).collect();
        if let Some(t) = to {
            after.retain(|id| *id != t);
            after.push(t);
        }
        let join = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let item = ChangeItem {
            field: "Sprint".into(),
            fieldtype: "custom".into(),
            field_id: Some(field.clone()),
            from: Some(join(&before)).filter(|s| !s.is_empty()),
            from_string: Some(name_of(&before)).filter(|s| !s.is_empty()),
            to: Some(join(&after)).filter(|s| !s.is_empty()),
            to_string: Some(name_of(&after)).filter(|s| !s.is_empty()),
        };
        if after.is_empty() {
            i.fields.remove(&field);
        } else {
            i.fields.insert(field.clone(), json!(after));
        }
        i.updated = now;
        store::save_issue(tx, &i)?;
        store::add_history(tx, i.id, Some(&me.account_id), now, &[item])?;
    }
    Ok(())
}

fn issue_list(o: &Map<String, Value>) -> ApiResult<Vec<String>> {
    let items = o
        .get("issues")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::field("issues", "'issues' must list issue keys or ids."))?;
    if items.is_empty() {
        return Err(ApiError::field(
            "issues",
            "'issues' must list at least one issue.",
        ));
    }
    if items.len() > MAX_MOVE {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_MOVE} issues can be moved in one operation; {} were given.",
            items.len()
        )));
    }
    items
        .iter()
        .map(|k| match k {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(ApiError::field(
                "issues",
                "Issue keys and ids must be strings or numbers.",
            )),
        })
        .collect()
}

fn load_issues(db: &crate::Db, me: &User, keys: &[String]) -> ApiResult<Vec<IssueRow>> {
    keys.iter()
        .map(|k| {
            visible_issue(db, me, k).map_err(|_| {
                ApiError::bad_request(format!(
                    "Issue '{k}' does not exist or you do not have permission to see it."
                ))
            })
        })
        .collect()
}

async fn move_to_sprint(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let o = object(&body)?;
    let keys = issue_list(o)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let s = visible_sprint(&db, &me, &id)?;
    if s.state == "closed" {
        return Err(ApiError::bad_request(
            "Issues can only be moved to open or active sprints.",
        ));
    }
    let issues = load_issues(&db, &me, &keys)?;
    in_tx(&mut db, |tx, meta| {
        set_sprint(tx, meta, &me, issues, Some(s.id), now)
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn move_to_backlog(
    State(state): State<AppState>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let o = object(&body)?;
    let keys = issue_list(o)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issues = load_issues(&db, &me, &keys)?;
    in_tx(&mut db, |tx, meta| set_sprint(tx, meta, &me, issues, None, now))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn sprint_issues(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let s = visible_sprint(&db, &me, &id)?;
    let field = sprint_field(&db.meta)?;
    let projects: Vec<i64> = db
        .meta
        .projects
        .iter()
        .filter(|p| db.meta.can_browse(&me, p))
        .map(|p| p.id)
        .collect();
    let mut issues: Vec<IssueRow> = store::issues_in_projects(&db.conn, &projects)?
        .into_iter()
        .filter(|i| {
            i.get(&field)
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x.as_i64() == Some(s.id)))
        })
        .collect();
    let rank = db
        .meta
        .fields
        .iter()
        .find(|f| f.kind == CustomKind::Rank)
        .map(|f| f.id.clone())
        .unwrap_or_default();
    issues.sort_by(|a, b| a.get(&rank).as_str().cmp(&b.get(&rank).as_str()));
    issues_page(&state, &db, &me, issues, &params)
}

/// `POST /sprint/{id}`: a partial update, and the way to start and close a sprint.
async fn update_sprint(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    change_sprint(state, c, id, body, false).await
}

/// `PUT /sprint/{id}`: a full update; fields left out are cleared.
async fn replace_sprint(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    change_sprint(state, c, id, body, true).await
}

async fn change_sprint(
    state: AppState,
    c: MaybeCaller,
    id: String,
    body: Value,
    full: bool,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let o = object(&body)?.clone();
    let now = state.clock().now_ms();
    let mut db = state.db();
    let mut s = visible_sprint(&db, &me, &id)?;
    let before = s.clone();
    let old_state = s.state.clone();
    let new_state = match o.get("state").and_then(Value::as_str) {
        Some(st @ ("future" | "active" | "closed")) => st.to_string(),
        Some(other) => {
            return Err(ApiError::field(
                "state",
                format!("The sprint state '{other}' is not valid: use future, active or closed."),
            ))
        }
        None => s.state.clone(),
    };
    if old_state == "closed" {
        let touches_more = o.keys().any(|k| {
            !matches!(
                k.as_str(),
                "name"
                    | "goal"
                    | "id"
                    | "self"
                    | "state"
                    | "originBoardId"
                    | "startDate"
                    | "endDate"
                    | "completeDate"
                    | "createdDate"
            )
        }) || new_state != "closed";
        if touches_more {
            return Err(ApiError::bad_request(
                "A closed sprint cannot be reopened; only its name and goal can change.",
            ));
        }
    }
    if let Some(n) = o.get("name").and_then(Value::as_str) {
        if n.trim().is_empty() {
            return Err(ApiError::field("name", "The sprint name is required."));
        }
        s.name = n.trim().to_string();
    }
    if let Some(g) = o.get("goal") {
        s.goal = g.as_str().unwrap_or("").to_string();
    } else if full {
        s.goal = String::new();
    }
    if old_state != "closed" {
        match date_in(&o, "startDate")? {
            Some(d) => s.start_date = d,
            None if full => s.start_date = None,
            None => {}
        }
        match date_in(&o, "endDate")? {
            Some(d) => s.end_date = d,
            None if full => s.end_date = None,
            None => {}
        }
    }
    let mut close = false;
    match (old_state.as_str(), new_state.as_str()) {
        (a, b) if a == b => {}
        ("future", "active") => {
            if s.start_date.is_none() || s.end_date.is_none() {
                return Err(ApiError::bad_request(
                    "The sprint cannot be started: a start date and an end date are required.",
                ));
            }
            // Jira Cloud allows parallel active sprints only when that feature is on; the sandbox
            // always allows them.
        }
        ("active", "closed") => {
            s.complete_date = Some(now);
            close = true;
        }
        (a, b) => {
            return Err(ApiError::bad_request(format!(
                "A sprint cannot go from {a} to {b}: the states run future → active → closed."
            )));
        }
    }
    if let (Some(st), Some(en)) = (s.start_date, s.end_date) {
        if en < st {
            return Err(ApiError::field(
                "endDate",
                "The end date must be after the start date.",
            ));
        }
    }
    s.state = new_state;
    let field = sprint_field(&db.meta)?;
    let projects: Vec<i64> = db.meta.projects.iter().map(|p| p.id).collect();
    in_tx(&mut db, |tx, meta| {
        tx.execute(
            "UPDATE sprints SET name = ?2, state = ?3, start_date = ?4, end_date = ?5, complete_date = ?6, goal = ?7 WHERE id = ?1",
            params![s.id, s.name, s.state, s.start_date, s.end_date, s.complete_date, s.goal],
        )?;
        if close {
            // Done issues stay in the closed sprint; the rest go to the backlog.
            let open: Vec<IssueRow> = store::issues_in_projects(tx, &projects)?
                .into_iter()
                .filter(|i| {
                    current_sprint(i, &field, meta) == Some(s.id)
                        && meta.status_category_of(i.status_id) != "done"
                })
                .collect();
            set_sprint(tx, meta, &me, open, None, now)?;
        }
        // Jira reports the edit, then the state change when there is one.
        let edited = (&s.name, &s.goal, s.start_date, s.end_date)
            != (&before.name, &before.goal, before.start_date, before.end_date);
        let state_event = match (before.state.as_str(), s.state.as_str()) {
            ("future", "active") => Some("sprint_started"),
            ("active", "closed") => Some("sprint_closed"),
            _ => None,
        };
        if edited || state_event.is_none() {
            sprint_event(tx, meta, &me, "sprint_updated", &s, Some(&before), now)?;
        }
        if let Some(e) = state_event {
            sprint_event(tx, meta, &me, e, &s, None, now)?;
        }
        Ok(())
    })?;
    reload_sprints(&mut db)?;
    let s = db
        .meta
        .sprint(s.id)
        .ok_or_else(|| ApiError::Internal("sprint vanished".into()))?;
    Ok(Json(sprint_json(&state.base_url(), s)))
}

async fn delete_sprint(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let s = visible_sprint(&db, &me, &id)?;
    if s.state == "closed" {
        return Err(ApiError::bad_request("A closed sprint cannot be deleted."));
    }
    let field = sprint_field(&db.meta)?;
    let projects: Vec<i64> = db.meta.projects.iter().map(|p| p.id).collect();
    in_tx(&mut db, |tx, meta| {
        // Open issues of a deleted sprint go to the backlog, as the REST document says.
        let members: Vec<IssueRow> = store::issues_in_projects(tx, &projects)?
            .into_iter()
            .filter(|i| current_sprint(i, &field, meta) == Some(s.id))
            .collect();
        set_sprint(tx, meta, &me, members, None, now)?;
        for mut i in store::issues_in_projects(tx, &projects)? {
            let Some(Value::Array(ids)) = i.fields.get(&field) else {
                continue;
            };
            if ids.iter().any(|x| x.as_i64() == Some(s.id)) {
                let kept: Vec<Value> = ids.iter().filter(|x| x.as_i64() != Some(s.id)).cloned().collect();
                if kept.is_empty() {
                    i.fields.remove(&field);
                } else {
                    i.fields.insert(field.clone(), Value::Array(kept));
                }
                store::save_issue(tx, &i)?;
            }
        }
        sprint_event(tx, meta, &me, "sprint_deleted", &s, None, now)?;
        tx.execute("DELETE FROM sprints WHERE id = ?1", [s.id])?;
        Ok(())
    })?;
    reload_sprints(&mut db)?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Epics: issues one level up the hierarchy; an issue's epic is its `parent`.

fn epic_json(state: &AppState, meta: &Meta, i: &IssueRow) -> Value {
    let done = meta.status_category_of(i.status_id) == "done";
    json!({
        "id": i.id,
        "key": i.key,
        "self": format!("{}/epic/{}", agile_url(state), i.id),
        "name": i.get("summary"),
        "summary": i.get("summary"),
        "color": {"key": "color_1"},
        "done": done,
    })
}

fn visible_epic(db: &crate::Db, me: &User, key: &str) -> ApiResult<IssueRow> {
    let i = visible_issue(db, me, key).map_err(|_| {
        ApiError::not_found(format!(
            "Epic '{key}' does not exist or you do not have permission to see it."
        ))
    })?;
    if db
        .meta
        .issue_type(i.issue_type_id)
        .is_none_or(|t| t.hierarchy_level != 1)
    {
        return Err(ApiError::not_found(format!("Issue '{key}' is not an epic.")));
    }
    Ok(i)
}

async fn get_epic(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let e = visible_epic(&db, &me, &key)?;
    Ok(Json(epic_json(&state, &db.meta, &e)))
}

async fn board_epics(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(50, 50)?;
    let done_filter = params.bool("done")?;
    let db = state.db();
    let b = visible_board(&db.conn, &db.meta, &me, &id)?;
    let epics: Vec<Value> = match b.project_id {
        Some(p) => store::issues_in_projects(&db.conn, &[p])?
            .iter()
            .filter(|i| {
                db.meta
                    .issue_type(i.issue_type_id)
                    .is_some_and(|t| t.hierarchy_level == 1)
            })
            .map(|i| epic_json(&state, &db.meta, i))
            .filter(|e| done_filter.is_none_or(|d| e["done"] == d))
            .collect(),
        None => vec![],
    };
    let mut page = crate::render::page_of(
        format!("{}/board/{}/epic", agile_url(&state), b.id),
        start,
        max,
        epics,
    );
    if let Some(o) = page.as_object_mut() {
        o.remove("self");
        o.remove("nextPage");
    }
    Ok(Json(page))
}

async fn epic_issues(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let e = visible_epic(&db, &me, &key)?;
    let projects: Vec<i64> = db
        .meta
        .projects
        .iter()
        .filter(|p| db.meta.can_browse(&me, p))
        .map(|p| p.id)
        .collect();
    let issues: Vec<IssueRow> = store::issues_in_projects(&db.conn, &projects)?
        .into_iter()
        .filter(|i| i.parent_id == Some(e.id))
        .collect();
    issues_page(&state, &db, &me, issues, &params)
}

async fn issues_without_epic(
    State(state): State<AppState>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let projects: Vec<i64> = db
        .meta
        .projects
        .iter()
        .filter(|p| db.meta.can_browse(&me, p))
        .map(|p| p.id)
        .collect();
    let issues: Vec<IssueRow> = store::issues_in_projects(&db.conn, &projects)?
        .into_iter()
        .filter(|i| {
            i.parent_id.is_none()
                && db
                    .meta
                    .issue_type(i.issue_type_id)
                    .is_some_and(|t| t.hierarchy_level == 0)
        })
        .collect();
    issues_page(&state, &db, &me, issues, &params)
}

/// Sets (or clears) the epic of standard issues, through the same path as an edit of `parent`.
fn set_epic(state: &AppState, me: &User, keys: &[String], epic: Option<i64>) -> ApiResult<()> {
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issues = load_issues(&db, me, keys)?;
    for i in &issues {
        if db
            .meta
            .issue_type(i.issue_type_id)
            .is_none_or(|t| t.hierarchy_level != 0)
        {
            return Err(ApiError::bad_request(format!(
                "Issue '{}' cannot be in an epic: only standard issues can.",
                i.key
            )));
        }
    }
    in_tx(&mut db, |tx, meta| {
        for mut i in issues {
            let changes = crate::api::issues::Changes {
                values: Default::default(),
                parent: Some(epic),
                issue_type: None,
            };
            crate::api::issues::apply_changes(tx, meta, me, &mut i, changes, now, Vec::new())?;
        }
        Ok(())
    })
}

async fn move_to_epic(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let keys = issue_list(object(&body)?)?;
    let epic = {
        let db = state.db();
        visible_epic(&db, &me, &key)?.id
    };
    set_epic(&state, &me, &keys, Some(epic))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_from_epic(
    State(state): State<AppState>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let keys = issue_list(object(&body)?)?;
    set_epic(&state, &me, &keys, None)?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Rank

const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn digit(c: u8) -> u32 {
    DIGITS.iter().position(|d| *d == c).unwrap_or(0) as u32
}

/// A string strictly between `a` and `b` (or after `a` when `b` is `None`) in base-36 digits,
/// never ending in '0', so that there is always room for another one: ranks never need
/// renumbering.
pub fn between(a: &str, b: Option<&str>) -> String {
    let (a, b) = (a.as_bytes(), b.map(str::as_bytes));
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let da = a.get(i).map(|c| digit(*c)).unwrap_or(0);
        let db = match b {
            Some(b) => b.get(i).map(|c| digit(*c)).unwrap_or(0),
            None => 36,
        };
        if da == db {
            out.push(DIGITS[da as usize]);
            i += 1;
            continue;
        }
        let mid = (da + db) / 2;
        if mid > da {
            out.push(DIGITS[mid as usize]);
            break;
        }
        // Adjacent digits: keep a's and find room after the rest of `a`, with no upper bound.
        out.push(DIGITS[da as usize]);
        i += 1;
        loop {
            let da = a.get(i).map(|c| digit(*c)).unwrap_or(0);
            if da < 35 {
                out.push(DIGITS[((da + 36) / 2) as usize]);
                return String::from_utf8(out).unwrap_or_default();
            }
            out.push(DIGITS[da as usize]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The digits of a LexoRank-style rank `0|iiiiiiii:fff`, the integer and fraction parts joined.
fn rank_body(r: &str) -> String {
    r.strip_prefix("0|").unwrap_or(r).replace(':', "")
}

/// Formats digits as a rank: the first eight form the integer part (padding with '0' keeps the
/// value), the rest the fraction after ':'. Every rank has an eight-digit integer part, so plain
/// string order is rank order.
fn rank_string(body: &str) -> String {
    let mut b = body.to_string();
    while b.len() < 8 {
        b.push('0');
    }
    format!("0|{}:{}", &b[..8], &b[8..])
}

async fn rank(
    State(state): State<AppState>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let o = object(&body)?;
    let keys = issue_list(o)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let rank_field = db
        .meta
        .fields
        .iter()
        .find(|f| f.kind == CustomKind::Rank)
        .cloned()
        .ok_or_else(|| ApiError::Internal("no Rank field".into()))?;
    if let Some(cf) = o.get("rankCustomFieldId").and_then(Value::as_i64) {
        if cf != rank_field.num {
            return Err(ApiError::field(
                "rankCustomFieldId",
                format!("Custom field {cf} is not a rank field."),
            ));
        }
    }
    let (anchor, before) = match (
        o.get("rankBeforeIssue").and_then(Value::as_str),
        o.get("rankAfterIssue").and_then(Value::as_str),
    ) {
        (Some(b), None) => (b.to_string(), true),
        (None, Some(a)) => (a.to_string(), false),
        _ => {
            return Err(ApiError::bad_request(
                "Give exactly one of 'rankBeforeIssue' and 'rankAfterIssue'.",
            ))
        }
    };
    let anchor = visible_issue(&db, &me, &anchor).map_err(|_| {
        ApiError::bad_request(format!(
            "Issue '{anchor}' does not exist or you do not have permission to see it."
        ))
    })?;
    let moving = load_issues(&db, &me, &keys)?;
    if moving.iter().any(|i| i.id == anchor.id) {
        return Err(ApiError::bad_request(
            "An issue cannot be ranked relative to itself.",
        ));
    }
    in_tx(&mut db, |tx, _| {
        let field = &rank_field.id;
        let rank_of = |i: &IssueRow| i.get(field).as_str().map(str::to_string).unwrap_or_default();
        let neighbour = |r: &str, lower: bool| -> ApiResult<Option<String>> {
            let sql = if lower {
                format!("SELECT max(json_extract(fields, '$.{field}')) FROM issues WHERE json_extract(fields, '$.{field}') < ?1")
            } else {
                format!("SELECT min(json_extract(fields, '$.{field}')) FROM issues WHERE json_extract(fields, '$.{field}') > ?1")
            };
            Ok(tx.query_row(&sql, [r], |row| row.get::<_, Option<String>>(0))?)
        };
        let anchor_rank = rank_of(&anchor);
        // Place the issues one after another, in the order given, next to the anchor.
        let (mut low, high) = if before {
            (neighbour(&anchor_rank, true)?, Some(anchor_rank.clone()))
        } else {
            (Some(anchor_rank.clone()), neighbour(&anchor_rank, false)?)
        };
        for mut i in moving {
            let lo = low.as_deref().map(rank_body).unwrap_or_default();
            let hi = high.as_deref().map(rank_body);
            let r = rank_string(&between(&lo, hi.as_deref()));
            let old = rank_of(&i);
            i.fields.insert(field.clone(), json!(r));
            i.updated = now;
            store::save_issue(tx, &i)?;
            store::add_history(
                tx,
                i.id,
                Some(&me.account_id),
                now,
                &[ChangeItem {
                    field: "Rank".into(),
                    fieldtype: "custom".into(),
                    field_id: Some(field.clone()),
                    from: None,
                    from_string: Some(old),
                    to: None,
                    to_string: Some(if before {
                        "Ranked higher".into()
                    } else {
                        "Ranked lower".into()
                    }),
                }],
            )?;
            low = Some(r);
        }
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_finds_room_everywhere() {
        let cases = [
            ("0000010", Some("0000011")),
            ("000000z", Some("0000010")),
            ("a", Some("b")),
            ("", Some("1")),
            ("zzz", None),
            ("a", Some("a1")),
        ];
        for (a, b) in cases {
            let m = between(a, b);
            assert!(m.as_str() > a, "{m} > {a}");
            if let Some(b) = b {
                assert!(m.as_str() < b, "{m} < {b}");
            }
            assert!(!m.ends_with('0'));
        }
    }

    #[test]
    fn rank_strings_sort_as_their_values() {
        let a = rank_string("i0000010");
        let b = rank_string(&between("i0000010", Some("i0000030")));
        let c = rank_string(&between("i0000010", Some("i0000011")));
        let d = rank_string("i0000011");
        assert!(a < c && c < d, "{a} {c} {d}");
        assert!(a < b && b < rank_string("i0000030"), "{a} {b}");
    }

    #[test]
    fn repeated_insertion_before_the_same_rank_keeps_order() {
        let mut low = String::from("0000010");
        let high = String::from("0000011");
        for _ in 0..200 {
            let m = between(&low, Some(&high));
            assert!(m > low && m < high);
            low = m;
        }
    }
}
