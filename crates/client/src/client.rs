//! The client: built once, cloned freely (one `Arc` inside), every request through one path that
//! authenticates, paces, retries and traces.

use std::sync::{Arc, Once};
use std::time::Duration;

use bytes::Bytes;
use jirakit_model::{DeploymentType, ErrorCollection, ServerInfo};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use tracing::Instrument;

use crate::auth::Auth;
use crate::error::{decode, ApiError, Error, RateLimit};
use crate::limit::{Limiter, Limits};
use crate::retry::{decide, Outcome, RetryAction, RetryPolicy};

/// Cloud or Data Center, and what that means for the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub kind: DeploymentKind,
    /// What `serverInfo` said, if it was asked.
    pub info: Option<ServerInfo>,
}

/// The two kinds of Jira this client speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentKind {
    /// REST v3 (ADF rich text), `search/jql` with `nextPageToken`.
    Cloud,
    /// REST v2 (wiki markup), `search` with `startAt`/`total`.
    DataCenter,
}

impl Deployment {
    pub fn cloud() -> Deployment {
        Deployment {
            kind: DeploymentKind::Cloud,
            info: None,
        }
    }

    pub fn data_center() -> Deployment {
        Deployment {
            kind: DeploymentKind::DataCenter,
            info: None,
        }
    }

    /// From `serverInfo.deploymentType`; anything but `Cloud` is a Server/Data Center install.
    pub fn from_server_info(info: ServerInfo) -> Deployment {
        let kind = match info.deployment_type {
            Some(DeploymentType::Cloud) => DeploymentKind::Cloud,
            _ => DeploymentKind::DataCenter,
        };
        Deployment {
            kind,
            info: Some(info),
        }
    }

    /// `/rest/api/3` on Cloud, `/rest/api/2` on Data Center.
    pub fn api_root(&self) -> &'static str {
        match self.kind {
            DeploymentKind::Cloud => "/rest/api/3",
            DeploymentKind::DataCenter => "/rest/api/2",
        }
    }

    /// Whether rich text is ADF (v3) rather than wiki markup (v2).
    pub fn uses_adf(&self) -> bool {
        self.kind == DeploymentKind::Cloud
    }
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    auth: Auth,
    user_agent: String,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    proxy: Option<String>,
    retry: RetryPolicy,
    limits: Limits,
    deployment: Option<Deployment>,
}

impl ClientBuilder {
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// The whole request, body included (default 60 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// An HTTP(S) proxy for every request.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }
    pub fn limits(mut self, l: Limits) -> Self {
        self.limits = l;
        self
    }
    /// Skip detection: trust the caller about Cloud vs Data Center.
    pub fn deployment(mut self, d: Deployment) -> Self {
        self.deployment = Some(d);
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        static TLS: Once = Once::new();
        TLS.call_once(|| {
            // Another part of the process may have installed one already; either is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let base = url::Url::parse(&self.base_url).map_err(|e| Error::Config(format!("base URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::Config("the base URL must be http or https".into()));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::Config(
                "put credentials in Auth, not in the base URL (they would leak into logs)".into(),
            ));
        }
        let host = base.host_str().unwrap_or_default().to_owned();
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout.unwrap_or(Duration::from_secs(60)));
        if let Some(p) = &self.proxy {
            http = http.proxy(
                reqwest::Proxy::all(p).map_err(|e| Error::Config(format!("proxy: {}", e.without_url())))?,
            );
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let deployment = OnceCell::new();
        if let Some(d) = self.deployment {
            let _ = deployment.set(d);
        }
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: self.base_url.trim_end_matches('/').to_owned(),
                host,
                auth: self.auth,
                retry: self.retry,
                limiter: Limiter::new(self.limits),
                deployment,
                fields: crate::fields::FieldCache::default(),
            }),
        })
    }
}

pub(crate) struct Inner {
    http: reqwest::Client,
    base: String,
    host: String,
    auth: Auth,
    retry: RetryPolicy,
    limiter: Limiter,
    deployment: OnceCell<Deployment>,
    pub(crate) fields: crate::fields::FieldCache,
}

/// A Jira client. Cloning is cheap and clones share the connection pool, tokens, the rate
/// limiter and the field catalog.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .field("auth", &self.inner.auth)
            .field("deployment", &self.inner.deployment.get().map(|d| d.kind))
            .finish()
    }
}

/// A response whose status was a success.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// `METHOD path`, used to name the endpoint in decode errors.
    pub endpoint: String,
}

impl Response {
    /// Decodes the body; a mismatch names the JSON path and the endpoint.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode(&self.endpoint, &self.body)
    }

    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-arequestid").and_then(|v| v.to_str().ok())
    }
}

