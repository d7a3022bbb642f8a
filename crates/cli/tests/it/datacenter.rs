//! `jk` against a Data Center sandbox with `JIRA_PAT`: Bearer auth, /rest/api/2, `/search` with
//! offset paging, bodies sent as wiki markup and shown back as text.

use serde_json::Value;

use crate::Env;

impl Env {
    /// Runs `jk` with the sandbox's PAT in JIRA_PAT.
    async fn jk_pat(&self, args: &[&str]) -> crate::Run {
        let url = self.url();
        let pat = self.sb.sandbox.config().pat.clone();
        self.run(
            args,
            &[("JIRA_BASE_URL", url.as_str()), ("JIRA_PAT", pat.as_str())],
            None,
        )
        .await
    }

    /// An issue as Data Center serves it (v2), read with the PAT.
    async fn dc_issue(&self, key: &str) -> Value {
        self.sb
            .http
            .get(self.sb.url(&format!("/rest/api/2/issue/{key}")))
            .bearer_auth(&self.sb.sandbox.config().pat)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn dc_requests(&self) -> Vec<Value> {
        let v: Value = self
            .sb
            .http
            .get(self.sb.url("/_sandbox/requests"))
            .bearer_auth(&self.sb.sandbox.config().pat)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v.as_array().cloned().unwrap_or_default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jk_works_against_data_center_with_a_pat() {
    let env = Env::dc().await;

    let me = env.jk_pat(&["me", "--json", "name,emailAddress"]).await;
    me.ok();
    assert_eq!(me.json()["name"], "admin", "{}", me.stdout);

    // Lists and search page with startAt past Jira's page size of 100.
    let all = env
        .jk_pat(&["search", "project = SHOP", "--all", "--jq", "length"])
        .await;
    all.ok();
    let n: usize = all.stdout.trim().parse().unwrap();
    assert!(n > 100, "{n}");
    let list = env
        .jk_pat(&["issue", "list", "-p", "SHOP", "-L", "5", "--json", "key,status"])
        .await;
    list.ok();
    assert_eq!(list.json().as_array().unwrap().len(), 5);
    let log = env.dc_requests().await;
    let paths: Vec<&str> = log.iter().filter_map(|r| r["path"].as_str()).collect();
    assert!(paths.contains(&"/rest/api/2/search"), "{paths:?}");
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("/rest/api/3/") || p.ends_with("/search/jql")),
        "Data Center has no v3 and no /search/jql: {paths:?}"
    );
    // Offset paging (startAt in the POST body): one request per page of 100.
    let pages = log.iter().filter(|r| r["path"] == "/rest/api/2/search").count();
    assert!(pages > n / 100, "{pages} search requests for {n} issues");

    // Create with a Markdown body: Data Center stores wiki markup.
    let created = env
        .jk_pat(&[
            "issue",
            "create",
            "-p",
            "SHOP",
            "-t",
            "Task",
            "-s",
            "Made on Data Center",
            "-b",
            "Some **bold** text and `code`.",
            "--json",
            "key,url",
        ])
        .await;
    created.ok();
    let key = created.json()["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("SHOP-"), "{key}");
    let issue = env.dc_issue(&key).await;
    let desc = issue["fields"]["description"].as_str().expect("v2: a string");
    assert!(desc.contains("*bold*") && desc.contains("{{code}}"), "{desc}");

    // View shows it back as readable text.
    let view = env.jk_pat(&["issue", "view", &key]).await;
    view.ok();
    assert!(view.stdout.contains("Made on Data Center"), "{}", view.stdout);
    assert!(view.stdout.contains("bold"), "{}", view.stdout);
    let viewed = env
        .jk_pat(&["issue", "view", &key, "--json", "key,summary,status"])
        .await;
    viewed.ok();
    assert_eq!(viewed.json()["summary"], "Made on Data Center");

    // Comment, also as wiki markup.
    let c = env
        .jk_pat(&[
            "issue",
            "comment",
            &key,
            "-b",
            "A _quick_ note",
            "--json",
            "id,issue",
        ])
        .await;
    c.ok();
    assert_eq!(c.json()["issue"], key.as_str());
    let issue = env.dc_issue(&key).await;
    let comments = issue["fields"]["comment"]["comments"].as_array().unwrap();
    let body = comments.last().unwrap()["body"].as_str().expect("v2: a string");
    assert!(body.contains("_quick_"), "{body}");

    // Move through the workflow.
    let moved = env.jk_pat(&["issue", "move", &key, "In Progress"]).await;
    moved.ok();
    let issue = env.dc_issue(&key).await;
    assert_eq!(issue["fields"]["status"]["name"], "In Progress");

    // Every request went out with the PAT as a Bearer token, to v2 only.
    let log = env.dc_requests().await;
    assert!(log.iter().all(|r| r["status"].as_u64() != Some(401)), "{log:?}");
    assert!(
        log.iter()
            .filter_map(|r| r["path"].as_str())
            .filter(|p| p.starts_with("/rest/api/"))
            .all(|p| p.starts_with("/rest/api/2/")),
        "{log:?}"
    );

    // A wrong PAT: exit 4; a missing issue: exit 5.
    let url = env.url();
    let wrong = env
        .run(
            &["me"],
            &[("JIRA_BASE_URL", url.as_str()), ("JIRA_PAT", "not-the-pat")],
            None,
        )
        .await;
    assert_eq!(wrong.code, 4, "{}", wrong.stderr);
    let missing = env.jk_pat(&["issue", "view", "SHOP-999999"]).await;
    assert_eq!(missing.code, 5, "{}", missing.stderr);
}
