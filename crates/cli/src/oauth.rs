//! OAuth 2.0 (3LO) for `jk`: the browser login with a localhost callback, and the client every
//! later command builds from the profile, its refresh token rotated and saved on each refresh.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use jirakit::oauth::{AccessibleResource, OAuthApp};
use jirakit::{Auth, Client, ClientBuilder, Token, TokenProvider, TokenSource, TokenStore};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;

use crate::config::{OAuthConf, OAuthSecret, Site, Source};
use crate::exit::usage;
use crate::secrets::Store;

/// The scopes `jk` asks for unless told otherwise: read and write issues, read users.
pub const DEFAULT_SCOPES: &str = "read:jira-work write:jira-work read:jira-user";

/// The wall clock, in Unix seconds. A saved access token's expiry must survive the process,
/// so it is a wall-clock time by nature; this is the one place `jk` reads the wall clock.
#[allow(clippy::disallowed_methods)]
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn app(conf: &OAuthConf, client_secret: &str, redirect_uri: &str) -> OAuthApp {
    OAuthApp::new(
        conf.client_id.clone(),
        client_secret.to_owned(),
        redirect_uri.to_owned(),
    )
    .auth_base(conf.auth_url.clone())
    .api_base(conf.api_url.clone())
}

/// A token as the client wants it, from what the store kept.
fn token_of(s: &OAuthSecret) -> Token {
    let left = s.expires_at.map(|at| at - unix_now());
    let mut t = match (&s.access_token, left) {
        (Some(access), Some(left)) if left > 0 => {
            Token::new(access.clone(), Some(Duration::from_secs(left as u64)))
        }
        // Nothing usable: an already expired token makes the first request refresh.
        _ => Token::new(String::new(), Some(Duration::ZERO)),
    };
    t.refresh = s.refresh_token.clone().map(SecretString::from);
    t
}

/// What the store keeps for a token the client just got.
fn secret_of(client_secret: &str, t: &Token, keep_refresh: Option<&str>) -> OAuthSecret {
    let left = t.expires_at.map(|at| {
        at.saturating_duration_since(tokio::time::Instant::now())
            .as_secs() as i64
    });
    OAuthSecret {
        client_secret: client_secret.to_owned(),
        refresh_token: t
            .refresh
            .as_ref()
            .map(|r| r.expose_secret().to_owned())
            .or_else(|| keep_refresh.map(str::to_owned)),
        access_token: Some(t.access.expose_secret().to_owned()),
        expires_at: left.map(|l| unix_now() + l),
    }
}

/// Saves every new token into the profile's secret store before the client uses it.
struct ProfileStore {
    profile: String,
    store: Store,
    client_secret: String,
    last_refresh: Mutex<Option<String>>,
}

impl TokenStore for ProfileStore {
    fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<(), jirakit::Error>> {
        Box::pin(async move {
            let mut last = self.last_refresh.lock().unwrap_or_else(|e| e.into_inner());
            let s = secret_of(&self.client_secret, token, last.as_deref());
            let secret = s
                .to_secret()
                .map_err(|e| jirakit::Error::Token(format!("{e:#}")))?;
            crate::secrets::save(&self.profile, self.store, &secret)
                .map_err(|e| jirakit::Error::Token(format!("{e:#}")))?;
            *last = s.refresh_token;
            Ok(())
        })
    }
}

/// How many times (100 ms apart) a jk whose refresh token was spent looks for the new one.
const SPENT_POLLS: usize = 20;

/// Refreshes through the app; when the refresh token was already spent, by another `jk` running
/// at the same time, takes the token that one saved instead of failing.
struct ProfileProvider {
    app: OAuthApp,
    profile: String,
    store: Store,
}

