//! JQL evaluation: history operators, issue functions and the JQL helper endpoints.

use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

async fn transition_to(sb: &Sb, key: &str, name: &str) {
    let (_, t) = sb.get(&format!("/rest/api/3/issue/{key}/transitions")).await;
    let id = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()["id"]
        .clone();
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"transition": {"id": id}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
}

async fn advance(sb: &Sb, by: &str) {
    let (s, b) = sb.post("/_sandbox/clock/advance", json!({ "by": by })).await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

/// ABC-1 is created on Monday 2026-01-05 09:00 UTC, moves to In Progress on Tuesday 09:00 and
/// to Done on Wednesday 09:00; ABC-2 is created on Monday and never changes. The clock ends on
/// Wednesday 09:00.
async fn history_site() -> Sb {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    sb.issue("ABC", "Moves", "Task").await;
    sb.issue("ABC", "Stays", "Task").await;
    advance(&sb, "1d").await;
    transition_to(&sb, "ABC-1", "In Progress").await;
    advance(&sb, "1d").await;
    transition_to(&sb, "ABC-1", "Done").await;
    sb
}

#[tokio::test]
async fn was_counts_the_value_an_issue_was_created_with() {
    let sb = history_site().await;
    assert_eq!(keys(&sb, "status WAS \"To Do\"").await, ["ABC-1", "ABC-2"]);
    assert_eq!(keys(&sb, "status WAS \"In Progress\"").await, ["ABC-1"]);
    assert_eq!(keys(&sb, "status WAS NOT Done").await, ["ABC-2"]);
    assert_eq!(
        keys(&sb, "status WAS IN (Done, \"In Progress\")").await,
        ["ABC-1"]
    );
    assert_eq!(
        keys(&sb, "status WAS NOT IN (Done, \"In Progress\")").await,
        ["ABC-2"]
    );
    assert_eq!(keys(&sb, "resolution WAS EMPTY").await, ["ABC-1", "ABC-2"]);
    assert_eq!(keys(&sb, "resolution WAS Unresolved").await, ["ABC-1", "ABC-2"]);
}

#[tokio::test]
async fn changed_needs_a_real_change_not_the_initial_value() {
    let sb = history_site().await;
    assert_eq!(keys(&sb, "status CHANGED").await, ["ABC-1"]);
    assert!(keys(&sb, "assignee CHANGED").await.is_empty());
    assert_eq!(keys(&sb, "resolution CHANGED TO Done").await, ["ABC-1"]);
    assert_eq!(
        keys(&sb, "status CHANGED FROM \"To Do\" TO \"In Progress\"").await,
        ["ABC-1"]
    );
    assert!(keys(&sb, "status CHANGED FROM Done").await.is_empty());
    assert_eq!(keys(&sb, "status CHANGED BY currentUser()").await, ["ABC-1"]);
}

#[tokio::test]
async fn before_takes_the_start_of_the_day_and_after_its_end() {
    let sb = history_site().await;
    // In Progress began Tuesday 09:00: not before Tuesday 00:00, but before Wednesday.
    assert!(keys(&sb, "status WAS \"In Progress\" BEFORE \"2026-01-06\"")
        .await
        .is_empty());
    assert_eq!(
        keys(&sb, "status WAS \"In Progress\" BEFORE \"2026-01-07\"").await,
        ["ABC-1"]
    );
    // A change on Tuesday is not AFTER Tuesday: AFTER starts at the end of the day.
    assert!(
        keys(&sb, "status CHANGED TO \"In Progress\" AFTER \"2026-01-06\"")
            .await
            .is_empty()
    );
    assert_eq!(
        keys(&sb, "status CHANGED TO Done AFTER \"2026-01-06\"").await,
        ["ABC-1"]
    );
    assert_eq!(
        keys(&sb, "status CHANGED TO \"In Progress\" ON \"2026-01-06\"").await,
        ["ABC-1"]
    );
    assert_eq!(
        keys(&sb, "status CHANGED DURING (\"2026-01-06\", \"2026-01-06\")").await,
        ["ABC-1"]
    );
    // A minute precision and a function instant.
    assert_eq!(
        keys(
            &sb,
            "status CHANGED TO \"In Progress\" AFTER \"2026-01-06 08:59\""
        )
        .await,
        ["ABC-1"]
    );
    assert!(keys(
        &sb,
        "status CHANGED TO \"In Progress\" AFTER \"2026-01-06 09:00\""
    )
    .await
    .is_empty());
    assert_eq!(keys(&sb, "status CHANGED AFTER startOfDay()").await, ["ABC-1"]);
    // -1d has day precision: AFTER -1d (yesterday) means from today 00:00.
    assert_eq!(keys(&sb, "status CHANGED TO Done AFTER -1d").await, ["ABC-1"]);
    assert!(keys(&sb, "status CHANGED TO \"In Progress\" AFTER -1d")
        .await
        .is_empty());
    // WAS AFTER: the value was still held after the range.
    assert_eq!(
        keys(&sb, "status WAS \"To Do\" AFTER \"2026-01-05\"").await,
        ["ABC-1", "ABC-2"]
    );
    assert_eq!(
        keys(&sb, "status WAS \"To Do\" AFTER \"2026-01-06\"").await,
        ["ABC-2"]
    );
    assert_eq!(
        keys(&sb, "status WAS \"In Progress\" ON \"2026-01-06\"").await,
        ["ABC-1"]
    );
    assert!(keys(&sb, "status WAS \"In Progress\" ON \"2026-01-05\"")
        .await
        .is_empty());
}

#[tokio::test]
async fn history_search_refuses_fields_without_a_changelog() {
    let sb = history_site().await;
    let (s, b) = sb
        .post("/rest/api/3/search/jql", json!({"jql": "summary WAS x"}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["errorMessages"][0],
        "History searches do not support the 'summary' field."
    );
    let (s, b) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "status WAS Done FROM \"To Do\""}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn updated_by_and_issue_history_read_the_changelog() {
    let sb = history_site().await;
    let (_, me) = sb.get("/rest/api/3/myself").await;
    let id = me["accountId"].as_str().unwrap();
    assert_eq!(
        keys(&sb, &format!("issuekey IN updatedBy(\"{id}\")")).await,
        ["ABC-1", "ABC-2"]
    );
    assert_eq!(
        keys(&sb, &format!("issuekey IN updatedBy(\"{id}\", \"2026-01-06\")")).await,
        ["ABC-1"]
    );
    assert_eq!(keys(&sb, "issuekey IN issueHistory()").await, ["ABC-1", "ABC-2"]);
    assert_eq!(keys(&sb, "key IN workItemHistory()").await, ["ABC-1", "ABC-2"]);
    // The creator watches each new issue (the watchers table, from issue 3).
    assert_eq!(keys(&sb, "issuekey IN watchedIssues()").await, ["ABC-1", "ABC-2"]);
    assert_eq!(
        keys(&sb, "issuekey NOT IN votedWorkItems()").await,
        ["ABC-1", "ABC-2"]
    );
}

#[tokio::test]
async fn keys_compare_by_number_within_the_referenced_project() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    sb.project("XYZ").await;
    for _ in 0..3 {
        sb.issue("ABC", "a", "Task").await;
        sb.issue("XYZ", "x", "Task").await;
    }
    let (_, b) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "key > ABC-1 ORDER BY key", "fields": ["key"]}),
        )
        .await;
    let got: Vec<&str> = b["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["ABC-2", "ABC-3"]);
    let (_, b) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "key <= ABC-99", "fields": ["key"]}),
        )
        .await;
    assert!(b["issues"].as_array().unwrap().is_empty(), "{b}");
}