/// One request, replayable: the body is bytes so every retry sends the same thing.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Bytes>,
    pub idempotent: bool,
    /// The body's media type when it is not JSON (a multipart upload).
    pub content_type: Option<String>,
    /// Extra request headers (`X-Atlassian-Token: no-check` for uploads).
    pub headers: Vec<(&'static str, String)>,
}

impl Req {
    pub fn new(method: Method, path: impl Into<String>) -> Req {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Req {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotent,
            content_type: None,
            headers: Vec::new(),
        }
    }

    pub fn query(mut self, k: &str, v: impl ToString) -> Req {
        self.query.push((k.to_owned(), v.to_string()));
        self
    }

    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Result<Req, Error> {
        self.body = Some(Bytes::from(serde_json::to_vec(body)?));
        Ok(self)
    }

    /// The issue a write targets, for the per-issue write limit.
    fn issue_written(&self) -> Option<&str> {
        if self.method == Method::GET || self.method == Method::HEAD {
            return None;
        }
        let mut segs = self.path.split('/');
        segs.by_ref().find(|s| *s == "issue")?;
        let key = segs.next()?;
        (!key.is_empty() && !matches!(key, "bulk" | "createmeta" | "bulkfetch" | "properties")).then_some(key)
    }
}

impl Client {
    /// A builder for the site at `base_url` (`https://your-site.atlassian.net`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            auth: Auth::None,
            user_agent: format!("jirakit/{}", crate::VERSION),
            timeout: None,
            connect_timeout: Duration::from_secs(10),
            proxy: None,
            retry: RetryPolicy::default(),
            limits: Limits::default(),
            deployment: None,
        }
    }

    /// Cloud or Data Center, from `serverInfo` (asked once, then cached for every clone).
    pub async fn deployment(&self) -> Result<&Deployment, Error> {
        self.inner
            .deployment
            .get_or_try_init(|| async {
                let info: ServerInfo = self
                    .execute(Req::new(Method::GET, "/rest/api/2/serverInfo"))
                    .await?
                    .json()?;
                Ok::<_, Error>(Deployment::from_server_info(info))
            })
            .await
    }

    /// How long this client (every clone) still holds requests back after a 429.
    pub async fn paused_for(&self) -> Duration {
        self.inner.limiter.paused_for(&self.inner.host).await
    }

    /// `/rest/api/3` or `/rest/api/2` followed by `rest`.
    pub(crate) async fn api(&self, rest: &str) -> Result<String, Error> {
        Ok(format!("{}{rest}", self.deployment().await?.api_root()))
    }

    /// A raw request to any path under the base URL (`/rest/api/3/...`, `/rest/agile/1.0/...`),
    /// with auth, pacing and retries.
    pub fn request(&self, method: Method, path: impl Into<String>) -> crate::raw::RawRequest {
        crate::raw::RawRequest::new(self.clone(), Req::new(method, path))
    }

    pub(crate) async fn execute(&self, req: Req) -> Result<Response, Error> {
        let span = tracing::debug_span!(
            "jira.request",
            method = %req.method,
            path = %req.path,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        self.execute_inner(req).instrument(span).await
    }

    async fn execute_inner(&self, req: Req) -> Result<Response, Error> {
        let inner = &self.inner;
        let endpoint = format!("{} {}", req.method, req.path);
        let url = format!("{}{}", inner.base, req.path);
        let issue = req.issue_written().map(str::to_owned);
        let mut attempt = 0u32;
        let mut forced_refresh = false;
        loop {
            attempt += 1;
            inner.limiter.acquire(&inner.host, issue.as_deref()).await;
            let mut rb = inner
                .http
                .request(req.method.clone(), &url)
                .header("Accept", "application/json");
            if !req.query.is_empty() {
                rb = rb.query(&req.query);
            }
            if let Some(body) = &req.body {
                let ct = req.content_type.as_deref().unwrap_or("application/json");
                rb = rb.header("Content-Type", ct).body(body.clone());
            }
            for (name, value) in &req.headers {
                rb = rb.header(*name, value);
            }
            let mut used_token = None;
            rb = match &inner.auth {
                Auth::None => rb,
                Auth::Basic { user, secret } => rb.basic_auth(user, Some(secret.expose_secret())),
                Auth::Bearer(t) => rb.bearer_auth(t.expose_secret()),
                Auth::Provider(src) => {
                    let t = src.access().await?;
                    let rb = rb.bearer_auth(t.expose_secret());
                    used_token = Some(t);
                    rb
                }
            };
            let started = tokio::time::Instant::now();
            let span = tracing::Span::current();
            span.record("attempt", attempt);
            let sent = rb.send().await;
            let result = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            let (status, headers, body) = match result {
                Ok(r) => r,
                Err(e) => {
                    let e = e.without_url();
                    let ambiguous = !e.is_connect();
                    let outcome = if ambiguous {
                        Outcome::Ambiguous
                    } else {
                        Outcome::Connect
                    };
                    let action = decide(&inner.retry, &outcome, attempt, req.idempotent, rand::random());
                    tracing::debug!(attempt, ?action, error = %e, "request failed");
                    if let RetryAction::RetryAfter(d) = action {
                        tokio::time::sleep(d).await;
                        continue;
                    }
                    return Err(Error::Network {
                        method: req.method.to_string(),
                        path: req.path.clone(),
                        message: if e.is_timeout() {
                            "timed out".into()
                        } else {
                            e.to_string()
                        },
                        ambiguous,
                        source: Some(e),
                    });
                }
            };
            span.record("status", status);
            let request_id = headers
                .get("x-arequestid")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            if let Some(id) = &request_id {
                span.record("request_id", id.as_str());
            }
            if (200..300).contains(&status) {
                return Ok(Response {
                    status,
                    headers,
                    body,
                    endpoint,
                });
            }
            let rate_limit = RateLimit::from_headers(&headers);
            if status == 401 && !forced_refresh {
                if let (Auth::Provider(src), Some(stale)) = (&inner.auth, &used_token) {
                    // A scope mismatch will not be cured by a new token.
                    let scope = String::from_utf8_lossy(&body)
                        .to_ascii_lowercase()
                        .contains("scope");
                    if !scope {
                        forced_refresh = true;
                        src.invalidate(stale).await?;
                        continue;
                    }
                }
            }
            let outcome = Outcome::Status {
                status,
                retry_after: rate_limit.retry_after,
            };
            let action = decide(&inner.retry, &outcome, attempt, req.idempotent, rand::random());
            tracing::debug!(attempt, status, ?action, "jira answered");
            if let RetryAction::RetryAfter(d) = action {
                if status == 429 {
                    // Everyone using this client waits, not just this request.
                    inner.limiter.pause(&inner.host, d).await;
                } else {
                    tokio::time::sleep(d).await;
                }
                continue;
            }
            let parsed: Option<ErrorCollection> = serde_json::from_slice(&body).ok();
            let raw = match &parsed {
                Some(_) => None,
                None => Some(String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned()),
            };
            return Err(Error::Api(Box::new(ApiError {
                method: req.method.to_string(),
                path: req.path.clone(),
                status,
                body: parsed.unwrap_or_default(),
                raw,
                request_id,
                rate_limit,
                attempts: attempt,
            })));
        }
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync + Clone>() {}
    is::<Client>();
    let _ = HeaderValue::from_static("");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_comes_from_server_info_not_the_host() {
        let cloud: ServerInfo =
            serde_json::from_value(json!({"deploymentType": "Cloud", "baseUrl": "http://localhost"}))
                .unwrap();
        let dc: ServerInfo =
            serde_json::from_value(json!({"deploymentType": "Server", "baseUrl": "https://x.atlassian.net"}))
                .unwrap();
        assert_eq!(Deployment::from_server_info(cloud).api_root(), "/rest/api/3");
        assert_eq!(Deployment::from_server_info(dc).api_root(), "/rest/api/2");
    }

    #[test]
    fn writes_are_attributed_to_their_issue() {
        let r = |m, p: &str| Req::new(m, p).issue_written().map(str::to_owned);
        assert_eq!(r(Method::PUT, "/rest/api/3/issue/A-1"), Some("A-1".into()));
        assert_eq!(
            r(Method::POST, "/rest/api/3/issue/A-1/comment"),
            Some("A-1".into())
        );
        assert_eq!(r(Method::GET, "/rest/api/3/issue/A-1"), None);
        assert_eq!(r(Method::POST, "/rest/api/3/issue"), None);
        assert_eq!(r(Method::POST, "/rest/api/3/issue/bulk"), None);
    }

    #[test]
    fn post_is_not_idempotent_and_put_is() {
        assert!(!Req::new(Method::POST, "/x").idempotent);
        assert!(Req::new(Method::PUT, "/x").idempotent);
    }

    #[test]
    fn credentials_in_the_base_url_are_refused() {
        let e = Client::builder("https://me:secret@example.com")
            .build()
            .unwrap_err();
        assert!(!e.to_string().contains("secret@"), "{e}");
    }

    #[test]
    fn client_debug_redacts_the_token() {
        let c = Client::builder("https://example.com")
            .auth(Auth::basic("me@example.com", "tok-123456"))
            .build()
            .unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("tok-123456") && s.contains("redacted"), "{s}");
    }
}
