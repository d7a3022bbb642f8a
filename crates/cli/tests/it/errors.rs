//! Each kind of failure has its exit code and a message on stderr, nothing on stdout.

use serde_json::json;

use crate::Env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_map_to_their_exit_codes() {
    let env = Env::demo().await;

    let bad_flag = env.jk(&["issue", "list", "--no-such-flag"]).await;
    assert_eq!(bad_flag.code, 2, "{}", bad_flag.stderr);
    let bad_cmd = env.jk(&["isue"]).await;
    assert_eq!(bad_cmd.code, 2);
    let help = env.jk(&["--help"]).await;
    assert_eq!(help.code, 0);

    let codes = env.jk(&["help", "exit-codes"]).await;
    codes.ok();
    insta::assert_snapshot!("exit_codes", codes.stdout);

    // Bad JQL: Jira's message, then the query with a caret under the position Jira gave.
    let jql = env.jk(&["search", "project = SHOP AND summary query"]).await;
    assert_eq!(jql.code, 6, "{}", jql.stderr);
    assert!(jql.stdout.is_empty());
    insta::assert_snapshot!("bad_jql", jql.stderr.replace(|c: char| c.is_ascii_digit(), "N"));
    let caret_line = jql
        .stderr
        .lines()
        .find(|l| l.trim() == "^")
        .expect("a caret line");
    let query_line = jql
        .stderr
        .lines()
        .find(|l| l.trim() == "project = SHOP AND summary query")
        .unwrap();
    assert_eq!(
        &query_line[caret_line.len() - 1..caret_line.len() + 4],
        "query",
        "{}",
        jql.stderr
    );

    // Bad -q is caught before it is sent, with the same caret.
    let local = env.jk(&["issue", "list", "-p", "SHOP", "-q", "status = "]).await;
    assert_eq!(local.code, 2, "{}", local.stderr);
    assert!(local.stderr.contains('^'), "{}", local.stderr);

    let missing = env.jk(&["issue", "view", "SHOP-999999"]).await;
    assert_eq!(missing.code, 5, "{}", missing.stderr);
    assert!(missing.stderr.contains("404"), "{}", missing.stderr);

    let url = env.url();
    let wrong = env
        .run(
            &["me"],
            &[
                ("JIRA_BASE_URL", url.as_str()),
                ("JIRA_EMAIL", "admin@example.com"),
                ("JIRA_API_TOKEN", "wrong-token-123"),
            ],
            None,
        )
        .await;
    assert_eq!(wrong.code, 4, "{}", wrong.stderr);
    assert!(
        !wrong.stderr.contains("wrong-token-123"),
        "the secret leaked: {}",
        wrong.stderr
    );

    let nobody = env.run(&["me"], &[], None).await;
    assert_eq!(
        nobody.code, 2,
        "not logged in is a configuration error: {}",
        nobody.stderr
    );
    assert!(nobody.stderr.contains("jk auth login"), "{}", nobody.stderr);

    let bad_field = env
        .jk(&["issue", "list", "-p", "SHOP", "--json", "key,nope"])
        .await;
    assert_eq!(bad_field.code, 2);
    assert!(
        bad_field.stderr.contains("summary"),
        "lists the fields: {}",
        bad_field.stderr
    );

    let unreachable = env
        .run(
            &["me"],
            &[
                ("JIRA_BASE_URL", "http://127.0.0.1:9"),
                ("JIRA_PAT", "x"),
                ("JK_MAX_RETRIES", "0"),
            ],
            None,
        )
        .await;
    assert_eq!(unreachable.code, 8, "{}", unreachable.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limiting_is_retried_then_exits_7() {
    let env = Env::demo().await;
    env.sb.delete("/_sandbox/requests").await;
    let rule = json!({"rules": [{"method": "GET", "path": "/rest/api/*/issue/SHOP-2", "count": 2, "action": {"status": 429}}]});
    assert!(env.sb.put("/_sandbox/faults", &rule).await.status().is_success());
    let url = env.url();
    let vars = [
        ("JIRA_BASE_URL", url.as_str()),
        ("JIRA_EMAIL", "admin@example.com"),
        ("JIRA_API_TOKEN", "sandbox-admin-token"),
        ("JK_MAX_RETRIES", "1"),
    ];
    // Two 429s, one retry: the retry also meets a 429, so jk gives up with 7.
    let limited = env
        .run(&["issue", "view", "SHOP-2", "--json", "key"], &vars, None)
        .await;
    assert_eq!(limited.code, 7, "{}", limited.stderr);
    assert!(limited.stdout.is_empty());
    let log: serde_json::Value = env.sb.get("/_sandbox/requests").await.json().await.unwrap();
    let tries = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/issue/SHOP-2")))
        .map(|r| r["status"].as_u64().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(tries, vec![429, 429], "one request and one retry");
    // The rule is used up: the next run succeeds.
    let ok = env
        .run(&["issue", "view", "SHOP-2", "--json", "key"], &vars, None)
        .await;
    ok.ok();
    assert_eq!(ok.json()["key"], "SHOP-2");
}
