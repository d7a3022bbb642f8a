use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_created_project_gets_jiras_defaults() {
    let sb = Sb::start(Seed::Empty).await;
    let (s, b) = sb
        .post(
            "/rest/api/3/project",
            json!({"key": "ABC", "name": "Alpha", "projectTypeKey": "software",
                   "projectTemplateKey": "com.pyxis.greenhopper.jira:gh-simplified-kanban-classic", "description": "d"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["key"], "ABC");
    assert!(b["id"].is_number());
    let (s, p) = sb.get("/rest/api/2/project/ABC").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["name"], "Alpha");
    assert_eq!(p["projectTypeKey"], "software");
    let types: Vec<&str> = p["issueTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for want in ["Epic", "Story", "Task", "Bug", "Subtask"] {
        assert!(types.contains(&want), "{types:?}");
    }
    let sub = p["issueTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["subtask"] == true)
        .unwrap();
    assert_eq!(sub["hierarchyLevel"], -1);
    let (_, statuses) = sb.get("/rest/api/3/project/ABC/statuses").await;
    let names: Vec<&str> = statuses[0]["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["To Do", "In Progress", "Done"]);
    // By id too, and case-insensitively by key.
    let id = p["id"].as_str().unwrap();
    assert_eq!(sb.get(&format!("/rest/api/3/project/{id}")).await.1["key"], "ABC");
    assert_eq!(sb.get("/rest/api/3/project/abc").await.1["key"], "ABC");
}

#[tokio::test]
async fn bad_project_input_names_each_problem() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let (s, b) = sb
        .post(
            "/rest/api/3/project",
            json!({"key": "abc!", "name": "", "projectTypeKey": "nope"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    for f in ["projectKey", "projectName", "projectTypeKey"] {
        assert!(b["errors"][f].is_string(), "{f}: {b}");
    }
    let (s, b) = sb
        .post(
            "/rest/api/3/project",
            json!({"key": "ABC", "name": "Other", "projectTypeKey": "software"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["errors"]["projectKey"].is_string());
    let (s, b) = sb
        .post(
            "/rest/api/3/project",
            json!({"key": "XYZ", "name": "X", "projectTemplateKey": "com.example:nope"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb.get("/rest/api/3/project/NOPE").await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
    assert_eq!(
        b["errorMessages"][0],
        "No project could be found with key 'NOPE'."
    );
}

#[tokio::test]
async fn projects_are_searched_in_pages_updated_and_deleted_with_their_issues() {
    let sb = Sb::start(Seed::Empty).await;
    for k in ["AAA", "BBB", "CCC"] {
        sb.project(k).await;
    }
    let (_, page) = sb.get("/rest/api/3/project/search?maxResults=2").await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["isLast"], false);
    assert_eq!(page["values"].as_array().unwrap().len(), 2);
    let (_, page2) = sb.get("/rest/api/3/project/search?maxResults=2&startAt=2").await;
    assert_eq!(page2["values"][0]["key"], "CCC");
    assert_eq!(page2["isLast"], true);
    let (_, q) = sb.get("/rest/api/3/project/search?query=bb").await;
    assert_eq!(q["total"], 1);
    let (s, p) = sb
        .put(
            "/rest/api/3/project/BBB",
            json!({"name": "Bravo", "description": "second"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["name"], "Bravo");
    let key = sb.issue("BBB", "doomed", "Task").await;
    let (s, _) = sb.delete("/rest/api/3/project/BBB").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(sb.get("/rest/api/3/project/BBB").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        sb.get(&format!("/rest/api/3/issue/{key}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, all) = sb.get("/rest/api/2/project").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn components_and_versions_live_in_their_project_and_leave_issues_when_deleted() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let (s, c) = sb
        .post(
            "/rest/api/3/component",
            json!({"project": "ABC", "name": "Backend", "description": "server"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_str().unwrap().to_string();
    let (s, b) = sb
        .post(
            "/rest/api/3/component",
            json!({"project": "ABC", "name": "Backend"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, v) = sb
        .post(
            "/rest/api/3/version",
            json!({"project": "ABC", "name": "1.0", "releaseDate": "2026-02-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["releaseDate"], "2026-02-01");
    let vid = v["id"].as_str().unwrap().to_string();
    let (s, b) = sb
        .post(
            "/rest/api/3/version",
            json!({"project": "ABC", "name": "2.0", "releaseDate": "soon"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (_, list) = sb.get("/rest/api/3/project/ABC/components").await;
    assert_eq!(list[0]["name"], "Backend");
    let (_, list) = sb.get("/rest/api/3/project/ABC/versions").await;
    assert_eq!(list[0]["name"], "1.0");
    let (_, paged) = sb.get("/rest/api/3/project/ABC/version").await;
    assert_eq!(paged["total"], 1);
    let (s, v2) = sb
        .put(&format!("/rest/api/3/version/{vid}"), json!({"released": true}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v2["released"], true);
    let (s, c2) = sb
        .put(&format!("/rest/api/3/component/{cid}"), json!({"name": "Server"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c2["name"], "Server");

    let (s, created) = sb
        .post(
            "/rest/api/3/issue",
            json!({"fields": {"project": {"key": "ABC"}, "summary": "s", "issuetype": {"name": "Task"},
                   "components": [{"name": "Server"}], "fixVersions": [{"id": vid}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().unwrap();
    let (_, i) = sb
        .get(&format!("/rest/api/3/issue/{key}?fields=components,fixVersions"))
        .await;
    assert_eq!(i["fields"]["components"][0]["name"], "Server");
    assert_eq!(i["fields"]["fixVersions"][0]["name"], "1.0");
    assert_eq!(
        sb.delete(&format!("/rest/api/3/component/{cid}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        sb.delete(&format!("/rest/api/3/version/{vid}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, i) = sb
        .get(&format!("/rest/api/3/issue/{key}?fields=components,fixVersions"))
        .await;
    assert_eq!(i["fields"]["components"], json!([]));
    assert_eq!(i["fields"]["fixVersions"], json!([]));
    let (s, b) = sb.get(&format!("/rest/api/3/component/{cid}")).await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
}
