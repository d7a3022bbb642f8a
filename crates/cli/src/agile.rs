//! `jk board`, `jk sprint`, `jk epic`, over the Agile REST API through the client's raw requests
//! (the client has no typed agile module on this branch yet).

use std::process::ExitCode;

use clap::Subcommand;
use futures_util::TryStreamExt;
use jirakit::{Client, Method, PageStyle};
use jirakit_jql::Jql;
use serde_json::{json, Value};

use crate::output::{note, Record};
use crate::Ctx;

const AGILE: &str = "/rest/agile/1.0";
/// The fields of a board, for `--json`.
pub const BOARD_FIELDS: &[&str] = &["id", "name", "type", "project"];
/// The fields of a sprint, for `--json`.
pub const SPRINT_FIELDS: &[&str] = &["id", "name", "state", "startDate", "endDate", "goal"];

#[derive(Subcommand)]
pub enum BoardCommand {
    /// Boards, optionally of one project.
    #[command(alias = "ls")]
    List {
        #[arg(long, short = 'p')]
        project: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum SprintCommand {
    /// The sprints of a board.
    #[command(alias = "ls")]
    List {
        board: u64,
        /// active, future or closed (repeatable).
        #[arg(long)]
        state: Vec<String>,
    },
    /// The issues in a sprint.
    Issues { sprint: u64 },
    /// Move issues into a sprint.
    Add {
        sprint: u64,
        #[arg(required = true)]
        keys: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum EpicCommand {
    /// Epics of a project.
    #[command(alias = "ls")]
    List {
        #[arg(long, short = 'p')]
        project: String,
    },
    /// Put issues under an epic.
    Add {
        epic: String,
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// Take issues out of their epic.
    Remove {
        #[arg(required = true)]
        keys: Vec<String>,
    },
}

async fn values(ctx: &Ctx, client: &Client, path: String, key: &str) -> anyhow::Result<Vec<Value>> {
    let pager = client
        .paginate::<Value>(path, PageStyle::Offset, key)
        .page_size(ctx.max().clamp(1, 50) as u32);
    let mut stream = Box::pin(pager.into_stream());
    let mut out = Vec::new();
    while out.len() < ctx.max() {
        let Some(v) = stream.try_next().await? else { break };
        out.push(v);
    }
    Ok(out)
}

fn pick(v: &Value, keys: &[(&str, &str)]) -> Record {
    let mut r = Record::new();
    for (name, pointer) in keys {
        r.insert(
            (*name).to_owned(),
            v.pointer(pointer).cloned().unwrap_or(Value::Null),
        );
    }
    r
}

pub async fn board(ctx: &Ctx, cmd: BoardCommand) -> anyhow::Result<ExitCode> {
    let BoardCommand::List { project } = cmd;
    let client = ctx.site()?.client()?;
    let mut path = format!("{AGILE}/board");
    if let Some(p) = project {
        path = format!("{path}?projectKeyOrId={}", enc(&p));
    }
    let shape = [
        ("id", "/id"),
        ("name", "/name"),
        ("type", "/type"),
        ("project", "/location/projectKey"),
    ];
    let recs: Vec<Record> = values(ctx, &client, path, "values")
        .await?
        .iter()
        .map(|v| pick(v, &shape))
        .collect();
    ctx.out.list(
        &recs,
        &[
            ("ID", "id"),
            ("NAME", "name"),
            ("TYPE", "type"),
            ("PROJECT", "project"),
        ],
        BOARD_FIELDS,
    )?;
    Ok(ExitCode::SUCCESS)
}

pub async fn sprint(ctx: &Ctx, cmd: SprintCommand) -> anyhow::Result<ExitCode> {
    let site = ctx.site()?;
    let client = site.client()?;
    match cmd {
        SprintCommand::List { board, state } => {
            let mut path = format!("{AGILE}/board/{board}/sprint");
            if !state.is_empty() {
                path = format!("{path}?state={}", enc(&state.join(",")));
            }
            let shape = [
                ("id", "/id"),
                ("name", "/name"),
                ("state", "/state"),
                ("startDate", "/startDate"),
                ("endDate", "/endDate"),
                ("goal", "/goal"),
            ];
            let recs: Vec<Record> = values(ctx, &client, path, "values")
                .await?
                .iter()
                .map(|v| pick(v, &shape))
                .collect();
            ctx.out.list(
                &recs,
                &[
                    ("ID", "id"),
                    ("NAME", "name"),
                    ("STATE", "state"),
                    ("START", "startDate"),
                    ("END", "endDate"),
                ],
                SPRINT_FIELDS,
            )?;
        }
        SprintCommand::Issues { sprint } => {
            let path = format!("{AGILE}/sprint/{sprint}/issue");
            let raw = values(ctx, &client, path, "issues").await?;
            let mut recs = Vec::new();
            for v in raw {
                let issue: jirakit::model::Issue = serde_json::from_value(v)?;
                recs.push(crate::issue::record(&site, &issue));
            }
            ctx.out.list(
                &recs,
                &[
                    ("KEY", "key"),
                    ("TYPE", "type"),
                    ("STATUS", "status"),
                    ("ASSIGNEE", "assignee"),
                    ("SUMMARY", "summary"),
                ],
                crate::issue::ISSUE_FIELDS,
            )?;
        }
        SprintCommand::Add { sprint, keys } => {
            client
                .request(Method::POST, format!("{AGILE}/sprint/{sprint}/issue"))
                .json(&json!({"issues": keys}))
                .send()
                .await?;
            note(format!("moved {} issue(s) to sprint {sprint}", keys.len()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn epic(ctx: &Ctx, cmd: EpicCommand) -> anyhow::Result<ExitCode> {
    let site = ctx.site()?;
    let client = site.client()?;
    match cmd {
        EpicCommand::List { project } => {
            let jql = Jql::field("project")
                .eq(project.as_str())
                .and(Jql::field("issuetype").eq("Epic"))
                .order_by("key", jirakit_jql::Direction::Asc)
                .to_jql()?;
            let issues: Vec<_> = Box::pin(
                client
                    .search(&jql)
                    .page_size(ctx.max().clamp(1, 100) as u32)
                    .into_stream(),
            )
            .try_take_while({
                let mut n = 0usize;
                let max = ctx.max();
                move |_| {
                    n += 1;
                    futures_util::future::ready(Ok(n <= max))
                }
            })
            .try_collect()
            .await
            .map_err(|e| crate::issue::jql_error(e, &jql))?;
            let recs: Vec<Record> = issues.iter().map(|i| crate::issue::record(&site, i)).collect();
            ctx.out.list(
                &recs,
                &[("KEY", "key"), ("STATUS", "status"), ("SUMMARY", "summary")],
                crate::issue::ISSUE_FIELDS,
            )?;
        }
        EpicCommand::Add { epic, keys } => {
            client
                .request(Method::POST, format!("{AGILE}/epic/{}/issue", enc(&epic)))
                .json(&json!({"issues": keys}))
                .send()
                .await?;
            note(format!("added {} issue(s) to {epic}", keys.len()));
        }
        EpicCommand::Remove { keys } => {
            client
                .request(Method::POST, format!("{AGILE}/epic/none/issue"))
                .json(&json!({"issues": keys}))
                .send()
                .await?;
            note(format!("took {} issue(s) out of their epic", keys.len()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
