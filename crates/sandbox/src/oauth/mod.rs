//! OAuth 2.0 (3LO) as Atlassian runs it: the authorization server (`/authorize`, `/oauth/token`),
//! `/oauth/token/accessible-resources`, and the API gateway (`/ex/jira/{cloudId}/rest/...`) that
//! checks each call's scopes against the official OpenAPI documents. Apps are configured through
//! `/_sandbox/oauth/apps`; codes and tokens live in SQLite (as SHA-256 digests) so a restart keeps
//! them. Access tokens last one hour on the sandbox clock; refresh tokens rotate and a used one is
//! dead.

mod scopes;

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::api::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::meta::User;
use crate::{AppState, Mode};

/// Access tokens live this long on the sandbox clock, as at Atlassian.
pub const ACCESS_TOKEN_SECS: i64 = 3600;
/// A refresh token not used for this long expires (Atlassian's inactivity expiry).
const REFRESH_IDLE_MS: i64 = 90 * 24 * 3600 * 1000;
/// Authorization codes are single use and short-lived.
const CODE_MS: i64 = 10 * 60 * 1000;
/// The scopes an app may ask for when its configuration does not list them.
const DEFAULT_APP_SCOPES: &[&str] = &[
    "read:jira-work",
    "write:jira-work",
    "read:jira-user",
    "manage:jira-project",
    "manage:jira-configuration",
    "manage:jira-webhook",
    "offline_access",
];

/// Set on requests that came through `/ex/jira/{cloudId}`; the URI seen by the router has the
/// prefix removed.
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    pub cloud_id: String,
}

/// Runs before routing: `/ex/jira/{cloudId}/rest/...` becomes `/rest/...` with a [`Gateway`]
/// extension, so the gateway serves exactly the site's API.
pub(crate) async fn rewrite(mut req: Request, next: Next) -> Response {
    if let Some(rest) = req.uri().path().strip_prefix("/ex/jira/") {
        let (cloud_id, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let cloud_id = cloud_id.to_string();
        let tail = format!("/{tail}");
        let pq = match req.uri().query() {
            Some(q) => format!("{tail}?{q}"),
            None => tail,
        };
        match pq.parse() {
            Ok(uri) => {
                *req.uri_mut() = uri;
                req.extensions_mut().insert(Gateway { cloud_id });
            }
            Err(_) => return ApiError::not_found("No resource at this path.").into_response(),
        }
    }
    next.run(req).await
}

/// The routes of the authorization server and of accessible-resources (their callers bring no
/// site credentials, so they authenticate themselves).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/authorize", get(authorize))
        .route("/oauth/token", post(token))
        .route("/oauth/token/accessible-resources", get(accessible_resources))
}

/// `/_sandbox/oauth/apps` and `/_sandbox/connect/apps`.
pub(crate) fn control_routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/apps", get(list_apps))
        .route("/oauth/apps/{client_id}", put(put_app).delete(delete_app))
        .route("/connect/apps", get(crate::connect::list_apps))
        .route(
            "/connect/apps/{key}",
            put(crate::connect::put_app).delete(crate::connect::delete_app),
        )
}

pub(crate) fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn new_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// The site's cloud id: made once, kept in the database, the same after a restart.
pub(crate) fn cloud_id(state: &AppState) -> ApiResult<String> {
    let db = state.db();
    let existing: Option<String> = db
        .conn
        .query_row("SELECT value FROM kv WHERE key = 'cloud_id'", [], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let b: [u8; 16] = rand::random();
    let h = hex::encode(b);
    let id = format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    );
    db.conn.execute(
        "INSERT OR IGNORE INTO kv (key, value) VALUES ('cloud_id', ?1)",
        params![id],
    )?;
    Ok(db
        .conn
        .query_row("SELECT value FROM kv WHERE key = 'cloud_id'", [], |r| r.get(0))?)
}

// ---------------------------------------------------------------------------------------------
// Errors in the shapes Atlassian's authorization server and gateway use.

/// `{"error": ..., "error_description": ...}` with a status, as `auth.atlassian.com` answers.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Why the gateway refused a call.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// `401 {"code":401,"message":...}`.
    Unauthorized(&'static str),
    Api(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Api(e)
    }
}

impl From<rusqlite::Error> for Refusal {
    fn from(e: rusqlite::Error) -> Self {
        Refusal::Api(e.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Unauthorized(m) => gateway_401(m),
            Refusal::Api(e) => e.into_response(),
        }
    }
}

