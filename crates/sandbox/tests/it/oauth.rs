//! OAuth 2.0 (3LO) and Connect JWT against the sandbox, over real HTTP with raw requests (the
//! client's own tests drive the same server through jirakit).

use base64::Engine;
use hmac::{Hmac, Mac};
use jirakit_sandbox::{Config, Seed};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{fixed_now, read, Sb};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn app(sb: &Sb, scopes: &[&str]) {
    let (s, b) = sb
        .put(
            "/_sandbox/oauth/apps/app-1",
            json!({"secret": "app-1-secret", "redirectUris": [REDIRECT], "scopes": scopes}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(!b.to_string().contains("app-1-secret"), "{b}");
}

/// `/authorize` with these query pairs; the `Location` it redirects to, parsed.
async fn authorize(sb: &Sb, pairs: &[(&str, &str)]) -> (StatusCode, Option<url::Url>) {
    let r = no_redirects()
        .get(sb.url("/authorize"))
        .query(pairs)
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| url::Url::parse(v.to_str().unwrap()).unwrap());
    (r.status(), loc)
}

fn param(u: &url::Url, k: &str) -> Option<String> {
    u.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned())
}

async fn code(sb: &Sb, scope: &str) -> String {
    let (s, loc) = authorize(
        sb,
        &[
            ("audience", "api.atlassian.com"),
            ("client_id", "app-1"),
            ("scope", scope),
            ("redirect_uri", REDIRECT),
            ("state", "xyz"),
            ("response_type", "code"),
            ("prompt", "consent"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FOUND);
    let loc = loc.unwrap();
    assert_eq!(param(&loc, "state").as_deref(), Some("xyz"));
    param(&loc, "code").expect("a code")
}

async fn token(sb: &Sb, body: Value) -> (StatusCode, Value) {
    read(
        sb.http
            .post(sb.url("/oauth/token"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn exchange(sb: &Sb, code: &str) -> Value {
    let (s, b) = token(
        sb,
        json!({"grant_type": "authorization_code", "client_id": "app-1", "client_secret": "app-1-secret",
               "code": code, "redirect_uri": REDIRECT}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

async fn refresh(sb: &Sb, refresh_token: &str) -> (StatusCode, Value) {
    token(
        sb,
        json!({"grant_type": "refresh_token", "client_id": "app-1", "client_secret": "app-1-secret",
               "refresh_token": refresh_token}),
    )
    .await
}

async fn resources(sb: &Sb, access: &str) -> (StatusCode, Value) {
    read(
        sb.http
            .get(sb.url("/oauth/token/accessible-resources"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn via_gateway(sb: &Sb, cloud: &str, access: &str, method: Method, path: &str) -> (StatusCode, Value) {
    read(
        sb.http
            .request(method, sb.url(&format!("/ex/jira/{cloud}{path}")))
            .bearer_auth(access)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn started() -> Sb {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb
}

#[tokio::test]
async fn the_full_dance_reaches_the_api_through_the_gateway() {
    let sb = started().await;
    app(&sb, &["read:jira-work", "read:jira-user", "offline_access"]).await;
    let c = code(&sb, "read:jira-work read:jira-user offline_access").await;
    let t = exchange(&sb, &c).await;
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["scope"], "offline_access read:jira-user read:jira-work");
    let access = t["access_token"].as_str().unwrap();
    assert!(t["refresh_token"].is_string());

    let (s, sites) = resources(&sb, access).await;
    assert_eq!(s, StatusCode::OK, "{sites}");
    let site = &sites[0];
    let cloud = site["id"].as_str().unwrap().to_string();
    assert_eq!(cloud.len(), 36, "a UUID-shaped cloud id: {cloud}");
    assert_eq!(site["url"], sb.sandbox.url());
    assert_eq!(site["scopes"], json!(["read:jira-user", "read:jira-work"]));
    assert!(site["avatarUrl"].is_string() && site["name"].is_string());

    let (s, me) = via_gateway(&sb, &cloud, access, Method::GET, "/rest/api/3/myself").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["emailAddress"], "admin@example.com");
    // The same token does not work on the site's own URL, only through the gateway.
    let r = sb
        .http
        .get(sb.url("/rest/api/3/myself"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A wrong cloud id is a 404.
    let (s, _) = via_gateway(&sb, "not-a-site", access, Method::GET, "/rest/api/3/myself").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The code was spent.
    let (s, b) = token(
        &sb,
        json!({"grant_type": "authorization_code", "client_id": "app-1", "client_secret": "app-1-secret",
               "code": c, "redirect_uri": REDIRECT}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["error"], "invalid_grant");
    // The request log names the gateway path and holds no token.
    let (_, log) = sb.get("/_sandbox/requests").await;
    let text = log.to_string();
    assert!(
        text.contains(&format!("/ex/jira/{cloud}/rest/api/3/myself")),
        "{text}"
    );
    assert!(!text.contains(access));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_used_one_is_dead() {
    let sb = started().await;
    app(&sb, &["read:jira-work", "offline_access"]).await;
    let t = exchange(&sb, &code(&sb, "read:jira-work offline_access").await).await;
    let first = t["refresh_token"].as_str().unwrap();
    let (s, t2) = refresh(&sb, first).await;
    assert_eq!(s, StatusCode::OK, "{t2}");
    let second = t2["refresh_token"].as_str().unwrap();
    assert_ne!(first, second);
    let (s, b) = refresh(&sb, first).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(
        b,
        json!({"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."})
    );
    // RFC 6749's form body works as well as Atlassian's JSON one.
    let form =
        format!("grant_type=refresh_token&client_id=app-1&client_secret=app-1-secret&refresh_token={second}");
    let r = sb
        .http
        .post(sb.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let (s, t3) = read(r).await;
    assert_eq!(s, StatusCode::OK, "{t3}");
    let (s, _) = refresh(&sb, second).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "spent by the form request");
    let second = t3["refresh_token"].as_str().unwrap();
    // Without offline_access there is no refresh token at all.
    let t = exchange(&sb, &code(&sb, "read:jira-work").await).await;
    assert!(t.get("refresh_token").is_none(), "{t}");
    // A wrong secret is refused without saying which part was wrong.
    let (s, b) = token(
        &sb,
        json!({"grant_type": "refresh_token", "client_id": "app-1", "client_secret": "nope-nope",
               "refresh_token": second}),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    assert_eq!(b["error"], "invalid_client");
}

#[tokio::test]
async fn access_tokens_expire_after_an_hour_on_the_sandbox_clock() {
    let sb = started().await;
    app(&sb, &["read:jira-user"]).await;
    let t = exchange(&sb, &code(&sb, "read:jira-user").await).await;
    let access = t["access_token"].as_str().unwrap();
    let (_, sites) = resources(&sb, access).await;
    let cloud = sites[0]["id"].as_str().unwrap().to_string();
    let (s, _) = sb.post("/_sandbox/clock/advance", json!({"by": "59m"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = via_gateway(&sb, &cloud, access, Method::GET, "/rest/api/3/myself").await;
    assert_eq!(s, StatusCode::OK);
    sb.post("/_sandbox/clock/advance", json!({"by": "1m"})).await;
    let (s, b) = via_gateway(&sb, &cloud, access, Method::GET, "/rest/api/3/myself").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(b, json!({"code": 401, "message": "Unauthorized"}));
}

#[tokio::test]
async fn a_missing_scope_is_a_401_that_says_the_scope_does_not_match() {
    let sb = started().await;
    sb.project("SC").await;
    let key = sb.issue("SC", "Scoped", "Task").await;
    app(&sb, &["read:jira-work", "write:jira-work"]).await;
    let t = exchange(&sb, &code(&sb, "read:jira-work").await).await;
    let access = t["access_token"].as_str().unwrap();
    let (_, sites) = resources(&sb, access).await;
    let cloud = sites[0]["id"].as_str().unwrap().to_string();
    let path = format!("/rest/api/2/issue/{key}");
    let (s, issue) = via_gateway(&sb, &cloud, access, Method::GET, &path).await;
    assert_eq!(s, StatusCode::OK, "{issue}");
    assert_eq!(issue["fields"]["summary"], "Scoped");
    for (m, p) in [
        (Method::DELETE, path.as_str()),
        (Method::GET, "/rest/api/3/myself"),
        (Method::GET, "/rest/agile/1.0/board"),
    ] {
        let (s, b) = via_gateway(&sb, &cloud, access, m.clone(), p).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {p}");
        assert_eq!(
            b,
            json!({"code": 401, "message": "Unauthorized; scope does not match"})
        );
    }
    // Nothing was deleted.
    let (s, _) = sb.get(&path).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn authorize_refuses_bad_requests_as_atlassian_does() {
    let sb = started().await;
    app(&sb, &["read:jira-work"]).await;
    let base = [
        ("audience", "api.atlassian.com"),
        ("client_id", "app-1"),
        ("scope", "read:jira-work"),
        ("redirect_uri", REDIRECT),
        ("state", "s1"),
        ("response_type", "code"),
    ];
    let with = |k: &str, v: &'static str| -> Vec<(&str, &str)> {
        base.iter()
            .map(|(n, x)| if *n == k { (*n, v) } else { (*n, *x) })
            .collect()
    };
    // An unknown client or a foreign redirect URI is never redirected to.
    for pairs in [
        with("client_id", "who"),
        with("redirect_uri", "https://evil.example/cb"),
    ] {
        let (s, loc) = authorize(&sb, &pairs).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(loc.is_none());
    }
    for (pairs, err) in [
        (with("response_type", "token"), "unsupported_response_type"),
        (with("scope", "write:jira-work"), "invalid_scope"),
        (with("scope", ""), "invalid_scope"),
        (with("audience", "elsewhere"), "invalid_request"),
    ] {
        let (s, loc) = authorize(&sb, &pairs).await;
        assert_eq!(s, StatusCode::FOUND);
        let loc = loc.unwrap();
        assert_eq!(param(&loc, "error").as_deref(), Some(err), "{loc}");
        assert_eq!(param(&loc, "state").as_deref(), Some("s1"));
        assert!(param(&loc, "code").is_none());
    }
}

#[tokio::test]
async fn tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: Some(dir.path().to_path_buf()),
        frozen_at: Some(fixed_now()),
        ..Config::default()
    };
    let sb = Sb::with(config.clone()).await;
    sb.without_limits().await;
    app(&sb, &["read:jira-user", "offline_access"]).await;
    let t = exchange(&sb, &code(&sb, "read:jira-user offline_access").await).await;
    let (_, sites) = resources(&sb, t["access_token"].as_str().unwrap()).await;
    let cloud = sites[0]["id"].as_str().unwrap().to_string();
    sb.sandbox.shutdown().await;

    let sb = Sb::with(config).await;
    let access = t["access_token"].as_str().unwrap();
    let (s, _) = via_gateway(&sb, &cloud, access, Method::GET, "/rest/api/3/myself").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the access token and the cloud id outlive the process"
    );
    let (s, b) = refresh(&sb, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    sb.sandbox.shutdown().await;
}

fn connect_jwt(key: &str, secret: &str, method: &str, path: &str, query: &str, now: i64) -> String {
    // An independent qsh: the canonical request for a query with sorted, encoded pairs.
    let qsh = hex::encode(Sha256::digest(format!("{method}&{path}&{query}").as_bytes()));
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let h = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let c = b64.encode(json!({"iss": key, "iat": now, "exp": now + 180, "qsh": qsh}).to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", b64.encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn a_connect_jwt_is_accepted_only_for_the_request_it_was_signed_for() {
    let sb = started().await;
    let secret = "a-shared-secret-of-at-least-32-characters";
    let (s, b) = sb
        .put("/_sandbox/connect/apps/my-app", json!({"sharedSecret": secret}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let now = fixed_now().as_second();
    let send = |jwt: String, q: &'static str| {
        sb.http
            .get(sb.url(&format!("/rest/api/3/user/search?{q}")))
            .header("Authorization", format!("JWT {jwt}"))
            .send()
    };
    let good = connect_jwt(
        "my-app",
        secret,
        "GET",
        "/rest/api/3/user/search",
        "maxResults=5&query=ad",
        now,
    );
    let (s, b) = read(send(good.clone(), "query=ad&maxResults=5").await.unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // The same token for another query, a token signed with another secret, an expired one.
    let (s, _) = read(send(good, "query=other&maxResults=5").await.unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let forged = connect_jwt(
        "my-app",
        "another-secret-of-at-least-32-chars!!",
        "GET",
        "/rest/api/3/user/search",
        "query=ad",
        now,
    );
    let (s, _) = read(send(forged, "query=ad").await.unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let old = connect_jwt(
        "my-app",
        secret,
        "GET",
        "/rest/api/3/user/search",
        "query=ad",
        now - 3600,
    );
    let (s, _) = read(send(old, "query=ad").await.unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A short secret is refused with a Jira-shaped error.
    let (s, b) = sb
        .put("/_sandbox/connect/apps/weak", json!({"sharedSecret": "short"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(b["errors"]["sharedSecret"].is_string(), "{b}");
}
