//! Authentication: Basic (email + API token, or DC username + password), Bearer (a Data Center
//! PAT or any static token), a [`TokenProvider`] for tokens that expire (OAuth 2.0 3LO, see
//! [`crate::oauth`], is one), or a Connect app's JWT. Every secret is a [`SecretString`]; nothing here prints one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::Error;

/// How requests authenticate.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// No `Authorization` header (anonymous access).
    None,
    /// `Basic base64(user:secret)`: Cloud email + API token, or DC username + password.
    Basic { user: String, secret: SecretString },
    /// `Bearer <token>`: a Data Center personal access token, or any static token.
    Bearer(SecretString),
    /// Tokens from a provider, refreshed ahead of expiry, one refresh for all concurrent callers.
    Provider(Arc<TokenSource>),
    /// `JWT <token>`: an Atlassian Connect app, a new HS256 token with its `qsh` per request.
    Connect(Arc<crate::jwt::ConnectApp>),
}

impl Auth {
    pub fn basic(user: impl Into<String>, secret: impl Into<String>) -> Auth {
        Auth::Basic {
            user: user.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    pub fn bearer(token: impl Into<String>) -> Auth {
        Auth::Bearer(SecretString::from(token.into()))
    }

    /// A Connect app with its key and the installation's shared secret.
    pub fn connect(key: impl Into<String>, shared_secret: impl Into<String>) -> Auth {
        Auth::Connect(Arc::new(crate::jwt::ConnectApp::new(key, shared_secret)))
    }

    pub fn provider(p: impl TokenProvider) -> Auth {
        Auth::Provider(Arc::new(TokenSource::new(Arc::new(p))))
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("secret", &"[redacted]")
                .finish(),
            Auth::Bearer(_) => f.write_str("Bearer([redacted])"),
            Auth::Provider(_) => f.write_str("Provider([redacted])"),
            Auth::Connect(app) => f.debug_tuple("Connect").field(app).finish(),
        }
    }
}

/// An access token and when it stops working.
#[derive(Clone)]
pub struct Token {
    pub access: SecretString,
    /// `None`: does not expire.
    pub expires_at: Option<Instant>,
    /// A refresh token, if the grant has one. Atlassian rotates it on every refresh.
    pub refresh: Option<SecretString>,
}

impl Token {
    pub fn new(access: impl Into<String>, expires_in: Option<Duration>) -> Token {
        Token {
            access: SecretString::from(access.into()),
            expires_at: expires_in.map(|d| Instant::now() + d),
            refresh: None,
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("refresh", &self.refresh.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Fetches a new token. `previous` is the token being replaced (its refresh token included).
pub trait TokenProvider: Send + Sync + 'static {
    fn fetch<'a>(&'a self, previous: Option<&'a Token>) -> BoxFuture<'a, Result<Token, Error>>;
}

/// Where a caller keeps tokens between runs. `save` is awaited *before* a new token is used, so a
/// rotated refresh token is never lost to a crash.
pub trait TokenStore: Send + Sync + 'static {
    fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<(), Error>>;
}

/// A provider's tokens, cached, refreshed `skew` before expiry, one refresh at a time.
pub struct TokenSource {
    provider: Arc<dyn TokenProvider>,
    store: Option<Arc<dyn TokenStore>>,
    skew: Duration,
    current: Mutex<Option<Token>>,
}

impl TokenSource {
    pub fn new(provider: Arc<dyn TokenProvider>) -> TokenSource {
        TokenSource {
            provider,
            store: None,
            skew: Duration::from_secs(300),
            current: Mutex::new(None),
        }
    }

    /// Starts from a stored token instead of fetching one.
    pub fn with_initial(self, token: Token) -> TokenSource {
        TokenSource {
            current: Mutex::new(Some(token)),
            ..self
        }
    }

    pub fn with_store(self, store: Arc<dyn TokenStore>) -> TokenSource {
        TokenSource {
            store: Some(store),
            ..self
        }
    }

    /// Refresh this long before expiry (default 5 minutes).
    pub fn with_skew(self, skew: Duration) -> TokenSource {
        TokenSource { skew, ..self }
    }

    /// A usable access token. Concurrent callers wait on one refresh instead of each starting one.
    pub async fn access(&self) -> Result<SecretString, Error> {
        let mut cur = self.current.lock().await;
        if let Some(t) = cur.as_ref() {
            let fresh = t.expires_at.is_none_or(|e| Instant::now() + self.skew < e);
            if fresh {
                return Ok(t.access.clone());
            }
        }
        self.refresh_locked(&mut cur).await
    }

    /// After a 401 with `stale`: refresh once, unless another caller already replaced it.
    pub async fn invalidate(&self, stale: &SecretString) -> Result<SecretString, Error> {
        let mut cur = self.current.lock().await;
        if let Some(t) = cur.as_ref() {
            if t.access.expose_secret() != stale.expose_secret() {
                return Ok(t.access.clone());
            }
        }
        self.refresh_locked(&mut cur).await
    }

    async fn refresh_locked(&self, cur: &mut Option<Token>) -> Result<SecretString, Error> {
        let next = self.provider.fetch(cur.as_ref()).await?;
        if let Some(store) = &self.store {
            store.save(&next).await?;
        }
        let access = next.access.clone();
        *cur = Some(next);
        Ok(access)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting {
        calls: AtomicUsize,
        life: Duration,
    }

    impl TokenProvider for Counting {
        fn fetch<'a>(&'a self, previous: Option<&'a Token>) -> BoxFuture<'a, Result<Token, Error>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                // Let concurrent callers pile up behind this refresh.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let mut t = Token::new(format!("access-{n}"), Some(self.life));
                let prev_refresh = previous
                    .and_then(|p| p.refresh.as_ref())
                    .map(|r| r.expose_secret().to_owned());
                t.refresh = Some(SecretString::from(format!("refresh-{n}-after-{prev_refresh:?}")));
                Ok(t)
            })
        }
    }