impl TokenProvider for ProfileProvider {
    fn fetch<'a>(&'a self, previous: Option<&'a Token>) -> BoxFuture<'a, Result<Token, jirakit::Error>> {
        Box::pin(async move {
            let first = self.app.fetch(previous).await;
            let Err(e) = first else { return first };
            // Only a spent refresh token is worth waiting on; any other failure is reported.
            if !e.to_string().contains("invalid_grant") {
                return Err(e);
            }
            let spent = previous
                .and_then(|p| p.refresh.as_ref())
                .map(|r| r.expose_secret().to_owned());
            // The jk that spent it saves its new token a moment after the server answered it:
            // look for that for up to two seconds.
            for _ in 0..SPENT_POLLS {
                let stored = crate::secrets::load(&self.profile, self.store)
                    .ok()
                    .flatten()
                    .and_then(|s| OAuthSecret::parse(&s).ok());
                if let Some(s) = stored.filter(|s| s.refresh_token.is_some() && s.refresh_token != spent) {
                    let t = token_of(&s);
                    return if t.access.expose_secret().is_empty() {
                        self.app.fetch(Some(&t)).await
                    } else {
                        Ok(t)
                    };
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e)
        })
    }
}

/// The profile's tokens: the stored one first, refreshed through the app when it runs out, each
/// new one saved before use.
fn token_source(site: &Site) -> anyhow::Result<(Arc<TokenSource>, &OAuthConf)> {
    let conf = site.oauth.as_ref().ok_or_else(|| {
        usage("this OAuth profile has no app or site recorded; run `jk auth login --web` again")
    })?;
    let stored = OAuthSecret::parse(&site.secret)?;
    let Source::Profile(profile) = &site.source else {
        return Err(usage("OAuth works through a profile: run `jk auth login --web`"));
    };
    let store = site.store.unwrap_or_default();
    let provider = ProfileProvider {
        app: app(conf, &stored.client_secret, ""),
        profile: profile.clone(),
        store,
    };
    let tokens = Arc::new(ProfileStore {
        profile: profile.clone(),
        store,
        client_secret: stored.client_secret.clone(),
        last_refresh: Mutex::new(stored.refresh_token.clone()),
    });
    let source = TokenSource::new(Arc::new(provider))
        .with_initial(token_of(&stored))
        .with_store(tokens);
    Ok((Arc::new(source), conf))
}

/// The client builder for an OAuth profile: `{api}/ex/jira/{cloudId}`, tokens from the store.
pub fn client_builder(site: &Site) -> anyhow::Result<ClientBuilder> {
    let (source, conf) = token_source(site)?;
    Ok(Client::builder(format!(
        "{}/ex/jira/{}",
        conf.api_url.trim_end_matches('/'),
        conf.cloud_id
    ))
    .auth(Auth::Provider(source))
    .deployment(jirakit::Deployment::cloud()))
}

/// A live access token of an OAuth profile (refreshed and saved if the stored one ran out).
pub async fn access_token(site: &Site) -> anyhow::Result<SecretString> {
    let (source, _) = token_source(site)?;
    Ok(source.access().await?)
}

/// What `jk auth login --web` was given.
pub struct WebLogin {
    pub client_id: String,
    pub client_secret: String,
    pub site: Option<String>,
    pub scopes: String,
    pub port: u16,
    pub no_browser: bool,
    pub auth_url: String,
    pub api_url: String,
    pub timeout: Duration,
}

/// What the browser flow produced: the site chosen, its app configuration and the secret to keep.
pub struct LoggedIn {
    pub site: AccessibleResource,
    pub conf: OAuthConf,
    pub secret: OAuthSecret,
}

/// The callback's answer, or why there is none.
type Callback = Result<String, String>;

/// The browser flow: listen on loopback, send the user to consent, take the code from the
/// callback (its `state` checked), exchange it and find the site.
pub async fn browser_flow(w: &WebLogin) -> anyhow::Result<LoggedIn> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", w.port))
        .await
        .map_err(|e| {
            usage(format!(
                "cannot listen on 127.0.0.1:{} for the callback: {e}",
                w.port
            ))
        })?;
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let conf = OAuthConf {
        client_id: w.client_id.clone(),
        cloud_id: String::new(),
        auth_url: w.auth_url.trim_end_matches('/').to_owned(),
        api_url: w.api_url.trim_end_matches('/').to_owned(),
    };
    let app = app(&conf, &w.client_secret, &redirect_uri);
    let state = OAuthApp::new_state();
    let scopes: Vec<&str> = w.scopes.split([' ', ',']).filter(|s| !s.is_empty()).collect();
    let url = app.authorization_url(&scopes, &state);
    if url.is_empty() {
        return Err(usage(format!("--auth-url {:?} is not a URL", w.auth_url)));
    }

