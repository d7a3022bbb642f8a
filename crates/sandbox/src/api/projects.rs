//! Projects, components and versions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use rusqlite::params;
use serde_json::{json, Map, Value};

use super::{caller, ctx, object, reload, visible_project, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::meta::User;
use crate::render::{page_bean, page_of};
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

fn require_admin(user: &User) -> ApiResult<()> {
    if user.site_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "You must have global administrator rights in order to modify projects.",
        ))
    }
}

/// The templates `POST /project` knows, from the official document's enum, with their type.
fn template_type(template: &str) -> Option<&'static str> {
    if template.starts_with("com.pyxis.greenhopper.jira:") {
        Some("software")
    } else if template.starts_with("com.atlassian.jira-core-project-templates:") {
        Some("business")
    } else if template.starts_with("com.atlassian.servicedesk:") {
        Some("service_desk")
    } else if template == "com.atlassian.jcs:customer-service-management" {
        Some("customer_service")
    } else {
        None
    }
}

pub fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && key.len() >= 2
        && key.len() <= 10
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn str_of<'a>(o: &'a Map<String, Value>, k: &str) -> ApiResult<Option<&'a str>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::field(k, format!("'{k}' must be a string."))),
    }
}

fn lead_of(meta: &crate::meta::Meta, o: &Map<String, Value>) -> ApiResult<Option<String>> {
    let given = str_of(o, "leadAccountId")?.or(str_of(o, "lead")?);
    match given {
        None => Ok(None),
        Some(id) => meta
            .user(id)
            .filter(|u| u.active)
            .map(|u| Some(u.account_id.clone()))
            .or_else(|| {
                meta.users
                    .values()
                    .find(|u| u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(id)))
                    .map(|u| Some(u.account_id.clone()))
            })
            .ok_or_else(|| ApiError::field("projectLead", "The project lead you specified does not exist.")),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    require_admin(&me)?;
    let o = object(&body)?;
    let mut errors = std::collections::BTreeMap::new();
    let key = str_of(o, "key")?.unwrap_or("").trim().to_string();
    let name = str_of(o, "name")?.unwrap_or("").trim().to_string();
    let template = str_of(o, "projectTemplateKey")?.map(str::to_string);
    let mut db = state.db();
    if key.is_empty() {
        errors.insert("projectKey".into(), "You must specify a unique project key, at least 2 characters long, containing only uppercase letters and numbers.".into());
    } else if !valid_key(&key) {
        errors.insert("projectKey".into(), "Project keys must start with an uppercase letter, followed by one or more uppercase alphanumeric characters (at most 10 in all).".into());
    } else if db
        .meta
        .project_by_key_or_id(&key)
        .is_some_and(|p| p.key.eq_ignore_ascii_case(&key))
    {
        errors.insert(
            "projectKey".into(),
            format!(
                "Project '{}' uses this project key.",
                db.meta
                    .project_by_key_or_id(&key)
                    .map(|p| p.name.clone())
                    .unwrap_or_default()
            ),
        );
    }
    if name.is_empty() {
        errors.insert(
            "projectName".into(),
            "You must specify a valid project name.".into(),
        );
    } else if name.chars().count() > 80 {
        errors.insert(
            "projectName".into(),
            "The project name must not exceed 80 characters in length.".into(),
        );
    } else if db
        .meta
        .projects
        .iter()
        .any(|p| p.name.eq_ignore_ascii_case(&name))
    {
        errors.insert(
            "projectName".into(),
            "A project with that name already exists.".into(),
        );
    }
    let type_from_template = template.as_deref().map(template_type);
    if let Some(None) = type_from_template {
        errors.insert(
            "projectTemplateKey".into(),
            format!(
                "The project template '{}' does not exist.",
                template.clone().unwrap_or_default()
            ),
        );
    }
    let type_key = match str_of(o, "projectTypeKey")? {
        Some(t @ ("software" | "business" | "service_desk" | "product_discovery" | "customer_service")) => {
            t.to_string()
        }
        Some(other) => {
            errors.insert(
                "projectTypeKey".into(),
                format!("The project type '{other}' is not valid."),
            );
            String::new()
        }
        None => type_from_template.flatten().unwrap_or("software").to_string(),
    };
    if let (Some(Some(t)), false) = (type_from_template, type_key.is_empty()) {
        if t != type_key {
            errors.insert(
                "projectTemplateKey".into(),
                format!(
                    "The template '{}' does not belong to the project type '{type_key}'.",
                    template.clone().unwrap_or_default()
                ),
            );
        }
    }
    let lead = match lead_of(&db.meta, o) {
        Ok(l) => l.unwrap_or_else(|| me.account_id.clone()),
        Err(ApiError::Jira { errors: e, .. }) => {
            errors.extend(e);
            String::new()
        }
        Err(e) => return Err(e),
    };
    let assignee_type = match str_of(o, "assigneeType")? {
        None => "UNASSIGNED".to_string(),
        Some(t @ ("PROJECT_LEAD" | "UNASSIGNED")) => t.to_string(),
        Some(other) => {
            errors.insert(
                "assigneeType".into(),
                format!("The assignee type '{other}' is not valid: use PROJECT_LEAD or UNASSIGNED."),
            );
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let description = str_of(o, "description")?.unwrap_or("").to_string();
    let url = str_of(o, "url")?.map(str::to_string);
    let workflow = crate::seed::default_workflow(&db.meta);
    let now = state.clock().now_ms();
    let crate::Db { conn, meta } = &mut *db;
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO projects (key, name, description, lead, type_key, template_key, assignee_type, url, workflow) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![key, name, description, lead, type_key, template, assignee_type, url, serde_json::to_string(&workflow)?],
    )?;
    let id = tx.last_insert_rowid();
    project_event(&tx, meta, &me, "project_created", id, now)?;
    tx.commit()?;
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "self": format!("{}/project/{id}", cx.api()), "id": id, "key": key })),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let p = visible_project(&db.meta, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(cx.project(p, &params.list("expand"))))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let expand = params.list("expand");
    Ok(Json(Value::Array(
        db.meta
            .projects
            .iter()
            .filter(|p| db.meta.can_browse(&me, p))
            .map(|p| {
                if expand.is_empty() {
                    cx.project_ref(p)
                } else {
                    cx.project(p, &expand)
                }
            })
            .collect(),
    )))
}