/// The gateway's 401: `{"code":401,"message":...}`.
fn gateway_401(message: &str) -> Response {
    let mut r = (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "code": 401, "message": message })),
    )
        .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"api.atlassian.com\""),
    );
    r
}

pub(crate) const SCOPE_MISMATCH: &str = "Unauthorized; scope does not match";

// ---------------------------------------------------------------------------------------------
// The control plane.

struct App {
    client_id: String,
    secret_sha256: String,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    account_id: String,
    name: String,
}

fn load_app(conn: &rusqlite::Connection, client_id: &str) -> ApiResult<Option<App>> {
    let row = conn
        .query_row(
            "SELECT client_id, secret_sha256, redirect_uris, scopes, account_id, name \
             FROM oauth_apps WHERE client_id = ?1",
            params![client_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((client_id, secret_sha256, uris, scopes, account_id, name)) = row else {
        return Ok(None);
    };
    Ok(Some(App {
        client_id,
        secret_sha256,
        redirect_uris: serde_json::from_str(&uris)?,
        scopes: serde_json::from_str(&scopes)?,
        account_id,
        name,
    }))
}

fn app_json(a: &App) -> Value {
    json!({
        "clientId": a.client_id,
        "name": a.name,
        "redirectUris": a.redirect_uris,
        "scopes": a.scopes,
        "user": a.account_id,
    })
}

fn string_list(body: &Value, name: &str) -> ApiResult<Option<Vec<String>>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v.as_str() {
                Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                _ => Err(ApiError::field(
                    name,
                    format!("'{name}' must be a list of non-blank strings."),
                )),
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(ApiError::field(
            name,
            format!("'{name}' must be a list of strings."),
        )),
    }
}

/// The account a configuration names: an account id or an email; the site admin by default.
pub(crate) fn configured_user(state: &AppState, body: &Value) -> ApiResult<String> {
    let db = state.db();
    match body.get("user") {
        None | Some(Value::Null) => db
            .meta
            .users
            .values()
            .find(|u| u.site_admin && u.active)
            .map(|u| u.account_id.clone())
            .ok_or_else(|| ApiError::field("user", "The site has no administrator to consent.")),
        Some(Value::String(who)) => db
            .meta
            .users
            .values()
            .find(|u| u.account_id == *who || u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(who)))
            .map(|u| u.account_id.clone())
            .ok_or_else(|| ApiError::field("user", format!("No user has the account id or email '{who}'."))),
        Some(_) => Err(ApiError::field(
            "user",
            "'user' must be an account id or an email.",
        )),
    }
}

fn require_cloud(state: &AppState) -> ApiResult<()> {
    if state.mode() == Mode::DataCenter {
        return Err(ApiError::not_found(
            "OAuth 2.0 (3LO) apps are a Jira Cloud feature; this sandbox runs as Data Center.",
        ));
    }
    Ok(())
}

/// `PUT /_sandbox/oauth/apps/{clientId}`: creates or replaces an app. Replacing it keeps the
/// tokens already issued unless the secret changes.
async fn put_app(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    axum::extract::Path(client_id): axum::extract::Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    crate::control::admin(caller)?;
    require_cloud(&state)?;
    let secret = match body.get("secret") {
        Some(Value::String(s)) if s.len() >= 8 => s.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::field(
                "secret",
                "'secret' must be at least 8 characters.",
            ))
        }
        _ => return Err(ApiError::field("secret", "'secret' is required.")),
    };
    let redirect_uris = string_list(&body, "redirectUris")?.unwrap_or_default();
    if redirect_uris.is_empty() {
        return Err(ApiError::field(
            "redirectUris",
            "'redirectUris' must list at least one callback URL.",
        ));
    }
    for u in &redirect_uris {
        if url::Url::parse(u).is_err() {
            return Err(ApiError::field(
                "redirectUris",
                format!("'{u}' is not an absolute URL."),
            ));
        }
    }
    let scopes = string_list(&body, "scopes")?
        .unwrap_or_else(|| DEFAULT_APP_SCOPES.iter().map(|s| s.to_string()).collect());
    let name = match body.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        None | Some(Value::Null) => client_id.clone(),
        Some(_) => return Err(ApiError::field("name", "'name' must be a non-blank string.")),
    };
    let account_id = configured_user(&state, &body)?;
    let app = App {
        client_id: client_id.clone(),
        secret_sha256: sha256_hex(&secret),
        redirect_uris,
        scopes,
        account_id,
        name,
    };
    let mut db = state.db();
    let tx = db.conn.transaction()?;
    let old: Option<String> = tx
        .query_row(
            "SELECT secret_sha256 FROM oauth_apps WHERE client_id = ?1",
            params![client_id],
            |r| r.get(0),
        )
        .optional()?;
    if old.as_deref().is_some_and(|o| o != app.secret_sha256) {
        // A new secret revokes every grant made under the old one.
        tx.execute(
            "DELETE FROM oauth_tokens WHERE client_id = ?1",
            params![client_id],
        )?;
        tx.execute("DELETE FROM oauth_codes WHERE client_id = ?1", params![client_id])?;
    }
    tx.execute(
        "INSERT INTO oauth_apps (client_id, secret_sha256, redirect_uris, scopes, account_id, name) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (client_id) DO UPDATE SET secret_sha256 = excluded.secret_sha256, \
           redirect_uris = excluded.redirect_uris, scopes = excluded.scopes, \
           account_id = excluded.account_id, name = excluded.name",
        params![
            app.client_id,
            app.secret_sha256,
            serde_json::to_string(&app.redirect_uris)?,
            serde_json::to_string(&app.scopes)?,
            app.account_id,
            app.name
        ],
    )?;
    tx.commit()?;
    Ok(Json(app_json(&app)))
}

