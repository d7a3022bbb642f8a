//! Profiles and secrets.
//!
//! `config.json` (profiles, the current one) lives in `$JK_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/jk`, else `~/.config/jk`; secrets live in the OS keyring or, where none
//! answers, in `credentials.json` (mode 0600) beside it (see [`crate::secrets`]). `JIRA_BASE_URL` with `JIRA_EMAIL` + `JIRA_API_TOKEN` or `JIRA_PAT` takes the place of
//! the current profile; an explicit `--profile` (or `JK_PROFILE`) wins over them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use jirakit::{Auth, Client};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::exit::usage;

/// How a profile authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// Basic: Cloud email + API token, or Data Center user + password.
    Basic,
    /// Bearer: a Data Center personal access token.
    Pat,
    /// OAuth 2.0 (3LO) through Atlassian's gateway: the secret is the app's client secret and
    /// the rotating refresh token (see [`OAuthSecret`]).
    #[serde(rename = "oauth")]
    OAuth,
}

/// An OAuth profile's app and site: nothing secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthConf {
    pub client_id: String,
    /// The site behind the gateway: requests go to `{api_url}/ex/jira/{cloud_id}`.
    pub cloud_id: String,
    /// The authorization server (`https://auth.atlassian.com` unless a sandbox's).
    pub auth_url: String,
    /// The gateway (`https://api.atlassian.com` unless a sandbox's).
    pub api_url: String,
}

/// What an OAuth profile keeps in its secret store, as one JSON string.
#[derive(Clone, Serialize, Deserialize)]
pub struct OAuthSecret {
    pub client_secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The last access token and when it expires (Unix seconds), so a run within the hour
    /// does not spend a refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl OAuthSecret {
    pub fn parse(s: &SecretString) -> anyhow::Result<OAuthSecret> {
        // Never echo what failed to parse: it is a secret.
        serde_json::from_str(s.expose_secret()).map_err(|_| {
            usage("the stored OAuth secret of this profile is unreadable; run `jk auth login --web` again")
        })
    }

