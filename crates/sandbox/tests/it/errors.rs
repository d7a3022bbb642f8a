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
