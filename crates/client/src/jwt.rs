//! Atlassian Connect: each request carries `Authorization: JWT <token>`, an HS256 token signed
//! with the installation's shared secret whose `qsh` claim binds it to that one request (method,
//! path and canonical query).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::Error;

/// Seconds since the Unix epoch.
pub type UnixClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// An installed Connect app: its key (the JWT `iss`) and shared secret.
#[derive(Clone)]
pub struct ConnectApp {
    key: String,
    secret: SecretString,
    lifetime: Duration,
    clock: UnixClock,
}

impl std::fmt::Debug for ConnectApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectApp")
            .field("key", &self.key)
            .field("secret", &"[redacted]")
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// The wall clock. A JWT's `iat` and `exp` are wall-clock claims by definition, so this is the
/// one place the client reads it; tests against a frozen sandbox pass their own clock.
#[allow(clippy::disallowed_methods)]
fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl ConnectApp {
    pub fn new(key: impl Into<String>, shared_secret: impl Into<String>) -> ConnectApp {
        ConnectApp {
            key: key.into(),
            secret: SecretString::from(shared_secret.into()),
            lifetime: Duration::from_secs(180),
            clock: Arc::new(wall_clock),
        }
    }

    /// How long each token is valid (default 3 minutes, as Atlassian recommends).
    pub fn lifetime(mut self, d: Duration) -> ConnectApp {
        self.lifetime = d;
        self
    }

    /// Where `iat` comes from (seconds since the epoch); the wall clock by default.
    pub fn clock(mut self, clock: UnixClock) -> ConnectApp {
        self.clock = clock;
        self
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// A token for one request. `path` is relative to the site's base URL; `query` holds the
    /// decoded parameters (a `?` in `path` is read too).
    pub fn token(&self, method: &str, path: &str, query: &[(String, String)]) -> Result<SecretString, Error> {
        let (path, inline) = match path.split_once('?') {
            Some((p, q)) => (
                p,
                url::form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
            ),
            None => (path, Vec::new()),
        };
        let all: Vec<(String, String)> = inline.into_iter().chain(query.iter().cloned()).collect();
        let now = (self.clock)();
        let claims = serde_json::json!({
            "iss": self.key,
            "iat": now,
            "exp": now + self.lifetime.as_secs() as i64,
            "qsh": qsh(method, path, &all),
        });
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = b64.encode(claims.to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .map_err(|_| Error::Config("the Connect shared secret cannot key HMAC-SHA256".into()))?;
        mac.update(format!("{header}.{payload}").as_bytes());
        let sig = b64.encode(mac.finalize().into_bytes());
        Ok(SecretString::from(format!("{header}.{payload}.{sig}")))
    }
}

/// Atlassian's query string hash: hex SHA-256 of `METHOD&canonical-path&canonical-query`. The
/// path loses a trailing `/` (an empty one is `/`) and has `&` escaped; the query drops `jwt`,
/// sorts parameters by their encoded names, sorts and comma-joins repeated values, and
/// percent-encodes names and values per RFC 3986 (space as `%20`, `~` kept).
pub fn qsh(method: &str, path: &str, query: &[(String, String)]) -> String {
    let mut path = path.replace('&', "%26");
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    if path.is_empty() {
        path.push('/');
    }
    let mut params: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in query {
        if k == "jwt" {
            continue;
        }
        params.entry(rfc3986(k)).or_default().push(rfc3986(v));
    }
    let query = params
        .into_iter()
        .map(|(k, mut vs)| {
            vs.sort();
            format!("{k}={}", vs.join(","))
        })
        .collect::<Vec<_>>()
        .join("&");
    let canonical = format!("{}&{path}&{query}", method.to_ascii_uppercase());
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn rfc3986(s: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, KEEP).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sha(s: &str) -> String {
        Sha256::digest(s.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn the_canonical_request_follows_atlassians_rules() {
        assert_eq!(
            qsh(
                "get",
                "/rest/api/3/search/jql/",
                &q(&[
                    ("jql", "a b"),
                    ("fields", "z"),
                    ("fields", "a"),
                    ("jwt", "ignored"),
                    ("x~", "*")
                ])
            ),
            sha("GET&/rest/api/3/search/jql&fields=a,z&jql=a%20b&x~=%2A")
        );
        assert_eq!(qsh("GET", "", &[]), sha("GET&/&"));
        assert_eq!(qsh("POST", "/a&b", &[]), sha("POST&/a%26b&"));
    }

    #[test]
    fn a_token_is_signed_with_the_secret_and_names_the_app() {
        let app = ConnectApp::new("my-app", "a-shared-secret-of-32-characters!!").clock(Arc::new(|| 1_000));
        let t = app.token("GET", "/rest/api/3/myself?expand=groups", &[]).unwrap();
        let t = t.expose_secret();
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "my-app");
        assert_eq!(claims["iat"], 1_000);
        assert_eq!(claims["exp"], 1_180);
        assert_eq!(claims["qsh"], sha("GET&/rest/api/3/myself&expand=groups"));
        let mut mac = Hmac::<Sha256>::new_from_slice(b"a-shared-secret-of-32-characters!!").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        mac.verify_slice(&b64.decode(parts[2]).unwrap()).unwrap();
        assert!(!format!("{app:?}").contains("a-shared-secret"));
    }
}