#[tokio::test]
async fn attachments_and_unresolved_are_searchable() {
    let sb = history_site().await;
    assert_eq!(keys(&sb, "attachments IS EMPTY").await, ["ABC-1", "ABC-2"]);
    assert!(keys(&sb, "attachments IS NOT EMPTY").await.is_empty());
    assert_eq!(keys(&sb, "resolution = Unresolved").await, ["ABC-2"]);
    assert_eq!(keys(&sb, "resolution IS EMPTY").await, ["ABC-2"]);
}

#[tokio::test]
async fn unquoted_numbers_on_date_fields_are_epoch_milliseconds() {
    let sb = history_site().await;
    // Monday 2026-01-05 09:00 UTC is 1767603600000.
    assert_eq!(keys(&sb, "created >= 1767603600000").await, ["ABC-1", "ABC-2"]);
    assert!(keys(&sb, "created > 1767603600000").await.is_empty());
}

#[tokio::test]
async fn jql_parse_returns_the_structure_or_errors() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let (s, b) = sb
        .post(
            "/rest/api/3/jql/parse",
            json!({"queries": [
                "project = ABC AND (status WAS IN (Done) BY currentUser() OR labels IS EMPTY) ORDER BY created DESC",
                "summary query",
                "nosuch = 1"
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let q = &b["queries"];
    let w = &q[0]["structure"]["where"];
    assert_eq!(w["operator"], "and");
    assert_eq!(w["clauses"][0]["field"]["name"], "project");
    assert_eq!(w["clauses"][0]["operand"]["value"], "ABC");
    let was = &w["clauses"][1]["clauses"][0];
    assert_eq!(was["operator"], "was in");
    assert_eq!(was["operand"]["values"][0]["value"], "Done");
    assert_eq!(was["predicates"][0]["operator"], "by");
    assert_eq!(was["predicates"][0]["operand"]["function"], "currentUser");
    assert_eq!(w["clauses"][1]["clauses"][1]["operand"]["keyword"], "empty");
    assert_eq!(q[0]["structure"]["orderBy"]["fields"][0]["direction"], "desc");
    let err = q[1]["errors"][0].as_str().unwrap();
    assert!(
        err.starts_with("Error in the JQL Query: Expecting operator"),
        "{err}"
    );
    assert!(q[1].get("structure").is_none());
    assert!(q[2]["errors"][0].as_str().unwrap().contains("'nosuch'"), "{b}");

    let (_, warn) = sb
        .post(
            "/rest/api/3/jql/parse?validation=warn",
            json!({"queries": ["nosuch = 1"]}),
        )
        .await;
    assert!(warn["queries"][0]["structure"]["where"].is_object(), "{warn}");
    assert!(warn["queries"][0]["warnings"][0].is_string(), "{warn}");
    let (_, none) = sb
        .post(
            "/rest/api/3/jql/parse?validation=none",
            json!({"queries": ["nosuch = 1"]}),
        )
        .await;
    assert!(none["queries"][0].get("warnings").is_none(), "{none}");
    assert!(none["queries"][0].get("errors").is_none(), "{none}");
}

#[tokio::test]
async fn jql_match_answers_per_query_in_order() {
    let sb = history_site().await;
    let ids: Vec<i64> = {
        let (_, b) = sb
            .post(
                "/rest/api/3/search/jql",
                json!({"jql": "project = ABC ORDER BY key"}),
            )
            .await;
        b["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().parse().unwrap())
            .collect()
    };
    let (s, b) = sb
        .post(
            "/rest/api/3/jql/match",
            json!({"issueIds": [ids[0], ids[1], 99999], "jqls": ["status = Done", "project = ABC", "nope = 1"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let m = &b["matches"];
    assert_eq!(m[0]["matchedIssues"], json!([ids[0]]));
    assert_eq!(m[1]["matchedIssues"], json!([ids[0], ids[1]]));
    assert_eq!(m[2]["matchedIssues"], json!([]));
    assert!(m[2]["errors"][0].as_str().unwrap().contains("'nope'"));
    assert_eq!(m[0]["errors"], json!([]));
}

#[tokio::test]
async fn approximate_count_counts_and_refuses_unbounded_queries() {
    let sb = history_site().await;
    let (s, b) = sb
        .post(
            "/rest/api/3/search/approximate-count",
            json!({"jql": "project = ABC AND status = \"To Do\""}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b, json!({"count": 1}));
    let (s, b) = sb
        .post(
            "/rest/api/3/search/approximate-count",
            json!({"jql": "ORDER BY key"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn autocomplete_data_lists_fields_functions_and_reserved_words() {
    let sb = Sb::start(Seed::Demo).await;
    let (s, b) = sb.get("/rest/api/3/jql/autocompletedata").await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let fields = b["visibleFieldNames"].as_array().unwrap();
    let status = fields.iter().find(|f| f["value"] == "status").unwrap();
    let ops: Vec<&str> = status["operators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert!(ops.contains(&"was") && ops.contains(&"changed"), "{ops:?}");
    assert!(fields.iter().any(|f| f["cfid"].is_string()));
    let fns: Vec<&Value> = b["visibleFunctionNames"].as_array().unwrap().iter().collect();
    assert!(fns.iter().any(|f| f["value"] == "currentUser()"));
    let words = b["jqlReservedWords"].as_array().unwrap();
    assert!(words.iter().any(|w| w == "select"));
}

#[tokio::test]
async fn order_by_rank_follows_the_lexicographic_rank() {
    let sb = history_site().await;
    let (_, b) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "project = ABC ORDER BY Rank DESC", "fields": ["customfield_10019"]}),
        )
        .await;
    let issues = b["issues"].as_array().unwrap();
    let ranks: Vec<&str> = issues
        .iter()
        .map(|i| i["fields"]["customfield_10019"].as_str().unwrap())
        .collect();
    assert_eq!(ranks.len(), 2, "{b}");
    assert!(ranks[0] > ranks[1], "{ranks:?}");
    assert_eq!(issues[0]["key"], "ABC-2");
}

#[tokio::test]
async fn watched_and_voted_issues_come_from_the_watchers_and_votes() {
    let sb = Sb::start(jirakit_sandbox::Seed::Demo).await;
    let key = sb.issue("SHOP", "Watch me", "Task").await;
    let search = |email: &'static str, token: &'static str, jql: String| {
        let req = sb
            .http
            .post(sb.url("/rest/api/3/search/jql"))
            .basic_auth(email, Some(token))
            .json(&serde_json::json!({"jql": jql, "fields": ["key"]}));
        async move {
            let (s, page) = read(req.send().await.unwrap()).await;
            assert_eq!(s, reqwest::StatusCode::OK, "{page}");
            page["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["key"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    // The creator watches a new issue.
    let watched = search(
        "admin@example.com",
        "sandbox-admin-token",
        "project = SHOP AND issue in watchedIssues()".into(),
    )
    .await;
    assert_eq!(watched, vec![key.clone()]);
    let r = sb
        .http
        .post(sb.url(&format!("/rest/api/3/issue/{key}/votes")))
        .basic_auth("alice@example.com", Some("sandbox-alice-token"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let voted = search(
        "alice@example.com",
        "sandbox-alice-token",
        "issue in votedIssues()".into(),
    )
    .await;
    assert_eq!(voted, vec![key.clone()]);
    let not_watched = search(
        "alice@example.com",
        "sandbox-alice-token",
        format!("key = {key} AND issue not in watchedIssues()"),
    )
    .await;
    assert_eq!(not_watched, vec![key.clone()]);
    let admin_voted = search(
        "admin@example.com",
        "sandbox-admin-token",
        "project = SHOP AND issue in votedIssues()".into(),
    )
    .await;
    assert!(admin_voted.is_empty());
}
