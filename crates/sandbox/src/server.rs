//! The HTTP surface: one router, the auth and request-log middleware, and `serve`/`spawn`.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use base64::Engine;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;

use crate::api::{self, ApiVersion, Caller};
use crate::error::ApiError;
use crate::meta::User;
use crate::{control, AppState, Config, Mode};

/// The whole HTTP surface of a sandbox. `/ex/jira/{cloudId}/...` (the OAuth gateway) is
/// rewritten before routing, so it serves the same API as the site's own URL.
pub fn router(state: AppState) -> Router {
    let site = site_router(state);
    Router::new().fallback_service(middleware::from_fn(crate::oauth::rewrite).layer(site))
}

fn site_router(state: AppState) -> Router {
    // Rate limits run after routing: they count per endpoint template.
    let limited = || {
        api::routes().route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::limits::enforce,
        ))
    };
    let routes = Router::new()
        .nest("/rest/api/2", limited().layer(Extension(ApiVersion::V2)))
        .nest("/rest/api/latest", limited().layer(Extension(ApiVersion::V2)))
        .nest("/rest/api/3", limited().layer(Extension(ApiVersion::V3)))
        .nest("/rest/webhooks/1.0", crate::webhooks::admin_routes())
        .nest(
            "/rest/agile/1.0",
            crate::agile::routes().route_layer(middleware::from_fn_with_state(
                state.clone(),
                crate::limits::enforce,
            )),
        )
        .nest("/_sandbox", control::routes())
        .merge(crate::oauth::routes())
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state.clone());
    // These wrap the whole router, not each route (`Router::layer`): a request then clones only
    // their state and the router's `Arc`, not every route's boxed stack of services, which cost
    // about a quarter of a cached issue GET.
    let inner = middleware::from_fn_with_state(state.clone(), crate::webhooks::scope).layer(routes);
    let inner = middleware::from_fn_with_state(state.clone(), crate::webhooks::nudge).layer(inner);
    let inner = middleware::from_fn_with_state(state.clone(), crate::faults::apply).layer(inner);
    let inner = middleware::from_fn_with_state(state, authenticate_and_log).layer(inner);
    Router::new().fallback_service(panic_layer().layer(inner))
}

type PanicHandler = fn(Box<dyn std::any::Any + Send>) -> Response;

/// A panic in a handler becomes a 500 in Jira's shape, logged once, with nothing of it echoed.
fn panic_layer() -> CatchPanicLayer<PanicHandler> {
    CatchPanicLayer::custom(|_panic| ApiError::Internal("a handler panicked".into()).into_response())
}

async fn unknown_path(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("No resource at {method} {}.", uri.path()))
}

async fn wrong_method(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("The method {method} is not allowed on {}.", uri.path()),
    )
}

/// Who is calling, from the `Authorization` header: `Ok(None)` when there are no credentials.
fn resolve_user(state: &AppState, header: Option<&str>) -> Result<Option<User>, ApiError> {
    let Some(header) = header else { return Ok(None) };
    let failed = ApiError::Unauthenticated {
        reason: "AUTHENTICATED_FAILED",
    };
    // Credentials are checked against the published site configuration: no database lock.
    let meta = state.meta();
    let mode = state.mode();
    let user = if let Some(encoded) = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| failed)?;
        let decoded = String::from_utf8(decoded).map_err(|_| ApiError::Unauthenticated {
            reason: "AUTHENTICATED_FAILED",
        })?;
        let (who, secret) = decoded.split_once(':').ok_or(ApiError::Unauthenticated {
            reason: "AUTHENTICATED_FAILED",
        })?;
        meta.users.values().find(|u| match mode {
            Mode::Cloud => {
                u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(who))
                    && u.api_token.as_deref().is_some_and(|t| constant_eq(t, secret))
            }
            Mode::DataCenter => {
                u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(who))
                    && u.password.as_deref().is_some_and(|p| constant_eq(p, secret))
            }
        })
    } else if let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    {
        meta.users
            .values()
            .find(|u| u.pat.as_deref().is_some_and(|p| constant_eq(p, token.trim())))
    } else {
        None
    };
    match user {
        Some(u) if u.active => Ok(Some(u.clone())),
        _ => Err(ApiError::Unauthenticated {
            reason: "AUTHENTICATED_FAILED",
        }),
    }
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn authenticate_and_log(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = state.clock().monotonic();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let guarded = path.starts_with("/rest/") || path.starts_with("/_sandbox/") || path == "/_sandbox";
    let auth = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let gateway = req.extensions().get::<crate::oauth::Gateway>().cloned();
    // The authorization server's endpoints authenticate their callers themselves.
    let own_auth = gateway.is_none() && (path == "/authorize" || path.starts_with("/oauth/"));
    let who = if let Some(gw) = &gateway {
        crate::oauth::gateway_user(&state, gw, method.as_str(), &path, auth)
            .map(Some)
            .map_err(IntoResponse::into_response)
    } else if own_auth {
        Ok(None)
    } else if let Some(jwt) = auth.and_then(|a| a.strip_prefix("JWT ")) {
        crate::connect::authenticate(&state, jwt, method.as_str(), &path, &query)
            .map(Some)
            .map_err(IntoResponse::into_response)
    } else {
        resolve_user(&state, auth).map_err(IntoResponse::into_response)
    };
    let mut account = None;
    let response = match who {
        Err(r) => r,
        Ok(user) => {
            let anonymous_ok = path.ends_with("/serverInfo");
            if guarded && user.is_none() && !anonymous_ok {
                ApiError::Unauthenticated {
                    reason: "AUTHENTICATION_DENIED",
                }
                .into_response()
            } else if state.mode() == Mode::DataCenter && path.starts_with("/rest/api/3") {
                unknown_path(method.clone(), req.uri().clone())
                    .await
                    .into_response()
            } else {
                account = user.as_ref().map(|u| u.account_id.clone());
                if let Some(u) = user {
                    req.extensions_mut().insert(Caller(u));
                }
                next.run(req).await
            }
        }
    };
    let mut response = response;
    let elapsed = started.elapsed();
    let seq = if path.starts_with("/_sandbox/requests") {
        None
    } else {
        Some(state.log_request(control::LoggedRequest {
            seq: 0,
            method: method.to_string(),
            path: match &gateway {
                Some(gw) => format!("/ex/jira/{}{path}", gw.cloud_id),
                None => path,
            },
            query,
            status: response.status().as_u16(),
            duration_ms: elapsed.as_secs_f64() * 1000.0,
            auth_user: account.clone(),
        }))
    };
    let h = response.headers_mut();
    if let Some(seq) = seq {
        if let Ok(v) = HeaderValue::from_str(&format!("sandbox-{seq}")) {
            h.insert("x-arequestid", v);
        }
    }
    if let Some(a) = account.and_then(|a| HeaderValue::from_str(&a).ok()) {
        h.insert("x-aaccountid", a);
    }
    response
}

