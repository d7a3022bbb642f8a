use jirakit_sandbox::{Config, Mode, Seed};
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

#[tokio::test]
async fn search_jql_pages_with_next_page_tokens() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    for n in 0..5 {
        sb.issue("ABC", &format!("Task {n}"), "Task").await;
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path =
            "/rest/api/3/search/jql?jql=project+%3D+ABC+ORDER+BY+key+ASC&maxResults=2&fields=summary"
                .to_string();
        if let Some(t) = &token {
            path.push_str(&format!("&nextPageToken={t}"));
        }
        let (s, page) = sb.get(&path).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        seen.extend(keys(&page));
        assert!(page.get("total").is_none(), "search/jql has no total");
        match page.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => {
                assert_eq!(page["isLast"], false);
                token = Some(t.to_string());
            }
            None => {
                assert_eq!(page["isLast"], true);
                break;
            }
        }
    }
    assert_eq!(seen, (1..=5).map(|n| format!("ABC-{n}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn search_returns_only_ids_by_default_and_fields_when_asked() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    sb.issue("ABC", "Only", "Bug").await;
    let (_, page) = sb
        .post("/rest/api/3/search/jql", json!({"jql": "project = ABC"}))
        .await;
    let issue = &page["issues"][0];
    assert!(issue["id"].is_string());
    assert!(issue.get("fields").is_none(), "{issue}");
    let (_, page) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "project = ABC", "fields": ["summary", "status"], "expand": "names"}),
        )
        .await;
    assert_eq!(page["issues"][0]["fields"]["summary"], "Only");
    assert_eq!(page["issues"][0]["fields"]["status"]["name"], "To Do");
    assert_eq!(page["names"]["summary"], "Summary");
    let (_, page) = sb
        .get("/rest/api/2/search/jql?jql=project%3DABC&fields=*navigable")
        .await;
    assert!(page["issues"][0]["fields"]["issuetype"].is_object());
}

#[tokio::test]
async fn search_filters_on_type_status_and_category() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let bug = sb.issue("ABC", "Broken", "Bug").await;
    sb.issue("ABC", "Work", "Task").await;
    let (_, t) = sb.get(&format!("/rest/api/3/issue/{bug}/transitions")).await;
    let id = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "In Progress")
        .unwrap()["id"]
        .clone();
    sb.post(
        &format!("/rest/api/3/issue/{bug}/transitions"),
        json!({"transition": {"id": id}}),
    )
    .await;
    let (_, page) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "project = ABC AND issuetype = Bug AND status = \"In Progress\""}),
        )
        .await;
    assert_eq!(keys(&page), vec![bug.clone()]);
    let (_, page) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "project = ABC AND statusCategory = \"To Do\""}),
        )
        .await;
    assert_eq!(keys(&page), vec!["ABC-2".to_string()]);
    let (_, page) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "summary ~ \"brok*\" ORDER BY created DESC"}),
        )
        .await;
    assert_eq!(keys(&page), vec![bug], "{page}");
}

#[tokio::test]
async fn unbounded_and_invalid_queries_are_jiras_400s() {
    let sb = Sb::start(Seed::Demo).await;
    let (s, b) = sb.get("/rest/api/3/search/jql?jql=order+by+key+desc").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["errorMessages"][0],
        "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
    );
    let (s, b) = sb.get("/rest/api/3/search/jql?jql=project+%3D+NOPE").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["errorMessages"][0],
        "The value 'NOPE' does not exist for the field 'project'."
    );
    let (s, b) = sb.get("/rest/api/3/search/jql?jql=project+%3D").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["errorMessages"][0]
            .as_str()
            .unwrap()
            .starts_with("Error in the JQL Query:"),
        "{b}"
    );
    let (s, b) = sb.get("/rest/api/3/search/jql?jql=nosuchfield+%3D+1").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb
        .get("/rest/api/3/search/jql?jql=project+%3D+SHOP&nextPageToken=garbage")
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn legacy_search_is_gone_in_cloud_and_offset_paged_in_data_center() {
    let sb = Sb::start(Seed::Empty).await;
    let (s, b) = sb.get("/rest/api/2/search?jql=project+%3D+ABC").await;
    assert_jira_error(s, &b, StatusCode::GONE);
    assert!(b["errorMessages"][0].as_str().unwrap().contains("CHANGE-2046"));

    let dc = Sb::with(Config {
        mode: Mode::DataCenter,
        seed: Seed::Demo,
        ..Config::default()
    })
    .await;
    let r = dc
        .http
        .get(dc.url("/rest/api/2/search?jql=project+%3D+OPS&maxResults=3"))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    let (s, page) = read(r).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["startAt"], 0);
    assert!(page["total"].as_u64().unwrap() > 3);
    assert_eq!(page["issues"].as_array().unwrap().len(), 3);
    let r = dc
        .http
        .get(dc.url("/rest/api/2/search/jql?jql=project+%3D+OPS"))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_never_shows_issues_of_projects_the_caller_cannot_browse() {
    let sb = Sb::start(Seed::Demo).await;
    let r = sb
        .http
        .post(sb.url("/rest/api/3/search/jql"))
        .basic_auth("alice@example.com", Some("sandbox-alice-token"))
        .json(&json!({"jql": "project in (SHOP, OPS) OR created > -365d", "maxResults": 100, "fields": ["project"]}))
        .send()
        .await
        .unwrap();
    let (s, page) = read(r).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page["issues"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["fields"]["project"]["key"] != "MKT"));
    let r = sb
        .http
        .post(sb.url("/rest/api/3/search/jql"))
        .basic_auth("alice@example.com", Some("sandbox-alice-token"))
        .json(&json!({"jql": "project = MKT"}))
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