async fn list_apps(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
) -> ApiResult<Json<Value>> {
    crate::control::admin(caller)?;
    let db = state.db();
    let ids: Vec<String> = db
        .conn
        .prepare("SELECT client_id FROM oauth_apps ORDER BY client_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(a) = load_app(&db.conn, &id)? {
            out.push(app_json(&a));
        }
    }
    Ok(Json(Value::Array(out)))
}

/// `DELETE /_sandbox/oauth/apps/{clientId}`: removes the app and every token it was given.
async fn delete_app(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    axum::extract::Path(client_id): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    crate::control::admin(caller)?;
    let db = state.db();
    let n = db
        .conn
        .execute("DELETE FROM oauth_apps WHERE client_id = ?1", params![client_id])?;
    if n == 0 {
        return Err(ApiError::not_found(format!(
            "No OAuth app has the client id '{client_id}'."
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// The authorization endpoint.

/// `GET /authorize`: the configured user consents at once; the browser is sent back to the
/// redirect URI with a code and the caller's state. An unknown client or an unregistered
/// redirect URI is never redirected to (RFC 6749 4.1.2.1): it gets a 400 here.
async fn authorize(State(state): State<AppState>, params: Params) -> Response {
    if let Err(e) = require_cloud(&state) {
        return e.into_response();
    }
    let Some(client_id) = params.get("client_id").filter(|s| !s.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id is required.",
        );
    };
    let app = match load_app(&state.db().conn, client_id) {
        Ok(Some(a)) => a,
        Ok(None) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                "The client_id does not belong to a registered app.",
            )
        }
        Err(e) => return e.into_response(),
    };
    let Some(redirect_uri) = params.get("redirect_uri").filter(|s| !s.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is required.",
        );
    };
    if !app.redirect_uris.iter().any(|u| u == redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The redirect_uri does not match a callback URL registered for the app.",
        );
    }
    let state_param = params.get("state").filter(|s| !s.is_empty());
    let back = |pairs: &[(&str, &str)]| -> Response {
        let mut url = match url::Url::parse(redirect_uri) {
            Ok(u) => u,
            Err(_) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad redirect_uri."),
        };
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
            }
            if let Some(s) = state_param {
                q.append_pair("state", s);
            }
        }
        let mut r = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(url.as_str()) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    };
    let fail = |error: &str, description: &str| back(&[("error", error), ("error_description", description)]);
    if params.get("response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be 'code'.");
    }
    if params.get("audience") != Some("api.atlassian.com") {
        return fail("invalid_request", "audience must be 'api.atlassian.com'.");
    }
    if state_param.is_none() {
        return fail("invalid_request", "state is required.");
    }
    let requested: BTreeSet<&str> = params
        .get("scope")
        .unwrap_or("")
        .split([' ', '+'])
        .filter(|s| !s.is_empty())
        .collect();
    if requested.is_empty() {
        return fail("invalid_scope", "scope is required.");
    }
    if let Some(bad) = requested.iter().find(|s| !app.scopes.iter().any(|a| a == *s)) {
        return fail(
            "invalid_scope",
            &format!("The scope '{bad}' is not enabled for this app."),
        );
    }
    let scope = requested.into_iter().collect::<Vec<_>>().join(" ");
    let code = new_secret("");
    let now = state.clock().now_ms();
    let stored = state.db().conn.execute(
        "INSERT INTO oauth_codes (code_sha256, client_id, redirect_uri, scope, account_id, expires_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            sha256_hex(&code),
            app.client_id,
            redirect_uri,
            scope,
            app.account_id,
            now + CODE_MS
        ],
    );
    if let Err(e) = stored {
        return ApiError::from(e).into_response();
    }
    back(&[("code", &code)])
}

