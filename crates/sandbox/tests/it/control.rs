use jirakit_sandbox::{Config, Seed};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_clock_freezes_advances_and_releases() {
    let sb = Sb::start(Seed::Empty).await;
    let (s, c) = sb
        .put("/_sandbox/clock", json!({"now": "2026-03-01T12:00:00Z"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["frozen"], true);
    let (_, c) = sb.post("/_sandbox/clock/advance", json!({"by": "1d 90m"})).await;
    assert_eq!(c["jira"], "2026-03-02T13:30:00.000+0000");
    sb.project("ABC").await;
    let key = sb.issue("ABC", "Timed", "Task").await;
    let (_, i) = sb.get(&format!("/rest/api/3/issue/{key}?fields=created")).await;
    assert_eq!(i["fields"]["created"], "2026-03-02T13:30:00.000+0000");
    let (s, b) = sb.post("/_sandbox/clock/advance", json!({"by": "soon"})).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb.put("/_sandbox/clock", json!({"now": "yesterday"})).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, c) = sb.delete("/_sandbox/clock").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["frozen"], false);
}

#[tokio::test]
async fn reset_drops_everything_and_seeds_anew() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let (s, b) = sb.post("/_sandbox/reset", json!({"seed": "demo"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(sb.get("/rest/api/3/project/ABC").await.0, StatusCode::NOT_FOUND);
    let (_, projects) = sb.get("/rest/api/3/project/search").await;
    assert_eq!(projects["total"], 3);
    let (s, b) = sb.post("/_sandbox/reset", json!({"seed": "nonsense"})).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, _) = sb.post("/_sandbox/reset", json!({"seed": "empty"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sb.get("/rest/api/3/project/search").await.1["total"], 0);
    // Ids start again at Jira's first id.
    sb.project("NEW").await;
    let key = sb.issue("NEW", "first", "Task").await;
    assert_eq!(sb.get(&format!("/rest/api/3/issue/{key}")).await.1["id"], "10000");
}

#[tokio::test]
async fn the_request_log_records_calls_since_a_sequence() {
    let sb = Sb::start(Seed::Empty).await;
    sb.get("/rest/api/3/myself").await;
    sb.get("/rest/api/3/issue/NOPE-1").await;
    let (s, log) = sb.get("/_sandbox/requests").await;
    assert_eq!(s, StatusCode::OK);
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(entries[0]["method"], "GET");
    assert_eq!(entries[0]["path"], "/rest/api/3/myself");
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[1]["status"], 404);
    assert!(entries[0]["auth_user"].is_string());
    assert!(entries[0]["duration_ms"].is_number());
    let first = entries[0]["seq"].as_u64().unwrap();
    let (_, since) = sb.get(&format!("/_sandbox/requests?since={first}")).await;
    assert_eq!(since.as_array().unwrap().len(), 1);
    assert_eq!(sb.delete("/_sandbox/requests").await.0, StatusCode::NO_CONTENT);
    assert_eq!(sb.get("/_sandbox/requests").await.1, json!([]));
}

#[tokio::test]
async fn the_control_plane_takes_only_the_admin() {
    let sb = Sb::start(Seed::Demo).await;
    let r = sb
        .http
        .post(sb.url("/_sandbox/reset"))
        .basic_auth("bob@example.com", Some("sandbox-bob-token"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_jira_error(s, &b, StatusCode::FORBIDDEN);
    let r = sb.http.get(sb.url("/_sandbox/clock")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn permissions_hide_a_project_until_granted() {
    let sb = Sb::start(Seed::Demo).await;
    let as_bob = |path: String| {
        sb.http
            .get(sb.url(&path))
            .basic_auth("bob@example.com", Some("sandbox-bob-token"))
            .send()
    };
    assert_eq!(
        as_bob("/rest/api/3/project/OPS".into()).await.unwrap().status(),
        StatusCode::OK
    );
    let (s, _) = sb
        .put(
            "/_sandbox/projects/OPS/permissions",
            json!({"browse": ["marketing"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        as_bob("/rest/api/3/project/OPS".into()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_bob("/rest/api/3/issue/OPS-1".into()).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (s, b) = sb
        .put("/_sandbox/projects/OPS/permissions", json!({"browse": ["nope"]}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    sb.put("/_sandbox/projects/OPS/permissions", json!({"browse": null}))
        .await;
    assert_eq!(
        as_bob("/rest/api/3/project/OPS".into()).await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn state_survives_a_restart_with_a_data_directory() {
    let dir = std::env::temp_dir().join(format!("jirakit-persist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config {
        data_dir: Some(dir.clone()),
        ..Config::default()
    };
    let sb = Sb::with(config.clone()).await;
    sb.project("KEEP").await;
    let key = sb.issue("KEEP", "Still here", "Task").await;
    sb.sandbox.shutdown().await;
    let sb = Sb::with(config).await;
    let (s, i) = sb.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(i["fields"]["summary"], "Still here");
    let key2 = sb.issue("KEEP", "Next", "Task").await;
    assert_eq!(key2, "KEEP-2");
    sb.sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_demo_seed_is_a_believable_site() {
    let sb = Sb::start(Seed::Demo).await;
    let (_, users) = sb.get("/rest/api/3/users/search?maxResults=100").await;
    assert_eq!(users.as_array().unwrap().len(), 10);
    let (_, page) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "project in (SHOP, OPS, MKT)", "maxResults": 5000, "fields": ["id"]}),
        )
        .await;
    assert_eq!(page["issues"].as_array().unwrap().len(), 2000);
    let (_, done) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "statusCategory = Done", "maxResults": 5000, "fields": ["id"]}),
        )
        .await;
    let n_done = done["issues"].as_array().unwrap().len();
    assert!(n_done > 200 && n_done < 1800, "{n_done} done");
    let (_, subs) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "issuetype = Subtask", "maxResults": 5000, "fields": ["parent"]}),
        )
        .await;
    let subs = subs["issues"].as_array().unwrap();
    assert!(!subs.is_empty() && subs.iter().all(|s| s["fields"]["parent"]["key"].is_string()));
    let (_, i) = sb.get("/rest/api/3/issue/SHOP-100?expand=changelog").await;
    assert!(
        i["fields"]["created"].as_str().unwrap().starts_with("2025-")
            || i["fields"]["created"].as_str().unwrap().starts_with("2026-")
    );
    // The same seed gives the same site.
    let other = Sb::start(Seed::Demo).await;
    let again = other.get("/rest/api/3/issue/SHOP-100?expand=changelog").await.1;
    let strip = |v: &serde_json::Value, sb: &Sb| v.to_string().replace(sb.sandbox.url(), "BASE");
    assert_eq!(strip(&again, &other), strip(&i, &sb));
}