    #[derive(Default)]
    struct Saved(std::sync::Mutex<Vec<String>>);
    impl TokenStore for Saved {
        fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<(), Error>> {
            Box::pin(async move {
                let r = token
                    .refresh
                    .as_ref()
                    .map(|r| r.expose_secret().to_owned())
                    .unwrap_or_default();
                self.0.lock().unwrap().push(r);
                Ok(())
            })
        }
    }

    fn source(life: Duration) -> (Arc<Counting>, TokenSource) {
        let p = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            life,
        });
        (p.clone(), TokenSource::new(p).with_skew(Duration::from_secs(60)))
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_refresh() {
        let (p, src) = source(Duration::from_secs(3600));
        let src = Arc::new(src);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let s = src.clone();
                tokio::spawn(async move { s.access().await.unwrap().expose_secret().to_owned() })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), "access-1");
        }
        assert_eq!(p.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_is_refreshed_ahead_of_its_expiry() {
        let (p, src) = source(Duration::from_secs(600));
        assert_eq!(src.access().await.unwrap().expose_secret(), "access-1");
        tokio::time::advance(Duration::from_secs(500)).await;
        assert_eq!(src.access().await.unwrap().expose_secret(), "access-1");
        tokio::time::advance(Duration::from_secs(50)).await; // within the 60 s skew
        assert_eq!(src.access().await.unwrap().expose_secret(), "access-2");
        assert_eq!(p.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_401_forces_one_refresh_even_when_many_callers_saw_it() {
        let (p, src) = source(Duration::from_secs(3600));
        let stale = src.access().await.unwrap();
        let a = src.invalidate(&stale).await.unwrap();
        let b = src.invalidate(&stale).await.unwrap();
        assert_eq!(a.expose_secret(), "access-2");
        assert_eq!(b.expose_secret(), "access-2");
        assert_eq!(p.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn every_rotated_refresh_token_reaches_the_store_before_use() {
        let (_p, src) = source(Duration::from_secs(10));
        let saved = Arc::new(Saved::default());
        let src = src.with_store(saved.clone());
        src.access().await.unwrap();
        src.access().await.unwrap(); // expired within the skew: refreshed again
        let got = saved.0.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        assert!(got[1].contains("after-Some(\"refresh-1"), "{got:?}");
    }

    struct Failing;
    impl TokenStore for Failing {
        fn save<'a>(&'a self, _token: &'a Token) -> BoxFuture<'a, Result<(), Error>> {
            Box::pin(async { Err(Error::Token("the disk is full".into())) })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_the_store_could_not_keep_is_never_used() {
        let (p, src) = source(Duration::from_secs(3600));
        let src = src
            .with_initial(Token::new("access-0", Some(Duration::from_secs(1))))
            .with_store(Arc::new(Failing));
        let e = src.access().await.unwrap_err();
        assert!(e.to_string().contains("the disk is full"), "{e}");
        // The stale token is still the current one; the unsaved one was dropped.
        let cur = src.current.lock().await;
        assert_eq!(cur.as_ref().unwrap().access.expose_secret(), "access-0");
        assert_eq!(p.calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let a = Auth::basic("me@example.com", "s3cr3t-token");
        let b = Auth::bearer("s3cr3t-pat");
        let t = Token::new("s3cr3t-access", None);
        let c = Auth::connect("app-key", "s3cr3t-shared-secret-of-32-chars!");
        let all = format!("{a:?} {b:?} {t:?} {c:?}");
        assert!(!all.contains("s3cr3t"), "{all}");
        assert!(all.contains("me@example.com"));
    }
}
