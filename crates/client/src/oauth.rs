//! OAuth 2.0 (3LO), as Atlassian runs it: the authorization URL, the code exchange, rotating
//! refresh tokens, cloud id discovery through accessible-resources, and a [`Client`] that talks to
//! `https://api.atlassian.com/ex/jira/{cloudId}`.
//!
//! ```no_run
//! # async fn run(code: &str) -> Result<(), jirakit::Error> {
//! use jirakit::oauth::OAuthApp;
//! let app = OAuthApp::new("client-id", "client-secret", "https://my.app/callback");
//! let url = app.authorization_url(&["read:jira-work", "write:jira-work"], "per-user-state");
//! // ... the user consents, Atlassian redirects to the callback with ?code=...&state=...
//! let token = app.exchange_code(code).await?;
//! let jira = app.client(token, None).await?.build()?;
//! # Ok(()) }
//! ```
//!
//! Every refresh returns a new refresh token and kills the old one, so a client built here hands
//! each new token to the [`TokenStore`] *before* using it, and all clones of it share one
//! [`TokenSource`]: concurrent requests wait for one refresh instead of racing with the same
//! refresh token.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::{Auth, Token, TokenProvider, TokenSource, TokenStore};
use crate::client::{ClientBuilder, Deployment};
use crate::{Client, Error};

/// Atlassian's authorization server.
pub const AUTH_BASE: &str = "https://auth.atlassian.com";
/// Atlassian's API gateway.
pub const API_BASE: &str = "https://api.atlassian.com";

/// The text Atlassian's gateway puts in a 401 when the token lacks a scope the call needs.
const SCOPE_MISMATCH: &str = "scope does not match";

/// Whether a 401 body is the gateway's scope mismatch (a new token would not help).
pub(crate) fn is_scope_mismatch(body: &[u8]) -> bool {
    String::from_utf8_lossy(body)
        .to_ascii_lowercase()
        .contains(SCOPE_MISMATCH)
}

impl Error {
    /// A 401 because the OAuth token lacks a scope the call needs. Refreshing does not help:
    /// the user must authorize the app again with the scope.
    pub fn is_scope_mismatch(&self) -> bool {
        self.api().is_some_and(|e| {
            e.status == 401 && e.raw.as_deref().is_some_and(|r| is_scope_mismatch(r.as_bytes()))
        })
    }
}

/// An OAuth 2.0 (3LO) app as registered in Atlassian's developer console.
#[derive(Clone)]
pub struct OAuthApp {
    client_id: String,
    secret: SecretString,
    redirect_uri: String,
    auth_base: String,
    api_base: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("auth_base", &self.auth_base)
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// A site the token can reach (`GET /oauth/token/accessible-resources`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessibleResource {
    /// The cloud id: requests go to `/ex/jira/{id}`.
    pub id: String,
    /// The site's own URL (`https://your-site.atlassian.net`).
    pub url: String,
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct TokenError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

impl OAuthApp {
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> OAuthApp {
        // Same as `ClientBuilder::build`: a provider installed elsewhere first is fine too.
        let _ = rustls::crypto::ring::default_provider().install_default();
        OAuthApp {
            client_id: client_id.into(),
            secret: SecretString::from(client_secret.into()),
            redirect_uri: redirect_uri.into(),
            auth_base: AUTH_BASE.into(),
            api_base: API_BASE.into(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
        }
    }

    /// Another authorization server (a sandbox) instead of `https://auth.atlassian.com`.
    pub fn auth_base(mut self, url: impl Into<String>) -> OAuthApp {
        self.auth_base = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Another gateway (a sandbox) instead of `https://api.atlassian.com`.
    pub fn api_base(mut self, url: impl Into<String>) -> OAuthApp {
        self.api_base = url.into().trim_end_matches('/').to_owned();
        self
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Where to send the user to consent. `offline_access` is added when missing, since without
    /// it there is no refresh token. `state` must be unguessable and tied to the user's session;
    /// check it when the browser comes back.
    pub fn authorization_url(&self, scopes: &[&str], state: &str) -> String {
        let mut all: Vec<&str> = scopes.to_vec();
        if !all.contains(&"offline_access") {
            all.push("offline_access");
        }
        let mut url = match url::Url::parse(&format!("{}/authorize", self.auth_base)) {
            Ok(u) => u,
            Err(_) => return String::new(),
        };
        url.query_pairs_mut()
            .append_pair("audience", "api.atlassian.com")
            .append_pair("client_id", &self.client_id)
            .append_pair("scope", &all.join(" "))
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", state)
            .append_pair("response_type", "code")
            .append_pair("prompt", "consent");
        url.into()
    }

    /// A fresh random `state` value (hex, 128 bits).
    pub fn new_state() -> String {
        let b: [u8; 16] = rand::random();
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Trades the code from the callback for tokens.
    pub async fn exchange_code(&self, code: &str) -> Result<Token, Error> {
        self.token_request(serde_json::json!({
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "client_secret": self.secret.expose_secret(),
            "code": code,
            "redirect_uri": self.redirect_uri,
        }))
        .await
    }

    /// Trades a refresh token for new tokens. The one passed in is dead afterwards, whatever
    /// happens to the answer: keep the returned token before anything else.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Token, Error> {
        self.token_request(serde_json::json!({
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.secret.expose_secret(),
            "refresh_token": refresh_token.expose_secret(),
        }))
        .await
    }

    async fn token_request(&self, body: serde_json::Value) -> Result<Token, Error> {
        let url = format!("{}/oauth/token", self.auth_base);
        let resp = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| Error::Token(format!("POST {url}: {}", e.without_url())))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Error::Token(format!("POST {url}: {}", e.without_url())))?;
        if !(200..300).contains(&status) {
            // Only the error code and description: the body of a token endpoint is never echoed.
            let e: Option<TokenError> = serde_json::from_slice(&bytes).ok();
            let (code, description) = e.map(|e| (e.error, e.error_description)).unwrap_or_default();
            return Err(Error::Token(format!(
                "the token endpoint answered {status}: {code}{}{description}",
                if description.is_empty() { "" } else { ": " }
            )));
        }
        let t: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Token(format!("the token endpoint's answer: {e}")))?;
        let mut token = Token::new(t.access_token, t.expires_in.map(Duration::from_secs));
        token.refresh = t.refresh_token.map(SecretString::from);
        Ok(token)
    }

