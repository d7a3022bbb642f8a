//! Webhooks, the sender side: admin webhooks (`/rest/webhooks/1.0/webhook`), dynamic webhooks
//! (`/rest/api/{2,3}/webhook`), a durable outbox written in the transaction of the change, and a
//! delivery task that sends at least once, retries with backoff and can misbehave on purpose
//! (`/_sandbox/webhooks`).

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Extension, Json, Router};
use hmac::{Hmac, Mac};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::api::{ApiVersion, Caller};
use crate::control::admin;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::meta::{Meta, User};
use crate::render::Ctx;
use crate::store::{ChangeItem, CommentRow, IssueRow};
use crate::{AppState, Inner, Mode};

/// Dynamic webhooks live 30 days unless refreshed.
const LIFETIME_MS: i64 = 30 * 86_400_000;
/// Waits before each retry, on the sandbox clock; after the last one the delivery fails.
const BACKOFF_MS: [i64; 5] = [60_000, 120_000, 300_000, 600_000, 900_000];
/// Failed deliveries stay listed this long (`GET /webhook/failed`).
const FAILED_KEPT_MS: i64 = 72 * 3_600_000;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

tokio::task_local! {
    /// The base URL and mode of the request being handled, for rendering payloads inside a
    /// transaction that has no access to the state.
    static REQUEST: (String, Mode);
}

/// Makes the request's base URL available to `enqueue` calls made while handling it.
pub async fn scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    REQUEST
        .scope((state.base_url(), state.mode()), next.run(req))
        .await
}

/// The deliberate misbehaviour set through `/_sandbox/webhooks`.
pub struct Misbehaviour {
    duplicate_probability: f64,
    reorder: bool,
    rng: StdRng,
}

impl Default for Misbehaviour {
    fn default() -> Self {
        Misbehaviour {
            duplicate_probability: 0.0,
            reorder: false,
            rng: StdRng::seed_from_u64(0x400c),
        }
    }
}

#[derive(Default)]
pub struct Webhooks {
    misbehaviour: Mutex<Misbehaviour>,
    wake: tokio::sync::Notify,
}

// ---------------------------------------------------------------------------------------------
// The outbox.

/// What happened, for `enqueue`.
pub enum Event<'a> {
    IssueCreated,
    /// Edits, assignments and transitions; the items say what changed.
    IssueUpdated(&'a [ChangeItem]),
    IssueDeleted,
    Comment(&'static str, &'a CommentRow),
}

fn event_names(event: &Event) -> (&'static str, &'static str) {
    match event {
        Event::IssueCreated => ("jira:issue_created", "issue_created"),
        Event::IssueUpdated(items) => {
            let name = if items.iter().any(|i| i.field_id.as_deref() == Some("status")) {
                "issue_generic"
            } else if items.iter().all(|i| i.field_id.as_deref() == Some("assignee")) {
                "issue_assigned"
            } else {
                "issue_updated"
            };
            ("jira:issue_updated", name)
        }
        Event::IssueDeleted => ("jira:issue_deleted", "issue_deleted"),
        Event::Comment(kind, _) => match *kind {
            "created" => ("comment_created", "issue_commented"),
            "updated" => ("comment_updated", "issue_comment_edited"),
            _ => ("comment_deleted", "issue_comment_deleted"),
        },
    }
}

fn item_json(i: &ChangeItem) -> Value {
    json!({
        "field": i.field, "fieldtype": i.fieldtype, "fieldId": i.field_id,
        "from": i.from, "fromString": i.from_string, "to": i.to, "toString": i.to_string,
    })
}

