//! `linkedIssues()` over the issue links, and entity property clauses
//! (`issue.property[key].path`), end to end over HTTP.

use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

async fn refused(sb: &Sb, jql: &str) -> String {
    let (s, b) = sb
        .post("/rest/api/3/search/jql", json!({"jql": jql, "fields": ["key"]}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    b["errorMessages"][0].as_str().unwrap_or_default().to_string()
}

fn ks(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

async fn site() -> Sb {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("ABC").await;
    for s in ["One", "Two", "Three", "Four"] {
        sb.issue("ABC", s, "Task").await;
    }
    sb
}

/// `inward` blocks (or relates to...) `outward`, as the issueLink API reads it.
async fn link(sb: &Sb, kind: &str, inward: &str, outward: &str) {
    let (s, b) = sb
        .post(
            "/rest/api/3/issueLink",
            json!({"type": {"name": kind}, "inwardIssue": {"key": inward}, "outwardIssue": {"key": outward}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

#[tokio::test]
async fn linked_issues_follows_links_by_direction_and_type() {
    let sb = site().await;
    link(&sb, "Blocks", "ABC-1", "ABC-2").await;
    link(&sb, "Relates", "ABC-1", "ABC-3").await;

    assert_eq!(
        keys(&sb, "issue in linkedIssues(ABC-1)").await,
        ks(&["ABC-2", "ABC-3"])
    );
    assert_eq!(keys(&sb, "issue in linkedIssues(ABC-2)").await, ks(&["ABC-1"]));
    assert_eq!(
        keys(&sb, "issue in linkedIssues(ABC-1, blocks)").await,
        ks(&["ABC-2"])
    );
    assert_eq!(
        keys(&sb, "issue in linkedIssues(ABC-2, \"is blocked by\")").await,
        ks(&["ABC-1"])
    );
    assert!(keys(&sb, "issue in linkedIssues(ABC-2, blocks)").await.is_empty());
    assert_eq!(
        keys(&sb, "issue in linkedIssues(ABC-1, Blocks)").await,
        ks(&["ABC-2"])
    );
    assert_eq!(
        keys(&sb, "issue in linkedIssues(ABC-1, \"relates to\", \"blocks\")").await,
        ks(&["ABC-2", "ABC-3"])
    );
    assert_eq!(
        keys(&sb, "issue in linkedIssues(ABC-3, \"relates to\")").await,
        ks(&["ABC-1"])
    );
    assert_eq!(
        keys(&sb, "issue not in linkedIssues(ABC-1)").await,
        ks(&["ABC-1", "ABC-4"])
    );
    assert_eq!(keys(&sb, "issue in linkedWorkItems(ABC-3)").await, ks(&["ABC-1"]));
    assert_eq!(
        keys(&sb, "issue in linkedIssues(abc-1) AND summary ~ three").await,
        ks(&["ABC-3"])
    );
    assert!(keys(&sb, "issue in linkedIssues(ABC-4)").await.is_empty());

    // /jql/match answers the same.
    let (s, b) = sb
        .post(
            "/rest/api/3/jql/match",
            json!({"issueIds": [10000, 10001, 10002, 10003], "jqls": ["issue in linkedIssues(ABC-1, blocks)"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["matches"][0]["matchedIssues"], json!([10001]), "{b}");

    assert_eq!(
        refused(&sb, "issue in linkedIssues(ABC-99)").await,
        "Issue 'ABC-99' could not be found in function 'linkedIssues'."
    );
    assert_eq!(
        refused(&sb, "issue in linkedIssues(ABC-1, frobnicates)").await,
        "Issue link type 'frobnicates' could not be found in function 'linkedIssues'."
    );
    assert_eq!(
        refused(&sb, "issue in linkedIssues()").await,
        "Incorrect number of arguments for function 'linkedIssues'. Usage: 'linkedIssues ( issuekey [, linkDescription ]* )'."
    );

    // Removing the link removes the issue from the set.
    let (_, issue) = sb.get("/rest/api/3/issue/ABC-1?fields=issuelinks").await;
    let blocks = issue["fields"]["issuelinks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type"]["name"] == "Blocks")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, b) = sb.delete(&format!("/rest/api/3/issueLink/{blocks}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(keys(&sb, "issue in linkedIssues(ABC-1)").await, ks(&["ABC-3"]));
}

#[tokio::test]
async fn a_project_the_caller_cannot_browse_hides_the_issue_from_linked_issues() {
    let sb = Sb::start(Seed::Demo).await;
    let (_, mkt) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "project = MKT ORDER BY key ASC", "fields": ["key"], "maxResults": 1}),
        )
        .await;
    let key = mkt["issues"][0]["key"].as_str().unwrap().to_string();
    // Alice is not in the marketing group that may browse MKT.
    let (s, b) = read(
        sb.http
            .post(sb.url("/rest/api/3/search/jql"))
            .basic_auth("alice@example.com", Some("sandbox-alice-token"))
            .json(&json!({"jql": format!("issue in linkedIssues({key})")}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["errorMessages"][0],
        format!("Issue '{key}' could not be found in function 'linkedIssues'.")
    );
}

async fn set_property(sb: &Sb, key: &str, value: serde_json::Value) {
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/properties/com.acme.sync"),
            value,
        )
        .await;
    assert!(s.is_success(), "{s} {b}");
}

#[tokio::test]
async fn entity_property_clauses_compare_strings_numbers_arrays_and_words() {
    let sb = site().await;
    set_property(
        &sb,
        "ABC-1",
        json!({"externalId": "X-1", "count": 5, "tags": ["red", "blue"],
               "note": "Synced from the legacy tracker", "when": "2026-01-03", "done": true}),
    )
    .await;
    set_property(
        &sb,
        "ABC-2",
        json!({"externalId": "X-2", "count": 12, "tags": [], "done": false}),
    )
    .await;
    let p = "issue.property[com.acme.sync]";

    assert_eq!(
        keys(&sb, &format!("{p}.externalId = \"X-1\"")).await,
        ks(&["ABC-1"])
    );
    assert!(keys(&sb, &format!("{p}.externalId = \"x-1\"")).await.is_empty());
    assert_eq!(
        keys(&sb, &format!("{p}.externalId != \"X-1\"")).await,
        ks(&["ABC-2"])
    );
    assert_eq!(
        keys(&sb, &format!("{p}.externalId IN (\"X-1\", \"X-2\")")).await,
        ks(&["ABC-1", "ABC-2"])
    );
    assert_eq!(
        keys(&sb, &format!("{p}.externalId NOT IN (\"X-1\")")).await,
        ks(&["ABC-2"])
    );
    assert_eq!(
        keys(&sb, &format!("{p}.externalId IN (\"X-1\", EMPTY)")).await,
        ks(&["ABC-1", "ABC-3", "ABC-4"])
    );
    assert_eq!(keys(&sb, &format!("{p}.count > 6")).await, ks(&["ABC-2"]));
    assert_eq!(keys(&sb, &format!("{p}.count <= 5")).await, ks(&["ABC-1"]));
    assert_eq!(keys(&sb, &format!("{p}.count = 12")).await, ks(&["ABC-2"]));
    assert_eq!(
        keys(&sb, &format!("{p}.when >= \"2026-01-01\"")).await,
        ks(&["ABC-1"])
    );
    assert_eq!(keys(&sb, &format!("{p}.tags = red")).await, ks(&["ABC-1"]));
    assert_eq!(
        keys(&sb, &format!("{p}.tags IS EMPTY")).await,
        ks(&["ABC-2", "ABC-3", "ABC-4"])
    );
    assert_eq!(keys(&sb, &format!("{p}.tags IS NOT EMPTY")).await, ks(&["ABC-1"]));
    assert_eq!(keys(&sb, &format!("{p}.done = \"true\"")).await, ks(&["ABC-1"]));
    assert_eq!(keys(&sb, &format!("{p}.note ~ legacy")).await, ks(&["ABC-1"]));
    assert_eq!(
        keys(&sb, &format!("{p}.note ~ \"legacy track*\"")).await,
        ks(&["ABC-1"])
    );
    assert_eq!(
        keys(&sb, &format!("{p}.note !~ legacy")).await,
        ks(&["ABC-2", "ABC-3", "ABC-4"])
    );
    assert_eq!(keys(&sb, &format!("{p}.nothing IS EMPTY")).await.len(), 4);
    assert_eq!(
        keys(&sb, &format!("{p}.count > 1 AND summary ~ two")).await,
        ks(&["ABC-2"])
    );

    // Edits and deletions of the property show at once.
    set_property(&sb, "ABC-2", json!({"externalId": "X-1"})).await;
    assert_eq!(
        keys(&sb, &format!("{p}.externalId = \"X-1\"")).await,
        ks(&["ABC-1", "ABC-2"])
    );
    let (s, b) = sb
        .delete("/rest/api/3/issue/ABC-1/properties/com.acme.sync")
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(
        keys(&sb, &format!("{p}.externalId = \"X-1\"")).await,
        ks(&["ABC-2"])
    );

    // /jql/match evaluates property clauses too.
    let (s, b) = sb
        .post(
            "/rest/api/3/jql/match",
            json!({"issueIds": [10000, 10001], "jqls": [format!("{p}.externalId = \"X-1\"")]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["matches"][0]["matchedIssues"], json!([10001]), "{b}");

    for bad in [
        format!("{p}.count WAS 5"),
        format!("{p}.count IN 5"),
        format!("{p}.count > currentUser()"),
        "project.property[x].y = 1".to_string(),
        format!("project = ABC ORDER BY {p}.count"),
    ] {
        let msg = refused(&sb, &bad).await;
        assert!(!msg.is_empty(), "{bad}");
    }
}