pub async fn search(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(50, 100)?;
    let query = params.get("query").map(str::to_lowercase);
    let keys = params.list("keys");
    let type_key = params.list("typeKey");
    let db = state.db();
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let mut found: Vec<&crate::meta::Project> = db
        .meta
        .projects
        .iter()
        .filter(|p| db.meta.can_browse(&me, p))
        .filter(|p| {
            keys.is_empty()
                || keys
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&p.key) || *k == p.id.to_string())
        })
        .filter(|p| type_key.is_empty() || type_key.contains(&p.type_key))
        .filter(|p| {
            query
                .as_deref()
                .is_none_or(|q| p.key.to_lowercase().contains(q) || p.name.to_lowercase().contains(q))
        })
        .collect();
    match params.get("orderBy").unwrap_or("key") {
        "key" => found.sort_by(|a, b| a.key.cmp(&b.key)),
        "-key" => found.sort_by(|a, b| b.key.cmp(&a.key)),
        "name" => found.sort_by_key(|p| p.name.to_lowercase()),
        "-name" => found.sort_by_key(|p| std::cmp::Reverse(p.name.to_lowercase())),
        "id" => found.sort_by_key(|p| p.id),
        "-id" => found.sort_by_key(|p| -p.id),
        other => {
            return Err(ApiError::bad_request(format!(
            "The 'orderBy' value '{other}' is not supported: use key, name or id, with '-' for descending."
        )))
        }
    }
    let total = found.len() as i64;
    let expand = params.list("expand");
    let values = found
        .into_iter()
        .skip(start as usize)
        .take(max as usize)
        .map(|p| cx.project(p, &expand))
        .collect();
    Ok(Json(page_bean(
        format!("{}/project/search", cx.api()),
        start,
        max,
        total,
        values,
    )))
}

