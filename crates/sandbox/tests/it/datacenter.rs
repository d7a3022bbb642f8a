//! `--mode datacenter`: each documented difference from Cloud (jira-api-facts.md §(j)), tested.

use jirakit_sandbox::{Config, Mode, Seed};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

/// A Data Center sandbox, signed in as `admin:admin` (user name and password).
async fn dc(seed: Seed) -> Sb {
    let mut sb = Sb::with(Config {
        mode: Mode::DataCenter,
        seed,
        frozen_at: Some(fixed_now()),
        ..Config::default()
    })
    .await;
    sb.auth = ("admin".into(), "admin".into());
    sb.without_limits().await;
    sb
}

#[tokio::test]
async fn data_center_is_server_on_v2_only_and_refuses_v3_and_search_jql() {
    let sb = dc(Seed::Empty).await;
    let (s, info) = sb.get("/rest/api/2/serverInfo").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(info["deploymentType"], "Server");
    assert_ne!(info["versionNumbers"][0], 1001, "not Cloud's version");
    for (method, path) in [
        (Method::GET, "/rest/api/3/myself"),
        (Method::GET, "/rest/api/3/serverInfo"),
        (Method::POST, "/rest/api/3/issue"),
        (Method::GET, "/rest/api/2/search/jql?jql=order+by+key"),
        (Method::POST, "/rest/api/2/search/jql"),
    ] {
        let (s, b) = sb
            .call(method.clone(), path, Some(json!({"jql": "order by key"})))
            .await;
        assert_jira_error(s, &b, StatusCode::NOT_FOUND);
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let (s, me) = sb.get("/rest/api/latest/myself").await;
    assert_eq!((s, me["name"].clone()), (StatusCode::OK, json!("admin")), "{me}");
}

#[tokio::test]
async fn data_center_signs_in_with_user_name_and_password_or_a_bearer_pat_only() {
    let sb = dc(Seed::Empty).await;
    let get = |auth: fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder| {
        let r = sb.http.get(sb.url("/rest/api/2/myself"));
        auth(r).send()
    };
    assert_eq!(
        get(|r| r.basic_auth("admin", Some("admin")))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        get(|r| r.bearer_auth("sandbox-admin-pat"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    for bad in [
        get(|r| r.basic_auth("admin", Some("wrong"))).await.unwrap(),
        get(|r| r.basic_auth("admin@example.com", Some("sandbox-admin-token")))
            .await
            .unwrap(),
        get(|r| r.bearer_auth("not-a-pat")).await.unwrap(),
    ] {
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(bad.headers()["x-seraph-loginreason"], "AUTHENTICATED_FAILED");
        let body = bad.text().await.unwrap();
        assert!(!body.contains("wrong") && !body.contains("not-a-pat"), "{body}");
    }
}

#[tokio::test]
async fn data_center_names_users_by_name_and_key_in_payloads_writes_and_jql() {
    let sb = dc(Seed::Demo).await;
    let (s, u) = sb.get("/rest/api/2/user?username=alice").await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(
        (u["name"].clone(), u["key"].clone()),
        (json!("alice"), json!("alice"))
    );
    assert!(
        u["self"].as_str().unwrap().ends_with("/user?username=alice"),
        "{u}"
    );
    let (s, _) = sb.get("/rest/api/2/user?key=alice").await;
    assert_eq!(s, StatusCode::OK);

    let (s, created) = sb
        .post(
            "/rest/api/2/issue",
            json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                   "summary": "Rotate keys", "assignee": {"name": "alice"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().unwrap().to_string();
    let (_, issue) = sb
        .get(&format!("/rest/api/2/issue/{key}?fields=assignee,reporter"))
        .await;
    assert_eq!(issue["fields"]["assignee"]["name"], "alice");
    assert_eq!(issue["fields"]["reporter"]["name"], "admin");

    let (s, found) = sb
        .get(&format!(
            "/rest/api/2/search?jql=key+%3D+{key}+AND+assignee+%3D+alice"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{found}");
    assert_eq!(found["total"], 1, "{found}");

    let (s, b) = sb
        .put(
            &format!("/rest/api/2/issue/{key}/assignee"),
            json!({"name": "admin"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (_, found) = sb
        .get(&format!(
            "/rest/api/2/search?jql=key+%3D+{key}+AND+assignee+%3D+currentUser()"
        ))
        .await;
    assert_eq!(found["total"], 1, "{found}");
    let (s, b) = sb
        .put(
            &format!("/rest/api/2/issue/{key}/assignee"),
            json!({"name": "nobody-by-that-name"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn data_center_takes_and_returns_wiki_markup_and_refuses_adf() {
    let sb = dc(Seed::Demo).await;
    let (s, created) = sb
        .post(
            "/rest/api/2/issue",
            json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                   "summary": "Wiki", "description": "h2. Steps\n* *bold* step"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().unwrap();
    let (_, issue) = sb
        .get(&format!("/rest/api/2/issue/{key}?fields=description"))
        .await;
    // Data Center stores wiki markup as written: it comes back byte for byte.
    assert_eq!(issue["fields"]["description"], "h2. Steps\n* *bold* step");
    let adf = json!({"version": 1, "type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}]});
    let (s, b) = sb
        .post(&format!("/rest/api/2/issue/{key}/comment"), json!({"body": adf}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, c) = sb
        .post(
            &format!("/rest/api/2/issue/{key}/comment"),
            json!({"body": "{code}ls{code}"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["body"], "{code}ls{code}");
    let (s, w) = sb
        .post(
            &format!("/rest/api/2/issue/{key}/worklog"),
            json!({"timeSpent": "1h", "comment": "-done-"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    assert_eq!(w["comment"], "-done-");
    let (s, b) = sb
        .post(&format!("/rest/api/2/issue/{key}/comment"), json!({"body": "  "}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb
        .put(
            &format!("/rest/api/2/issue/{key}"),
            json!({"fields": {"description": "bq. quoted"}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (_, log) = sb.get(&format!("/rest/api/2/issue/{key}/changelog")).await;
    let item = &log["values"].as_array().unwrap().last().unwrap()["items"][0];
    assert_eq!(
        (item["fromString"].clone(), item["toString"].clone()),
        (json!("h2. Steps\n* *bold* step"), json!("bq. quoted"))
    );
    let (_, found) = sb
        .get(&format!(
            "/rest/api/2/search?jql=key+%3D+{key}+AND+description+~+quoted"
        ))
        .await;
    assert_eq!(found["total"], 1, "{found}");
}

#[tokio::test]
async fn data_center_search_pages_by_offset_with_a_total_on_get_and_post() {
    let sb = dc(Seed::Demo).await;
    let (s, first) = sb
        .get("/rest/api/2/search?jql=project+%3D+OPS+ORDER+BY+key&maxResults=5")
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let total = first["total"].as_u64().unwrap();
    assert!(total > 5);
    assert_eq!(first["startAt"], 0);
    assert_eq!(first["maxResults"], 5);
    let (s, second) = sb
        .post(
            "/rest/api/2/search",
            json!({"jql": "project = OPS ORDER BY key", "startAt": 5, "maxResults": 5}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{second}");
    assert_eq!(second["startAt"], 5);
    assert_eq!(second["total"].as_u64(), Some(total));
    let keys = |p: &Value| -> Vec<String> {
        p["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["key"].as_str().unwrap().to_owned())
            .collect()
    };
    let (a, b) = (keys(&first), keys(&second));
    assert_eq!((a.len(), b.len()), (5, 5));
    assert!(a.iter().all(|k| !b.contains(k)), "pages overlap: {a:?} {b:?}");
    assert!(second.get("nextPageToken").is_none(), "{second}");
}
