//! `jk auth login | status | switch | logout | token`.

use std::io::Read;
use std::process::ExitCode;

use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::config::{self, AuthKind, Config, Profile, Site, Source};
use crate::exit::{usage, Reported};
use crate::output::{note, Record};
use crate::Ctx;

/// The fields of `jk auth status`, for `--json`.
pub const STATUS_FIELDS: &[&str] = &["active", "current", "profiles"];

#[derive(clap::Args)]
pub struct WebArgs {
    /// Log in through the browser with an OAuth 2.0 (3LO) app, a localhost callback and a
    /// rotating refresh token.
    #[arg(long, conflicts_with = "email")]
    web: bool,
    /// The OAuth app's client id (from the Atlassian developer console).
    #[arg(long, env = "JK_OAUTH_CLIENT_ID")]
    client_id: Option<String>,
    /// The callback port on 127.0.0.1 [default: any free one].
    #[arg(long)]
    port: Option<u16>,
    /// Print the authorization URL only; do not start a browser.
    #[arg(long)]
    no_browser: bool,
    /// The scopes to ask for, space- or comma-separated (offline_access is always added)
    /// [default: read:jira-work write:jira-work read:jira-user].
    #[arg(long)]
    scopes: Option<String>,
    /// Seconds to wait for the browser to come back [default: 300].
    #[arg(long)]
    timeout: Option<u64>,
    /// The authorization server (a sandbox's URL for tests).
    #[arg(long, env = "JK_OAUTH_AUTH_URL", default_value = jirakit::oauth::AUTH_BASE)]
    auth_url: String,
    /// The API gateway (a sandbox's URL for tests).
    #[arg(long, env = "JK_OAUTH_API_URL", default_value = jirakit::oauth::API_BASE)]
    api_url: String,
}

#[derive(Subcommand)]
pub enum AuthCommand {
    /// Save a profile for a site. The secret is read from stdin, never from a flag.
    ///
    /// With --web: log in through the browser with an OAuth 2.0 (3LO) app (Jira Cloud). The app's
    /// callback URL must be http://127.0.0.1:PORT/callback (fix PORT with --port); its client
    /// secret comes from JK_OAUTH_CLIENT_SECRET or stdin.
    Login {
        /// The site: https://your-site.atlassian.net, or a Data Center base URL. With --web, the
        /// site to pick when the app reaches several.
        #[arg(long, required_unless_present = "web")]
        url: Option<String>,
        /// Cloud email, or Data Center user name, for Basic auth.
        #[arg(long, alias = "user", required_unless_present_any = ["pat", "web"])]
        email: Option<String>,
        /// The secret is a Data Center personal access token (Bearer).
        #[arg(long, conflicts_with = "web")]
        pat: bool,
        /// The profile's name (default: the site's host name).
        #[arg(long)]
        name: Option<String>,
        /// Save without checking the credentials against the site.
        #[arg(long)]
        no_verify: bool,
        #[command(flatten)]
        web: WebArgs,
    },
    /// Show the profiles and check the active one.
    Status,
    /// Make another profile the current one.
    Switch { name: String },
    /// Forget a profile and its secret (default: the current one).
    Logout { name: Option<String> },
    /// Print the active secret (the one command that prints it; mind where it goes).
    Token,
}

