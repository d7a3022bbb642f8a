//! `jk project list`, `jk me`, `jk open`.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use serde_json::json;

use crate::output::Record;
use crate::Ctx;

/// The fields of a project, for `--json`.
pub const PROJECT_FIELDS: &[&str] = &["key", "id", "name", "type"];
/// The fields `jk me` prints, for `--json`.
pub const ME_FIELDS: &[&str] = &["accountId", "name", "displayName", "emailAddress", "active"];

#[derive(Subcommand)]
pub enum ProjectCommand {
    /// The projects you can see.
    #[command(alias = "ls")]
    List,
}

#[derive(Args)]
pub struct OpenArgs {
    /// An issue key; without one, the site itself.
    key: Option<String>,
    /// Open it in a browser ($BROWSER, else xdg-open / open) instead of printing it.
    #[arg(long, short = 'w')]
    web: bool,
}

pub async fn project(ctx: &Ctx, cmd: ProjectCommand) -> anyhow::Result<ExitCode> {
    let ProjectCommand::List = cmd;
    let client = ctx.site()?.client()?;
    let pager = client
        .projects()
        .search()
        .await?
        .page_size(ctx.max().clamp(1, 100) as u32);
    let mut stream = Box::pin(pager.into_stream());
    let mut records = Vec::new();
    while records.len() < ctx.max() {
        let Some(p) = stream.try_next().await? else { break };
        let mut r = Record::new();
        r.insert("key".into(), json!(p.key));
        r.insert("id".into(), json!(p.id));
        r.insert("name".into(), json!(p.name));
        r.insert("type".into(), p.extra.get("projectTypeKey").unwrap_or_default());
        records.push(r);
    }
    ctx.out.list(
        &records,
        &[("KEY", "key"), ("NAME", "name"), ("TYPE", "type")],
        PROJECT_FIELDS,
    )?;
    Ok(ExitCode::SUCCESS)
}

pub async fn me(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let client = ctx.site()?.client()?;
    let me = client.users().myself().await?;
    let mut r = Record::new();
    r.insert("accountId".into(), json!(me.account_id));
    r.insert("name".into(), json!(me.name));
    r.insert("displayName".into(), json!(me.display_name));
    r.insert("emailAddress".into(), json!(me.email_address));
    r.insert("active".into(), json!(me.active));
    ctx.out.one(&r, ME_FIELDS, |w| {
        // The id scripts pass back to `-a`: the account id on Cloud, the user name on DC.
        let id = me
            .account_id
            .as_ref()
            .map(|a| a.as_str().to_owned())
            .or(me.name.clone())
            .unwrap_or_default();
        writeln!(w, "{}\t{}", id, me.display_name.as_deref().unwrap_or(""))
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn open(ctx: &Ctx, a: OpenArgs) -> anyhow::Result<ExitCode> {
    let site = ctx.site()?;
    let url = match &a.key {
        Some(k) => site.browse_url(k),
        None => site.url.clone(),
    };
    if !a.web {
        println!("{url}");
        return Ok(ExitCode::SUCCESS);
    }
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
    let status = std::process::Command::new(&browser).arg(&url).status();
    match status {
        Ok(s) if s.success() => Ok(ExitCode::SUCCESS),
        _ => {
            // Still useful: print it so it can be copied.
            println!("{url}");
            Err(crate::exit::usage(format!(
                "could not start {browser:?}; set $BROWSER"
            )))
        }
    }
}