/// Keys matching `jql` (project ABC, key order), asked twice: as written, which SQL answers from
/// the search index, and with a `~` clause that SQL cannot compile, which makes the evaluator
/// decide. Both must agree, and so must the approximate count.
async fn index_keys(sb: &Sb, jql: &str) -> Vec<String> {
    let mut answers = Vec::new();
    for q in [
        format!("project = ABC AND ({jql}) ORDER BY key ASC"),
        format!("project = ABC AND ({jql}) AND summary !~ zzzqqq ORDER BY key ASC"),
    ] {
        let (s, b) = sb
            .post("/rest/api/3/search/jql", json!({"jql": q, "fields": ["key"]}))
            .await;
        assert_eq!(s, StatusCode::OK, "{q}: {b}");
        answers.push(keys(&b));
    }
    assert_eq!(answers[0], answers[1], "SQL and the evaluator disagree on {jql}");
    let (s, c) = sb
        .post(
            "/rest/api/3/search/approximate-count",
            json!({"jql": format!("project = ABC AND ({jql})")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        c["count"].as_u64(),
        Some(answers[0].len() as u64),
        "count of {jql}"
    );
    answers.remove(0)
}

async fn transition(sb: &Sb, key: &str, name: &str) {
    let (_, t) = sb.get(&format!("/rest/api/3/issue/{key}/transitions")).await;
    let id = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no transition {name}: {t}"))["id"]
        .clone();
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"transition": {"id": id}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
}

#[tokio::test]
async fn the_search_index_follows_every_write_path() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("ABC").await;
    let (_, me) = sb.get("/rest/api/3/myself").await;
    let admin = me["accountId"].as_str().unwrap().to_string();
    let (s, a) = sb
        .post(
            "/rest/api/2/issue",
            json!({"fields": {"project": {"key": "ABC"}, "summary": "Alpha", "issuetype": {"name": "Task"},
                   "labels": ["red", "Blue"], "duedate": "2026-02-01", "priority": {"name": "High"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (s, bulk) = sb
        .post(
            "/rest/api/3/issue/bulk",
            json!({"issueUpdates": [
                {"fields": {"project": {"key": "ABC"}, "summary": "Beta", "issuetype": {"name": "Task"}, "labels": ["red"]}},
                {"fields": {"project": {"key": "ABC"}, "summary": "Gamma", "issuetype": {"name": "Task"}, "labels": ["green"]}}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{bulk}");
    let k = |n: u32| format!("ABC-{n}");
    assert_eq!(index_keys(&sb, "labels = red").await, [k(1), k(2)]);
    assert_eq!(
        index_keys(&sb, "labels = BLUE").await,
        [k(1)],
        "labels compare in any case"
    );
    assert_eq!(index_keys(&sb, "labels IS EMPTY").await, Vec::<String>::new());
    assert_eq!(index_keys(&sb, "labels NOT IN (red)").await, [k(3)]);
    assert_eq!(index_keys(&sb, "due = 2026-02-01").await, [k(1)]);
    assert_eq!(index_keys(&sb, "due IS EMPTY").await, [k(2), k(3)]);
    assert_eq!(index_keys(&sb, "priority = High").await, [k(1)]);

    // An edit replaces the labels, the due date and the priority.
    let (s, b) = sb
        .put(
            "/rest/api/3/issue/ABC-1",
            json!({"fields": {"labels": ["green"], "duedate": null, "priority": {"name": "Low"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(index_keys(&sb, "labels = red").await, [k(2)]);
    assert_eq!(index_keys(&sb, "labels = green").await, [k(1), k(3)]);
    assert_eq!(index_keys(&sb, "labels = blue").await, Vec::<String>::new());
    assert_eq!(index_keys(&sb, "due IS EMPTY").await, [k(1), k(2), k(3)]);
    assert_eq!(index_keys(&sb, "priority = Low").await, [k(1)]);

    // An update operation adds one label.
    let (s, b) = sb
        .put(
            "/rest/api/3/issue/ABC-3",
            json!({"update": {"labels": [{"add": "red"}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(index_keys(&sb, "labels = red").await, [k(2), k(3)]);
    assert_eq!(
        index_keys(&sb, "labels IN (red, green)").await,
        [k(1), k(2), k(3)]
    );

    // A transition moves the status; assigning sets the assignee.
    transition(&sb, "ABC-2", "In Progress").await;
    assert_eq!(index_keys(&sb, "status = \"In Progress\"").await, [k(2)]);
    assert_eq!(
        index_keys(&sb, "status = \"To Do\" AND labels = red").await,
        [k(3)]
    );
    let (s, b) = sb
        .put("/rest/api/3/issue/ABC-3/assignee", json!({"accountId": admin}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(index_keys(&sb, "assignee = currentUser()").await, [k(3)]);
    assert_eq!(
        index_keys(&sb, "assignee = currentUser() AND updated >= -1d").await,
        [k(3)]
    );
    assert_eq!(
        index_keys(&sb, "assignee = currentUser() AND updated < -1d").await,
        Vec::<String>::new()
    );
    assert_eq!(index_keys(&sb, "assignee IS EMPTY").await, [k(1), k(2)]);

    // A delete takes the issue's labels with it.
    let (s, b) = sb.delete("/rest/api/3/issue/ABC-2").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(index_keys(&sb, "labels = red").await, [k(3)]);
    assert_eq!(index_keys(&sb, "labels IS NOT EMPTY").await, [k(1), k(3)]);

    // A reset starts from nothing: ids are handed out again, and no label of an issue that is
    // gone may stick to the new issue with the same id.
    let (s, b) = sb.post("/_sandbox/reset", json!({"seed": "empty"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    sb.without_limits().await;
    sb.project("ABC").await;
    sb.issue("ABC", "Fresh", "Task").await;
    assert_eq!(index_keys(&sb, "labels IS NOT EMPTY").await, Vec::<String>::new());
    assert_eq!(index_keys(&sb, "labels IS EMPTY").await, [k(1)]);
}

/// One page of `search/jql` as `who` (email, token): its keys and its next page token.
async fn token_page(
    sb: &Sb,
    who: (&str, &str),
    jql: &str,
    token: Option<&str>,
) -> (Vec<String>, Option<String>) {
    token_page_of(sb, who, jql, token, 100).await
}

async fn token_page_of(
    sb: &Sb,
    who: (&str, &str),
    jql: &str,
    token: Option<&str>,
    max: usize,
) -> (Vec<String>, Option<String>) {
    let mut body = json!({"jql": jql, "maxResults": max, "fields": ["summary"]});
    if let Some(t) = token {
        body["nextPageToken"] = json!(t);
    }
    let r = sb
        .http
        .post(sb.url("/rest/api/3/search/jql"))
        .basic_auth(who.0, Some(who.1))
        .json(&body)
        .send()
        .await
        .unwrap();
    let (s, page) = read(r).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    (keys(&page), page["nextPageToken"].as_str().map(str::to_owned))
}

/// A token without a cursor, as older sandboxes gave: the page is computed again from the
/// offset, which is what a page served from a cursor must equal.
fn offset_token(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

const ADMIN: (&str, &str) = ("admin@example.com", "sandbox-admin-token");

#[tokio::test]
async fn a_token_walk_gives_the_pages_the_query_gives_at_each_offset() {
    let sb = Sb::start(Seed::Scale(2500)).await;
    sb.without_limits().await;
    // SQL decides the first; the evaluator decides the second (status category).
    for jql in [
        "created <= now() ORDER BY priority DESC",
        "statusCategory != Done ORDER BY key DESC",
    ] {
        let (mut walk, mut token) = token_page(&sb, ADMIN, jql, None).await;
        while let Some(t) = token {
            let (keys, next) = token_page(&sb, ADMIN, jql, Some(&t)).await;
            walk.extend(keys);
            token = next;
        }
        let mut by_offset = Vec::new();
        loop {
            let (keys, _) = token_page(&sb, ADMIN, jql, Some(&offset_token(by_offset.len()))).await;
            if keys.is_empty() {
                break;
            }
            by_offset.extend(keys);
        }
        assert!(walk.len() > 500, "{jql}: {}", walk.len());
        assert_eq!(walk, by_offset, "{jql}");
        let unique: std::collections::HashSet<_> = walk.iter().collect();
        assert_eq!(unique.len(), walk.len(), "{jql}: no issue twice");
    }
}

#[tokio::test]
async fn a_write_during_a_walk_shows_on_the_next_page() {
    let sb = Sb::start(Seed::Scale(1000)).await;
    sb.without_limits().await;
    let jql = "created <= now() ORDER BY priority DESC, key ASC";
    let (first, token) = token_page(&sb, ADMIN, jql, None).await;
    let (second, _) = token_page(&sb, ADMIN, jql, token.as_deref()).await;
    // The issue that comes first on the third page moves to the top.
    let (third, _) = token_page(&sb, ADMIN, jql, Some(&offset_token(200))).await;
    let moved = &third[0];
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{moved}"),
            json!({"fields": {"priority": {"name": "Highest"}}}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (after, _) = token_page(&sb, ADMIN, jql, token.as_deref()).await;
    let (fresh, _) = token_page(&sb, ADMIN, jql, Some(&offset_token(100))).await;
    assert_eq!(
        after, fresh,
        "after a write the page is the query's page at that offset"
    );
    assert_ne!(after, second, "and the write shows: everything moved down by one");
    assert_eq!(after[1..], second[..99]);
    assert!(!first.contains(moved));
}

#[tokio::test]
async fn a_token_serves_no_other_caller_or_query_from_its_cursor() {
    let sb = Sb::start(Seed::Demo).await;
    let jql = "project in (SHOP, OPS) OR created > -3650d ORDER BY key ASC";
    let (mine, token) = token_page_of(&sb, ADMIN, jql, None, 10).await;
    let token = token.expect("more than one page");
    assert_eq!(mine.len(), 10);
    // Alice may not browse MKT: admin's token gives her her own page at that offset.
    let alice = ("alice@example.com", "sandbox-alice-token");
    let (theirs, _) = token_page_of(&sb, alice, jql, Some(&token), 10).await;
    let (hers, _) = token_page_of(&sb, alice, jql, Some(&offset_token(10)), 10).await;
    let (admins, _) = token_page_of(&sb, ADMIN, jql, Some(&token), 10).await;
    assert_eq!(theirs, hers);
    assert!(theirs.iter().all(|k| !k.starts_with("MKT-")), "{theirs:?}");
    assert!(
        admins.iter().any(|k| k.starts_with("MKT-")),
        "the admin's page holds MKT issues: {admins:?}"
    );
    // Another query with the same token starts from the offset, not from the cursor's ids.
    let other = "project = OPS ORDER BY key DESC";
    let (with_token, _) = token_page_of(&sb, ADMIN, other, Some(&token), 10).await;
    let (by_offset, _) = token_page_of(&sb, ADMIN, other, Some(&offset_token(10)), 10).await;
    assert_eq!(with_token, by_offset);
}

/// Search pages keep parents, subtasks and users across requests while nothing is written: each
/// write below must show on the very next page, through search and bulk fetch alike, and a user
/// kept for one API version must not leak into the other's pages.
#[tokio::test]
async fn parents_subtasks_and_users_on_search_pages_follow_every_write() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("RC").await;
    let a = sb.issue("RC", "Story one", "Story").await;
    let subtask = |summary: &'static str| {
        let (sb, a) = (&sb, a.clone());
        async move {
            let (s, b) = sb
                .post(
                    "/rest/api/3/issue",
                    json!({"fields": {"project": {"key": "RC"}, "parent": {"key": a}, "summary": summary, "issuetype": {"name": "Subtask"}}}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            b["key"].as_str().unwrap().to_string()
        }
    };
    let s1 = subtask("First subtask").await;
    let (st, u) = sb
        .post(
            "/rest/api/3/user",
            json!({"emailAddress": "cached@example.com", "displayName": "Cached Person", "products": ["jira-software"]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    let uid = u["accountId"].as_str().unwrap().to_string();
    let (st, b) = sb
        .put(
            &format!("/rest/api/3/issue/{a}/assignee"),
            json!({"accountId": uid}),
        )
        .await;
    assert!(st.is_success(), "{st} {b}");

    let fields = json!(["summary", "parent", "subtasks", "assignee"]);
    // Each issue of the project by key, read twice (the second read comes from what the first
    // one kept) and through bulk fetch; all three must agree.
    let page = |v: u8| {
        let (sb, fields, a) = (&sb, fields.clone(), a.clone());
        async move {
            let body = json!({"jql": "project = RC ORDER BY key", "fields": fields});
            let path = format!("/rest/api/{v}/search/jql");
            let first = sb.post(&path, body.clone()).await.1;
            let second = sb.post(&path, body).await.1;
            assert_eq!(first, second, "a second read differs from the first");
            let bulk = sb
                .post(
                    &format!("/rest/api/{v}/issue/bulkfetch"),
                    json!({"issueIdsOrKeys": [a], "fields": fields}),
                )
                .await
                .1;
            assert_eq!(
                bulk["issues"][0],
                by_key(&first, &a),
                "bulk fetch and search differ"
            );
            first
        }
    };
    let subtask_keys = |i: &Value| -> Vec<String> {
        i["fields"]["subtasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap().to_string())
            .collect()
    };

    let p = page(3).await;
    assert_eq!(
        by_key(&p, &a)["fields"]["subtasks"][0]["fields"]["summary"],
        "First subtask"
    );
    assert_eq!(
        by_key(&p, &s1)["fields"]["parent"]["fields"]["summary"],
        "Story one"
    );
    assert_eq!(
        by_key(&p, &a)["fields"]["assignee"]["displayName"],
        "Cached Person"
    );
    assert_eq!(by_key(&p, &a)["fields"]["assignee"]["active"], true);
    let v3_self = by_key(&p, &a)["fields"]["assignee"]["self"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(v3_self.contains("/rest/api/3/user?"), "{v3_self}");
    let p2 = page(2).await;
    let v2_self = by_key(&p2, &a)["fields"]["assignee"]["self"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(v2_self.contains("/rest/api/2/user?"), "{v2_self}");

    let (st, _) = sb
        .put(
            &format!("/rest/api/3/issue/{s1}"),
            json!({"fields": {"summary": "Subtask, renamed"}}),
        )
        .await;
    assert!(st.is_success());
    let p = page(3).await;
    assert_eq!(
        by_key(&p, &a)["fields"]["subtasks"][0]["fields"]["summary"],
        "Subtask, renamed"
    );

    let (st, _) = sb
        .put(
            &format!("/rest/api/3/issue/{a}"),
            json!({"fields": {"summary": "Story, renamed"}}),
        )
        .await;
    assert!(st.is_success());
    let p = page(3).await;
    assert_eq!(
        by_key(&p, &s1)["fields"]["parent"]["fields"]["summary"],
        "Story, renamed"
    );

    let s2 = subtask("Second subtask").await;
    let p = page(3).await;
    assert_eq!(subtask_keys(&by_key(&p, &a)), vec![s1.clone(), s2.clone()]);

    let (st, _) = sb.delete(&format!("/rest/api/3/issue/{s1}")).await;
    assert!(st.is_success());
    let p = page(3).await;
    assert_eq!(subtask_keys(&by_key(&p, &a)), vec![s2.clone()]);

    let (st, b) = sb.delete(&format!("/rest/api/3/user?accountId={uid}")).await;
    assert!(st.is_success(), "{st} {b}");
    let p = page(3).await;
    assert_eq!(by_key(&p, &a)["fields"]["assignee"]["active"], false);
}

/// The issue `key` of a search page, `null` when it is not there.
fn by_key(page: &Value, key: &str) -> Value {
    page["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key)
        .cloned()
        .unwrap_or(Value::Null)
}
