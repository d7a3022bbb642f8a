//! Test helpers: a sandbox on port 0 with its admin's credentials and a ready HTTP client.
//!
//! ```no_run
//! # async fn t() {
//! let sb = jirakit_testkit::TestSandbox::start(jirakit_sandbox::Seed::Empty).await;
//! let me: serde_json::Value = sb.get("/rest/api/3/myself").await.json().await.unwrap();
//! assert_eq!(me["emailAddress"], "admin@example.com");
//! # }
//! ```

use jirakit_sandbox::{Config, RunningSandbox, Seed};

/// A sandbox running in this process, torn down on drop of the runtime.
pub struct TestSandbox {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
}

impl TestSandbox {
    /// A fresh in-memory sandbox with the given seed, the clock frozen at 2026-01-05T09:00:00Z.
    pub async fn start(seed: Seed) -> TestSandbox {
        Self::with_config(Config {
            seed,
            frozen_at: Some(fixed_now()),
            ..Config::default()
        })
        .await
    }

    pub async fn with_config(config: Config) -> TestSandbox {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sandbox = jirakit_sandbox::spawn(config).await.expect("the sandbox starts");
        TestSandbox {
            sandbox,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    /// A request as the admin (Basic email:token).
    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let c = self.sandbox.config();
        self.http
            .request(method, self.url(path))
            .basic_auth(&c.email, Some(&c.api_token))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.req(reqwest::Method::GET, path)
            .send()
            .await
            .expect("the request is sent")
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.req(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("the request is sent")
    }

    pub async fn put(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.req(reqwest::Method::PUT, path)
            .json(body)
            .send()
            .await
            .expect("the request is sent")
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.req(reqwest::Method::DELETE, path)
            .send()
            .await
            .expect("the request is sent")
    }
}

/// The instant tests freeze the clock at.
pub fn fixed_now() -> jiff::Timestamp {
    "2026-01-05T09:00:00Z".parse().expect("a valid timestamp")
}
