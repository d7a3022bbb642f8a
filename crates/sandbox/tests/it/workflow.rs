use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

async fn transition_to(sb: &Sb, key: &str, name: &str) -> (StatusCode, Value) {
    let (_, t) = sb.get(&format!("/rest/api/3/issue/{key}/transitions")).await;
    let id = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()["id"]
        .clone();
    sb.post(
        &format!("/rest/api/3/issue/{key}/transitions"),
        json!({"transition": {"id": id}}),
    )
    .await
}

#[tokio::test]
async fn transitions_lead_to_every_other_status_named_after_it() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let key = sb.issue("ABC", "Flow", "Task").await;
    let (s, t) = sb
        .get(&format!(
            "/rest/api/3/issue/{key}/transitions?expand=transitions.fields"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let ts = t["transitions"].as_array().unwrap();
    let names: Vec<&str> = ts.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["In Progress", "Done"]);
    let done = ts.iter().find(|t| t["name"] == "Done").unwrap();
    assert_eq!(done["to"]["statusCategory"]["key"], "done");
    assert!(done["fields"]["resolution"]["allowedValues"].is_array());
    let (_, only) = sb
        .get(&format!(
            "/rest/api/3/issue/{key}/transitions?transitionId={}",
            done["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(only["transitions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn reaching_done_sets_the_resolution_and_leaving_clears_it() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let key = sb.issue("ABC", "Flow", "Task").await;
    let (s, b) = transition_to(&sb, &key, "In Progress").await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, _) = transition_to(&sb, &key, "Done").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, i) = sb
        .get(&format!(
            "/rest/api/3/issue/{key}?fields=status,resolution,resolutiondate,statuscategorychangedate"
        ))
        .await;
    assert_eq!(i["fields"]["status"]["name"], "Done");
    assert_eq!(i["fields"]["resolution"]["name"], "Done");
    assert_eq!(i["fields"]["resolutiondate"], "2026-01-05T09:00:00.000+0000");
    let (s, _) = transition_to(&sb, &key, "To Do").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, i) = sb
        .get(&format!(
            "/rest/api/3/issue/{key}?fields=status,resolution,resolutiondate"
        ))
        .await;
    assert!(i["fields"]["resolution"].is_null());
    assert!(i["fields"]["resolutiondate"].is_null());
    let (_, log) = sb.get(&format!("/rest/api/3/issue/{key}/changelog")).await;
    assert_eq!(log["total"], 3);
    let done = &log["values"][1]["items"];
    assert_eq!(done[0]["field"], "resolution");
    assert_eq!(done[0]["toString"], "Done");
    assert_eq!(done[1]["field"], "status");
    assert_eq!(done[1]["fromString"], "In Progress");
    assert_eq!(done[1]["toString"], "Done");
    assert!(done[1]["from"].is_string() && done[1]["to"].is_string());
}

#[tokio::test]
async fn a_transition_may_carry_fields_and_a_comment() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let key = sb.issue("ABC", "Flow", "Task").await;
    let (_, t) = sb.get(&format!("/rest/api/2/issue/{key}/transitions")).await;
    let done = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Done")
        .unwrap()["id"]
        .clone();
    let (s, b) = sb
        .post(
            &format!("/rest/api/2/issue/{key}/transitions"),
            json!({"transition": {"id": done}, "fields": {"resolution": {"name": "Won't Do"}},
                   "update": {"comment": [{"add": {"body": "Closing: out of scope."}}], "labels": [{"add": "triaged"}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (_, i) = sb
        .get(&format!(
            "/rest/api/2/issue/{key}?fields=resolution,labels,comment"
        ))
        .await;
    assert_eq!(i["fields"]["resolution"]["name"], "Won't Do");
    assert_eq!(i["fields"]["labels"], json!(["triaged"]));
    assert_eq!(
        i["fields"]["comment"]["comments"][0]["body"],
        "Closing: out of scope."
    );
    // One history entry for the whole transition.
    let (_, log) = sb.get(&format!("/rest/api/3/issue/{key}/changelog")).await;
    assert_eq!(log["total"], 1);
}

#[tokio::test]
async fn bad_transitions_are_clear_400s() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let key = sb.issue("ABC", "Flow", "Task").await;
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"transition": {"id": "999"}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["errorMessages"][0],
        "Transition id '999' is not valid for this issue."
    );
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"fields": {}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (_, t) = sb.get(&format!("/rest/api/3/issue/{key}/transitions")).await;
    let prog = t["transitions"][0]["id"].clone();
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"transition": {"id": prog}, "fields": {"resolution": {"name": "Done"}}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["errors"]["resolution"].is_string(), "{b}");
    let (_, i) = sb.get(&format!("/rest/api/3/issue/{key}?fields=status")).await;
    assert_eq!(
        i["fields"]["status"]["name"], "To Do",
        "a refused transition changes nothing"
    );
}

#[tokio::test]
async fn the_changelog_pages_and_bulk_fetches_with_field_filters() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let a = sb.issue("ABC", "A", "Task").await;
    let b = sb.issue("ABC", "B", "Task").await;
    for n in 0..3 {
        sb.put(
            &format!("/rest/api/3/issue/{a}"),
            json!({"fields": {"summary": format!("A{n}")}}),
        )
        .await;
    }
    transition_to(&sb, &b, "Done").await;
    let (_, page) = sb
        .get(&format!("/rest/api/3/issue/{a}/changelog?maxResults=2"))
        .await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["isLast"], false);
    assert_eq!(page["values"].as_array().unwrap().len(), 2);
    let (s, bulk) = sb
        .post(
            "/rest/api/3/changelog/bulkfetch",
            json!({"issueIdsOrKeys": [a, b], "fieldIds": ["status"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{bulk}");
    let logs = bulk["issueChangeLogs"].as_array().unwrap();
    assert_eq!(logs.len(), 1, "only B changed status: {bulk}");
    let (_, paged) = sb
        .post(
            "/rest/api/3/changelog/bulkfetch",
            json!({"issueIdsOrKeys": [a, b], "maxResults": 2}),
        )
        .await;
    let token = paged["nextPageToken"]
        .as_str()
        .expect("a second page")
        .to_string();
    let (_, rest) = sb
        .post(
            "/rest/api/3/changelog/bulkfetch",
            json!({"issueIdsOrKeys": [a, b], "maxResults": 2, "nextPageToken": token}),
        )
        .await;
    let count = |v: &Value| {
        v["issueChangeLogs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["changeHistories"].as_array().unwrap().len())
            .sum::<usize>()
    };
    assert_eq!(count(&paged) + count(&rest), 4);
    assert!(rest.get("nextPageToken").is_none());
    let (s, e) = sb
        .post("/rest/api/3/changelog/bulkfetch", json!({"issueIdsOrKeys": []}))
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
}