    let (tx, rx) = oneshot::channel::<Callback>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let expected = state.clone();
    let route = axum::routing::get(move |axum::extract::RawQuery(q): axum::extract::RawQuery| {
        let tx = tx.clone();
        let expected = expected.clone();
        async move {
            let (outcome, page) = read_callback(q.as_deref().unwrap_or(""), &expected);
            if let Some(tx) = tx.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = tx.send(outcome);
            }
            axum::response::Html(page)
        }
    });
    let router = axum::Router::new().route("/callback", route);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await;
    });

    eprintln!("Open this URL in a browser to let jk use your Jira site (callback on {redirect_uri}):");
    eprintln!("  {url}");
    if !w.no_browser && !open_browser(&url) {
        eprintln!("jk: could not start a browser ($BROWSER, xdg-open or open); open the URL yourself");
    }
    eprintln!("Waiting for the browser to come back…");

    let outcome = tokio::time::timeout(w.timeout, rx).await;
    let _ = stop_tx.send(());
    let _ = server.await;
    let code = match outcome {
        Err(_) => {
            return Err(usage(format!(
                "no answer on the callback within {} s; run `jk auth login --web` again (--timeout to wait longer)",
                w.timeout.as_secs()
            )))
        }
        Ok(Err(_)) => return Err(anyhow::anyhow!("the callback server stopped")),
        Ok(Ok(Err(why))) => return Err(anyhow::Error::new(jirakit::Error::Token(why))),
        Ok(Ok(Ok(code))) => code,
    };

    let token = app.exchange_code(&code).await?;
    if token.refresh.is_none() {
        return Err(anyhow::Error::new(jirakit::Error::Token(
            "the authorization server gave no refresh token (was offline_access granted?)".into(),
        )));
    }
    let sites = app.accessible_resources(&token.access).await?;
    let site = choose_site(&sites, w.site.as_deref())?;
    let conf = OAuthConf {
        cloud_id: site.id.clone(),
        ..conf
    };
    let secret = secret_of(&w.client_secret, &token, None);
    Ok(LoggedIn { site, conf, secret })
}

