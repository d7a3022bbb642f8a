use jirakit_sandbox::{Config, Mode, Seed};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn server_info_reports_a_cloud_deployment_to_anyone() {
    let sb = Sb::start(Seed::Empty).await;
    let r = sb
        .http
        .get(sb.url("/rest/api/2/serverInfo"))
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["deploymentType"], "Cloud");
    assert_eq!(b["versionNumbers"], json!([1001, 0, 0]));
    assert_eq!(b["baseUrl"], sb.sandbox.url());
    assert_eq!(b["serverTime"], "2026-01-05T09:00:00.000+0000");
}

#[tokio::test]
async fn myself_is_the_seeded_admin_in_both_versions() {
    let sb = Sb::start(Seed::Empty).await;
    for v in [2, 3] {
        let (s, b) = sb.get(&format!("/rest/api/{v}/myself")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b["emailAddress"], "admin@example.com");
        assert_eq!(b["accountType"], "atlassian");
        assert!(b["accountId"].as_str().is_some_and(|a| !a.is_empty()));
        assert!(b["self"]
            .as_str()
            .unwrap()
            .contains(&format!("/rest/api/{v}/user?accountId=")));
    }
}

#[tokio::test]
async fn a_wrong_token_is_a_plain_text_401_with_jiras_headers() {
    let sb = Sb::start(Seed::Empty).await;
    let r = sb
        .http
        .get(sb.url("/rest/api/3/myself"))
        .basic_auth("admin@example.com", Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["x-seraph-loginreason"], "AUTHENTICATED_FAILED");
    assert!(r.headers().contains_key("www-authenticate"));
    assert_eq!(
        r.text().await.unwrap(),
        "Client must be authenticated to access this resource."
    );
}

#[tokio::test]
async fn missing_credentials_are_a_401_and_the_secret_never_echoes() {
    let sb = Sb::start(Seed::Empty).await;
    let r = sb
        .http
        .get(sb.url("/rest/api/3/project/search"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = sb
        .http
        .get(sb.url("/rest/api/3/myself"))
        .header("authorization", "Basic !!!notbase64")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = sb
        .http
        .get(sb.url("/rest/api/3/myself"))
        .bearer_auth("super-secret-guess")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(!r.text().await.unwrap().contains("super-secret-guess"));
}

#[tokio::test]
async fn bearer_pat_signs_in_and_data_center_takes_username_and_password() {
    let sb = Sb::start(Seed::Empty).await;
    let r = sb
        .http
        .get(sb.url("/rest/api/2/myself"))
        .bearer_auth("sandbox-admin-pat")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let dc = Sb::with(Config {
        mode: Mode::DataCenter,
        ..Config::default()
    })
    .await;
    let r = dc
        .http
        .get(dc.url("/rest/api/2/myself"))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["name"], "admin");
    let r = dc
        .http
        .get(dc.url("/rest/api/2/serverInfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(read(r).await.1["deploymentType"], "Server");
    let r = dc
        .http
        .get(dc.url("/rest/api/3/myself"))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The Cloud form of credentials does not work on Data Center.
    let r = dc
        .http
        .get(dc.url("/rest/api/2/myself"))
        .basic_auth("admin@example.com", Some("sandbox-admin-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn users_can_be_found_one_by_one_in_bulk_and_by_query() {
    let sb = Sb::start(Seed::Demo).await;
    let (_, users) = sb.get("/rest/api/3/user/search?query=ali").await;
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
    let alice = users[0]["accountId"].as_str().unwrap().to_string();
    assert_eq!(users[0]["displayName"], "Alice Moreau");
    let (s, u) = sb.get(&format!("/rest/api/3/user?accountId={alice}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(u["emailAddress"], "alice@example.com");
    let (s, page) = sb
        .get(&format!(
            "/rest/api/3/user/bulk?accountId={alice}&accountId=nobody"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["total"], 1);
    assert_eq!(page["values"][0]["accountId"], alice.as_str());
    let (s, b) = sb.get("/rest/api/3/user?accountId=nobody").await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = sb.get("/rest/api/3/user/search").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb.get("/rest/api/3/user?username=alice").await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn groups_are_created_filled_listed_and_emptied() {
    let sb = Sb::start(Seed::Empty).await;
    let (s, g) = sb.post("/rest/api/3/group", json!({"name": "support"})).await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    assert_eq!(g["name"], "support");
    let (s, b) = sb.post("/rest/api/3/group", json!({"name": "support"})).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, u) = sb
        .post(
            "/rest/api/3/user",
            json!({"emailAddress": "zed@example.com", "displayName": "Zed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    let zed = u["accountId"].as_str().unwrap();
    let (s, _) = sb
        .post(
            "/rest/api/3/group/user?groupname=support",
            json!({"accountId": zed}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, b) = sb
        .post(
            "/rest/api/3/group/user?groupname=support",
            json!({"accountId": zed}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (_, members) = sb.get("/rest/api/3/group/member?groupname=support").await;
    assert_eq!(members["total"], 1);
    assert_eq!(members["values"][0]["accountId"], zed);
    let (_, picked) = sb.get("/rest/api/3/groups/picker?query=sup").await;
    assert_eq!(picked["groups"][0]["name"], "support");
    let (s, _) = sb
        .delete(&format!(
            "/rest/api/3/group/user?groupname=support&accountId={zed}"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, members) = sb.get("/rest/api/3/group/member?groupname=support").await;
    assert_eq!(members["total"], 0);
    let (s, b) = sb.get("/rest/api/3/group/member?groupname=nope").await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_non_admin_may_not_manage_groups() {
    let sb = Sb::start(Seed::Demo).await;
    let r = sb
        .http
        .post(sb.url("/rest/api/3/group"))
        .basic_auth("alice@example.com", Some("sandbox-alice-token"))
        .json(&json!({"name": "rebels"}))
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_jira_error(s, &b, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_non_loopback_address_is_refused_with_default_credentials() {
    let config = Config {
        addr: "0.0.0.0:0".parse().unwrap(),
        ..Config::default()
    };
    let err = jirakit_sandbox::spawn(config).await.err().expect("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("JIRAKIT_SANDBOX_API_TOKEN"));
}

#[tokio::test]
async fn tls_serves_a_self_signed_certificate_named_in_the_ready_file() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sb = jirakit_sandbox::spawn(Config {
        tls: true,
        ..Config::default()
    })
    .await
    .unwrap();
    assert!(sb.url().starts_with("https://127.0.0.1:"));
    let ready = sb.ready_json();
    let pem = std::fs::read(ready["ca_cert"].as_str().expect("ca_cert in the ready file")).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    let r = http
        .get(format!("{}/rest/api/3/myself", sb.url()))
        .basic_auth("admin@example.com", Some("sandbox-admin-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A client that does not trust the certificate is refused.
    let plain = reqwest::Client::new();
    assert!(plain
        .get(format!("{}/rest/api/3/serverInfo", sb.url()))
        .send()
        .await
        .is_err());
    sb.shutdown().await;
}
