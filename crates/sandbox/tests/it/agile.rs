use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

fn keys(v: &Value) -> Vec<String> {
    assert!(v["issues"].is_array(), "not a search result: {v}");
    v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

async fn jql(sb: &Sb, q: &str) -> Vec<String> {
    let (s, page) = sb
        .post("/rest/api/3/search/jql", json!({"jql": q, "maxResults": 100}))
        .await;
    assert_eq!(s, StatusCode::OK, "{q}: {page}");
    keys(&page)
}

/// A scrum board on project AGL with `n` stories; returns the board id and the keys.
async fn board(sb: &Sb, n: usize) -> (i64, Vec<String>) {
    sb.project("AGL").await;
    let mut ks = Vec::new();
    for i in 0..n {
        ks.push(sb.issue("AGL", &format!("Story {i}"), "Story").await);
    }
    let (s, f) = sb
        .post(
            "/rest/api/2/filter",
            json!({"name": "AGL board filter", "jql": "project = AGL ORDER BY Rank ASC"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let (s, b) = sb
        .post("/rest/agile/1.0/board", json!({"name": "AGL board", "type": "scrum", "filterId": f["id"], "location": {"type": "project", "projectKeyOrId": "AGL"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    (b["id"].as_i64().unwrap(), ks)
}

async fn sprint(sb: &Sb, board: i64, name: &str, dates: bool) -> i64 {
    let mut body = json!({"name": name, "originBoardId": board, "goal": "Ship"});
    if dates {
        body["startDate"] = json!("2026-01-05T09:00:00.000Z");
        body["endDate"] = json!("2026-01-19T17:00:00.000Z");
    }
    let (s, sp) = sb.post("/rest/agile/1.0/sprint", body).await;
    assert_eq!(s, StatusCode::CREATED, "{sp}");
    assert_eq!(sp["state"], "future");
    sp["id"].as_i64().unwrap()
}

#[tokio::test]
async fn filters_are_saved_read_searched_and_refuse_bad_jql() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("AGL").await;
    let (s, f) = sb
        .post(
            "/rest/api/3/filter",
            json!({"name": "Mine", "jql": "project = AGL", "favourite": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["owner"]["emailAddress"], "admin@example.com");
    let id = f["id"].as_str().unwrap();
    let (_, got) = sb.get(&format!("/rest/api/2/filter/{id}")).await;
    assert_eq!(got["jql"], "project = AGL");
    let (s, b) = sb
        .post(
            "/rest/api/3/filter",
            json!({"name": "Mine", "jql": "project = AGL"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb
        .post(
            "/rest/api/3/filter",
            json!({"name": "Broken", "jql": "project = = AGL"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["errors"]["jql"]
            .as_str()
            .unwrap()
            .contains("Error in the JQL Query"),
        "{b}"
    );
    let (s, u) = sb
        .put(&format!("/rest/api/3/filter/{id}"), json!({"name": "Renamed"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    let (_, page) = sb.get("/rest/api/3/filter/search?filterName=renam").await;
    assert_eq!(page["total"], 1);
    assert_eq!(
        sb.delete(&format!("/rest/api/3/filter/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn boards_are_created_on_filters_and_listed_by_project() {
    let sb = Sb::start(Seed::Empty).await;
    let (b, _) = board(&sb, 0).await;
    let (_, list) = sb.get("/rest/agile/1.0/board?projectKeyOrId=AGL").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["values"][0]["id"], b);
    assert_eq!(list["values"][0]["location"]["projectKey"], "AGL");
    let (_, cfg) = sb.get(&format!("/rest/agile/1.0/board/{b}/configuration")).await;
    let cols: Vec<&str> = cfg["columnConfig"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(cols, vec!["To Do", "In Progress", "Done"]);
    assert_eq!(cfg["ranking"]["rankCustomFieldId"], 10019);
    let (s, e) = sb
        .post(
            "/rest/agile/1.0/board",
            json!({"name": "x", "type": "scrum", "filterId": 424242}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
    let (s, e) = sb
        .post(
            "/rest/agile/1.0/board",
            json!({"name": "x", "type": "wall", "filterId": 10000}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
    let (s, e) = sb.get("/rest/agile/1.0/board/999").await;
    assert_jira_error(s, &e, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sprints_follow_jiras_state_machine() {
    let sb = Sb::start(Seed::Empty).await;
    let (b, ks) = board(&sb, 4).await;
    let bare = sprint(&sb, b, "No dates", false).await;
    let (s, e) = sb
        .post(
            &format!("/rest/agile/1.0/sprint/{bare}"),
            json!({"state": "active"}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
    assert!(
        e["errorMessages"][0].as_str().unwrap().contains("start date"),
        "{e}"
    );
    let sp = sprint(&sb, b, "Sprint 1", true).await;
    let (s, _) = sb
        .post(
            &format!("/rest/agile/1.0/sprint/{sp}/issue"),
            json!({"issues": ks[..3]}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        jql(&sb, &format!("sprint = {sp} ORDER BY key ASC")).await,
        ks[..3].to_vec()
    );
    assert_eq!(
        jql(&sb, "sprint in openSprints() ORDER BY key ASC").await,
        ks[..3].to_vec()
    );
    let (_, i) = sb
        .get(&format!("/rest/api/3/issue/{}?fields=customfield_10020", ks[0]))
        .await;
    assert_eq!(i["fields"]["customfield_10020"][0]["name"], "Sprint 1");
    let (s, a) = sb
        .post(
            &format!("/rest/agile/1.0/sprint/{sp}"),
            json!({"state": "active"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["state"], "active");
    let (_, listed) = sb
        .get(&format!("/rest/agile/1.0/board/{b}/sprint?state=active"))
        .await;
    assert_eq!(listed["values"].as_array().unwrap().len(), 1);

    // Finish one issue, then close the sprint: it stays, the others go to the backlog.
    let (_, t) = sb.get(&format!("/rest/api/3/issue/{}/transitions", ks[0])).await;
    let done = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Done")
        .unwrap()["id"]
        .clone();
    sb.post(
        &format!("/rest/api/3/issue/{}/transitions", ks[0]),
        json!({"transition": {"id": done}}),
    )
    .await;
    let (s, c) = sb
        .post(
            &format!("/rest/agile/1.0/sprint/{sp}"),
            json!({"state": "closed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert!(c["completeDate"].is_string());
    assert_eq!(jql(&sb, &format!("sprint = {sp}")).await, vec![ks[0].clone()]);
    let (_, backlog) = sb.get(&format!("/rest/agile/1.0/board/{b}/backlog")).await;
    let mut in_backlog = keys(&backlog);
    in_backlog.sort();
    assert_eq!(in_backlog, ks[1..].to_vec());
    let (s, e) = sb
        .post(
            &format!("/rest/agile/1.0/sprint/{sp}"),
            json!({"state": "active"}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
    let (s, e) = sb
        .post(
            &format!("/rest/agile/1.0/sprint/{sp}/issue"),
            json!({"issues": [ks[1]]}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
    let (s, r) = sb
        .post(
            &format!("/rest/agile/1.0/sprint/{sp}"),
            json!({"name": "Sprint 1 (done)"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "a closed sprint may be renamed: {r}");
}

#[tokio::test]
async fn moving_more_than_fifty_issues_is_a_clear_400() {
    let sb = Sb::start(Seed::Empty).await;
    let (b, ks) = board(&sb, 1).await;
    let sp = sprint(&sb, b, "Big", true).await;
    let many: Vec<String> = (0..51).map(|_| ks[0].clone()).collect();
    let (s, e) = sb
        .post(
            &format!("/rest/agile/1.0/sprint/{sp}/issue"),
            json!({"issues": many}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
    assert!(e["errorMessages"][0].as_str().unwrap().contains("50"));
    let (s, e) = sb
        .post("/rest/agile/1.0/backlog/issue", json!({"issues": ["AGL-999"]}))
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn deleting_an_active_sprint_sends_its_issues_to_the_backlog() {
    let sb = Sb::start(Seed::Empty).await;
    let (b, ks) = board(&sb, 2).await;
    let sp = sprint(&sb, b, "Doomed", true).await;
    sb.post(
        &format!("/rest/agile/1.0/sprint/{sp}/issue"),
        json!({"issues": ks}),
    )
    .await;
    sb.post(
        &format!("/rest/agile/1.0/sprint/{sp}"),
        json!({"state": "active"}),
    )
    .await;
    assert_eq!(
        sb.delete(&format!("/rest/agile/1.0/sprint/{sp}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        sb.get(&format!("/rest/agile/1.0/sprint/{sp}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(jql(&sb, "project = AGL AND sprint is not EMPTY").await.is_empty());
    let (_, backlog) = sb.get(&format!("/rest/agile/1.0/board/{b}/backlog")).await;
    assert_eq!(keys(&backlog).len(), 2);
    // The move is in each issue's history.
    let (_, log) = sb.get(&format!("/rest/api/3/issue/{}/changelog", ks[0])).await;
    assert!(log["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["items"][0]["field"] == "Sprint"));
}

#[tokio::test]
async fn rank_places_issues_before_or_after_another_without_renumbering() {
    let sb = Sb::start(Seed::Empty).await;
    let (_, ks) = board(&sb, 6).await;
    let order = |v: Vec<String>| v;
    assert_eq!(order(jql(&sb, "project = AGL ORDER BY Rank ASC").await), ks);
    let (s, b) = sb
        .put(
            "/rest/agile/1.0/issue/rank",
            json!({"issues": [ks[5]], "rankBeforeIssue": ks[0], "rankCustomFieldId": 10019}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let got = jql(&sb, "project = AGL ORDER BY Rank ASC").await;
    assert_eq!(got[0], ks[5]);
    assert_eq!(got[1], ks[0]);
    let (s, _) = sb
        .put(
            "/rest/agile/1.0/issue/rank",
            json!({"issues": [ks[1], ks[2]], "rankAfterIssue": ks[4]}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let got = jql(&sb, "project = AGL ORDER BY Rank ASC").await;
    assert_eq!(
        got,
        vec![
            ks[5].clone(),
            ks[0].clone(),
            ks[3].clone(),
            ks[4].clone(),
            ks[1].clone(),
            ks[2].clone()
        ]
    );
    // Many insertions at the same place keep working.
    for _ in 0..30 {
        sb.put(
            "/rest/agile/1.0/issue/rank",
            json!({"issues": [ks[3]], "rankBeforeIssue": ks[0]}),
        )
        .await;
        sb.put(
            "/rest/agile/1.0/issue/rank",
            json!({"issues": [ks[0]], "rankBeforeIssue": ks[3]}),
        )
        .await;
    }
    let got = jql(&sb, "project = AGL ORDER BY Rank ASC").await;
    assert_eq!(&got[..3], &[ks[5].clone(), ks[0].clone(), ks[3].clone()]);
    let (s, e) = sb
        .put("/rest/agile/1.0/issue/rank", json!({"issues": [ks[1]]}))
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_demo_site_has_boards_and_sprints_with_history() {
    let sb = Sb::start(Seed::Demo).await;
    let (_, boards) = sb.get("/rest/agile/1.0/board").await;
    assert_eq!(boards["total"], 2);
    let shop = boards["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "scrum")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, sprints) = sb.get(&format!("/rest/agile/1.0/board/{shop}/sprint")).await;
    let states: Vec<&str> = sprints["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        vec!["closed", "closed", "closed", "closed", "active", "future"]
    );
    let active = jql(&sb, "sprint in openSprints() AND statusCategory != Done").await;
    assert!(!active.is_empty());
    let closed_open_work = jql(&sb, "sprint in closedSprints() AND statusCategory != Done").await;
    assert!(
        closed_open_work.is_empty(),
        "closed sprints hold finished work only: {closed_open_work:?}"
    );
    let (_, log) = sb
        .get(&format!("/rest/api/3/issue/{}/changelog", active[0]))
        .await;
    assert!(log["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["items"][0]["field"] == "Sprint"));
}

#[tokio::test]
async fn epics_gather_issues_and_let_them_go() {
    let sb = Sb::start(Seed::Empty).await;
    let (b, ks) = board(&sb, 3).await;
    let epic = sb.issue("AGL", "Checkout revamp", "Epic").await;
    let (s, e) = sb.get(&format!("/rest/agile/1.0/epic/{epic}")).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["name"], "Checkout revamp");
    assert_eq!(e["done"], false);
    let (s, _) = sb
        .post(
            &format!("/rest/agile/1.0/epic/{epic}/issue"),
            json!({"issues": [ks[0], ks[1]]}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, inside) = sb.get(&format!("/rest/agile/1.0/epic/{epic}/issue")).await;
    assert_eq!(keys(&inside), vec![ks[0].clone(), ks[1].clone()]);
    assert_eq!(
        jql(&sb, &format!("parent = {epic} ORDER BY key ASC")).await,
        vec![ks[0].clone(), ks[1].clone()]
    );
    let (_, none) = sb.get("/rest/agile/1.0/epic/none/issue").await;
    assert_eq!(keys(&none), vec![ks[2].clone()]);
    let (_, epics) = sb.get(&format!("/rest/agile/1.0/board/{b}/epic")).await;
    assert_eq!(epics["values"][0]["key"], epic.as_str());
    let (s, _) = sb
        .post("/rest/agile/1.0/epic/none/issue", json!({"issues": [ks[0]]}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, inside) = sb.get(&format!("/rest/agile/1.0/epic/{epic}/issue")).await;
    assert_eq!(keys(&inside), vec![ks[1].clone()]);
    let (s, e) = sb.get(&format!("/rest/agile/1.0/epic/{}", ks[2])).await;
    assert_jira_error(s, &e, StatusCode::NOT_FOUND);
    let (s, e) = sb
        .post(
            &format!("/rest/agile/1.0/epic/{epic}/issue"),
            json!({"issues": [epic]}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
}