// ---------------------------------------------------------------------------------------------
// The token endpoint.

/// Reads a token request: JSON (as Atlassian documents) or a form (as RFC 6749 allows).
/// The fields of a token request, or `None` when the body is neither.
fn token_fields(headers: &HeaderMap, body: &Bytes) -> Option<Vec<(String, String)>> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(body);
        return Some(crate::extract::parse_query(&text).0);
    }
    let v: Value = serde_json::from_slice(body).ok()?;
    Some(
        v.as_object()?
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
    )
}

async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = require_cloud(&state) {
        return e.into_response();
    }
    let Some(fields) = token_fields(&headers, &body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body must be a JSON object or a form.",
        );
    };
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let Some(grant) = get("grant_type") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required.",
        );
    };
    let (Some(client_id), Some(secret)) = (get("client_id"), get("client_secret")) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id and client_secret are required.",
        );
    };
    let app = match load_app(&state.db().conn, client_id) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Some(app) = app.filter(|a| crate::server::constant_eq(&a.secret_sha256, &sha256_hex(secret))) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    };
    let now = state.clock().now_ms();
    let mut db = state.db();
    let result = (|| -> ApiResult<Result<Issued, Response>> {
        let tx = db.conn.transaction()?;
        let grant_of = match grant {
            "authorization_code" => {
                let (Some(code), Some(redirect_uri)) = (get("code"), get("redirect_uri")) else {
                    return Ok(Err(oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "code and redirect_uri are required.",
                    )));
                };
                let row: Option<(String, String, String, i64, bool)> = tx
                    .query_row(
                        "SELECT client_id, redirect_uri, scope, expires_ms, used FROM oauth_codes \
                         WHERE code_sha256 = ?1",
                        params![sha256_hex(code)],
                        |r| {
                            Ok((
                                r.get(0)?,
                                r.get(1)?,
                                r.get(2)?,
                                r.get(3)?,
                                r.get::<_, i64>(4)? != 0,
                            ))
                        },
                    )
                    .optional()?;
                let Some((cid, uri, scope, expires, used)) = row else {
                    return Ok(Err(invalid_grant("Invalid authorization code")));
                };
                if cid != app.client_id || used || expires <= now {
                    return Ok(Err(invalid_grant("Invalid authorization code")));
                }
                if uri != redirect_uri {
                    return Ok(Err(invalid_grant(
                        "The redirect_uri does not match the one the code was issued for.",
                    )));
                }
                tx.execute(
                    "UPDATE oauth_codes SET used = 1 WHERE code_sha256 = ?1",
                    params![sha256_hex(code)],
                )?;
                scope
            }
            "refresh_token" => {
                let Some(refresh) = get("refresh_token") else {
                    return Ok(Err(oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "refresh_token is required.",
                    )));
                };
                let digest = sha256_hex(refresh);
                let row: Option<(String, String, Option<i64>, bool)> = tx
                    .query_row(
                        "SELECT client_id, scope, expires_ms, used FROM oauth_tokens \
                         WHERE token_sha256 = ?1 AND kind = 'refresh'",
                        params![digest],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0)),
                    )
                    .optional()?;
                let Some((cid, scope, expires, used)) = row else {
                    return Ok(Err(invalid_grant("Unknown or invalid refresh token.")));
                };
                if cid != app.client_id || used || expires.is_some_and(|e| e <= now) {
                    return Ok(Err(invalid_grant("Unknown or invalid refresh token.")));
                }
                // Rotation: the token just presented is dead from now on.
                tx.execute(
                    "UPDATE oauth_tokens SET used = 1 WHERE token_sha256 = ?1",
                    params![digest],
                )?;
                scope
            }
            other => {
                return Ok(Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    &format!("The grant type '{other}' is not supported."),
                )))
            }
        };
        let access = new_secret("sbx-at-");
        tx.execute(
            "INSERT INTO oauth_tokens (token_sha256, kind, client_id, account_id, scope, expires_ms) \
             VALUES (?1, 'access', ?2, ?3, ?4, ?5)",
            params![
                sha256_hex(&access),
                app.client_id,
                app.account_id,
                grant_of,
                now + ACCESS_TOKEN_SECS * 1000
            ],
        )?;
        let offline = grant_of.split(' ').any(|s| s == "offline_access");
        let refresh =
            if offline {
                let r = new_secret("sbx-rt-");
                tx.execute(
                "INSERT INTO oauth_tokens (token_sha256, kind, client_id, account_id, scope, expires_ms) \
                 VALUES (?1, 'refresh', ?2, ?3, ?4, ?5)",
                params![sha256_hex(&r), app.client_id, app.account_id, grant_of, now + REFRESH_IDLE_MS],
            )?;
                Some(r)
            } else {
                None
            };
        tx.commit()?;
        Ok(Ok(Issued {
            access,
            refresh,
            scope: grant_of,
        }))
    })();
    drop(db);
    match result {
        Err(e) => e.into_response(),
        Ok(Err(r)) => r,
        Ok(Ok(issued)) => {
            let mut body = json!({
                "access_token": issued.access,
                "expires_in": ACCESS_TOKEN_SECS,
                "token_type": "Bearer",
                "scope": issued.scope,
            });
            if let Some(refresh) = issued.refresh {
                body["refresh_token"] = json!(refresh);
            }
            let mut r = Json(body).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
    }
}