pub async fn run(ctx: &Ctx, cmd: AuthCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuthCommand::Login {
            url,
            email,
            pat,
            name,
            no_verify,
            web,
        } => {
            if web.web {
                login_web(url, name, no_verify, web).await
            } else if web.port.is_some() || web.no_browser || web.scopes.is_some() || web.timeout.is_some() {
                Err(usage(
                    "--port, --no-browser, --scopes and --timeout go with --web",
                ))
            } else {
                let url = url.ok_or_else(|| usage("--url is required"))?;
                login(url, email, pat, name, no_verify).await
            }
        }
        AuthCommand::Status => status(ctx).await,
        AuthCommand::Switch { name } => {
            let mut cfg = Config::load()?;
            if !cfg.profiles.contains_key(&name) {
                return Err(usage(format!("no profile {name:?}")));
            }
            cfg.current = Some(name.clone());
            cfg.save()?;
            note(format!("now using profile {name}"));
            Ok(ExitCode::SUCCESS)
        }
        AuthCommand::Logout { name } => {
            let mut cfg = Config::load()?;
            let name = name
                .or_else(|| cfg.current.clone())
                .ok_or_else(|| usage("no current profile to log out of"))?;
            let Some(profile) = cfg.profiles.remove(&name) else {
                return Err(usage(format!("no profile {name:?}")));
            };
            if cfg.current.as_deref() == Some(&name) {
                cfg.current = cfg.profiles.keys().next().cloned();
            }
            cfg.save()?;
            crate::secrets::delete(&name, profile.secret_store)?;
            note(format!("logged out of profile {name}"));
            Ok(ExitCode::SUCCESS)
        }
        AuthCommand::Token => {
            let site = ctx.site()?;
            if site.auth_kind == AuthKind::OAuth {
                println!("{}", crate::oauth::access_token(&site).await?.expose_secret());
            } else {
                println!("{}", site.secret.expose_secret());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn login(
    url: String,
    email: Option<String>,
    pat: bool,
    name: Option<String>,
    no_verify: bool,
) -> anyhow::Result<ExitCode> {
    let parsed = url::Url::parse(&url).map_err(|e| usage(format!("--url {url:?}: {e}")))?;
    let name = match name {
        Some(n) => n,
        None => parsed.host_str().unwrap_or("default").to_owned(),
    };
    let secret =
        read_stdin_secret("no secret on stdin: pipe the API token, password or PAT into `jk auth login`")?;
    let site = Site {
        url: url.trim_end_matches('/').to_owned(),
        auth_kind: if pat { AuthKind::Pat } else { AuthKind::Basic },
        user: if pat { None } else { email },
        secret: SecretString::from(secret),
        source: Source::Profile(name.clone()),
        deployment: None,
        store: None,
        oauth: None,
    };
    let mut deployment = None;
    if !no_verify {
        let client = site.client()?;
        let me = client.users().myself().await?;
        deployment = Some(match client.deployment().await?.kind {
            jirakit::DeploymentKind::Cloud => "cloud".to_owned(),
            jirakit::DeploymentKind::DataCenter => "datacenter".to_owned(),
        });
        note(format!(
            "verified: {} is {}",
            site.url,
            me.display_name.as_deref().unwrap_or("a user")
        ));
    }
    let mut cfg = Config::load()?;
    let store = save_secret(&cfg, &name, &site.secret)?;
    cfg.profiles.insert(
        name.clone(),
        Profile {
            url: site.url.clone(),
            auth: site.auth_kind,
            user: site.user.clone(),
            deployment,
            secret_store: store,
            oauth: None,
        },
    );
    cfg.current = Some(name.clone());
    cfg.save()?;
    note(format!(
        "logged in to {} (profile {name}, secret in {})",
        site.url,
        store.describe()?
    ));
    Ok(ExitCode::SUCCESS)
}

/// Saves a profile's new secret, first forgetting the one it replaces wherever that was kept.
fn save_secret(cfg: &Config, name: &str, secret: &SecretString) -> anyhow::Result<crate::secrets::Store> {
    if let Some(old) = cfg.profiles.get(name) {
        crate::secrets::delete(name, old.secret_store)?;
    }
    crate::secrets::save_new(name, secret)
}

/// A secret piped into stdin, trimmed; `missing` says what to do when there is none.
fn read_stdin_secret(missing: &str) -> anyhow::Result<String> {
    let mut secret = String::new();
    std::io::stdin().read_to_string(&mut secret)?;
    let secret = secret.trim().to_owned();
    if secret.is_empty() {
        return Err(usage(missing));
    }
    Ok(secret)
}

/// `jk auth login --web`: the OAuth browser flow, then a profile whose later commands refresh
/// (and save) the rotating token by themselves.
async fn login_web(
    url: Option<String>,
    name: Option<String>,
    no_verify: bool,
    w: WebArgs,
) -> anyhow::Result<ExitCode> {
    let client_id = w
        .client_id
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| usage("--web needs the app's client id: --client-id or JK_OAUTH_CLIENT_ID"))?;
    let client_secret = match std::env::var("JK_OAUTH_CLIENT_SECRET")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        Some(s) => s.trim().to_owned(),
        None => read_stdin_secret(
            "--web needs the app's client secret: set JK_OAUTH_CLIENT_SECRET or pipe it into stdin",
        )?,
    };
    for (flag, u) in [("--auth-url", &w.auth_url), ("--api-url", &w.api_url)] {
        url::Url::parse(u).map_err(|e| usage(format!("{flag} {u:?}: {e}")))?;
    }
    let login = crate::oauth::WebLogin {
        client_id,
        client_secret,
        site: url,
        scopes: w
            .scopes
            .unwrap_or_else(|| crate::oauth::DEFAULT_SCOPES.to_owned()),
        port: w.port.unwrap_or(0),
        no_browser: w.no_browser,
        auth_url: w.auth_url,
        api_url: w.api_url,
        timeout: std::time::Duration::from_secs(w.timeout.unwrap_or(300).max(1)),
    };
    let done = crate::oauth::browser_flow(&login).await?;
    let site_url = done.site.url.trim_end_matches('/').to_owned();
    let name = match name {
        Some(n) => n,
        None => url::Url::parse(&site_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "default".into()),
    };
    let mut cfg = Config::load()?;
    let previous = cfg.current.clone();
    let store = save_secret(&cfg, &name, &done.secret.to_secret()?)?;
    cfg.profiles.insert(
        name.clone(),
        Profile {
            url: site_url.clone(),
            auth: AuthKind::OAuth,
            user: None,
            deployment: Some("cloud".into()),
            secret_store: store,
            oauth: Some(done.conf),
        },
    );
    cfg.current = Some(name.clone());
    cfg.save()?;
    // The check goes through the saved profile, as every later command will; a profile that
    // cannot answer `myself` (a scope left out, say) is not kept.
    let who = if no_verify {
        None
    } else {
        let checked =
            async { Ok::<_, anyhow::Error>(config::from_profile(&name)?.client()?.users().myself().await?) }
                .await;
        match checked {
            Ok(me) => Some(me.display_name.unwrap_or_else(|| "a user".into())),
            Err(e) => {
                let mut cfg = Config::load()?;
                cfg.profiles.remove(&name);
                cfg.current = previous.filter(|p| cfg.profiles.contains_key(p));
                cfg.save()?;
                crate::secrets::delete(&name, store)?;
                return Err(e.context(format!(
                    "the new profile {name} answered no check, so it was not kept"
                )));
            }
        }
    };
    note(format!(
        "logged in to {site_url} ({}){} (profile {name}, OAuth app, secret in {})",
        done.site.name,
        who.map(|w| format!(" as {w}")).unwrap_or_default(),
        store.describe()?
    ));
    Ok(ExitCode::SUCCESS)
}

async fn status(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let cfg = Config::load()?;
    let active = ctx.site();
    let mut check = json!(null);
    let mut failure = None;
    if let Ok(site) = &active {
        match async { site.client()?.users().myself().await.map_err(anyhow::Error::from) }.await {
            Ok(me) => check = json!({"ok": true, "displayName": me.display_name}),
            Err(e) => {
                check = json!({"ok": false, "error": e.to_string()});
                failure = Some(e);
            }
        }
    }
    let mut rec = Record::new();
    rec.insert(
        "active".into(),
        match &active {
            Ok(site) => json!({
                "url": site.url,
                "user": site.user,
                "auth": site.auth_kind,
                "source": match &site.source { Source::Env => "env".to_owned(), Source::Profile(p) => p.clone() },
                "secretStore": site.store.map_or("env", |s| s.name()),
                "check": check,
            }),
            Err(_) => json!(null),
        },
    );
    rec.insert("current".into(), json!(cfg.current));
    rec.insert(
        "profiles".into(),
        json!(cfg
            .profiles
            .iter()
            .map(|(n, p)| json!({"name": n, "url": p.url, "user": p.user, "auth": p.auth, "secretStore": p.secret_store.name()}))
            .collect::<Vec<_>>()),
    );
    ctx.out.one(&rec, STATUS_FIELDS, |w| {
        for (n, p) in &cfg.profiles {
            let mark = if cfg.current.as_deref() == Some(n) {
                "*"
            } else {
                " "
            };
            writeln!(
                w,
                "{mark} {n}\t{}\t{}",
                p.url,
                match p.auth {
                    AuthKind::OAuth => "(OAuth)",
                    _ => p.user.as_deref().unwrap_or("(PAT)"),
                }
            )?;
        }
        match &active {
            Ok(site) => {
                writeln!(w, "active: {}", site.describe())?;
                let lives = match site.store {
                    None => "the environment (JIRA_* variables)".to_owned(),
                    Some(s) => s.describe().unwrap_or_else(|_| s.name().to_owned()),
                };
                writeln!(w, "secret: in {lives}")?;
                match &failure {
                    None => writeln!(w, "check: ok"),
                    Some(e) => writeln!(w, "check: failed: {e:#}"),
                }
            }
            Err(e) => writeln!(w, "active: none ({e})"),
        }
    })?;
    match (failure, active) {
        (Some(e), _) => Err(anyhow::Error::new(Reported(crate::exit::code_for(&e)))),
        (None, Err(e)) => Err(anyhow::Error::new(Reported(crate::exit::code_for(&e)))),
        _ => Ok(ExitCode::SUCCESS),
    }
}
