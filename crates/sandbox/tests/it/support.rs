//! A sandbox on port 0 and a small HTTP helper around it.

use jirakit_sandbox::{Config, RunningSandbox, Seed};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub struct Sb {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub auth: (String, String),
}

pub fn fixed_now() -> jiff::Timestamp {
    "2026-01-05T09:00:00Z".parse().unwrap()
}

impl Sb {
    pub async fn start(seed: Seed) -> Sb {
        Sb::with(Config {
            seed,
            frozen_at: Some(fixed_now()),
            ..Config::default()
        })
        .await
    }

    pub async fn with(config: Config) -> Sb {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sandbox = jirakit_sandbox::spawn(config).await.expect("the sandbox starts");
        let c = sandbox.config();
        let auth = (c.email.clone(), c.api_token.clone());
        Sb {
            sandbox,
            http: reqwest::Client::new(),
            auth,
        }
    }

    /// Turns off the Jira-like rate limits, for tests that send many requests on a frozen clock
    /// (a frozen clock never refills the buckets).
    pub async fn without_limits(&self) {
        let (s, b) = self
            .put(
                "/_sandbox/limits",
                json!({"burst_per_second": null, "issue_writes": null}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .basic_auth(&self.auth.0, Some(&self.auth.1))
    }

    /// Sends and returns the status with the body parsed as JSON (`Value::Null` when empty).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut r = self.req(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        read(r.send().await.expect("sent")).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// A project `key` from the scrum template, created as the admin.
    pub async fn project(&self, key: &str) {
        let (s, b) = self
            .post(
                "/rest/api/3/project",
                json!({"key": key, "name": format!("Project {key}"), "projectTypeKey": "software",
                       "projectTemplateKey": "com.pyxis.greenhopper.jira:gh-simplified-scrum-classic"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }

    /// Creates an issue through v2 and returns its key.
    pub async fn issue(&self, project: &str, summary: &str, kind: &str) -> String {
        let (s, b) = self
            .post(
                "/rest/api/2/issue",
                json!({"fields": {"project": {"key": project}, "summary": summary, "issuetype": {"name": kind}}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["key"].as_str().unwrap().to_string()
    }
}

pub async fn read(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// Asserts a Jira-shaped error body with the given status.
pub fn assert_jira_error(status: StatusCode, body: &Value, want: StatusCode) {
    assert_eq!(status, want, "{body}");
    assert!(body["errorMessages"].is_array(), "errorMessages missing: {body}");
    assert!(body["errors"].is_object(), "errors missing: {body}");
}

/// The keys of project ABC's issues matching `jql`, in key order (search/jql, v3).
pub async fn keys(sb: &Sb, jql: &str) -> Vec<String> {
    let (s, b) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": format!("project = ABC AND ({jql}) ORDER BY key ASC"), "fields": ["key"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{jql}: {b}");
    b["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}
