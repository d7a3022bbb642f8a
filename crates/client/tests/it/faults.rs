//! Faults the sandbox cannot inject yet (429 bursts, 5xx, commit-then-fail) come from a small
//! proxy in front of a real sandbox: the answers that do get through are the sandbox's own.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jirakit::retry::RetryPolicy;
use jirakit::{Auth, Client};
use jirakit_sandbox::Seed;
use jirakit_testkit::TestSandbox;
use serde_json::json;

use crate::support::*;

#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer this status (with `Retry-After`, if given) without forwarding.
    Refuse(u16, Option<u64>),
    /// Forward (Jira acts), then answer this status instead of Jira's.
    CommitThenFail(u16),
}

#[derive(Clone)]
pub struct Proxy {
    upstream: String,
    http: reqwest::Client,
    /// Faults for requests whose method and path match, consumed in order.
    faults: Arc<Mutex<VecDeque<(Method, String, Fault)>>>,
    pub forwarded: Arc<AtomicUsize>,
    pub seen: Arc<AtomicUsize>,
}

impl Proxy {
    pub async fn start(upstream: &str) -> (Proxy, String) {
        let p = Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            faults: Arc::default(),
            forwarded: Arc::default(),
            seen: Arc::default(),
        };
        let app = axum::Router::new().fallback(handle).with_state(p.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (p, url)
    }

    pub fn inject(&self, method: Method, path_contains: &str, fault: Fault, times: usize) {
        let mut f = self.faults.lock().unwrap();
        for _ in 0..times {
            f.push_back((method.clone(), path_contains.to_owned(), fault.clone()));
        }
    }
}

async fn handle(
    State(p): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    p.seen.fetch_add(1, Ordering::SeqCst);
    let fault = {
        let mut f = p.faults.lock().unwrap();
        let pos = f
            .iter()
            .position(|(m, path, _)| *m == method && uri.path().contains(path.as_str()));
        pos.and_then(|i| f.remove(i)).map(|(_, _, fault)| fault)
    };
    if let Some(Fault::Refuse(status, ra)) = &fault {
        let mut r = (
            StatusCode::from_u16(*status).unwrap(),
            "{\"errorMessages\":[\"injected\"],\"errors\":{}}",
        )
            .into_response();
        if let Some(s) = ra {
            r.headers_mut()
                .insert("retry-after", s.to_string().parse().unwrap());
            r.headers_mut()
                .insert("ratelimit-reason", "jira-burst-based".parse().unwrap());
        }
        return r;
    }
    p.forwarded.fetch_add(1, Ordering::SeqCst);
    let url = format!(
        "{}{}",
        p.upstream,
        uri.path_and_query().map(|x| x.as_str()).unwrap_or("/")
    );
    let mut rb = p.http.request(method, url).body(body);
    for (k, v) in &headers {
        if k != "host" && k != "content-length" {
            rb = rb.header(k, v);
        }
    }
    let resp = rb.send().await.unwrap();
    if let Some(Fault::CommitThenFail(status)) = fault {
        return (StatusCode::from_u16(status).unwrap(), "upstream went away").into_response();
    }
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
    let ct = resp.headers().get("content-type").cloned();
    let bytes = resp.bytes().await.unwrap();
    let mut r = (status, bytes).into_response();
    if let Some(ct) = ct {
        r.headers_mut().insert("content-type", ct);
    }
    r
}

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        min_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

pub async fn proxied(seed: Seed) -> (TestSandbox, Proxy, Client) {
    let sb = sandbox(seed).await;
    let (proxy, url) = Proxy::start(sb.sandbox.url()).await;
    let c = sb.sandbox.config();
    let jira = Client::builder(url)
        .auth(Auth::basic(&c.email, &c.api_token))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    (sb, proxy, jira)
}

#[tokio::test]
async fn a_get_rides_through_429s_and_503s() {
    let (_sb, proxy, jira) = proxied(Seed::Demo).await;
    jira.deployment().await.unwrap();
    proxy.inject(Method::GET, "/issue/SHOP-1", Fault::Refuse(429, Some(0)), 2);
    proxy.inject(Method::GET, "/issue/SHOP-1", Fault::Refuse(503, None), 1);
    let issue = jira.issues().get("SHOP-1").send().await.unwrap();
    assert_eq!(issue.key.unwrap().as_str(), "SHOP-1");
}