    /// The sites the token may reach.
    pub async fn accessible_resources(
        &self,
        access: &SecretString,
    ) -> Result<Vec<AccessibleResource>, Error> {
        let url = format!("{}/oauth/token/accessible-resources", self.api_base);
        let resp = self
            .http
            .get(&url)
            .bearer_auth(access.expose_secret())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| Error::Token(format!("GET {url}: {}", e.without_url())))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Error::Token(format!("GET {url}: {}", e.without_url())))?;
        if !(200..300).contains(&status) {
            return Err(Error::Token(format!("GET {url} answered {status}")));
        }
        crate::error::decode(&format!("GET {url}"), &bytes)
    }

    /// A client builder for one site, routed through `/ex/jira/{cloudId}`, whose token refreshes
    /// itself and saves each new token to `store` before use. The site is the first the token
    /// reaches; see [`OAuthApp::client_for_site`] to pick one.
    pub async fn client(
        &self,
        token: Token,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<ClientBuilder, Error> {
        self.client_for_site(token, store, None).await
    }

    /// Like [`OAuthApp::client`], for the site whose URL or cloud id is `site`.
    pub async fn client_for_site(
        &self,
        token: Token,
        store: Option<Arc<dyn TokenStore>>,
        site: Option<&str>,
    ) -> Result<ClientBuilder, Error> {
        let mut source = TokenSource::new(Arc::new(self.clone())).with_initial(token);
        if let Some(s) = store {
            source = source.with_store(s);
        }
        let source = Arc::new(source);
        let access = source.access().await?;
        let sites = self.accessible_resources(&access).await?;
        let chosen = match site {
            None => sites.first(),
            Some(want) => {
                let want = want.trim_end_matches('/');
                sites
                    .iter()
                    .find(|s| s.id == want || s.url.trim_end_matches('/') == want)
            }
        }
        .ok_or_else(|| {
            Error::Token(match site {
                Some(s) => format!("the token cannot reach the site {s}"),
                None => "the token cannot reach any site".into(),
            })
        })?;
        Ok(
            Client::builder(format!("{}/ex/jira/{}", self.api_base, chosen.id))
                .auth(Auth::Provider(source))
                .deployment(Deployment::cloud()),
        )
    }
}

/// Refreshing through the token endpoint: the provider behind [`OAuthApp::client`].
impl TokenProvider for OAuthApp {
    fn fetch<'a>(&'a self, previous: Option<&'a Token>) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(async move {
            let refresh = previous.and_then(|p| p.refresh.as_ref()).ok_or_else(|| {
                Error::Token("no refresh token (was offline_access granted?): authorize again".into())
            })?;
            self.refresh(refresh).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_url_carries_everything_atlassian_asks_for() {
        let app = OAuthApp::new("cid", "s3cr3t", "https://my.app/cb");
        let u = url::Url::parse(&app.authorization_url(&["read:jira-work"], "st8")).unwrap();
        assert_eq!(
            u.as_str().split('?').next(),
            Some("https://auth.atlassian.com/authorize")
        );
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["audience"], "api.atlassian.com");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["scope"], "read:jira-work offline_access");
        assert_eq!(q["redirect_uri"], "https://my.app/cb");
        assert_eq!(q["state"], "st8");
        assert_eq!(q["response_type"], "code");
        assert!(!u.as_str().contains("s3cr3t"));
        assert_ne!(OAuthApp::new_state(), OAuthApp::new_state());
    }

    #[test]
    fn debug_hides_the_client_secret() {
        let app = OAuthApp::new("cid", "s3cr3t", "https://my.app/cb");
        let s = format!("{app:?}");
        assert!(s.contains("cid") && !s.contains("s3cr3t"), "{s}");
    }

    #[test]
    fn only_the_gateways_scope_message_counts_as_a_scope_mismatch() {
        assert!(is_scope_mismatch(
            br#"{"code":401,"message":"Unauthorized; scope does not match"}"#
        ));
        assert!(!is_scope_mismatch(br#"{"code":401,"message":"Unauthorized"}"#));
        assert!(!is_scope_mismatch(
            b"Client must be authenticated to access this resource."
        ));
    }
}