/// Records an event in the outbox, with one delivery per matching webhook, in the caller's
/// transaction: the event exists exactly when the change does. Call it after the issue is
/// saved (or, for a deletion, before it is deleted).
pub fn enqueue(
    tx: &Connection,
    meta: &Meta,
    actor: &User,
    issue: &IssueRow,
    event: Event,
    now: i64,
) -> ApiResult<()> {
    let (webhook_event, type_name) = event_names(&event);
    enqueue_entity(tx, meta, actor, Some(issue), webhook_event, now, |cx| {
        let view = crate::api::issues_view(meta, &["*all".to_string()], &[], &[]);
        let mut payload = json!({
            "issue_event_type_name": type_name,
            "user": cx.user(actor),
            "issue": crate::api::render_issue(cx, tx, actor, issue, &view)?,
        });
        match &event {
            Event::IssueUpdated(items) => {
                payload["changelog"] = json!({
                    "id": tx.query_row("SELECT max(id) FROM histories WHERE issue_id = ?1", [issue.id], |r| r.get::<_, Option<i64>>(0))?.map(|i| i.to_string()),
                    "items": items.iter().map(item_json).collect::<Vec<_>>(),
                });
            }
            Event::Comment(_, c) => {
                payload["comment"] = crate::api::comment_json(cx, c, issue.id);
            }
            _ => {}
        }
        Ok(payload)
    })
}

/// One event in the outbox and one pending delivery per webhook.
fn write_outbox(tx: &Connection, event: &str, payload: &Value, hooks: &[i64], now: i64) -> ApiResult<()> {
    tx.execute(
        "INSERT INTO webhook_outbox (event, payload, created) VALUES (?1, ?2, ?3)",
        params![event, payload.to_string(), now],
    )?;
    let outbox = tx.last_insert_rowid();
    for hook in hooks {
        tx.execute(
            "INSERT INTO webhook_deliveries (outbox_id, webhook_id, identifier, next_attempt) VALUES (?1, ?2, ?3, ?4)",
            params![outbox, hook, format!("{outbox}-{hook}"), now],
        )?;
    }
    Ok(())
}

/// Records an event about something other than an issue's own fields — a sprint, a board, a
/// worklog, an issue link, a project — in the caller's transaction, as Jira sends them:
/// `{timestamp, webhookEvent}` plus what `render` returns (`{"sprint": {...}}`). `render` runs
/// only when a webhook wants the event. An event about an issue (a worklog, a link) passes the
/// issue, so that a webhook's JQL filter applies to it; the others ignore filters.
pub fn enqueue_entity(
    tx: &Connection,
    meta: &Meta,
    actor: &User,
    issue: Option<&IssueRow>,
    webhook_event: &'static str,
    now: i64,
    render: impl FnOnce(&Ctx) -> ApiResult<Value>,
) -> ApiResult<()> {
    let hooks = matching_hooks(tx, meta, actor, issue, webhook_event, now)?;
    if hooks.is_empty() {
        return Ok(());
    }
    let (base, mode) = REQUEST.try_with(Clone::clone).unwrap_or_default();
    let cx = Ctx::new(meta, &base, ApiVersion::V2, mode);
    let mut payload = json!({ "timestamp": now, "webhookEvent": webhook_event });
    if let Value::Object(fields) = render(&cx)? {
        for (k, v) in fields {
            payload[k.as_str()] = v;
        }
    }
    write_outbox(tx, webhook_event, &payload, &hooks, now)
}

