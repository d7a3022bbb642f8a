//! Jira's REST API (`/rest/api/2`, `/rest/api/3`): one module per resource, merged here.

pub(crate) mod attachments;
mod bulk;
mod comments;
mod issue_cache;
pub(crate) mod issues;
pub(crate) mod links;
mod metadata;
mod projects;
pub(crate) mod related;
mod remotelinks;
mod site;
mod watchers;
mod workflow;
mod worklogs;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;

use crate::error::{ApiError, ApiResult};
use crate::meta::{Meta, User};
use crate::render::Ctx;
use crate::store::{self, IssueRow};
use crate::{AppState, Db};

pub use issue_cache::IssueCache;
pub(crate) use issues::json_bytes;
pub use issues::{comment_json, render_issue, render_page, IssueJson, View};

/// Which REST version a request came through: v2 shows rich text as wiki markup, v3 as ADF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    V2,
    V3,
}

impl ApiVersion {
    pub fn number(self) -> u8 {
        match self {
            ApiVersion::V2 => 2,
            ApiVersion::V3 => 3,
        }
    }
}

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub User);

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(crate::agile::filter_routes())
        .merge(resource_routes())
        .route("/serverInfo", get(site::server_info))
        .route("/myself", get(site::myself))
        .route(
            "/user",
            get(site::get_user)
                .post(site::create_user)
                .delete(site::delete_user),
        )
        .route("/user/search", get(site::search_users))
        .route("/user/bulk", get(site::bulk_users))
        .route("/user/groups", get(site::user_groups))
        .route("/users/search", get(site::all_users))
        .route("/users", get(site::all_users))
        .route("/group", post(site::create_group).delete(site::delete_group))
        .route("/group/member", get(site::group_members))
        .route(
            "/group/user",
            post(site::add_to_group).delete(site::remove_from_group),
        )
        .route("/group/bulk", get(site::bulk_groups))
        .route("/groups/picker", get(site::group_picker))
        .route("/project", get(projects::list).post(projects::create))
        .route("/project/search", get(projects::search))
        .route(
            "/project/{key}",
            get(projects::get).put(projects::update).delete(projects::delete),
        )
        .route("/project/{key}/components", get(projects::components))
        .route("/project/{key}/component", get(projects::components_paged))
        .route("/project/{key}/versions", get(projects::versions))
        .route("/project/{key}/version", get(projects::versions_paged))
        .route("/project/{key}/statuses", get(projects::statuses))
        .route("/component", post(projects::create_component))
        .route(
            "/component/{id}",
            get(projects::get_component)
                .put(projects::update_component)
                .delete(projects::delete_component),
        )
        .route("/version", post(projects::create_version))
        .route(
            "/version/{id}",
            get(projects::get_version)
                .put(projects::update_version)
                .delete(projects::delete_version),
        )
        .route("/issuetype", get(metadata::issue_types))
        .route("/issuetype/{id}", get(metadata::issue_type))
        .route("/priority", get(metadata::priorities))
        .route("/priority/search", get(metadata::priorities_paged))
        .route("/priority/{id}", get(metadata::priority))
        .route("/resolution", get(metadata::resolutions))
        .route("/resolution/{id}", get(metadata::resolution))
        .route("/status", get(metadata::statuses))
        .route("/status/{id}", get(metadata::status))
        .route("/statuscategory", get(metadata::status_categories))
        .route("/statuscategory/{id}", get(metadata::status_category))
        .route("/field", get(metadata::fields).post(metadata::create_field))
        .route("/field/search", get(metadata::fields_paged))
        .route(
            "/field/{id}/context",
            get(metadata::contexts).post(metadata::create_context),
        )
        .route(
            "/field/{id}/context/{ctx}/option",
            get(metadata::options).post(metadata::create_options),
        )
        .route("/customFieldOption/{id}", get(metadata::option))
        .route("/issue", post(issues::create))
        .route(
            "/issue/createmeta/{project}/issuetypes",
            get(issues::createmeta_types),
        )
        .route(
            "/issue/createmeta/{project}/issuetypes/{type}",
            get(issues::createmeta_fields),
        )
        .route(
            "/issue/{key}",
            get(issues::get).put(issues::edit).delete(issues::delete),
        )
        .route("/issue/{key}/assignee", put(issues::assign))
        .route("/issue/{key}/editmeta", get(issues::editmeta))
        .route("/issue/{key}/properties", get(issues::property_keys))
        .route(
            "/issue/{key}/properties/{prop}",
            get(issues::get_property)
                .put(issues::set_property)
                .delete(issues::delete_property),
        )
        .route("/issue/{key}/comment", get(comments::list).post(comments::create))
        .route(
            "/issue/{key}/comment/{id}",
            get(comments::get).put(comments::update).delete(comments::delete),
        )
        .route(
            "/issue/{key}/transitions",
            get(workflow::transitions).post(workflow::transition),
        )
        .route("/issue/{key}/changelog", get(workflow::changelog))
        .route("/changelog/bulkfetch", post(workflow::bulk_changelog))
        .route(
            "/search/jql",
            get(crate::search::search_get).post(crate::search::search_post),
        )
        .route(
            "/search",
            get(crate::search::legacy_search).post(crate::search::legacy_search),
        )
        .route(
            "/search/approximate-count",
            post(crate::jql_api::approximate_count),
        )
        .route("/jql/parse", post(crate::jql_api::parse))
        .route("/jql/match", post(crate::jql_api::match_issues))
        .route("/jql/autocompletedata", get(crate::jql_api::autocomplete))
        .merge(crate::webhooks::api_routes())
}