    pub fn to_secret(&self) -> anyhow::Result<SecretString> {
        Ok(SecretString::from(serde_json::to_string(self)?))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub url: String,
    pub auth: AuthKind,
    /// The email (Cloud) or user name (Data Center) for Basic auth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `cloud` or `datacenter`, learnt at login so later runs skip asking `serverInfo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// Where the secret is: the OS keyring or the 0600 file.
    #[serde(default, rename = "secretStore")]
    pub secret_store: crate::secrets::Store,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuthConf>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

pub fn dir() -> anyhow::Result<PathBuf> {
    if let Some(d) = std::env::var_os("JK_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("jk"));
    }
    let home = std::env::var_os("HOME")
        .ok_or_else(|| usage("neither JK_CONFIG_DIR, XDG_CONFIG_HOME nor HOME is set"))?;
    Ok(PathBuf::from(home).join(".config").join("jk"))
}

impl Config {
    pub fn load() -> anyhow::Result<Config> {
        let path = dir()?.join("config.json");
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| usage(format!("{}: {e}", path.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(e).with_context(|| path.display().to_string()),
        }
    }

    pub fn save(&self) -> anyhow::Result<()> {
        write_private(&dir()?.join("config.json"), &serde_json::to_vec_pretty(self)?)
    }
}

/// The stored secret of a profile, from wherever its profile says it lives.
pub fn secret(name: &str, p: &Profile) -> anyhow::Result<Option<SecretString>> {
    crate::secrets::load(name, p.secret_store)
}

/// Writes a file readable by its owner only, through a temporary file and a rename.
pub(crate) fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let parent = path.parent().expect("a file in a directory");
    std::fs::create_dir_all(parent).with_context(|| parent.display().to_string())?;
    // One temporary file per process: two `jk` saving a rotated token at once must not write
    // into the same one.
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).with_context(|| tmp.display().to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| path.display().to_string())?;
    Ok(())
}

/// Where the active credentials came from.
#[derive(Debug, Clone)]
pub enum Source {
    Env,
    Profile(String),
}

/// Everything needed to talk to one site.
pub struct Site {
    pub url: String,
    pub auth_kind: AuthKind,
    pub user: Option<String>,
    pub secret: SecretString,
    pub source: Source,
    /// Known Cloud or Data Center; `None`: the client asks `serverInfo`.
    pub deployment: Option<jirakit::DeploymentKind>,
    /// Where a profile's secret lives (`None` for the environment).
    pub store: Option<crate::secrets::Store>,
    pub oauth: Option<OAuthConf>,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("url", &self.url)
            .field("auth_kind", &self.auth_kind)
            .field("user", &self.user)
            .field("secret", &"[redacted]")
            .field("source", &self.source)
            .field("store", &self.store)
            .field("oauth", &self.oauth)
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The site from the environment, if `JIRA_BASE_URL` is set.
pub fn from_env() -> anyhow::Result<Option<Site>> {
    let Some(url) = env("JIRA_BASE_URL") else {
        return Ok(None);
    };
    if let Some(pat) = env("JIRA_PAT") {
        return Ok(Some(Site {
            url,
            auth_kind: AuthKind::Pat,
            user: None,
            secret: SecretString::from(pat),
            source: Source::Env,
            deployment: None,
            store: None,
            oauth: None,
        }));
    }
    match (env("JIRA_EMAIL"), env("JIRA_API_TOKEN")) {
        (Some(user), Some(token)) => Ok(Some(Site {
            url,
            auth_kind: AuthKind::Basic,
            user: Some(user),
            secret: SecretString::from(token),
            source: Source::Env,
            deployment: None,
            store: None,
            oauth: None,
        })),
        _ => Err(usage(
            "JIRA_BASE_URL is set but neither JIRA_PAT nor both JIRA_EMAIL and JIRA_API_TOKEN are",
        )),
    }
}

/// The site for a named profile.
pub fn from_profile(name: &str) -> anyhow::Result<Site> {
    let cfg = Config::load()?;
    let p = cfg.profiles.get(name).ok_or_else(|| {
        usage(format!(
            "no profile {name:?}; run `jk auth login` (profiles: {})",
            names(&cfg)
        ))
    })?;
    let secret = secret(name, p)?.ok_or_else(|| {
        usage(format!(
            "profile {name:?} has no stored secret; run `jk auth login` again"
        ))
    })?;
    Ok(Site {
        url: p.url.clone(),
        auth_kind: p.auth,
        user: p.user.clone(),
        secret,
        source: Source::Profile(name.to_owned()),
        deployment: match p.deployment.as_deref() {
            Some("cloud") => Some(jirakit::DeploymentKind::Cloud),
            Some("datacenter") => Some(jirakit::DeploymentKind::DataCenter),
            _ => None,
        },
        store: Some(p.secret_store),
        oauth: p.oauth.clone(),
    })
}

fn names(cfg: &Config) -> String {
    if cfg.profiles.is_empty() {
        "none".into()
    } else {
        cfg.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// `--profile` / `JK_PROFILE` first, then the environment, then the current profile.
pub fn resolve(profile: Option<&str>) -> anyhow::Result<Site> {
    if let Some(name) = profile {
        return from_profile(name);
    }
    if let Some(site) = from_env()? {
        return Ok(site);
    }
    let cfg = Config::load()?;
    match cfg.current {
        Some(name) => from_profile(&name),
        None => Err(usage(
            "not logged in: run `jk auth login`, or set JIRA_BASE_URL with JIRA_EMAIL and JIRA_API_TOKEN (or JIRA_PAT)",
        )),
    }
}

impl Site {
    pub fn auth(&self) -> Auth {
        match self.auth_kind {
            AuthKind::Basic => Auth::Basic {
                user: self.user.clone().unwrap_or_default(),
                secret: self.secret.clone(),
            },
            AuthKind::Pat => Auth::Bearer(self.secret.clone()),
            AuthKind::OAuth => Auth::None,
        }
    }

    pub fn client(&self) -> anyhow::Result<Client> {
        let mut b = match self.auth_kind {
            AuthKind::OAuth => crate::oauth::client_builder(self)?,
            _ => Client::builder(self.url.clone()).auth(self.auth()),
        };
        b = b.user_agent(format!("jk/{}", env!("CARGO_PKG_VERSION")));
        let mut policy = jirakit::retry::RetryPolicy::default();
        if let Some(n) = env("JK_MAX_RETRIES") {
            policy.max_retries = n
                .parse()
                .map_err(|_| usage("JK_MAX_RETRIES must be a whole number"))?;
        }
        if let Some(ms) = env("JK_RETRY_DELAY_MS") {
            let ms: u64 = ms
                .parse()
                .map_err(|_| usage("JK_RETRY_DELAY_MS must be a whole number"))?;
            policy.base_delay = Duration::from_millis(ms);
            policy.min_delay = Duration::from_millis(ms);
        }
        b = b.retry_policy(policy);
        match self.deployment {
            Some(jirakit::DeploymentKind::Cloud) => b = b.deployment(jirakit::Deployment::cloud()),
            Some(jirakit::DeploymentKind::DataCenter) => b = b.deployment(jirakit::Deployment::data_center()),
            None => {}
        }
        Ok(b.build()?)
    }

    /// `https://site/browse/KEY`.
    pub fn browse_url(&self, key: &str) -> String {
        format!("{}/browse/{key}", self.url.trim_end_matches('/'))
    }

    pub fn describe(&self) -> String {
        let via = match &self.source {
            Source::Env => "environment".to_owned(),
            Source::Profile(p) => format!("profile {p}"),
        };
        let who = match self.auth_kind {
            AuthKind::OAuth => "(OAuth app)",
            _ => self.user.as_deref().unwrap_or("(personal access token)"),
        };
        format!("{} as {who} ({via})", self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_site_hides_the_secret() {
        let s = Site {
            url: "https://x".into(),
            auth_kind: AuthKind::Basic,
            user: Some("me".into()),
            secret: SecretString::from("s3cr3t".to_owned()),
            source: Source::Env,
            deployment: None,
            store: None,
            oauth: None,
        };
        let d = format!("{s:?} {:?}", s.auth());
        assert!(!d.contains("s3cr3t"), "{d}");
    }
}