/// Webhooks that want this event about this issue: enabled, not expired, subscribed to the event,
/// and whose JQL filter (if any) matches the issue as it stands in the transaction.
fn matching_hooks(
    tx: &Connection,
    meta: &Meta,
    actor: &User,
    issue: Option<&IssueRow>,
    name: &str,
    now: i64,
) -> ApiResult<Vec<i64>> {
    let mut st = tx.prepare_cached(
        "SELECT id, events, jql, owner FROM webhooks WHERE enabled = 1 AND (expires IS NULL OR expires > ?1) ORDER BY id",
    )?;
    let rows = st
        .query_map([now], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (id, events, jql, owner) in rows {
        let events: Vec<String> = serde_json::from_str(&events).unwrap_or_default();
        if !events.iter().any(|e| e == name) {
            continue;
        }
        if let (Some(jql), Some(issue)) = (jql.filter(|j| !j.trim().is_empty()), issue) {
            let user = owner.as_deref().and_then(|o| meta.user(o)).unwrap_or(actor);
            // A filter that no longer compiles (a project was deleted) matches nothing.
            let Ok(q) = crate::jql_eval::compile(meta, user, &jql, now) else {
                continue;
            };
            let found = crate::jql_eval::execute(tx, meta, user, &q)?;
            if !found.iter().any(|i| i.id == issue.id) {
                continue;
            }
        }
        out.push(id);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Delivery.

struct Due {
    id: i64,
    identifier: String,
    attempts: i64,
    url: String,
    secret: Option<String>,
    kind: String,
    webhook_id: i64,
    payload: String,
    /// An admin webhook's `excludeBody`: Jira posts nothing but the headers.
    exclude_body: bool,
}

/// The hex HMAC-SHA256 of `body` under `secret`, as `X-Hub-Signature` carries it.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Starts the delivery task; it ends when the sandbox's state is dropped.
pub fn start(state: &AppState) {
    let weak: Weak<Inner> = Arc::downgrade(&state.0);
    // reqwest is built without a TLS provider of its own; HTTPS receivers need one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = match reqwest::Client::builder().timeout(SEND_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook delivery is off: no HTTP client");
            return;
        }
    };
    tokio::spawn(async move {
        loop {
            let Some(inner) = weak.upgrade() else { return };
            let state = AppState(inner);
            let reorder = state
                .0
                .webhooks
                .misbehaviour
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .reorder;
            // Reordering needs several events in hand: collect for longer before each round.
            let pause = if reorder { 300 } else { 50 };
            let wake = async {
                if !reorder {
                    state.0.webhooks.wake.notified().await;
                } else {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                _ = wake => {}
                _ = tokio::time::sleep(Duration::from_millis(pause)) => {}
            }
            if let Err(e) = deliver_round(&state, &http).await {
                tracing::warn!(error = ?e, "webhook delivery round failed");
            }
        }
    });
}

fn due(state: &AppState) -> ApiResult<Vec<Due>> {
    let now = state.clock().now_ms();
    let db = state.db();
    let mut st = db.conn.prepare_cached(
        "SELECT d.id, d.identifier, d.attempts, w.url, w.secret, w.kind, w.id, o.payload, w.exclude_body \
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_outbox o ON o.id = d.outbox_id \
         WHERE d.state = 'pending' AND d.next_attempt <= ?1 ORDER BY d.id LIMIT 100",
    )?;
    let rows = st
        .query_map([now], |r| {
            Ok(Due {
                id: r.get(0)?,
                identifier: r.get(1)?,
                attempts: r.get(2)?,
                url: r.get(3)?,
                secret: r.get(4)?,
                kind: r.get(5)?,
                webhook_id: r.get(6)?,
                payload: r.get(7)?,
                exclude_body: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

enum Outcome {
    Delivered(u16),
    Retry(Option<u16>, String),
    Fail(u16),
}

async fn send(http: &reqwest::Client, d: &Due, body: &str) -> Outcome {
    let mut req = http.post(&d.url);
    if !body.is_empty() {
        req = req.header("content-type", "application/json; charset=utf-8");
    }
    let mut req = req
        .header("x-atlassian-webhook-identifier", &d.identifier)
        .header("x-atlassian-webhook-flow", "Primary")
        .body(body.to_string());
    if d.attempts > 0 {
        req = req.header("x-atlassian-webhook-retry", d.attempts.to_string());
    }
    if let Some(secret) = d.secret.as_deref().filter(|s| !s.is_empty()) {
        req = req.header("x-hub-signature", signature(secret, body.as_bytes()));
    }
    match req.send().await {
        Ok(r) => {
            let s = r.status().as_u16();
            let _ = r.bytes().await;
            match s {
                200..=299 => Outcome::Delivered(s),
                408 | 409 | 425 | 429 | 500..=599 => Outcome::Retry(Some(s), format!("HTTP {s}")),
                _ => Outcome::Fail(s),
            }
        }
        Err(e) => Outcome::Retry(
            None,
            if e.is_timeout() {
                "timeout".into()
            } else {
                "connection failed".into()
            },
        ),
    }
}

async fn deliver_round(state: &AppState, http: &reqwest::Client) -> ApiResult<()> {
    let mut batch = due(state)?;
    if batch.is_empty() {
        return Ok(());
    }
    let (dup_p, reorder) = {
        let m = state
            .0
            .webhooks
            .misbehaviour
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        (m.duplicate_probability, m.reorder)
    };
    if reorder {
        batch.reverse();
    }
    for d in batch {
        let body = if d.exclude_body {
            String::new()
        } else if d.kind == "dynamic" {
            let mut v: Value = serde_json::from_str(&d.payload)?;
            v["matchedWebhookIds"] = json!([d.webhook_id]);
            v.to_string()
        } else {
            d.payload.clone()
        };
        let outcome = send(http, &d, &body).await;
        let duplicate = matches!(outcome, Outcome::Delivered(_)) && dup_p > 0.0 && {
            let mut m = state
                .0
                .webhooks
                .misbehaviour
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            m.rng.gen_bool(dup_p.clamp(0.0, 1.0))
        };
        if duplicate {
            let _ = send(http, &d, &body).await;
        }
        let now = state.clock().now_ms();
        let db = state.db();
        match outcome {
            Outcome::Delivered(s) => db.conn.execute(
                "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_status = ?2, finished = ?3 WHERE id = ?1",
                params![d.id, s, now],
            )?,
            Outcome::Fail(s) => db.conn.execute(
                "UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1, last_status = ?2, last_error = ?3, finished = ?4 WHERE id = ?1",
                params![d.id, s, format!("HTTP {s}"), now],
            )?,
            Outcome::Retry(s, why) => {
                let next = BACKOFF_MS.get(d.attempts as usize).map(|w| now + w);
                match next {
                    Some(next) => db.conn.execute(
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt = ?2, last_status = ?3, last_error = ?4 WHERE id = ?1",
                        params![d.id, next, s, why],
                    )?,
                    None => db.conn.execute(
                        "UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1, last_status = ?2, last_error = ?3, finished = ?4 WHERE id = ?1",
                        params![d.id, s, why, now],
                    )?,
                }
            }
        };
    }
    Ok(())
}

/// Wakes the delivery task after a request that wrote something, and so may have enqueued events.
/// A request that only read (a GET, or a POST search) leaves the write generation where it was
/// and wakes nothing: the task's own pause still finds retries that fall due.
pub async fn nudge(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let before = state.generation();
    let r = next.run(req).await;
    if state.generation() != before {
        state.0.webhooks.wake.notify_one();
    }
    r
}

// ---------------------------------------------------------------------------------------------
// The control plane: `PUT /_sandbox/webhooks`.

pub async fn get_misbehaviour(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let m = state
        .0
        .webhooks
        .misbehaviour
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Ok(Json(
        json!({"duplicate_probability": m.duplicate_probability, "reorder": m.reorder}),
    ))
}

pub async fn set_misbehaviour(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    admin(caller)?;
    let o = crate::api::object(&body)?;
    let p = match o.get("duplicate_probability") {
        None | Some(Value::Null) => 0.0,
        Some(v) => v.as_f64().filter(|p| (0.0..=1.0).contains(p)).ok_or_else(|| {
            ApiError::field(
                "duplicate_probability",
                "'duplicate_probability' must be a number from 0 to 1.",
            )
        })?,
    };
    let reorder = match o.get("reorder") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::field("reorder", "'reorder' must be true or false.")),
    };
    let seed = match o.get("seed") {
        None | Some(Value::Null) => 0x400c,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| ApiError::field("seed", "'seed' must be a non-negative integer."))?,
    };
    *state
        .0
        .webhooks
        .misbehaviour
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Misbehaviour {
        duplicate_probability: p,
        reorder,
        rng: StdRng::seed_from_u64(seed),
    };
    Ok(Json(json!({"duplicate_probability": p, "reorder": reorder})))
}

// ---------------------------------------------------------------------------------------------
// Admin webhooks: `/rest/webhooks/1.0/webhook`.

pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/webhook", get(admin_list).post(admin_create))
        .route(
            "/webhook/{id}",
            get(admin_get).put(admin_update).delete(admin_delete),
        )
}

struct HookRow {
    id: i64,
    name: String,
    url: String,
    events: Vec<String>,
    jql: Option<String>,
    enabled: bool,
    exclude_body: bool,
    owner: Option<String>,
    expires: Option<i64>,
    updated: i64,
}

fn hooks(conn: &Connection, kind: &str, id: Option<i64>) -> ApiResult<Vec<HookRow>> {
    let mut st = conn.prepare_cached(
        "SELECT id, name, url, events, jql, enabled, exclude_body, owner, expires, updated FROM webhooks \
         WHERE kind = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY id",
    )?;
    let rows = st
        .query_map(params![kind, id], |r| {
            Ok(HookRow {
                id: r.get(0)?,
                name: r.get(1)?,
                url: r.get(2)?,
                events: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
                jql: r.get(4)?,
                enabled: r.get(5)?,
                exclude_body: r.get(6)?,
                owner: r.get(7)?,
                expires: r.get(8)?,
                updated: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn admin_json(state: &AppState, meta: &Meta, h: &HookRow) -> Value {
    let owner = h.owner.as_deref().and_then(|o| meta.user(o));
    json!({
        "self": format!("{}/rest/webhooks/1.0/webhook/{}", state.base_url(), h.id),
        "name": h.name,
        "url": h.url,
        "events": h.events,
        "filters": { "issue-related-events-section": h.jql.clone().unwrap_or_default() },
        "excludeBody": h.exclude_body,
        "enabled": h.enabled,
        "lastUpdated": h.updated,
        "lastUpdatedUser": owner.map(|u| u.account_id.clone()),
        "lastUpdatedDisplayName": owner.map(|u| u.display_name.clone()),
    })
}

fn site_admin(c: Option<Extension<Caller>>) -> ApiResult<User> {
    let me = crate::api::caller(c)?;
    if !me.site_admin {
        return Err(ApiError::forbidden(
            "Only Jira administrators can manage webhooks.",
        ));
    }
    Ok(me)
}

fn check_url(url: &str) -> ApiResult<()> {
    match url.parse::<reqwest::Url>() {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Ok(()),
        _ => Err(ApiError::field("url", format!("'{url}' is not an http(s) URL."))),
    }
}

fn check_jql(meta: &Meta, me: &User, jql: &str, now: i64, field: &str) -> ApiResult<()> {
    crate::jql_eval::compile(meta, me, jql, now)
        .map(|_| ())
        .map_err(|e| match e {
            ApiError::Jira { messages, .. } => ApiError::field(field, messages.join(" ")),
            other => other,
        })
}

/// An admin webhook as a request gives it; `secret: None` keeps the stored one.
struct AdminInput {
    name: String,
    url: String,
    events: Vec<String>,
    jql: Option<String>,
    enabled: bool,
    exclude: bool,
    secret: Option<Option<String>>,
}

/// Reads an admin webhook body; absent fields keep what `old` had.
fn admin_input(
    meta: &Meta,
    me: &User,
    now: i64,
    body: &Value,
    old: Option<&HookRow>,
) -> ApiResult<AdminInput> {
    let o = crate::api::object(body)?;
    let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
    let name = s("name")
        .or_else(|| old.map(|h| h.name.clone()))
        .ok_or_else(|| ApiError::field("name", "A webhook needs a 'name'."))?;
    let url = s("url")
        .or_else(|| old.map(|h| h.url.clone()))
        .ok_or_else(|| ApiError::field("url", "A webhook needs a 'url'."))?;
    check_url(&url)?;
    let events: Vec<String> = match o.get("events") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|e| {
                e.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::field("events", "Events must be strings."))
            })
            .collect::<ApiResult<_>>()?,
        None => old.map(|h| h.events.clone()).unwrap_or_default(),
        Some(_) => {
            return Err(ApiError::field(
                "events",
                "'events' must be a list of event names.",
            ))
        }
    };
    let jql = match o.get("filters") {
        Some(f) => f
            .get("issue-related-events-section")
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|j| !j.trim().is_empty()),
        None => old.and_then(|h| h.jql.clone()),
    };
    if let Some(j) = &jql {
        check_jql(meta, me, j, now, "filters")?;
    }
    let enabled = o
        .get("enabled")
        .and_then(Value::as_bool)
        .or(old.map(|h| h.enabled))
        .unwrap_or(true);
    let exclude = o
        .get("excludeBody")
        .and_then(Value::as_bool)
        .or(old.map(|h| h.exclude_body))
        .unwrap_or(false);
    let secret = match o.get("secret") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(_) => return Err(ApiError::field("secret", "'secret' must be a string.")),
    };
    Ok(AdminInput {
        name,
        url,
        events,
        jql,
        enabled,
        exclude,
        secret,
    })
}

async fn admin_list(State(state): State<AppState>, c: Option<Extension<Caller>>) -> ApiResult<Json<Value>> {
    site_admin(c)?;
    let db = state.db();
    let rows = hooks(&db.conn, "admin", None)?;
    Ok(Json(Value::Array(
        rows.iter().map(|h| admin_json(&state, &db.meta, h)).collect(),
    )))
}

fn hook_id(id: &str) -> ApiResult<i64> {
    id.parse()
        .map_err(|_| ApiError::not_found(format!("No webhook with id {id}.")))
}

async fn admin_get(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    site_admin(c)?;
    let db = state.db();
    let h = hooks(&db.conn, "admin", Some(hook_id(&id)?))?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("No webhook with id {id}.")))?;
    Ok(Json(admin_json(&state, &db.meta, &h)))
}

async fn admin_create(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = site_admin(c)?;
    let now = state.clock().now_ms();
    let db = state.db();
    let AdminInput {
        name,
        url,
        events,
        jql,
        enabled,
        exclude,
        secret,
    } = admin_input(&db.meta, &me, now, &body, None)?;
    db.conn.execute(
        "INSERT INTO webhooks (kind, name, url, events, jql, secret, enabled, exclude_body, owner, updated) \
         VALUES ('admin', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            name,
            url,
            serde_json::to_string(&events)?,
            jql,
            secret.flatten(),
            enabled,
            exclude,
            me.account_id,
            now
        ],
    )?;
    let id = db.conn.last_insert_rowid();
    let h = hooks(&db.conn, "admin", Some(id))?
        .pop()
        .ok_or_else(|| ApiError::Internal("webhook vanished".into()))?;
    Ok((StatusCode::CREATED, Json(admin_json(&state, &db.meta, &h))))
}

