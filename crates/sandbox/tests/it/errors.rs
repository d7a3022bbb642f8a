use jirakit_sandbox::Seed;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn malformed_json_is_a_jira_shaped_400_naming_the_position() {
    let sb = Sb::start(Seed::Empty).await;
    let r = sb
        .req(Method::POST, "/rest/api/3/issue")
        .header("content-type", "application/json")
        .body("{\"fields\": {")
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["errorMessages"][0].as_str().unwrap().contains("line 1"), "{b}");
}

#[tokio::test]
async fn a_form_body_without_the_token_fails_the_xsrf_check_and_with_it_is_a_415() {
    let sb = Sb::start(Seed::Empty).await;
    let form = |tok: bool| {
        let r = sb
            .req(Method::POST, "/rest/api/3/issue")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("a=b");
        if tok {
            r.header("X-Atlassian-Token", "no-check")
        } else {
            r
        }
    };
    let (s, b) = read(form(false).send().await.unwrap()).await;
    assert_jira_error(s, &b, StatusCode::FORBIDDEN);
    assert_eq!(b["errorMessages"][0], "XSRF check failed");
    let (s, b) = read(form(true).send().await.unwrap()).await;
    assert_jira_error(s, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = sb
        .req(Method::POST, "/rest/api/3/issue")
        .header("content-type", "application/xml")
        .body("<a/>")
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_jira_error(s, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_wrong_method_is_a_405_and_an_unknown_path_a_404_both_jira_shaped() {
    let sb = Sb::start(Seed::Empty).await;
    let (s, b) = sb.call(Method::PATCH, "/rest/api/3/myself", None).await;
    assert_jira_error(s, &b, StatusCode::METHOD_NOT_ALLOWED);
    let (s, b) = sb.get("/rest/api/3/no/such/thing").await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = sb.get("/elsewhere").await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused_clearly() {
    let sb = Sb::start(Seed::Empty).await;
    for body in [json!([1, 2]), json!("text"), json!(null)] {
        let (s, b) = sb.post("/rest/api/3/issue", body).await;
        assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn bad_query_parameters_are_400s_not_crashes() {
    let sb = Sb::start(Seed::Demo).await;
    let (s, b) = sb.get("/rest/api/3/project/search?startAt=abc").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb.get("/rest/api/3/project/search?maxResults=-1").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb.delete("/rest/api/3/issue/SHOP-1?deleteSubtasks=perhaps").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_issue_in_a_hidden_project_is_a_404_exactly_like_a_missing_one() {
    let sb = Sb::start(Seed::Demo).await;
    let as_alice = |path: &str| {
        sb.http
            .get(sb.url(path))
            .basic_auth("alice@example.com", Some("sandbox-alice-token"))
            .send()
    };
    let (s_hidden, hidden) = read(as_alice("/rest/api/3/issue/MKT-1").await.unwrap()).await;
    let (s_missing, missing) = read(as_alice("/rest/api/3/issue/SHOP-999999").await.unwrap()).await;
    assert_eq!(s_hidden, StatusCode::NOT_FOUND);
    assert_eq!(s_missing, StatusCode::NOT_FOUND);
    assert_eq!(hidden, missing);
    assert_eq!(
        hidden["errorMessages"][0],
        "Issue does not exist or you do not have permission to see it."
    );
    // A member of the marketing group sees it.
    let r = sb
        .http
        .get(sb.url("/rest/api/3/issue/MKT-1"))
        .basic_auth("erin@example.com", Some("sandbox-erin-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Nor does the project show up for alice.
    let (_, projects) = read(as_alice("/rest/api/3/project/search").await.unwrap()).await;
    let keys: Vec<&str> = projects["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["OPS", "SHOP"]);
}

#[tokio::test]
async fn no_input_makes_the_server_fail() {
    let sb = Sb::start(Seed::Demo).await;
    let bodies = [
        json!({}),
        json!({"fields": null}),
        json!({"fields": []}),
        json!({"fields": {"project": 1, "issuetype": [], "summary": {}}}),
        json!({"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "x", "labels": [1, null, {}]}}),
        json!({"fields": {"project": {"key": "SHOP"}, "issuetype": {"id": 1e300}, "summary": "x"}}),
        json!({"update": {"labels": [{"add": {"nested": true}}, {"frobnicate": 1}]}}),
        json!({"update": {"summary": "not a list"}}),
        json!({"transition": {"id": {"deep": [1, 2]}}, "fields": "x"}),
        json!({"body": {"type": "doc", "version": 1, "content": [{"type": "text"}]}}),
        json!({"body": 12}),
        json!({"issueIdsOrKeys": [null, {}, 1.5], "fieldIds": "x", "maxResults": -3}),
        json!({"jql": 12, "fields": 3, "maxResults": "many"}),
        json!({"key": 1, "name": ["x"], "leadAccountId": false}),
        json!({"seed": 5}),
        json!("\u{0}"),
        json!([null]),
    ];
    let targets = [
        (reqwest::Method::POST, "/rest/api/3/issue"),
        (reqwest::Method::POST, "/rest/api/2/issue"),
        (reqwest::Method::PUT, "/rest/api/3/issue/SHOP-1"),
        (reqwest::Method::POST, "/rest/api/3/issue/SHOP-1/transitions"),
        (reqwest::Method::POST, "/rest/api/3/issue/SHOP-1/comment"),
        (reqwest::Method::PUT, "/rest/api/3/issue/SHOP-1/assignee"),
        (reqwest::Method::POST, "/rest/api/3/changelog/bulkfetch"),
        (reqwest::Method::POST, "/rest/api/3/search/jql"),
        (reqwest::Method::POST, "/rest/api/3/project"),
        (reqwest::Method::PUT, "/rest/api/3/project/SHOP"),
        (reqwest::Method::POST, "/rest/api/3/component"),
        (reqwest::Method::POST, "/rest/api/3/version"),
        (reqwest::Method::POST, "/rest/api/3/field"),
        (reqwest::Method::POST, "/rest/api/3/group"),
        (reqwest::Method::POST, "/rest/api/3/user"),
        (reqwest::Method::PUT, "/rest/api/3/issue/SHOP-1/properties/p"),
        (reqwest::Method::PUT, "/_sandbox/clock"),
    ];
    for (method, path) in targets {
        for body in &bodies {
            let (s, b) = sb.call(method.clone(), path, Some(body.clone())).await;
            assert!(s.as_u16() < 500, "{method} {path} with {body}: {s} {b}");
            if !s.is_success() {
                assert!(
                    b["errorMessages"].is_array() && b["errors"].is_object(),
                    "{method} {path} with {body}: {b}"
                );
            }
        }
    }
    // The site still answers normally afterwards.
    assert_eq!(sb.get("/rest/api/3/issue/SHOP-1").await.0, StatusCode::OK);
}
