//! Issue types, priorities, resolutions, statuses and their categories, fields, custom field
//! contexts and options.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use rusqlite::params;
use serde_json::{json, Value};

use super::{caller, ctx, object, reload, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields;
use crate::meta::{CustomKind, CUSTOM_PREFIX};
use crate::render::page_of;
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

macro_rules! list_and_get {
    ($list:ident, $get:ident, $coll:ident, $render:ident, $what:literal) => {
        pub async fn $list(
            State(state): State<AppState>,
            Extension(v): Extension<ApiVersion>,
            c: MaybeCaller,
        ) -> ApiResult<Json<Value>> {
            caller(c)?;
            let db = state.db();
            let base = state.base_url();
            let cx = ctx(&state, &db.meta, &base, v);
            Ok(Json(Value::Array(
                db.meta.$coll.iter().map(|x| cx.$render(x)).collect(),
            )))
        }

        pub async fn $get(
            State(state): State<AppState>,
            Extension(v): Extension<ApiVersion>,
            c: MaybeCaller,
            Path(id): Path<String>,
        ) -> ApiResult<Json<Value>> {
            caller(c)?;
            let db = state.db();
            let base = state.base_url();
            let cx = ctx(&state, &db.meta, &base, v);
            db.meta
                .$coll
                .iter()
                .find(|x| x.id.to_string() == id)
                .map(|x| Json(cx.$render(x)))
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        concat!("The ", $what, " with id '{}' does not exist."),
                        id
                    ))
                })
        }
    };
}

list_and_get!(issue_types, issue_type, issue_types, issue_type, "issue type");
list_and_get!(priorities, priority, priorities, priority, "priority");
list_and_get!(resolutions, resolution, resolutions, resolution, "resolution");
list_and_get!(statuses, status, statuses, status, "status");

pub async fn priorities_paged(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let (start, max) = params.page(50, 50)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let all: Vec<Value> = db.meta.priorities.iter().map(|p| cx.priority(p)).collect();
    Ok(Json(page_of(
        format!("{}/priority/search", cx.api()),
        start,
        max,
        all,
    )))
}

const CATEGORIES: &[&str] = &["undefined", "new", "indeterminate", "done"];

pub async fn status_categories(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(Value::Array(
        CATEGORIES.iter().map(|k| cx.status_category(k)).collect(),
    )))
}

pub async fn status_category(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    CATEGORIES
        .iter()
        .map(|k| cx.status_category(k))
        .find(|c| {
            c["id"].as_i64().map(|n| n.to_string()).as_deref() == Some(id.as_str())
                || c["key"].as_str() == Some(id.as_str())
        })
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("The status category '{id}' does not exist.")))
}

pub async fn fields(State(state): State<AppState>, c: MaybeCaller) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    Ok(Json(Value::Array(fields::catalog(&db.meta))))
}

pub async fn fields_paged(
    State(state): State<AppState>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let (start, max) = params.page(50, 50)?;
    let ids = params.list("id");
    let query = params.get("query").map(str::to_lowercase);
    let only_custom = params.list("type").iter().any(|t| t == "custom");
    let only_system = params.list("type").iter().any(|t| t == "system");
    let db = state.db();
    let all: Vec<Value> = fields::catalog(&db.meta)
        .into_iter()
        .filter(|f| ids.is_empty() || ids.iter().any(|i| f["id"].as_str() == Some(i)))
        .filter(|f| {
            query
                .as_deref()
                .is_none_or(|q| f["name"].as_str().unwrap_or("").to_lowercase().contains(q))
        })
        .filter(|f| !only_custom || f["custom"] == json!(true))
        .filter(|f| !only_system || f["custom"] == json!(false))
        .collect();
    Ok(Json(page_of(
        format!("{}/rest/api/3/field/search", state.base_url()),
        start,
        max,
        all,
    )))
}