pub async fn update(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let mut db = state.db();
    let p = visible_project(&db.meta, &me, &key)?.clone();
    require_admin(&me)?;
    let o = object(&body)?;
    let mut p2 = p.clone();
    if let Some(name) = str_of(o, "name")? {
        if name.trim().is_empty() {
            return Err(ApiError::field(
                "projectName",
                "You must specify a valid project name.",
            ));
        }
        if db
            .meta
            .projects
            .iter()
            .any(|x| x.id != p.id && x.name.eq_ignore_ascii_case(name))
        {
            return Err(ApiError::field(
                "projectName",
                "A project with that name already exists.",
            ));
        }
        p2.name = name.trim().to_string();
    }
    if let Some(new_key) = str_of(o, "key")? {
        if !valid_key(new_key) {
            return Err(ApiError::field("projectKey", "Project keys must start with an uppercase letter, followed by one or more uppercase alphanumeric characters."));
        }
        if new_key != p.key {
            return Err(ApiError::field(
                "projectKey",
                "Changing a project's key is not supported by the sandbox.",
            ));
        }
    }
    if let Some(d) = str_of(o, "description")? {
        p2.description = d.to_string();
    }
    if let Some(u) = str_of(o, "url")? {
        p2.url = Some(u.to_string());
    }
    if let Some(l) = lead_of(&db.meta, o)? {
        p2.lead = Some(l);
    }
    if let Some(t) = str_of(o, "assigneeType")? {
        if t != "PROJECT_LEAD" && t != "UNASSIGNED" {
            return Err(ApiError::field(
                "assigneeType",
                format!("The assignee type '{t}' is not valid: use PROJECT_LEAD or UNASSIGNED."),
            ));
        }
        p2.assignee_type = t.to_string();
    }
    let now = state.clock().now_ms();
    let crate::Db { conn, meta } = &mut *db;
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE projects SET name = ?2, description = ?3, url = ?4, lead = ?5, assignee_type = ?6 WHERE id = ?1",
        params![p.id, p2.name, p2.description, p2.url, p2.lead, p2.assignee_type],
    )?;
    project_event(&tx, meta, &me, "project_updated", p.id, now)?;
    tx.commit()?;
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let p = db
        .meta
        .project(p.id)
        .ok_or_else(|| ApiError::Internal("project vanished".into()))?;
    Ok(Json(cx.project(p, &[])))
}

/// `project_created` / `_updated` / `_deleted`: `{project}` as `GET /rest/api/2/project/{id}`
/// shows it, read inside the transaction (before a deletion, after the other two).
fn project_event(
    tx: &rusqlite::Connection,
    meta: &crate::meta::Meta,
    me: &User,
    event: &'static str,
    id: i64,
    now: i64,
) -> ApiResult<()> {
    crate::webhooks::enqueue_entity(tx, meta, me, None, event, now, |cx| {
        // The cached configuration predates this change: read the project as it now stands.
        let fresh = crate::meta::Meta::load(tx)?;
        let p = fresh
            .project(id)
            .ok_or_else(|| ApiError::Internal("project vanished".into()))?;
        let cx = crate::render::Ctx::new(&fresh, cx.base, cx.v, cx.mode);
        Ok(json!({ "project": cx.project(p, &[]) }))
    })
}

