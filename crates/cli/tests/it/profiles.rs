//! `jk auth`: profiles for several sites, secrets in a 0600 file, never printed but by `token`.

use crate::{mode, Env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_status_switch_token_and_logout() {
    let env = Env::demo().await;
    let url = env.url();
    let token = "sandbox-admin-token";

    let bad = env
        .run(
            &[
                "auth",
                "login",
                "--url",
                &url,
                "--email",
                "admin@example.com",
                "--name",
                "bad",
            ],
            &[],
            Some("not-the-token"),
        )
        .await;
    assert_eq!(
        bad.code, 4,
        "a wrong secret is refused before it is saved: {}",
        bad.stderr
    );
    assert!(!env.config_dir().join("config.json").exists());

    env.run(
        &[
            "auth",
            "login",
            "--url",
            &url,
            "--email",
            "admin@example.com",
            "--name",
            "cloud",
        ],
        &[],
        Some(token),
    )
    .await
    .ok();
    env.run(
        &["auth", "login", "--url", &url, "--pat", "--name", "dc"],
        &[],
        Some("sandbox-admin-pat\n"),
    )
    .await
    .ok();
    let creds = env.config_dir().join("credentials.json");
    assert_eq!(mode(&creds), 0o600);
    assert_eq!(mode(&env.config_dir().join("config.json")), 0o600);
    let config = std::fs::read_to_string(env.config_dir().join("config.json")).unwrap();
    assert!(
        !config.contains(token) && !config.contains("sandbox-admin-pat"),
        "secrets stay out of config.json"
    );

    // The last login is current; profiles answer without any JIRA_* variable.
    let status = env.run(&["auth", "status"], &[], None).await;
    status.ok();
    assert!(
        status.stdout.contains("* dc") && status.stdout.contains("check: ok"),
        "{}",
        status.stdout
    );
    assert!(!status.stdout.contains(token) && !status.stderr.contains(token));
    assert!(!status.stdout.contains("sandbox-admin-pat"));
    // Not in traces either, at the most verbose level.
    let traced = env.run(&["auth", "status"], &[("JK_LOG", "trace")], None).await;
    traced.ok();
    assert!(
        traced.stderr.contains("jira.request"),
        "tracing was on: {}",
        traced.stderr
    );
    assert!(!traced.stderr.contains("sandbox-admin-pat") && !traced.stdout.contains("sandbox-admin-pat"));
    assert!(config.contains("\"deployment\": \"cloud\""), "{config}");
    env.sb.delete("/_sandbox/requests").await;
    let me = env.run(&["me", "--json", "emailAddress"], &[], None).await;
    me.ok();
    assert_eq!(me.json()["emailAddress"], "admin@example.com");
    // The profile knows the deployment: one request, no serverInfo round trip.
    let log: serde_json::Value = env.sb.get("/_sandbox/requests").await.json().await.unwrap();
    let paths: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert_eq!(paths, vec!["/rest/api/3/myself"]);

    env.run(&["auth", "switch", "cloud"], &[], None).await.ok();
    let t = env.run(&["auth", "token"], &[], None).await;
    t.ok();
    assert_eq!(t.stdout.trim(), token);
    let t = env.run(&["auth", "token", "--profile", "dc"], &[], None).await;
    assert_eq!(t.stdout.trim(), "sandbox-admin-pat");

    // The environment takes the place of the current profile; --profile beats the environment.
    let envd = env
        .run(
            &["auth", "status", "--json", "active", "--jq", ".active.source"],
            &[("JIRA_BASE_URL", &url), ("JIRA_PAT", "sandbox-admin-pat")],
            None,
        )
        .await;
    envd.ok();
    assert_eq!(envd.stdout.trim(), "env");
    let picked = env
        .run(
            &["auth", "status", "--profile", "cloud", "--jq", ".active.source"],
            &[("JIRA_BASE_URL", &url), ("JIRA_PAT", "x")],
            None,
        )
        .await;
    assert_eq!(picked.stdout.trim(), "cloud");

    assert_eq!(env.run(&["auth", "switch", "nope"], &[], None).await.code, 2);
    env.run(&["auth", "logout", "cloud"], &[], None).await.ok();
    let left = std::fs::read_to_string(&creds).unwrap();
    assert!(!left.contains(token), "logout removes the secret");
    let status = env.run(&["auth", "status", "--json", "current"], &[], None).await;
    assert_eq!(status.json()["current"], "dc");
}