/// `POST /field {name, type, description?, searcherKey?}`: a new custom field with a global
/// context.
pub async fn create_field(
    State(state): State<AppState>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    if !me.site_admin {
        return Err(ApiError::forbidden(
            "You must be a Jira administrator to create custom fields.",
        ));
    }
    let o = object(&body)?;
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::field("name", "The custom field name is required."))?;
    let type_key = o
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::field("type", "The custom field type is required."))?;
    let kind = CustomKind::from_type_key(type_key).filter(|k| !matches!(k, CustomKind::Rank | CustomKind::Sprint)).ok_or_else(|| {
        ApiError::field(
            "type",
            format!(
                "The custom field type '{type_key}' is not supported. Supported: {CUSTOM_PREFIX}textfield, textarea, float, datepicker, datetime, select, radiobuttons, multiselect, multicheckboxes, labels, userpicker, multiuserpicker, url."
            ),
        )
    })?;
    if let Some(s) = o.get("searcherKey").and_then(Value::as_str) {
        if kind.searcher_key() != Some(s) && !s.starts_with(CUSTOM_PREFIX) {
            return Err(ApiError::field(
                "searcherKey",
                format!("The searcher key '{s}' is not valid for the field type."),
            ));
        }
    }
    let mut db = state.db();
    if fields::system(name).is_some() || db.meta.fields.iter().any(|f| f.name.eq_ignore_ascii_case(name)) {
        // Jira allows duplicate names; the sandbox refuses them so that fields by name stay unambiguous.
        return Err(ApiError::field(
            "name",
            format!("A field named '{name}' already exists."),
        ));
    }
    let description = o.get("description").and_then(Value::as_str).unwrap_or("");
    let num: i64 = db
        .conn
        .query_row("SELECT COALESCE(MAX(num), 10099) + 1 FROM fields", [], |r| {
            r.get(0)
        })?;
    let num = num.max(10100);
    let id = format!("customfield_{num}");
    let tx = db.conn.transaction()?;
    tx.execute(
        "INSERT INTO fields (id, num, name, type_key, searcher_key, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, num, name, type_key, kind.searcher_key(), description],
    )?;
    tx.execute(
        "INSERT INTO field_contexts (field_id, name, description) VALUES (?1, ?2, '')",
        params![id, format!("Default Configuration Scheme for {name}")],
    )?;
    tx.commit()?;
    reload(&mut db)?;
    let f = db
        .meta
        .custom_field(&id)
        .ok_or_else(|| ApiError::Internal("field vanished".into()))?;
    Ok((StatusCode::CREATED, Json(fields::custom_field_json(f))))
}

fn custom_field<'m>(meta: &'m crate::meta::Meta, id: &str) -> ApiResult<&'m crate::meta::CustomField> {
    meta.custom_field(id)
        .ok_or_else(|| ApiError::not_found(format!("The custom field was not found: {id}")))
}

pub async fn contexts(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let (start, max) = params.page(50, 100)?;
    let db = state.db();
    custom_field(&db.meta, &id)?;
    let all: Vec<Value> = db
        .meta
        .contexts
        .iter()
        .filter(|x| x.field_id == id)
        .map(|x| json!({"id": x.id.to_string(), "name": x.name, "description": x.description, "isGlobalContext": x.project_ids.is_empty(), "isAnyIssueType": x.issue_type_ids.is_empty()}))
        .collect();
    Ok(Json(page_of(
        format!("{}/rest/api/3/field/{id}/context", state.base_url()),
        start,
        max,
        all,
    )))
}

pub async fn create_context(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    if !me.site_admin {
        return Err(ApiError::forbidden(
            "You must be a Jira administrator to manage custom field contexts.",
        ));
    }
    let o = object(&body)?;
    let mut db = state.db();
    custom_field(&db.meta, &id)?;
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::field("name", "The context name is required."))?;
    let ids_of = |k: &str| -> ApiResult<Vec<i64>> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(vec![]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| match x {
                    Value::String(s) => s
                        .parse::<i64>()
                        .map_err(|_| ApiError::field(k, format!("'{s}' is not an id."))),
                    Value::Number(n) => n
                        .as_i64()
                        .ok_or_else(|| ApiError::field(k, "Ids must be whole numbers.")),
                    _ => Err(ApiError::field(k, "Ids must be strings or numbers.")),
                })
                .collect(),
            Some(_) => Err(ApiError::field(k, format!("'{k}' must be a list of ids."))),
        }
    };
    let projects = ids_of("projectIds")?;
    let types = ids_of("issueTypeIds")?;
    for p in &projects {
        if db.meta.project(*p).is_none() {
            return Err(ApiError::field(
                "projectIds",
                format!("The project with id {p} does not exist."),
            ));
        }
    }
    for t in &types {
        if db.meta.issue_type(*t).is_none() {
            return Err(ApiError::field(
                "issueTypeIds",
                format!("The issue type with id {t} does not exist."),
            ));
        }
    }
    let description = o.get("description").and_then(Value::as_str).unwrap_or("");
    db.conn.execute(
        "INSERT INTO field_contexts (field_id, name, description, project_ids, issue_type_ids) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, name, description, serde_json::to_string(&projects)?, serde_json::to_string(&types)?],
    )?;
    let cid = db.conn.last_insert_rowid();
    reload(&mut db)?;
    let strs = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>();
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": cid.to_string(), "name": name, "description": description, "projectIds": strs(&projects), "issueTypeIds": strs(&types)}),
        ),
    ))
}