pub async fn delete(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let id = visible_project(&db.meta, &me, &key)?.id;
    require_admin(&me)?;
    let now = state.clock().now_ms();
    let crate::Db { conn, meta } = &mut *db;
    let tx = conn.transaction()?;
    project_event(&tx, meta, &me, "project_deleted", id, now)?;
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM issues WHERE project_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let files = super::attachments::Files::of_issues(&tx, &ids)?;
    // Subtasks first: they reference their parents.
    tx.execute(
        "DELETE FROM issues WHERE project_id = ?1 AND parent_id IS NOT NULL",
        [id],
    )?;
    tx.execute("DELETE FROM issues WHERE project_id = ?1", [id])?;
    tx.execute("DELETE FROM projects WHERE id = ?1", [id])?;
    tx.commit()?;
    state.0.files.remove(&files);
    reload(&mut db)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn components(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let p = visible_project(&db.meta, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(Value::Array(
        db.meta
            .components
            .iter()
            .filter(|c| c.project_id == p.id)
            .map(|c| cx.component(c, p))
            .collect(),
    )))
}

pub async fn components_paged(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(50, 100)?;
    let db = state.db();
    let p = visible_project(&db.meta, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let all: Vec<Value> = db
        .meta
        .components
        .iter()
        .filter(|c| c.project_id == p.id)
        .map(|c| cx.component(c, p))
        .collect();
    Ok(Json(page_of(
        format!("{}/project/{}/component", cx.api(), p.key),
        start,
        max,
        all,
    )))
}

pub async fn versions(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let p = visible_project(&db.meta, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(Value::Array(
        db.meta
            .versions
            .iter()
            .filter(|x| x.project_id == p.id)
            .map(|x| cx.version(x))
            .collect(),
    )))
}

pub async fn versions_paged(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(50, 100)?;
    let db = state.db();
    let p = visible_project(&db.meta, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let all: Vec<Value> = db
        .meta
        .versions
        .iter()
        .filter(|x| x.project_id == p.id)
        .map(|x| cx.version(x))
        .collect();
    Ok(Json(page_of(
        format!("{}/project/{}/version", cx.api(), p.key),
        start,
        max,
        all,
    )))
}

pub async fn statuses(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let p = visible_project(&db.meta, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let statuses: Vec<Value> = p
        .workflow
        .iter()
        .filter_map(|s| db.meta.status(*s))
        .map(|s| cx.status(s))
        .collect();
    Ok(Json(Value::Array(
        db.meta
            .issue_types
            .iter()
            .map(|t| json!({"self": format!("{}/issuetype/{}", cx.api(), t.id), "id": t.id.to_string(), "name": t.name, "subtask": t.subtask, "statuses": statuses}))
            .collect(),
    )))
}

/// The project named by `project` (key) or `projectId` in a component or version body.
fn body_project<'m>(
    meta: &'m crate::meta::Meta,
    me: &User,
    o: &Map<String, Value>,
) -> ApiResult<&'m crate::meta::Project> {
    let key = match (o.get("project"), o.get("projectId")) {
        (Some(Value::String(k)), _) => k.clone(),
        (_, Some(Value::Number(n))) => n.to_string(),
        (_, Some(Value::String(s))) => s.clone(),
        _ => {
            return Err(ApiError::field(
                "project",
                "The project is required: give 'project' (a key) or 'projectId'.",
            ))
        }
    };
    visible_project(meta, me, &key)
        .map_err(|_| ApiError::field("project", format!("The project '{key}' does not exist.")))
}

fn id_path(id: &str, what: &str) -> ApiResult<i64> {
    id.parse()
        .map_err(|_| ApiError::not_found(format!("The {what} with id '{id}' does not exist.")))
}

pub async fn create_component(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    let o = object(&body)?;
    let mut db = state.db();
    let p = body_project(&db.meta, &me, o)?.clone();
    require_admin(&me)?;
    let name = str_of(o, "name")?
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::field("name", "The component name must not be empty."))?;
    if name.chars().count() > 255 {
        return Err(ApiError::field(
            "name",
            "The component name must not exceed 255 characters.",
        ));
    }
    if db
        .meta
        .components
        .iter()
        .any(|x| x.project_id == p.id && x.name.eq_ignore_ascii_case(name))
    {
        return Err(ApiError::field(
            "name",
            format!("A component with the name {name} already exists in this project."),
        ));
    }
    let lead = lead_of(&db.meta, o)?;
    let description = str_of(o, "description")?.unwrap_or("");
    let assignee_type = str_of(o, "assigneeType")?.unwrap_or("PROJECT_DEFAULT");
    db.conn.execute(
        "INSERT INTO components (project_id, name, description, lead, assignee_type) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![p.id, name, description, lead, assignee_type],
    )?;
    let id = db.conn.last_insert_rowid();
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let comp = db
        .meta
        .component(id)
        .ok_or_else(|| ApiError::Internal("component vanished".into()))?;
    Ok((StatusCode::CREATED, Json(cx.component(comp, &p))))
}

fn visible_component<'m>(
    meta: &'m crate::meta::Meta,
    me: &User,
    id: &str,
) -> ApiResult<(&'m crate::meta::Component, &'m crate::meta::Project)> {
    let n = id_path(id, "component")?;
    let comp = meta
        .component(n)
        .ok_or_else(|| ApiError::not_found(format!("The component with id {id} does not exist.")))?;
    let p = meta.project(comp.project_id).filter(|p| meta.can_browse(me, p));
    p.map(|p| (comp, p))
        .ok_or_else(|| ApiError::not_found(format!("The component with id {id} does not exist.")))
}