/// Links, remote links, watchers, votes, attachments, worklogs and bulk operations (issue 3).
fn resource_routes() -> Router<AppState> {
    Router::new()
        .route("/issueLinkType", get(links::list_types).post(links::create_type))
        .route(
            "/issueLinkType/{id}",
            get(links::get_type)
                .put(links::update_type)
                .delete(links::delete_type),
        )
        .route("/issueLink", post(links::create_link))
        .route("/issueLink/{id}", get(links::get_link).delete(links::delete_link))
        .route(
            "/issue/{key}/remotelink",
            get(remotelinks::list)
                .post(remotelinks::create)
                .delete(remotelinks::delete_by_global_id),
        )
        .route(
            "/issue/{key}/remotelink/{id}",
            get(remotelinks::get)
                .put(remotelinks::update)
                .delete(remotelinks::delete),
        )
        .route(
            "/issue/{key}/watchers",
            get(watchers::watchers)
                .post(watchers::add_watcher)
                .delete(watchers::remove_watcher),
        )
        .route(
            "/issue/{key}/votes",
            get(watchers::votes).post(watchers::vote).delete(watchers::unvote),
        )
        // Uploads enforce their own per-file limit while streaming to disk.
        .route(
            "/issue/{key}/attachments",
            post(attachments::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/attachment/meta", get(attachments::meta))
        .route("/attachment/content/{id}", get(attachments::content))
        .route(
            "/attachment/{id}",
            get(attachments::get).delete(attachments::delete),
        )
        .route("/issue/{key}/worklog", get(worklogs::list).post(worklogs::create))
        .route(
            "/issue/{key}/worklog/{id}",
            get(worklogs::get).put(worklogs::update).delete(worklogs::delete),
        )
        .route("/worklog/updated", get(worklogs::updated))
        .route("/worklog/deleted", get(worklogs::deleted))
        .route("/worklog/list", post(worklogs::by_ids))
        .route("/issue/bulk", post(bulk::create))
        .route("/issue/bulkfetch", post(bulk::fetch))
}

/// The caller, or a 401 if the request came without credentials.
pub fn caller(c: Option<axum::Extension<Caller>>) -> ApiResult<User> {
    c.map(|axum::Extension(Caller(u))| u)
        .ok_or(ApiError::Unauthenticated {
            reason: "AUTHENTICATION_DENIED",
        })
}

pub fn ctx<'a>(state: &'a AppState, meta: &'a Meta, base: &'a str, v: ApiVersion) -> Ctx<'a> {
    Ctx::new(meta, base, v, state.mode())
}

/// An issue the user may see; a 404 with Jira's message otherwise, missing or hidden alike.
pub fn visible_issue(db: &Db, user: &User, id_or_key: &str) -> ApiResult<IssueRow> {
    let issue = store::issue(&db.conn, id_or_key)?.ok_or_else(ApiError::issue_not_found)?;
    let project = db
        .meta
        .project(issue.project_id)
        .ok_or_else(ApiError::issue_not_found)?;
    if !db.meta.can_browse(user, project) {
        return Err(ApiError::issue_not_found());
    }
    Ok(issue)
}

/// A project the user may browse, by key or id.
pub fn visible_project<'m>(
    meta: &'m Meta,
    user: &User,
    key_or_id: &str,
) -> ApiResult<&'m crate::meta::Project> {
    meta.project_by_key_or_id(key_or_id)
        .filter(|p| meta.can_browse(user, p))
        .ok_or_else(|| ApiError::not_found(format!("No project could be found with key '{key_or_id}'.")))
}

/// A JSON object body, or a 400 saying what it should have been.
pub fn object(body: &serde_json::Value) -> ApiResult<&serde_json::Map<String, serde_json::Value>> {
    body.as_object()
        .ok_or_else(|| ApiError::bad_request("The request body must be a JSON object."))
}

/// A required string member of a JSON object, trimmed and not blank; a 400 naming `field` with
/// `message` otherwise.
pub fn required_text(
    o: &serde_json::Map<String, serde_json::Value>,
    key: &str,
    field: &str,
    message: &str,
) -> ApiResult<String> {
    o.get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::field(field, message))
}

/// Runs a write in one transaction; the store is left as it was if anything fails.
pub fn in_tx<T>(db: &mut Db, f: impl FnOnce(&rusqlite::Transaction, &Meta) -> ApiResult<T>) -> ApiResult<T> {
    let Db { conn, meta } = db;
    let tx = conn.transaction()?;
    let out = f(&tx, meta)?;
    tx.commit()?;
    Ok(out)
}

/// Reloads the cached configuration after a change to it.
pub fn reload(db: &mut Db) -> ApiResult<()> {
    db.meta = std::sync::Arc::new(Meta::load(&db.conn)?);
    Ok(())
}

/// A view of issues for search results.
pub fn issues_view(
    meta: &Meta,
    fields_asked: &[String],
    expand: &[String],
    properties: &[String],
) -> issues::View {
    issues::View {
        fields: crate::fields::select(meta, fields_asked, false),
        expand: expand.to_vec(),
        properties: properties.to_vec(),
    }
}