fn context_of(meta: &crate::meta::Meta, field: &str, ctx_id: &str) -> ApiResult<i64> {
    custom_field(meta, field)?;
    meta.contexts
        .iter()
        .find(|x| x.field_id == field && x.id.to_string() == ctx_id)
        .map(|x| x.id)
        .ok_or_else(|| ApiError::not_found(format!("The context was not found: {ctx_id}")))
}

pub async fn options(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((id, ctx_id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let (start, max) = params.page(100, 1000)?;
    let db = state.db();
    let cid = context_of(&db.meta, &id, &ctx_id)?;
    let all: Vec<Value> = db
        .meta
        .options
        .iter()
        .filter(|o| o.context_id == cid)
        .map(|o| json!({"id": o.id.to_string(), "value": o.value, "disabled": o.disabled}))
        .collect();
    Ok(Json(page_of(
        format!(
            "{}/rest/api/3/field/{id}/context/{ctx_id}/option",
            state.base_url()
        ),
        start,
        max,
        all,
    )))
}

/// `POST /field/{id}/context/{ctx}/option {options: [{value, disabled?}]}`.
pub async fn create_options(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((id, ctx_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    if !me.site_admin {
        return Err(ApiError::forbidden(
            "You must be a Jira administrator to manage custom field options.",
        ));
    }
    let o = object(&body)?;
    let mut db = state.db();
    let cid = context_of(&db.meta, &id, &ctx_id)?;
    let kind = custom_field(&db.meta, &id)?.kind;
    if !matches!(kind, CustomKind::Select | CustomKind::MultiSelect) {
        return Err(ApiError::bad_request(
            "Options can only be added to select and multi-select fields.",
        ));
    }
    let items = o
        .get("options")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::field("options", "'options' must be a list of {\"value\": ...}."))?;
    let mut wanted: Vec<(String, bool)> = Vec::new();
    for item in items {
        let value = item
            .get("value")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::field("options", "Every option needs a non-empty 'value'."))?;
        if db
            .meta
            .options
            .iter()
            .any(|x| x.context_id == cid && x.value == value)
            || wanted.iter().any(|(w, _)| w == value)
        {
            return Err(ApiError::bad_request(format!(
                "The option '{value}' already exists in this context."
            )));
        }
        wanted.push((
            value.to_string(),
            item.get("disabled").and_then(Value::as_bool).unwrap_or(false),
        ));
    }
    let base_pos = db.meta.options.iter().filter(|x| x.context_id == cid).count() as i64;
    let tx = db.conn.transaction()?;
    let mut created = Vec::new();
    for (i, (value, disabled)) in wanted.iter().enumerate() {
        tx.execute(
            "INSERT INTO field_options (field_id, context_id, value, disabled, position) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, cid, value, disabled, base_pos + i as i64],
        )?;
        created.push(json!({"id": tx.last_insert_rowid().to_string(), "value": value, "disabled": disabled}));
    }
    tx.commit()?;
    reload(&mut db)?;
    Ok(Json(json!({ "options": created })))
}

pub async fn option(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    id.parse::<i64>()
        .ok()
        .and_then(|n| db.meta.option(n))
        .map(|o| Json(json!({"self": format!("{}/customFieldOption/{}", cx.api(), o.id), "value": o.value})))
        .ok_or_else(|| ApiError::not_found(format!("A custom field option with id '{id}' does not exist.")))
}
