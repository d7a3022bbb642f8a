//! `jk auth login --web`: the test plays the browser against the sandbox's OAuth server (which
//! consents at once), jk's localhost callback takes the code, and later commands go through the
//! gateway, rotating the refresh token and saving each new one (0600 file: no keyring here).

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

use crate::{mode, Env, NO_BUS};

const CLIENT_ID: &str = "jk-e2e";
const CLIENT_SECRET: &str = "jk-e2e-app-secret";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn register(env: &Env, redirect: &str) {
    let r = env
        .sb
        .put(
            &format!("/_sandbox/oauth/apps/{CLIENT_ID}"),
            &json!({"secret": CLIENT_SECRET, "redirectUris": [redirect]}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

/// A running `jk auth login --web`, its stderr read line by line.
struct Login {
    child: tokio::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl Login {
    /// With `site`, the `--url` to pick; by default the sandbox's own.
    fn start(env: &Env, site: Option<&str>, extra: &[&str]) -> Login {
        let url = env.url();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_jk"));
        cmd.args([
            "auth",
            "login",
            "--web",
            "--no-browser",
            "--url",
            site.unwrap_or(&url),
        ])
        .args(["--client-id", CLIENT_ID, "--auth-url", &url, "--api-url", &url])
        .args(["--name", "oauth", "--timeout", "60"])
        .args(extra)
        .env_remove("JIRA_BASE_URL")
        .env_remove("JIRA_EMAIL")
        .env_remove("JIRA_API_TOKEN")
        .env_remove("JIRA_PAT")
        .env_remove("JK_PROFILE")
        .env_remove("JK_KEYRING")
        .env_remove("XDG_CONFIG_HOME")
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .env("HOME", env.home.path())
        .env("JK_CONFIG_DIR", env.config_dir())
        .env("JK_OAUTH_CLIENT_SECRET", CLIENT_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
        let mut child = cmd.spawn().expect("jk starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut r = BufReader::new(stderr).lines();
            while let Ok(Some(l)) = r.next_line().await {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Login {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The authorization URL jk prints (it waits for the callback after printing it).
    async fn authorization_url(&mut self) -> url::Url {
        loop {
            let line = tokio::time::timeout(Duration::from_secs(30), self.lines.recv())
                .await
                .expect("jk prints the URL in time")
                .unwrap_or_else(|| panic!("jk ended before printing a URL: {:?}", self.seen));
            self.seen.push(line.clone());
            if let Some(u) = line.trim().strip_prefix("http") {
                return url::Url::parse(&format!("http{u}")).unwrap();
            }
        }
    }

    /// Waits for jk to finish: its exit code and all of its stderr.
    async fn finish(mut self) -> (i32, String) {
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("jk finishes")
            .unwrap();
        while let Some(l) = self.lines.recv().await {
            self.seen.push(l);
        }
        (status.code().unwrap_or(-1), self.seen.join("\n"))
    }
}

fn param(u: &url::Url, k: &str) -> String {
    u.query_pairs()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{k} missing from {u}"))
}

fn stored_secret(env: &Env) -> Value {
    let creds: Value =
        serde_json::from_slice(&std::fs::read(env.config_dir().join("credentials.json")).unwrap()).unwrap();
    serde_json::from_str(creds["oauth"].as_str().expect("the profile's secret")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_login_then_commands_go_through_the_gateway_and_keep_the_rotated_refresh_token() {
    let env = Env::demo().await;
    register(&env, "http://127.0.0.1:9/callback").await;

    let mut login = Login::start(&env, None, &[]);
    let auth = login.authorization_url().await;
    assert_eq!(param(&auth, "client_id"), CLIENT_ID);
    assert!(param(&auth, "scope").contains("offline_access"));
    assert!(!auth.as_str().contains(CLIENT_SECRET));
    let redirect = param(&auth, "redirect_uri");
    assert!(redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"));
    // The app's callback URL is jk's (its port was free only once jk had bound it).
    register(&env, &redirect).await;

    // The browser: the sandbox consents and redirects to jk's callback with the code.
    let browser = no_redirects();
    let r = browser.get(auth.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(&redirect), "{back}");
    let page = browser.get(&back).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("logged in"));

    let (code, stderr) = login.finish().await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("as Admin") || stderr.contains("logged in to"),
        "{stderr}"
    );
    assert!(!stderr.contains(CLIENT_SECRET), "{stderr}");
    // No keyring on this machine: the file, said once.
    assert_eq!(stderr.matches("no OS keyring answered").count(), 1, "{stderr}");

    let config: Value =
        serde_json::from_slice(&std::fs::read(env.config_dir().join("config.json")).unwrap()).unwrap();
    let profile = &config["profiles"]["oauth"];
    assert_eq!(profile["auth"], "oauth", "{config}");
    assert_eq!(profile["secretStore"], "file");
    assert_eq!(profile["url"], env.url().trim_end_matches('/'));
    assert_eq!(profile["oauth"]["clientId"], CLIENT_ID);
    assert!(
        !config.to_string().contains(CLIENT_SECRET),
        "no secret in config.json"
    );
    assert_eq!(mode(&env.config_dir().join("credentials.json")), 0o600);
    let first = stored_secret(&env);
    assert_eq!(first["client_secret"], CLIENT_SECRET);
    let first_refresh = first["refresh_token"].as_str().unwrap().to_owned();

    // Later commands use the profile: through the gateway, no JIRA_* variables.
    let me = env.run(&["me", "--json", "emailAddress"], &[], None).await;
    me.ok();
    assert_eq!(me.json(), json!({"emailAddress": "admin@example.com"}));
    let list = env
        .run(
            &["issue", "list", "-p", "SHOP", "-L", "3", "--json", "key"],
            &[],
            None,
        )
        .await;
    list.ok();
    assert_eq!(list.json().as_array().unwrap().len(), 3);
    let log: Value = env.sb.get("/_sandbox/requests").await.json().await.unwrap();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"].as_str().unwrap_or("").contains("myself") && r["auth_user"].is_string()),
        "{log}"
    );
    // Within the hour the saved access token serves: no refresh, the refresh token unchanged.
    assert_eq!(stored_secret(&env)["refresh_token"], first_refresh.as_str());

    let status = env.run(&["auth", "status"], &[], None).await;
    status.ok();
    assert!(status.stdout.contains("secret: in "), "{}", status.stdout);
    assert!(status.stdout.contains("credentials.json"), "{}", status.stdout);
    assert!(status.stdout.contains("check: ok"), "{}", status.stdout);

    // Two hours on: the sandbox's access token has expired. The next command gets a 401,
    // refreshes, and the rotated refresh token is saved before it is used.
    let r = env.sb.post("/_sandbox/clock/advance", &json!({"by": "2h"})).await;
    assert!(r.status().is_success());
    // Traced at the most verbose level, so the secrets' absence from the logs is checked too.
    let me = env
        .run(&["me", "--json", "emailAddress"], &[("JK_LOG", "trace")], None)
        .await;
    me.ok();
    let second = stored_secret(&env);
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh, "the refresh token rotated");
    assert!(me.stderr.contains("jira.request"), "traced: {}", me.stderr);
    for secret in [
        CLIENT_SECRET,
        first_refresh.as_str(),
        second_refresh.as_str(),
        first["access_token"].as_str().unwrap(),
        second["access_token"].as_str().unwrap(),
    ] {
        assert!(!me.stderr.contains(secret) && !me.stdout.contains(secret));
    }
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(mode(&env.config_dir().join("credentials.json")), 0o600);
    // The old refresh token is dead at the server; the saved one is the live one.
    let dead = env
        .sb
        .http
        .post(env.sb.url("/oauth/token"))
        .json(&json!({"grant_type": "refresh_token", "client_id": CLIENT_ID,
                      "client_secret": CLIENT_SECRET, "refresh_token": first_refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(dead.status(), 403);

    // `jk auth token` prints the live access token: it works as a Bearer on the gateway.
    // Several jk at once when the access token has run out: whichever refreshes first rotates
    // the refresh token; the others find theirs spent and take the one it saved.
    let r = env.sb.post("/_sandbox/clock/advance", &json!({"by": "2h"})).await;
    assert!(r.status().is_success());
    expire_saved_access_token(&env);
    let runs =
        futures_util::future::join_all((0..4).map(|_| env.run(&["me", "--json", "emailAddress"], &[], None)))
            .await;
    for r in &runs {
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let third = stored_secret(&env);
    assert_ne!(third["refresh_token"], second["refresh_token"]);

    let token = env.run(&["auth", "token"], &[], None).await;
    token.ok();
    let cloud = profile["oauth"]["cloudId"].as_str().unwrap();
    let direct = env
        .sb
        .http
        .get(env.sb.url(&format!("/ex/jira/{cloud}/rest/api/3/myself")))
        .bearer_auth(token.stdout.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 200);

    // Logout forgets the secret.
    env.run(&["auth", "logout"], &[], None).await.ok();
    assert!(stored_secret_missing(&env));
}

/// Makes the saved access token look expired to jk, as it would be an hour later.
fn expire_saved_access_token(env: &Env) {
    let path = env.config_dir().join("credentials.json");
    let mut creds: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut secret: Value = serde_json::from_str(creds["oauth"].as_str().unwrap()).unwrap();
    secret["expires_at"] = json!(0);
    creds["oauth"] = json!(secret.to_string());
    std::fs::write(&path, serde_json::to_vec(&creds).unwrap()).unwrap();
}

fn stored_secret_missing(env: &Env) -> bool {
    let creds: Value =
        serde_json::from_slice(&std::fs::read(env.config_dir().join("credentials.json")).unwrap()).unwrap();
    creds.get("oauth").is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_without_our_state_is_refused_and_nothing_is_saved() {
    let env = Env::demo().await;
    register(&env, "http://127.0.0.1:9/callback").await;
    let mut login = Login::start(&env, None, &[]);
    let auth = login.authorization_url().await;
    let redirect = param(&auth, "redirect_uri");
    let forged = reqwest::get(format!("{redirect}?code=stolen&state=not-ours"))
        .await
        .unwrap();
    assert_eq!(forged.status(), 200);
    assert!(forged.text().await.unwrap().contains("refused"));
    let (code, stderr) = login.finish().await;
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("state"), "{stderr}");
    assert!(!env.config_dir().join("config.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_login_needs_a_client_id_and_a_reachable_site() {
    let env = Env::demo().await;
    let url = env.url();
    let no_id = env
        .run(
            &[
                "auth",
                "login",
                "--web",
                "--no-browser",
                "--auth-url",
                &url,
                "--api-url",
                &url,
            ],
            &[("JK_OAUTH_CLIENT_SECRET", CLIENT_SECRET)],
            None,
        )
        .await;
    assert_eq!(no_id.code, 2, "{}", no_id.stderr);
    assert!(no_id.stderr.contains("client id"), "{}", no_id.stderr);
    let clash = env
        .run(
            &["auth", "login", "--web", "--pat", "--client-id", "x"],
            &[],
            None,
        )
        .await;
    assert_eq!(clash.code, 2, "{}", clash.stderr);
    // The browser flow's own flags without --web are a mistake, not silently ignored.
    let stray = env
        .run(
            &[
                "auth",
                "login",
                "--url",
                &url,
                "--email",
                "admin@example.com",
                "--port",
                "8080",
            ],
            &[],
            Some("sandbox-admin-token"),
        )
        .await;
    assert_eq!(stray.code, 2, "{}", stray.stderr);
    assert!(stray.stderr.contains("go with --web"), "{}", stray.stderr);

    // A --url the app's token does not reach: nothing saved, the sites it does reach named.
    register(&env, "http://127.0.0.1:9/callback").await;
    let mut other = Login::start(&env, Some("https://elsewhere.atlassian.net"), &[]);
    let auth = other.authorization_url().await;
    register(&env, &param(&auth, "redirect_uri")).await;
    let r = no_redirects().get(auth.as_str()).send().await.unwrap();
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    reqwest::get(&back).await.unwrap();
    let (code, stderr) = other.finish().await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("does not reach"), "{stderr}");
    assert!(!env.config_dir().join("config.json").exists());

    // A grant without the scope `myself` needs fails the check: the profile is not kept.
    let mut narrow = Login::start(&env, None, &["--scopes", "read:jira-work"]);
    let auth = narrow.authorization_url().await;
    register(&env, &param(&auth, "redirect_uri")).await;
    let r = no_redirects().get(auth.as_str()).send().await.unwrap();
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    reqwest::get(&back).await.unwrap();
    let (code, stderr) = narrow.finish().await;
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("not kept"), "{stderr}");
    let config: Value =
        serde_json::from_slice(&std::fs::read(env.config_dir().join("config.json")).unwrap()).unwrap();
    assert_eq!(config["profiles"], json!({}), "{config}");
    assert!(config.get("current").is_none(), "{config}");
    let creds = std::fs::read_to_string(env.config_dir().join("credentials.json")).unwrap_or_default();
    assert!(!creds.contains("oauth"), "{creds}");
}
