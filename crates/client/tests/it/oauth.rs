//! OAuth 2.0 (3LO) and Connect JWT: jirakit against the sandbox's authorization server and
//! gateway, over real HTTP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use jirakit::oauth::OAuthApp;
use jirakit::{Auth, Client, ConnectApp, Method, Token, TokenStore};
use jirakit_sandbox::Seed;
use jirakit_testkit::{fixed_now, TestSandbox};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

const REDIRECT: &str = "http://127.0.0.1:9/cb";
const SECRET: &str = "client-secret-for-tests";

/// Keeps every token it is handed, in order.
#[derive(Default)]
struct Saved(Mutex<Vec<String>>);

impl TokenStore for Saved {
    fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<(), jirakit::Error>> {
        Box::pin(async move {
            let r = token.refresh.as_ref().map(|r| r.expose_secret().to_owned());
            self.0.lock().unwrap().push(r.unwrap_or_default());
            Ok(())
        })
    }
}

async fn sandbox_with_app(scopes: &[&str]) -> (TestSandbox, OAuthApp) {
    let sb = TestSandbox::start(Seed::Empty).await;
    let r = sb
        .put(
            "/_sandbox/limits",
            &json!({"burst_per_second": null, "issue_writes": null}),
        )
        .await;
    assert!(r.status().is_success());
    let r = sb
        .put(
            "/_sandbox/oauth/apps/jk-app",
            &json!({"secret": SECRET, "redirectUris": [REDIRECT], "scopes": scopes}),
        )
        .await;
    assert!(r.status().is_success(), "{:?}", r.text().await);
    let app = OAuthApp::new("jk-app", SECRET, REDIRECT)
        .auth_base(sb.sandbox.url())
        .api_base(sb.sandbox.url());
    (sb, app)
}

/// Follows the authorization URL as a browser would (the sandbox consents at once) and returns
/// the code from the redirect, after checking the state came back.
async fn consent(app: &OAuthApp, scopes: &[&str]) -> String {
    let state = OAuthApp::new_state();
    let url = app.authorization_url(scopes, &state);
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = browser.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], state);
    q["code"].clone()
}

async fn log(sb: &TestSandbox) -> Vec<Value> {
    sb.get("/_sandbox/requests")
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap()
}

async fn count(sb: &TestSandbox, method: &str, path_contains: &str) -> usize {
    log(sb)
        .await
        .iter()
        .filter(|e| e["method"] == method && e["path"].as_str().unwrap().contains(path_contains))
        .count()
}

