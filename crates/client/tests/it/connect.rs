use std::sync::{Arc, Mutex};

use jirakit::{Auth, Client, DeploymentKind};
use jirakit_sandbox::Seed;

use crate::support::*;

#[tokio::test]
async fn a_cloud_sandbox_is_detected_from_server_info_and_uses_v3() {
    let sb = sandbox(Seed::Empty).await;
    let jira = client(&sb);
    let d = jira.deployment().await.unwrap();
    assert_eq!(d.kind, DeploymentKind::Cloud);
    assert_eq!(d.api_root(), "/rest/api/3");
    let me = jira.users().myself().await.unwrap();
    assert_eq!(me.email_address.as_deref(), Some("admin@example.com"));
}

#[tokio::test]
async fn a_data_center_sandbox_on_localhost_is_detected_as_data_center_and_takes_a_pat() {
    let sb = dc_sandbox(Seed::Empty).await;
    let jira = pat_client(&sb);
    assert_eq!(jira.deployment().await.unwrap().kind, DeploymentKind::DataCenter);
    let me = jira.users().myself().await.unwrap();
    assert_eq!(me.name.as_deref(), Some("admin"));
}

#[tokio::test]
async fn a_wrong_token_is_an_auth_error_that_does_not_show_the_token() {
    let sb = sandbox(Seed::Empty).await;
    let jira = Client::builder(sb.sandbox.url())
        .auth(Auth::basic("admin@example.com", "wrong-secret-xyz"))
        .build()
        .unwrap();
    let e = jira.users().myself().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert!(!e.is_retryable());
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("wrong-secret-xyz"), "{shown}");
}

#[tokio::test]
async fn a_missing_issue_is_not_found_with_jiras_message() {
    let sb = sandbox(Seed::Demo).await;
    let e = client(&sb).issues().get("SHOP-999999").send().await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(!e.error_messages().is_empty(), "{e:?}");
    assert!(e.to_string().contains("/rest/api/3/issue/SHOP-999999"), "{e}");
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
async fn tracing_output_names_requests_but_never_the_token() {
    let sb = sandbox(Seed::Demo).await;
    let buf = Buf::default();
    let w = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || w.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let jira = client(&sb);
    jira.issues().get("SHOP-1").send().await.unwrap();
    let _ = jira.issues().get("NOPE-1").send().await;
    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains("jira.request"), "{out}");
    assert!(out.contains("/rest/api/3/issue/SHOP-1"), "{out}");
    let token = &sb.sandbox.config().api_token;
    assert!(!out.contains(token.as_str()), "the token leaked into traces");
    // Basic auth's base64 form must not leak either.
    assert!(!out.contains("Basic "), "{out}");
}

#[tokio::test]
async fn clones_share_the_detected_deployment() {
    let sb = sandbox(Seed::Empty).await;
    let a = client(&sb);
    let b = a.clone();
    a.deployment().await.unwrap();
    let before = request_count(&sb).await;
    b.deployment().await.unwrap();
    assert_eq!(
        request_count(&sb).await,
        before,
        "the clone asked serverInfo again"
    );
}

async fn request_count(sb: &jirakit_testkit::TestSandbox) -> usize {
    let v: serde_json::Value = sb
        .get("/_sandbox/requests")
        .await
        .json()
        .await
        .unwrap_or_default();
    let all = v.as_array().cloned().unwrap_or_default();
    all.iter()
        .filter(|e| e.to_string().contains("serverInfo"))
        .count()
}

/// Hands out a stale token first, then the real PAT: the client must refresh once on the 401.
struct Rotating {
    pat: String,
    calls: std::sync::atomic::AtomicUsize,
}

impl jirakit::TokenProvider for Rotating {
    fn fetch<'a>(
        &'a self,
        _previous: Option<&'a jirakit::Token>,
    ) -> futures_util::future::BoxFuture<'a, Result<jirakit::Token, jirakit::Error>> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let t = if n == 0 {
                "stale-token-0".to_owned()
            } else {
                self.pat.clone()
            };
            Ok(jirakit::Token::new(t, Some(std::time::Duration::from_secs(3600))))
        })
    }
}

#[tokio::test]
async fn a_401_with_a_provider_token_forces_exactly_one_refresh() {
    let sb = dc_sandbox(Seed::Empty).await;
    let provider = Arc::new(Rotating {
        pat: sb.sandbox.config().pat.clone(),
        calls: Default::default(),
    });
    struct Shared(Arc<Rotating>);
    impl jirakit::TokenProvider for Shared {
        fn fetch<'a>(
            &'a self,
            previous: Option<&'a jirakit::Token>,
        ) -> futures_util::future::BoxFuture<'a, Result<jirakit::Token, jirakit::Error>> {
            self.0.fetch(previous)
        }
    }
    let jira = Client::builder(sb.sandbox.url())
        .auth(Auth::provider(Shared(provider.clone())))
        .build()
        .unwrap();
    let me = jira.users().myself().await.unwrap();
    assert_eq!(me.name.as_deref(), Some("admin"));
    assert_eq!(provider.calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}
