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

#[derive(Subcommand)]
pub enum AuthCommand {
    /// Save a profile for a site. The secret is read from stdin, never from a flag.
    Login {
        /// The site: https://your-site.atlassian.net, or a Data Center base URL.
        #[arg(long)]
        url: String,
        /// Cloud email, or Data Center user name, for Basic auth.
        #[arg(long, alias = "user", required_unless_present = "pat")]
        email: Option<String>,
        /// The secret is a Data Center personal access token (Bearer).
        #[arg(long)]
        pat: bool,
        /// The profile's name (default: the site's host name).
        #[arg(long)]
        name: Option<String>,
        /// Save without checking the credentials against the site.
        #[arg(long)]
        no_verify: bool,
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
        } => login(url, email, pat, name, no_verify).await,
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
            if cfg.profiles.remove(&name).is_none() {
                return Err(usage(format!("no profile {name:?}")));
            }
            if cfg.current.as_deref() == Some(&name) {
                cfg.current = cfg.profiles.keys().next().cloned();
            }
            cfg.save()?;
            config::set_secret(&name, None)?;
            note(format!("logged out of profile {name}"));
            Ok(ExitCode::SUCCESS)
        }
        AuthCommand::Token => {
            let site = ctx.site()?;
            println!("{}", site.secret.expose_secret());
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
    let mut secret = String::new();
    std::io::stdin().read_to_string(&mut secret)?;
    let secret = secret.trim().to_owned();
    if secret.is_empty() {
        return Err(usage(
            "no secret on stdin: pipe the API token, password or PAT into `jk auth login`",
        ));
    }
    let site = Site {
        url: url.trim_end_matches('/').to_owned(),
        auth_kind: if pat { AuthKind::Pat } else { AuthKind::Basic },
        user: if pat { None } else { email },
        secret: SecretString::from(secret),
        source: Source::Profile(name.clone()),
        deployment: None,
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
    config::set_secret(&name, Some(&site.secret))?;
    cfg.profiles.insert(
        name.clone(),
        Profile {
            url: site.url.clone(),
            auth: site.auth_kind,
            user: site.user.clone(),
            deployment,
        },
    );
    cfg.current = Some(name.clone());
    cfg.save()?;
    note(format!(
        "logged in to {} (profile {name}, secret in {})",
        site.url,
        config::dir()?.join("credentials.json").display()
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
            .map(|(n, p)| json!({"name": n, "url": p.url, "user": p.user, "auth": p.auth}))
            .collect::<Vec<_>>()),
    );
    ctx.out.one(&rec, &["active", "current", "profiles"], |w| {
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
                p.user.as_deref().unwrap_or("(PAT)")
            )?;
        }
        match &active {
            Ok(site) => {
                writeln!(w, "active: {}", site.describe())?;
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