async fn admin_update(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = site_admin(c)?;
    let now = state.clock().now_ms();
    let db = state.db();
    let hid = hook_id(&id)?;
    let old = hooks(&db.conn, "admin", Some(hid))?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("No webhook with id {id}.")))?;
    let AdminInput {
        name,
        url,
        events,
        jql,
        enabled,
        exclude,
        secret,
    } = admin_input(&db.meta, &me, now, &body, Some(&old))?;
    db.conn.execute(
        "UPDATE webhooks SET name = ?2, url = ?3, events = ?4, jql = ?5, enabled = ?6, exclude_body = ?7, owner = ?8, updated = ?9 WHERE id = ?1",
        params![hid, name, url, serde_json::to_string(&events)?, jql, enabled, exclude, me.account_id, now],
    )?;
    if let Some(secret) = secret {
        db.conn.execute(
            "UPDATE webhooks SET secret = ?2 WHERE id = ?1",
            params![hid, secret],
        )?;
    }
    let h = hooks(&db.conn, "admin", Some(hid))?
        .pop()
        .ok_or_else(|| ApiError::Internal("webhook vanished".into()))?;
    Ok(Json(admin_json(&state, &db.meta, &h)))
}

async fn admin_delete(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    site_admin(c)?;
    let db = state.db();
    let n = db.conn.execute(
        "DELETE FROM webhooks WHERE kind = 'admin' AND id = ?1",
        [hook_id(&id)?],
    )?;
    if n == 0 {
        return Err(ApiError::not_found(format!("No webhook with id {id}.")));
    }
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Dynamic webhooks: `/rest/api/3/webhook`.

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/webhook",
            get(dynamic_list).post(dynamic_register).delete(dynamic_delete),
        )
        .route("/webhook/refresh", put(dynamic_refresh))
        .route("/webhook/failed", get(dynamic_failed))
}

