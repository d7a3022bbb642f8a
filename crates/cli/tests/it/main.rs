//! End to end: the real `jk` binary against a real sandbox on port 0, credentials by env.

mod commands;
mod datacenter;
mod errors;
mod oauth;
mod profiles;

use std::path::Path;

use jirakit_sandbox::{Config, Mode, Seed};
use jirakit_testkit::TestSandbox;
use serde_json::{json, Value};

pub struct Env {
    pub sb: TestSandbox,
    pub home: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    #[track_caller]
    pub fn ok(&self) -> &Run {
        assert_eq!(self.code, 0, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }
}

impl Env {
    /// The demo site, with the rate limits off so only the limit test meets them.
    pub async fn demo() -> Env {
        let sb = TestSandbox::start(Seed::Demo).await;
        let r = sb
            .put(
                "/_sandbox/limits",
                &json!({"burst_per_second": null, "issue_writes": null}),
            )
            .await;
        assert!(r.status().is_success());
        Env {
            sb,
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// The demo site in Data Center mode (PAT Bearer, /rest/api/2, offset paging, wiki markup),
    /// rate limits off.
    pub async fn dc() -> Env {
        let sb = TestSandbox::with_config(Config {
            mode: Mode::DataCenter,
            seed: Seed::Demo,
            frozen_at: Some(jirakit_testkit::fixed_now()),
            ..Config::default()
        })
        .await;
        let r = sb
            .http
            .put(sb.url("/_sandbox/limits"))
            .bearer_auth(&sb.sandbox.config().pat)
            .json(&json!({"burst_per_second": null, "issue_writes": null}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        Env {
            sb,
            home: tempfile::tempdir().unwrap(),
        }
    }

    pub fn url(&self) -> String {
        self.sb.sandbox.url().to_string()
    }

    /// Runs `jk` with the sandbox's admin in JIRA_* variables.
    pub async fn jk(&self, args: &[&str]) -> Run {
        let url = self.url();
        self.run(
            args,
            &[
                ("JIRA_BASE_URL", url.as_str()),
                ("JIRA_EMAIL", "admin@example.com"),
                ("JIRA_API_TOKEN", "sandbox-admin-token"),
            ],
            None,
        )
        .await
    }

    /// Runs `jk` with exactly these JIRA_*/JK_* variables and optional stdin.
    pub async fn run(&self, args: &[&str], vars: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_jk"));
        cmd.args(args)
            .env_remove("JIRA_BASE_URL")
            .env_remove("JIRA_EMAIL")
            .env_remove("JIRA_API_TOKEN")
            .env_remove("JIRA_PAT")
            .env_remove("JK_PROFILE")
            .env_remove("JK_FORCE_TTY")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("JK_KEYRING")
            .env_remove("JK_OAUTH_CLIENT_ID")
            .env_remove("JK_OAUTH_CLIENT_SECRET")
            .env_remove("JK_OAUTH_AUTH_URL")
            .env_remove("JK_OAUTH_API_URL")
            // No test reaches a real keyring: with no session bus, `auto` falls back to the file.
            .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
            .env("HOME", self.home.path())
            .env("JK_CONFIG_DIR", self.config_dir())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("jk starts");
        {
            use tokio::io::AsyncWriteExt;
            let mut input = child.stdin.take().unwrap();
            if let Some(s) = stdin {
                // A jk that refuses its flags exits before reading stdin: not the test's failure.
                if let Err(e) = input.write_all(s.as_bytes()).await {
                    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
                }
            }
        }
        let out = child.wait_with_output().await.unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn config_dir(&self) -> std::path::PathBuf {
        self.home.path().join("jkconfig")
    }

    pub async fn issue(&self, key: &str) -> Value {
        self.sb
            .get(&format!("/rest/api/3/issue/{key}"))
            .await
            .json()
            .await
            .unwrap()
    }
}

/// A D-Bus address where no bus listens.
pub const NO_BUS: &str = "unix:path=/nonexistent/jk-test-no-bus";

/// Replaces the sandbox's port so snapshots are stable.
pub fn stable(env: &Env, s: &str) -> String {
    s.replace(&env.url(), "http://SANDBOX")
}

#[allow(dead_code)]
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}