/// Serves `router(state)` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A sandbox running in this process (tests, `jk sandbox serve`).
pub struct RunningSandbox {
    url: String,
    addr: SocketAddr,
    state: AppState,
    ca_cert: Option<PathBuf>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    pub fn url(&self) -> &str {
        &self.url
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn state(&self) -> &AppState {
        &self.state
    }
    pub fn config(&self) -> &Config {
        self.state.config()
    }
    /// The PEM to trust when the sandbox serves HTTPS.
    pub fn ca_cert(&self) -> Option<&std::path::Path> {
        self.ca_cert.as_deref()
    }
    /// The ready-file JSON of DESIGN.md's contract.
    pub fn ready_json(&self) -> serde_json::Value {
        let c = self.config();
        serde_json::json!({
            "url": self.url,
            "mode": c.mode.as_str(),
            "email": c.email,
            "api_token": c.api_token,
            "username": c.username,
            "password": c.password,
            "pat": c.pat,
            "ca_cert": self.ca_cert.as_ref().map(|p| p.display().to_string()),
        })
    }
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
    /// Waits until the server stops on its own (an I/O failure) .
    pub async fn wait(mut self) -> std::io::Result<()> {
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Binds `config.addr` (port 0 picks a free port), opens and seeds the store, and serves.
pub async fn spawn(config: Config) -> std::io::Result<RunningSandbox> {
    if !config.addr.ip().is_loopback() && config.uses_default_credentials() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "refusing to listen on {} with the default credentials: set JIRAKIT_SANDBOX_API_TOKEN, \
                 JIRAKIT_SANDBOX_PASSWORD and JIRAKIT_SANDBOX_PAT (or the matching flags) first",
                config.addr
            ),
        ));
    }
    let listener = TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let tls = config.tls;
    let data_dir = config.data_dir.clone();
    let state = tokio::task::spawn_blocking(move || AppState::open(config))
        .await
        .map_err(std::io::Error::other)?
        .map_err(std::io::Error::other)?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    let scheme = if tls { "https" } else { "http" };
    let url = format!("{scheme}://{host}:{}", addr.port());
    state.set_base_url(url.clone());
    crate::webhooks::start(&state);
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let (task, ca_cert) = if tls {
        let material = crate::tls::self_signed(data_dir.as_deref(), addr.port())?;
        let rustls = crate::tls::server_config(&material)?;
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            h.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
        });
        let app = router(state.clone());
        let std_listener = listener.into_std()?;
        let server = axum_server::from_tcp_rustls(std_listener, rustls)?.handle(handle);
        let task = tokio::spawn(async move { server.serve(app.into_make_service()).await });
        (task, Some(material.ca_path))
    } else {
        let s = state.clone();
        (tokio::spawn(serve(listener, s, shutdown)), None)
    };
    Ok(RunningSandbox {
        url,
        addr,
        state,
        ca_cert,
        stop: Some(stop),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_a_jira_shaped_500_without_the_panic_text() {
        let app: Router = Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async { panic!("secret internals") as &str }),
            )
            .layer(panic_layer());
        let res = app
            .oneshot(
                Request::builder()
                    .uri("/boom")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["errorMessages"][0], "Internal server error");
        assert!(!String::from_utf8_lossy(&bytes).contains("secret"));
    }

    #[test]
    fn secrets_compare_only_when_equal() {
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "abcd"));
    }
}
