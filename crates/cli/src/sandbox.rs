//! `jk sandbox serve` and `jk demo`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use jirakit_sandbox::{Config, Mode, Seed};

#[derive(Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox until interrupted.
    Serve(ServeArgs),
}

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port. Non-loopback addresses need non-default credentials.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory for the database and attachments (state survives restarts).
    #[arg(long, conflicts_with = "memory", env = "JIRAKIT_SANDBOX_DATA")]
    data: Option<PathBuf>,
    /// Keep everything in memory (the default when --data is not given).
    #[arg(long)]
    memory: bool,
    /// What a new site starts with: empty, demo or scale:N.
    #[arg(long, default_value = "empty")]
    seed: String,
    /// cloud or datacenter.
    #[arg(long, default_value = "cloud")]
    mode: String,
    /// Serve HTTPS with a self-signed certificate generated at start.
    #[arg(long)]
    tls: bool,
    /// Write the connection details as JSON here once ready.
    #[arg(long)]
    ready_file: Option<PathBuf>,
    #[arg(long, env = "JIRAKIT_SANDBOX_EMAIL", default_value = jirakit_sandbox::DEFAULT_EMAIL)]
    email: String,
    #[arg(long, env = "JIRAKIT_SANDBOX_API_TOKEN", default_value = jirakit_sandbox::DEFAULT_API_TOKEN, hide_default_value = true)]
    api_token: String,
    #[arg(long, env = "JIRAKIT_SANDBOX_USERNAME", default_value = jirakit_sandbox::DEFAULT_USERNAME)]
    username: String,
    #[arg(long, env = "JIRAKIT_SANDBOX_PASSWORD", default_value = jirakit_sandbox::DEFAULT_PASSWORD, hide_default_value = true)]
    password: String,
    #[arg(long, env = "JIRAKIT_SANDBOX_PAT", default_value = jirakit_sandbox::DEFAULT_PAT, hide_default_value = true)]
    pat: String,
}

impl ServeArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let seed: Seed = self.seed.parse().map_err(anyhow::Error::msg).context("--seed")?;
        let mode: Mode = self.mode.parse().map_err(anyhow::Error::msg).context("--mode")?;
        Ok(Config {
            addr: self.addr,
            data_dir: self.data.clone(),
            seed,
            mode,
            tls: self.tls,
            email: self.email.clone(),
            api_token: self.api_token.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            pat: self.pat.clone(),
            frozen_at: None,
            attachment_max_bytes: jirakit_sandbox::Config::default().attachment_max_bytes,
        })
    }
}

pub async fn run(cmd: SandboxCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SandboxCommand::Serve(args) => serve(args, false).await,
    }
}

#[derive(Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Keep the demo site in this directory instead of memory.
    #[arg(long)]
    data: Option<PathBuf>,
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let serve_args = ServeArgs {
        addr: args.addr,
        data: args.data,
        memory: false,
        seed: "demo".into(),
        mode: "cloud".into(),
        tls: false,
        ready_file: None,
        email: jirakit_sandbox::DEFAULT_EMAIL.into(),
        api_token: jirakit_sandbox::DEFAULT_API_TOKEN.into(),
        username: jirakit_sandbox::DEFAULT_USERNAME.into(),
        password: jirakit_sandbox::DEFAULT_PASSWORD.into(),
        pat: jirakit_sandbox::DEFAULT_PAT.into(),
    };
    serve(serve_args, true).await
}

async fn serve(args: ServeArgs, explain: bool) -> anyhow::Result<ExitCode> {
    let config = args.config()?;
    if args.seed != "empty" && args.data.as_ref().is_some_and(|d| d.join("sandbox.db").exists()) {
        eprintln!(
            "jk: {} already holds a site; --seed applies only to a new one (POST /_sandbox/reset reseeds)",
            args.data
                .as_ref()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        );
    }
    let sandbox = match jirakit_sandbox::spawn(config).await {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            bail!(
                "{} is already in use: pick another with --addr 127.0.0.1:PORT (0 picks a free port)",
                args.addr
            )
        }
        Err(e) => return Err(e).context("the sandbox did not start"),
    };
    let ready = sandbox.ready_json();
    if let Some(path) = &args.ready_file {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&ready)?)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    }
    println!(
        "jirakit sandbox ({}) ready at {}",
        sandbox.config().mode.as_str(),
        sandbox.url()
    );
    if explain {
        print_demo_help(&sandbox);
    }
    tokio::select! {
        r = tokio::signal::ctrl_c() => { r.context("waiting for Ctrl-C")?; }
    }
    eprintln!("jk: shutting down");
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn print_demo_help(sandbox: &jirakit_sandbox::RunningSandbox) {
    let url = sandbox.url();
    let c = sandbox.config();
    println!(
        r#"
The demo site: projects SHOP (scrum), OPS (kanban) and MKT (business, marketing group only),
10 users, 2,000 issues over the last six months with history, comments, subtasks and epics.

Sign in as the admin ({email} / API token {token}), or as alice, bob, ... with
alice@example.com / sandbox-alice-token.

  curl:
    curl -u {email}:{token} {url}/rest/api/3/myself
    curl -u {email}:{token} '{url}/rest/api/3/search/jql?jql=project%20%3D%20SHOP&fields=summary,status'

  Python `jira` package:
    from jira import JIRA
    j = JIRA(server="{url}", basic_auth=("{email}", "{token}"))
    print(j.issue("SHOP-1").fields.summary)

  environment for jirakit and jk:
    export JIRA_BASE_URL={url} JIRA_EMAIL={email} JIRA_API_TOKEN={token}
    jk issue list -p SHOP -s "In Progress"
    jk issue view SHOP-1
    jk sprint list 1

Press Ctrl-C to stop."#,
        email = c.email,
        token = c.api_token,
    );
}