/// What one grant produced.
struct Issued {
    access: String,
    refresh: Option<String>,
    scope: String,
}

/// Atlassian answers a bad code or a dead refresh token with a 403 and `invalid_grant`.
fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::FORBIDDEN, "invalid_grant", description)
}

// ---------------------------------------------------------------------------------------------
// Access tokens.

/// The user and granted scopes of a live access token, or the gateway's 401.
pub(crate) fn access(state: &AppState, authorization: Option<&str>) -> Result<(User, Vec<String>), Refusal> {
    let token = authorization
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Refusal::Unauthorized("Unauthorized"))?;
    let now = state.clock().now_ms();
    let db = state.db();
    let row: Option<(String, String, Option<i64>)> = db
        .conn
        .query_row(
            "SELECT account_id, scope, expires_ms FROM oauth_tokens \
             WHERE token_sha256 = ?1 AND kind = 'access'",
            params![sha256_hex(token)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((account, scope, expires)) = row else {
        return Err(Refusal::Unauthorized("Unauthorized"));
    };
    if expires.is_some_and(|e| e <= now) {
        return Err(Refusal::Unauthorized("Unauthorized"));
    }
    let user = db
        .meta
        .user(&account)
        .filter(|u| u.active)
        .cloned()
        .ok_or(Refusal::Unauthorized("Unauthorized"))?;
    Ok((user, scope.split(' ').map(str::to_string).collect()))
}

/// `GET /oauth/token/accessible-resources`: the one site this sandbox is.
async fn accessible_resources(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(e) = require_cloud(&state) {
        return e.into_response();
    }
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let (_, scopes) = match access(&state, auth) {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let id = match cloud_id(&state) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let scopes: Vec<&String> = scopes.iter().filter(|s| *s != "offline_access").collect();
    Json(json!([{
        "id": id,
        "url": state.base_url(),
        "name": "jirakit-sandbox",
        "scopes": scopes,
        "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/site.png",
    }]))
    .into_response()
}

/// Authenticates a request that came through the gateway and checks its scopes.
pub(crate) fn gateway_user(
    state: &AppState,
    gw: &Gateway,
    method: &str,
    path: &str,
    authorization: Option<&str>,
) -> Result<User, Refusal> {
    if state.mode() == Mode::DataCenter {
        return Err(ApiError::not_found("No resource at this path.").into());
    }
    let known = cloud_id(state)?;
    if gw.cloud_id != known {
        return Err(ApiError::not_found(format!("No site has the cloud id '{}'.", gw.cloud_id)).into());
    }
    if !path.starts_with("/rest/") {
        return Err(ApiError::not_found(format!("No resource at {method} {path}.")).into());
    }
    let (user, granted) = access(state, authorization)?;
    if !scopes::satisfied(method, path, &granted) {
        return Err(Refusal::Unauthorized(SCOPE_MISMATCH));
    }
    Ok(user)
}