pub async fn get_component(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let (comp, p) = visible_component(&db.meta, &me, &id)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(cx.component(comp, p)))
}

pub async fn update_component(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let o = object(&body)?;
    let mut db = state.db();
    let (comp, p) = visible_component(&db.meta, &me, &id)?;
    let (mut comp, p) = (comp.clone(), p.clone());
    require_admin(&me)?;
    if let Some(name) = str_of(o, "name")? {
        if name.trim().is_empty() {
            return Err(ApiError::field("name", "The component name must not be empty."));
        }
        if db
            .meta
            .components
            .iter()
            .any(|x| x.project_id == p.id && x.id != comp.id && x.name.eq_ignore_ascii_case(name))
        {
            return Err(ApiError::field(
                "name",
                format!("A component with the name {name} already exists in this project."),
            ));
        }
        comp.name = name.trim().to_string();
    }
    if let Some(d) = str_of(o, "description")? {
        comp.description = d.to_string();
    }
    if let Some(l) = lead_of(&db.meta, o)? {
        comp.lead = Some(l);
    }
    db.conn.execute(
        "UPDATE components SET name = ?2, description = ?3, lead = ?4 WHERE id = ?1",
        params![comp.id, comp.name, comp.description, comp.lead],
    )?;
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let comp = db
        .meta
        .component(comp.id)
        .ok_or_else(|| ApiError::Internal("component vanished".into()))?;
    Ok(Json(cx.component(comp, &p)))
}

/// Removes a component or version id from every issue of a project that carries it.
fn strip_from_issues(tx: &rusqlite::Transaction, project_id: i64, field: &str, id: i64) -> ApiResult<()> {
    let issues = crate::store::issues_in_projects(tx, &[project_id])?;
    for mut i in issues {
        let Some(Value::Array(items)) = i.fields.get(field) else {
            continue;
        };
        if items.iter().any(|x| x.as_i64() == Some(id)) {
            let kept: Vec<Value> = items.iter().filter(|x| x.as_i64() != Some(id)).cloned().collect();
            i.fields.insert(field.to_string(), Value::Array(kept));
            crate::store::save_issue(tx, &i)?;
        }
    }
    Ok(())
}

pub async fn delete_component(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let (comp, _) = visible_component(&db.meta, &me, &id)?;
    let (cid, pid) = (comp.id, comp.project_id);
    require_admin(&me)?;
    let tx = db.conn.transaction()?;
    strip_from_issues(&tx, pid, "components", cid)?;
    tx.execute("DELETE FROM components WHERE id = ?1", [cid])?;
    tx.commit()?;
    reload(&mut db)?;
    Ok(StatusCode::NO_CONTENT)
}

fn date_of(o: &Map<String, Value>, k: &str) -> ApiResult<Option<Option<String>>> {
    match o.get(k) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => crate::clock::parse_date(s)
            .map(|d| Some(Some(d)))
            .ok_or_else(|| ApiError::field(k, format!("'{s}' is not a date: use the form 2026-01-31."))),
        Some(_) => Err(ApiError::field(k, format!("'{k}' must be a date string."))),
    }
}

fn bool_of(o: &Map<String, Value>, k: &str) -> ApiResult<Option<bool>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::field(k, format!("'{k}' must be true or false."))),
    }
}