#[tokio::test]
async fn the_full_dance_finds_the_cloud_id_and_routes_through_the_gateway() {
    let (sb, app) = sandbox_with_app(&["read:jira-work", "read:jira-user", "offline_access"]).await;
    let code = consent(&app, &["read:jira-work", "read:jira-user"]).await;
    let token = app.exchange_code(&code).await.unwrap();
    assert!(
        token.refresh.is_some(),
        "offline_access was added by the URL builder"
    );
    let sites = app.accessible_resources(&token.access).await.unwrap();
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].url, sb.sandbox.url());
    let jira = app.client(token, None).await.unwrap().build().unwrap();
    let me = jira.users().myself().await.unwrap();
    assert_eq!(me.email_address.as_deref(), Some("admin@example.com"));
    let hits = count(&sb, "GET", &format!("/ex/jira/{}/rest/api/3/myself", sites[0].id)).await;
    assert_eq!(hits, 1, "the call went through the gateway path");
    // A site the token cannot reach is a clear error.
    let again = app
        .exchange_code(&consent(&app, &["read:jira-user"]).await)
        .await
        .unwrap();
    let e = app
        .client_for_site(again, None, Some("https://elsewhere.atlassian.net"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot reach the site"), "{e}");
}

#[tokio::test]
async fn fifty_concurrent_requests_around_expiry_share_exactly_one_refresh() {
    let (sb, app) = sandbox_with_app(&["read:jira-user", "offline_access"]).await;
    let mut token = app
        .exchange_code(&consent(&app, &["read:jira-user"]).await)
        .await
        .unwrap();
    // Just outside the 5-minute refresh margin: the client uses it, then it goes stale.
    let stale_at = tokio::time::Instant::now() + Duration::from_millis(1_500);
    token.expires_at = Some(stale_at + Duration::from_secs(300));
    let store = Arc::new(Saved::default());
    let jira = app
        .client(token, Some(store.clone()))
        .await
        .unwrap()
        .build()
        .unwrap();
    jira.users().myself().await.unwrap();
    assert_eq!(
        count(&sb, "POST", "/oauth/token").await,
        1,
        "only the code exchange so far"
    );
    tokio::time::sleep_until(stale_at + Duration::from_millis(50)).await;
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let j = jira.clone();
            tokio::spawn(async move { j.users().myself().await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    assert_eq!(
        count(&sb, "POST", "/oauth/token").await,
        2,
        "one refresh for fifty callers"
    );
    let saved = store.0.lock().unwrap().clone();
    assert_eq!(saved.len(), 1, "the rotated token reached the store once");
    // The stored refresh token is the live one: it still works, once.
    let live = secrecy::SecretString::from(saved[0].clone());
    app.refresh(&live).await.unwrap();
}

#[tokio::test]
async fn a_401_forces_one_refresh_and_the_call_then_succeeds() {
    let (sb, app) = sandbox_with_app(&["read:jira-user", "offline_access"]).await;
    let token = app
        .exchange_code(&consent(&app, &["read:jira-user"]).await)
        .await
        .unwrap();
    let store = Arc::new(Saved::default());
    let jira = app
        .client(token, Some(store.clone()))
        .await
        .unwrap()
        .build()
        .unwrap();
    // The server's clock passes the hour; the client still thinks its token is fresh.
    let r = sb.post("/_sandbox/clock/advance", &json!({"by": "61m"})).await;
    assert!(r.status().is_success());
    let me = jira.users().myself().await.unwrap();
    assert_eq!(me.email_address.as_deref(), Some("admin@example.com"));
    assert_eq!(
        count(&sb, "POST", "/oauth/token").await,
        2,
        "exchange + one forced refresh"
    );
    assert_eq!(
        count(&sb, "GET", "/rest/api/3/myself").await,
        2,
        "the 401, then the retry"
    );
    assert_eq!(store.0.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_scope_mismatch_is_not_retried_and_surfaces_as_a_scope_error() {
    let (sb, app) = sandbox_with_app(&["read:jira-work", "read:jira-user", "offline_access"]).await;
    let token = app
        .exchange_code(&consent(&app, &["read:jira-work"]).await)
        .await
        .unwrap();
    let jira = app.client(token, None).await.unwrap().build().unwrap();
    let e = jira.users().myself().await.unwrap_err();
    assert!(e.is_scope_mismatch(), "{e:?}");
    assert!(e.is_auth() && !e.is_retryable());
    assert!(e.to_string().contains("scope does not match"), "{e}");
    assert_eq!(
        count(&sb, "POST", "/oauth/token").await,
        1,
        "no refresh for a scope error"
    );
    assert_eq!(count(&sb, "GET", "/rest/api/3/myself").await, 1, "no retry");
}

#[tokio::test]
async fn a_used_refresh_token_is_refused_without_showing_it() {
    let (_sb, app) = sandbox_with_app(&["read:jira-user", "offline_access"]).await;
    let t1 = app
        .exchange_code(&consent(&app, &["read:jira-user"]).await)
        .await
        .unwrap();
    let r1 = t1.refresh.clone().unwrap();
    let t2 = app.refresh(&r1).await.unwrap();
    assert_ne!(t2.refresh.as_ref().unwrap().expose_secret(), r1.expose_secret());
    let e = app.refresh(&r1).await.unwrap_err();
    assert!(e.is_auth(), "{e:?}");
    let text = format!("{e} {e:?}");
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(!text.contains(r1.expose_secret()), "{text}");
    // An expired token with no refresh token to renew it says what to do.
    let mut bare = app
        .exchange_code(&consent(&app, &["read:jira-user"]).await)
        .await
        .unwrap();
    bare.refresh = None;
    bare.expires_at = Some(tokio::time::Instant::now());
    let e = app.client(bare, None).await.unwrap_err();
    assert!(e.to_string().contains("authorize again"), "{e}");
}

/// Captures everything a fmt subscriber writes.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_stay_out_of_debug_errors_and_traces() {
    let (sb, app) = sandbox_with_app(&["read:jira-work", "read:jira-user", "offline_access"]).await;
    let buf = Buf::default();
    let w = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || w.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let code = consent(&app, &["read:jira-work"]).await;
    let token = app.exchange_code(&code).await.unwrap();
    let access = token.access.expose_secret().to_owned();
    let refresh = token.refresh.as_ref().unwrap().expose_secret().to_owned();
    let jira = app.client(token.clone(), None).await.unwrap().build().unwrap();
    let e = jira.users().myself().await.unwrap_err(); // a scope error
    sb.post("/_sandbox/clock/advance", &json!({"by": "2h"})).await;
    jira.request(Method::GET, "/rest/api/3/serverInfo")
        .send()
        .await
        .unwrap(); // forced refresh
    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains("jira.request"), "tracing was captured: {out}");
    let shown = format!("{out}\n{app:?}\n{jira:?}\n{token:?}\n{e}\n{e:?}");
    for secret in [SECRET, access.as_str(), refresh.as_str(), code.as_str()] {
        assert!(!shown.contains(secret), "a secret leaked: {secret}");
    }
}

#[tokio::test]
async fn a_connect_jwt_is_accepted_and_one_for_another_request_is_refused() {
    let sb = TestSandbox::start(Seed::Empty).await;
    let secret = "a-connect-shared-secret-32-chars-long";
    let r = sb
        .put(
            "/_sandbox/connect/apps/jk-connect",
            &json!({"sharedSecret": secret}),
        )
        .await;
    assert!(r.status().is_success());
    let now = fixed_now().as_second();
    let app = ConnectApp::new("jk-connect", secret).clock(Arc::new(move || now));
    let jira = Client::builder(sb.sandbox.url())
        .auth(Auth::Connect(Arc::new(app.clone())))
        .build()
        .unwrap();
    let me = jira.users().myself().await.unwrap();
    assert_eq!(me.email_address.as_deref(), Some("admin@example.com"));
    // A query takes part in the qsh: a search with parameters passes too.
    let found: Value = jira
        .request(Method::GET, "/rest/api/3/user/search")
        .query("query", "admin example")
        .query("maxResults", 5)
        .send_json()
        .await
        .unwrap();
    assert!(found.is_array(), "{found}");
    // A token made for one query, sent with another, is refused.
    let q = vec![("query".to_string(), "admin".to_string())];
    let jwt = app.token("GET", "/rest/api/3/user/search", &q).unwrap();
    let r = sb
        .http
        .get(sb.url("/rest/api/3/user/search?query=someone-else"))
        .header("Authorization", format!("JWT {}", jwt.expose_secret()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = sb
        .http
        .get(sb.url("/rest/api/3/user/search?query=admin"))
        .header("Authorization", format!("JWT {}", jwt.expose_secret()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the same token for its own request");
    // The wrong secret fails as an auth error.
    let forged =
        ConnectApp::new("jk-connect", "not-the-shared-secret-at-all-32-chars").clock(Arc::new(move || now));
    let wrong = Client::builder(sb.sandbox.url())
        .auth(Auth::Connect(Arc::new(forged)))
        .build()
        .unwrap();
    let e = wrong.users().myself().await.unwrap_err();
    assert!(e.is_auth(), "{e:?}");
}