const DYNAMIC_EVENTS: &[&str] = &[
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
    "issue_property_set",
    "issue_property_deleted",
    "sprint_created",
    "sprint_updated",
    "sprint_started",
    "sprint_closed",
    "sprint_deleted",
];

/// The fields a dynamic webhook's `jqlFilter` may use.
const JQL_FIELDS: &[&str] = &[
    "issuekey",
    "key",
    "project",
    "issuetype",
    "type",
    "status",
    "assignee",
    "reporter",
];

fn check_dynamic_jql(jql: &str) -> Result<(), String> {
    let q = jirakit_jql::parse(jql).map_err(|e| e.to_string())?;
    let printed = q.to_string();
    if !q.order_by.is_empty() {
        return Err("A webhook's JQL filter cannot have ORDER BY.".into());
    }
    let lower = printed.to_ascii_lowercase();
    for bad in ["~", " was ", " changed", "<", ">", " is empty", " is not empty"] {
        if lower.contains(bad) {
            return Err(format!(
                "The JQL filter uses an operator webhooks do not support; use = != IN NOT IN on {}.",
                JQL_FIELDS.join(", ")
            ));
        }
    }
    Ok(())
}

async fn dynamic_register(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = crate::api::caller(c)?;
    let now = state.clock().now_ms();
    let o = crate::api::object(&body)?;
    let url = o
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::field("url", "'url' is required."))?
        .to_string();
    check_url(&url)?;
    let list = o
        .get("webhooks")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::field("webhooks", "'webhooks' must be a list of webhook details."))?;
    let db = state.db();
    let mut results = Vec::new();
    for w in list {
        let mut errors = Vec::new();
        let events: Vec<String> = w
            .get("events")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        if events.is_empty() {
            errors.push("The webhook must have at least one event.".to_string());
        }
        for e in &events {
            if !DYNAMIC_EVENTS.contains(&e.as_str()) {
                errors.push(format!("The event '{e}' is not supported."));
            }
        }
        let jql = w
            .get("jqlFilter")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if jql.trim().is_empty() {
            errors.push("The JQL filter is required.".to_string());
        } else if let Err(e) = check_dynamic_jql(&jql) {
            errors.push(e);
        } else if let Err(ApiError::Jira {
            messages, errors: fe, ..
        }) = crate::jql_eval::compile(&db.meta, &me, &jql, now)
        {
            errors.extend(messages);
            errors.extend(fe.into_values());
        }
        if !errors.is_empty() {
            results.push(json!({ "errors": errors }));
            continue;
        }
        db.conn.execute(
            "INSERT INTO webhooks (kind, url, events, jql, owner, expires, updated) VALUES ('dynamic', ?1, ?2, ?3, ?4, ?5, ?6)",
            params![url, serde_json::to_string(&events)?, jql, me.account_id, now + LIFETIME_MS, now],
        )?;
        results.push(json!({ "createdWebhookId": db.conn.last_insert_rowid() }));
    }
    Ok(Json(json!({ "webhookRegistrationResult": results })))
}