/// The code from the callback's query, or why not; and the page the browser shows.
fn read_callback(query: &str, expected_state: &str) -> (Callback, String) {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let page = |title: &str, text: &str| {
        format!("<!doctype html><meta charset=utf-8><title>jk: {title}</title><h1>{title}</h1><p>{text}</p>")
    };
    // The state is checked first: an answer that does not carry ours is not for this login.
    let state_ok = get("state").is_some_and(|s| {
        s.len() == expected_state.len()
            && s.bytes()
                .zip(expected_state.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if !state_ok {
        return (
            Err("the callback's state does not match this login (a stale or forged redirect); nothing was saved".into()),
            page("Login refused", "This answer does not belong to the login jk started. Nothing was saved."),
        );
    }
    if let Some(err) = get("error") {
        let desc = get("error_description").unwrap_or("");
        let why = format!(
            "the authorization server refused: {}{}{}",
            sanitize(err),
            if desc.is_empty() { "" } else { ": " },
            sanitize(desc)
        );
        return (
            Err(why),
            page(
                "Login refused",
                "The site did not authorize jk. See the terminal.",
            ),
        );
    }
    match get("code").filter(|c| !c.is_empty()) {
        Some(code) => (
            Ok(code.to_owned()),
            page(
                "jk is logged in",
                "You can close this tab and go back to the terminal.",
            ),
        ),
        None => (
            Err("the callback carried neither a code nor an error".into()),
            page("Login failed", "The answer had no code. See the terminal."),
        ),
    }
}

/// Text from the network, made safe to print: printable, bounded.
fn sanitize(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// The site the profile is for: the one matching `--url`, else the only one.
fn choose_site(sites: &[AccessibleResource], want: Option<&str>) -> anyhow::Result<AccessibleResource> {
    let list = || {
        sites
            .iter()
            .map(|s| format!("  {} ({})", s.url, s.name))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match want {
        Some(w) => {
            let w = w.trim_end_matches('/');
            sites
                .iter()
                .find(|s| s.url.trim_end_matches('/') == w || s.id == w)
                .cloned()
                .ok_or_else(|| {
                    if sites.is_empty() {
                        usage(format!("the app's token reaches no site, not {w}"))
                    } else {
                        usage(format!(
                            "the app's token does not reach {w}; it reaches:\n{}",
                            list()
                        ))
                    }
                })
        }
        None => match sites {
            [] => Err(usage("the app's token reaches no Jira site")),
            [one] => Ok(one.clone()),
            _ => Err(usage(format!(
                "the app's token reaches several sites; pick one with --url:\n{}",
                list()
            ))),
        },
    }
}

/// Starts a browser on `url` without waiting for it; false when none could be started.
fn open_browser(url: &str) -> bool {
    let browser = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| {
            if cfg!(target_os = "macos") {
                "open".into()
            } else {
                "xdg-open".into()
            }
        });
    std::process::Command::new(&browser)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(id: &str, url: &str) -> AccessibleResource {
        AccessibleResource {
            id: id.into(),
            url: url.into(),
            name: id.into(),
            scopes: vec![],
            avatar_url: None,
        }
    }

    #[test]
    fn the_callback_is_taken_only_with_our_state() {
        let (ok, _) = read_callback("code=abc&state=s1", "s1");
        assert_eq!(ok, Ok("abc".into()));
        let (bad, page) = read_callback("code=abc&state=s2", "s1");
        assert!(bad.unwrap_err().contains("state"));
        assert!(!page.contains("abc"));
        let (missing, _) = read_callback("code=abc", "s1");
        assert!(missing.is_err());
        let (refused, _) = read_callback("error=access_denied&error_description=no%0Athanks&state=s1", "s1");
        let why = refused.unwrap_err();
        assert!(why.contains("access_denied") && !why.contains('\n'), "{why}");
        assert!(read_callback("state=s1", "s1").0.is_err());
    }

    #[test]
    fn the_site_is_the_one_asked_for_or_the_only_one() {
        let one = [res("c1", "https://a.atlassian.net")];
        assert_eq!(choose_site(&one, None).unwrap().id, "c1");
        assert_eq!(
            choose_site(&one, Some("https://a.atlassian.net/")).unwrap().id,
            "c1"
        );
        assert!(choose_site(&one, Some("https://b.atlassian.net")).is_err());
        let two = [
            res("c1", "https://a.atlassian.net"),
            res("c2", "https://b.atlassian.net"),
        ];
        let e = choose_site(&two, None).unwrap_err();
        assert_eq!(crate::exit::code_for(&e), crate::exit::USAGE);
        assert!(e.to_string().contains("b.atlassian.net"));
        assert_eq!(choose_site(&two, Some("c2")).unwrap().id, "c2");
        assert!(choose_site(&[], None).is_err());
    }

    #[test]
    fn a_saved_token_comes_back_with_its_remaining_life() {
        let mut t = Token::new("at", Some(Duration::from_secs(3600)));
        t.refresh = Some(SecretString::from("rt".to_owned()));
        let s = secret_of("cs", &t, None);
        assert_eq!(s.refresh_token.as_deref(), Some("rt"));
        let back = token_of(&s);
        assert_eq!(back.access.expose_secret(), "at");
        assert!(back.expires_at.is_some());
        // An expired one is not offered: the first request refreshes.
        let old = OAuthSecret {
            expires_at: Some(unix_now() - 10),
            ..s.clone()
        };
        assert!(token_of(&old).access.expose_secret().is_empty());
        // A refresh without a new refresh token keeps the last one.
        let t2 = Token::new("at2", None);
        assert_eq!(
            secret_of("cs", &t2, Some("rt")).refresh_token.as_deref(),
            Some("rt")
        );
    }
}