#[tokio::test]
async fn retries_stop_after_four_and_the_error_keeps_the_rate_limit_headers() {
    let (_sb, proxy, jira) = proxied(Seed::Demo).await;
    jira.deployment().await.unwrap();
    let before = proxy.seen.load(Ordering::SeqCst);
    proxy.inject(Method::GET, "/issue/SHOP-1", Fault::Refuse(429, Some(0)), 10);
    let e = jira.issues().get("SHOP-1").send().await.unwrap_err();
    assert!(e.is_rate_limited() && e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::ZERO));
    assert_eq!(
        e.rate_limit().unwrap().reason.as_deref(),
        Some("jira-burst-based")
    );
    assert_eq!(e.api().unwrap().attempts, 5);
    assert_eq!(proxy.seen.load(Ordering::SeqCst) - before, 5);
}

#[tokio::test]
async fn a_plain_create_is_not_retried_after_a_500_so_it_cannot_duplicate() {
    let (sb, proxy, jira) = proxied(Seed::Demo).await;
    jira.deployment().await.unwrap();
    jira.fields().catalog().await.unwrap();
    proxy.inject(Method::POST, "/rest/api/3/issue", Fault::CommitThenFail(500), 1);
    let e = jira
        .issues()
        .create("SHOP", "Task", "only once")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.api().unwrap().attempts, 1);
    let direct = client(&sb);
    let n = direct_count(&direct, "summary ~ \"only once\"").await;
    assert_eq!(n, 1, "the create happened exactly once");
}

#[tokio::test]
async fn a_create_refused_with_429_is_retried_even_though_it_is_a_post() {
    let (sb, proxy, jira) = proxied(Seed::Demo).await;
    jira.deployment().await.unwrap();
    jira.fields().catalog().await.unwrap();
    proxy.inject(Method::POST, "/rest/api/3/issue", Fault::Refuse(429, Some(0)), 2);
    jira.issues()
        .create("SHOP", "Task", "after the storm")
        .send()
        .await
        .unwrap();
    assert_eq!(
        direct_count(&client(&sb), "summary ~ \"after the storm\"").await,
        1
    );
}

#[tokio::test]
async fn a_429_paces_every_clone_of_the_client() {
    let (_sb, proxy, jira) = proxied(Seed::Demo).await;
    jira.deployment().await.unwrap();
    proxy.inject(Method::GET, "/issue/SHOP-1", Fault::Refuse(429, Some(1)), 1);
    let other = jira.clone();
    let a = tokio::spawn(async move { jira.issues().get("SHOP-1").send().await.map(drop) });
    // Wait (bounded) until the 429 has paused the client; then the clone must wait it out too.
    let mut paused = Duration::ZERO;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        paused = other.paused_for().await;
        if !paused.is_zero() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(
        paused > Duration::from_millis(500),
        "the 429 did not pause the client: {paused:?}"
    );
    let t0 = tokio::time::Instant::now();
    other.issues().get("SHOP-2").send().await.unwrap();
    assert!(
        t0.elapsed() + Duration::from_millis(50) >= paused,
        "{:?} < {paused:?}",
        t0.elapsed()
    );
    a.await.unwrap().unwrap();
}

pub async fn direct_count(jira: &Client, jql: &str) -> usize {
    use futures_util::TryStreamExt;
    let v: Vec<_> = jira.search(jql).into_stream().try_collect().await.unwrap();
    v.len()
}

#[tokio::test]
async fn the_proxy_forwards_the_sandbox_answers_untouched() {
    let (_sb, _proxy, jira) = proxied(Seed::Demo).await;
    let v: serde_json::Value = jira
        .request(jirakit::Method::GET, "/rest/api/2/serverInfo")
        .send_json()
        .await
        .unwrap();
    assert_eq!(v["deploymentType"], json!("Cloud"));
}