async fn dynamic_list(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = crate::api::caller(c)?;
    let (start, max) = params.page(100, 100)?;
    let db = state.db();
    let mine: Vec<HookRow> = hooks(&db.conn, "dynamic", None)?
        .into_iter()
        .filter(|h| h.owner.as_deref() == Some(me.account_id.as_str()))
        .collect();
    let total = mine.len() as i64;
    let values: Vec<Value> = mine
        .iter()
        .skip(start as usize)
        .take(max as usize)
        .map(|h| {
            json!({
                "id": h.id,
                "url": h.url,
                "jqlFilter": h.jql.clone().unwrap_or_default(),
                "events": h.events,
                "expirationDate": h.expires,
            })
        })
        .collect();
    Ok(Json(json!({
        "startAt": start,
        "maxResults": max,
        "total": total,
        "isLast": start + (values.len() as i64) >= total,
        "values": values,
    })))
}

fn webhook_ids(body: &Value) -> ApiResult<Vec<i64>> {
    body.get("webhookIds")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::field("webhookIds", "'webhookIds' must be a list of webhook ids."))?
        .iter()
        .map(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| ApiError::field("webhookIds", "Webhook ids must be numbers."))
        })
        .collect()
}

async fn dynamic_delete(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = crate::api::caller(c)?;
    let ids = webhook_ids(&body)?;
    let db = state.db();
    for id in ids {
        db.conn.execute(
            "DELETE FROM webhooks WHERE kind = 'dynamic' AND id = ?1 AND owner = ?2",
            params![id, me.account_id],
        )?;
    }
    Ok(StatusCode::ACCEPTED)
}