pub async fn create_version(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    let o = object(&body)?;
    let mut db = state.db();
    let p = body_project(&db.meta, &me, o)?.clone();
    require_admin(&me)?;
    let name = str_of(o, "name")?
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::field("name", "You must specify a valid version name"))?;
    if db
        .meta
        .versions
        .iter()
        .any(|x| x.project_id == p.id && x.name.eq_ignore_ascii_case(name))
    {
        return Err(ApiError::field(
            "name",
            "A version with this name already exists in this project.",
        ));
    }
    let start = date_of(o, "startDate")?.flatten();
    let release = date_of(o, "releaseDate")?.flatten();
    if let (Some(s), Some(r)) = (&start, &release) {
        if s > r {
            return Err(ApiError::field(
                "startDate",
                "The start date must be before the release date.",
            ));
        }
    }
    db.conn.execute(
        "INSERT INTO versions (project_id, name, description, archived, released, start_date, release_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            p.id,
            name,
            str_of(o, "description")?.unwrap_or(""),
            bool_of(o, "archived")?.unwrap_or(false),
            bool_of(o, "released")?.unwrap_or(false),
            start,
            release
        ],
    )?;
    let id = db.conn.last_insert_rowid();
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let ver = db
        .meta
        .version(id)
        .ok_or_else(|| ApiError::Internal("version vanished".into()))?;
    Ok((StatusCode::CREATED, Json(cx.version(ver))))
}

fn visible_version<'m>(
    meta: &'m crate::meta::Meta,
    me: &User,
    id: &str,
) -> ApiResult<&'m crate::meta::Version> {
    let n = id_path(id, "version")?;
    meta.version(n)
        .filter(|x| meta.project(x.project_id).is_some_and(|p| meta.can_browse(me, p)))
        .ok_or_else(|| ApiError::not_found(format!("Could not find version for id '{id}'")))
}

pub async fn get_version(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let ver = visible_version(&db.meta, &me, &id)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(cx.version(ver)))
}

pub async fn update_version(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let o = object(&body)?;
    let mut db = state.db();
    let mut ver = visible_version(&db.meta, &me, &id)?.clone();
    require_admin(&me)?;
    if let Some(name) = str_of(o, "name")? {
        if name.trim().is_empty() {
            return Err(ApiError::field("name", "You must specify a valid version name"));
        }
        if db
            .meta
            .versions
            .iter()
            .any(|x| x.project_id == ver.project_id && x.id != ver.id && x.name.eq_ignore_ascii_case(name))
        {
            return Err(ApiError::field(
                "name",
                "A version with this name already exists in this project.",
            ));
        }
        ver.name = name.trim().to_string();
    }
    if let Some(d) = str_of(o, "description")? {
        ver.description = d.to_string();
    }
    if let Some(b) = bool_of(o, "archived")? {
        ver.archived = b;
    }
    if let Some(b) = bool_of(o, "released")? {
        ver.released = b;
    }
    if let Some(d) = date_of(o, "startDate")? {
        ver.start_date = d;
    }
    if let Some(d) = date_of(o, "releaseDate")? {
        ver.release_date = d;
    }
    db.conn.execute(
        "UPDATE versions SET name = ?2, description = ?3, archived = ?4, released = ?5, start_date = ?6, release_date = ?7 WHERE id = ?1",
        params![ver.id, ver.name, ver.description, ver.archived, ver.released, ver.start_date, ver.release_date],
    )?;
    reload(&mut db)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let ver = db
        .meta
        .version(ver.id)
        .ok_or_else(|| ApiError::Internal("version vanished".into()))?;
    Ok(Json(cx.version(ver)))
}

pub async fn delete_version(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let ver = visible_version(&db.meta, &me, &id)?;
    let (vid, pid) = (ver.id, ver.project_id);
    require_admin(&me)?;
    let tx = db.conn.transaction()?;
    strip_from_issues(&tx, pid, "fixVersions", vid)?;
    strip_from_issues(&tx, pid, "versions", vid)?;
    tx.execute("DELETE FROM versions WHERE id = ?1", [vid])?;
    tx.commit()?;
    reload(&mut db)?;
    Ok(StatusCode::NO_CONTENT)
}