async fn dynamic_refresh(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = crate::api::caller(c)?;
    let ids = webhook_ids(&body)?;
    let expires = state.clock().now_ms() + LIFETIME_MS;
    let db = state.db();
    for id in ids {
        db.conn.execute(
            "UPDATE webhooks SET expires = ?3 WHERE kind = 'dynamic' AND id = ?1 AND owner = ?2",
            params![id, me.account_id, expires],
        )?;
    }
    Ok(Json(json!({ "expirationDate": expires })))
}

async fn dynamic_failed(
    State(state): State<AppState>,
    c: Option<Extension<Caller>>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = crate::api::caller(c)?;
    let max = params.int("maxResults")?.unwrap_or(100).clamp(1, 100);
    let after = params.int("after")?.unwrap_or(0);
    let now = state.clock().now_ms();
    let db = state.db();
    let mut st = db.conn.prepare_cached(
        "SELECT d.id, o.payload, w.url, d.finished FROM webhook_deliveries d \
         JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_outbox o ON o.id = d.outbox_id \
         WHERE d.state = 'failed' AND w.kind = 'dynamic' AND w.owner = ?1 AND d.finished >= ?2 AND d.id > ?3 \
         ORDER BY d.id LIMIT ?4",
    )?;
    let rows = st
        .query_map(
            params![me.account_id, now - FAILED_KEPT_MS, after, max + 1],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = rows.len() as i64 > max;
    let values: Vec<Value> = rows
        .iter()
        .take(max as usize)
        .map(|(id, body, url, at)| json!({ "id": id.to_string(), "body": body, "url": url, "failureTime": at }))
        .collect();
    let mut out = json!({ "values": values, "maxResults": max });
    if more {
        if let Some((last, ..)) = rows.get(max as usize - 1) {
            out["next"] = json!(format!(
                "{}/rest/api/3/webhook/failed?after={last}&maxResults={max}",
                state.base_url()
            ));
        }
    }
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_atlassians_test_vector() {
        assert_eq!(
            signature("It's a Secret to Everybody", b"Hello World!"),
            "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
        );
    }

    #[test]
    fn dynamic_filters_refuse_operators_outside_the_subset() {
        assert!(check_dynamic_jql("project = ABC AND status IN (Done, \"To Do\")").is_ok());
        assert!(check_dynamic_jql("summary ~ fire").is_err());
        assert!(check_dynamic_jql("project = ABC ORDER BY created").is_err());
    }
}
