//! `jk issue …` and `jk search`.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use jirakit::model::Issue;
use jirakit::{Client, Method};
use jirakit_adf::Doc;
use jirakit_jql::{call, Direction, Jql};
use serde_json::{json, Value};

use crate::config::Site;
use crate::exit::{usage, Reported};
use crate::output::{note, Record};
use crate::Ctx;

/// The fields every issue record has, for `--json`.
pub const ISSUE_FIELDS: &[&str] = &[
    "key",
    "id",
    "summary",
    "status",
    "type",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "created",
    "updated",
    "project",
    "resolution",
    "url",
];
/// A created issue (`create`).
pub const CREATED_FIELDS: &[&str] = &["key", "id", "url"];
/// A cloned issue.
pub const CLONE_FIELDS: &[&str] = &["key", "id", "url", "from"];
/// A new comment.
pub const COMMENT_FIELDS: &[&str] = &["id", "issue"];
/// An uploaded attachment.
pub const ATTACH_FIELDS: &[&str] = &["id", "filename", "size"];
/// `view` adds these.
pub const VIEW_FIELDS: &[&str] = &[
    "key",
    "id",
    "summary",
    "status",
    "type",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "created",
    "updated",
    "project",
    "resolution",
    "url",
    "description",
    "comments",
    "fields",
];
const LIST_COLUMNS: &[(&str, &str)] = &[
    ("KEY", "key"),
    ("TYPE", "type"),
    ("STATUS", "status"),
    ("ASSIGNEE", "assignee"),
    ("SUMMARY", "summary"),
];
const NAVIGABLE: &[&str] = &[
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "created",
    "updated",
    "project",
    "resolution",
];

#[derive(Subcommand)]
pub enum IssueCommand {
    /// List issues, filtered with short flags (`-s Open -a me -l backend`) and raw `-q JQL`.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Show an issue, its description rendered as text.
    View {
        key: String,
        /// Also show the comments.
        #[arg(long, short = 'c')]
        comments: bool,
    },
    /// Create an issue; the body is Markdown, sent as ADF (wiki markup on Data Center).
    Create(CreateArgs),
    /// Change fields of an issue, or of every issue a JQL query finds (`--jql`).
    Edit(EditArgs),
    /// Move an issue (or every issue `--jql` finds) through its workflow to a status.
    #[command(alias = "transition", alias = "mv")]
    Move(MoveArgs),
    /// Assign an issue: a user name or email, `me`, or `x` to unassign.
    Assign { key: String, user: String },
    /// Add a comment (Markdown, from -b, -F FILE, stdin or $EDITOR).
    Comment {
        key: String,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Link two issues: `jk issue link A-1 A-2 Blocks` (A-1 blocks A-2).
    Link {
        outward: String,
        inward: String,
        #[arg(default_value = "Relates")]
        link_type: String,
    },
    /// Attach files to an issue.
    Attach {
        key: String,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Copy an issue's summary, description, type, priority and labels into a new issue.
    Clone {
        key: String,
        /// The new summary (default: the original's).
        #[arg(long, short = 's')]
        summary: Option<String>,
    },
    /// Delete an issue, or every issue `--jql` finds.
    Delete(DeleteArgs),
}

#[derive(Args, Clone, Default)]
pub struct Filters {
    /// Project key.
    #[arg(long, short = 'p')]
    project: Option<String>,
    /// Status (repeatable; `~Done` excludes).
    #[arg(long, short = 's')]
    status: Vec<String>,
    /// Assignee: a user, `me`, or `x` for unassigned (`~me`, `~x` negate).
    #[arg(long, short = 'a')]
    assignee: Option<String>,
    /// Issue type (repeatable; `~Bug` excludes).
    #[arg(long, short = 't')]
    r#type: Vec<String>,
    /// Label (repeatable; `~label` excludes).
    #[arg(long, short = 'l')]
    label: Vec<String>,
    /// Priority (repeatable; `~Low` excludes).
    #[arg(long, short = 'y')]
    priority: Vec<String>,
    /// Created since: today, week, month, year, a date (2026-01-31) or a relative time (-7d).
    #[arg(long, allow_hyphen_values = true)]
    created: Option<String>,
    /// Updated since: like --created.
    #[arg(long, allow_hyphen_values = true)]
    updated: Option<String>,
    /// Raw JQL, ANDed with the other filters.
    #[arg(long, short = 'q')]
    query: Option<String>,
    /// Sort by this field (newest first unless --reverse).
    #[arg(long, default_value = "created")]
    order_by: String,
    /// Oldest first.
    #[arg(long)]
    reverse: bool,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    filters: Filters,
    /// Text to search for in summaries, descriptions and comments.
    text: Option<String>,
}

#[derive(Args)]
pub struct SearchArgs {
    /// The JQL query.
    jql: String,
}

#[derive(Args, Default)]
pub struct BodyArgs {
    /// The body as Markdown.
    #[arg(long, short = 'b')]
    body: Option<String>,
    /// Read the body (Markdown) from a file, `-` for stdin.
    #[arg(long = "body-file", short = 'F')]
    body_file: Option<String>,
    /// Write the body in $EDITOR.
    #[arg(long, short = 'e')]
    editor: bool,
}

#[derive(Args)]
pub struct CreateArgs {
    #[arg(long, short = 'p')]
    project: String,
    #[arg(long, short = 't', default_value = "Task")]
    r#type: String,
    #[arg(long, short = 's')]
    summary: String,
    #[command(flatten)]
    body: BodyArgs,
    #[arg(long, short = 'y')]
    priority: Option<String>,
    #[arg(long, short = 'l')]
    label: Vec<String>,
    /// A user, or `me`.
    #[arg(long, short = 'a')]
    assignee: Option<String>,
    /// The parent issue (for a subtask, or an epic's child).
    #[arg(long, short = 'P')]
    parent: Option<String>,
    /// Any field by its name: `--field "Story Points=5"` (repeatable).
    #[arg(long = "field", short = 'f', value_name = "NAME=VALUE")]
    fields: Vec<String>,
}

#[derive(Args)]
pub struct EditArgs {
    /// The issue (or use --jql).
    #[arg(required_unless_present = "jql", conflicts_with = "jql")]
    key: Option<String>,
    #[command(flatten)]
    bulk: BulkArgs,
    #[arg(long, short = 's')]
    summary: Option<String>,
    #[command(flatten)]
    body: BodyArgs,
    #[arg(long, short = 'y')]
    priority: Option<String>,
    /// Add a label; `~label` removes it (repeatable).
    #[arg(long, short = 'l')]
    label: Vec<String>,
    /// Any field by its name: `--field "Story Points=5"` (repeatable).
    #[arg(long = "field", short = 'f', value_name = "NAME=VALUE")]
    fields: Vec<String>,
}

#[derive(Args)]
pub struct MoveArgs {
    /// The issue, then the status or transition name; with --jql only the status.
    #[arg(required = true, num_args = 1..=2)]
    args: Vec<String>,
    #[command(flatten)]
    bulk: BulkArgs,
    /// A comment to add with the move.
    #[arg(long)]
    comment: Option<String>,
    /// The resolution to set (when the transition's screen has it).
    #[arg(long, short = 'R')]
    resolution: Option<String>,
}

#[derive(Args)]
pub struct DeleteArgs {
    #[arg(required_unless_present = "jql", conflicts_with = "jql")]
    key: Option<String>,
    #[command(flatten)]
    bulk: BulkArgs,
    /// Delete subtasks too.
    #[arg(long)]
    cascade: bool,
}

#[derive(Args, Clone)]
pub struct BulkArgs {
    /// Act on every issue this JQL query finds (bounded by --limit unless --all).
    #[arg(long)]
    jql: Option<String>,
    /// Show what would change, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'Y')]
    yes: bool,
}

pub async fn run(ctx: &Ctx, cmd: IssueCommand) -> anyhow::Result<ExitCode> {
    let site = ctx.site()?;
    let client = site.client()?;
    match cmd {
        IssueCommand::List(a) => {
            let jql = build_jql(&client, &a.filters, a.text.as_deref()).await?;
            list(ctx, &site, &client, &jql).await
        }
        IssueCommand::View { key, comments } => view(ctx, &site, &client, &key, comments).await,
        IssueCommand::Create(a) => create(ctx, &site, &client, a).await,
        IssueCommand::Edit(a) => edit(ctx, &site, &client, a).await,
        IssueCommand::Move(a) => move_(ctx, &site, &client, a).await,
        IssueCommand::Assign { key, user } => {
            let who = resolve_user(&client, &user).await?;
            client.issues().assign(&key, who.as_deref()).await?;
            note(match &who {
                Some(_) => format!("assigned {key} to {user}"),
                None => format!("unassigned {key}"),
            });
            Ok(ExitCode::SUCCESS)
        }
        IssueCommand::Comment { key, body } => {
            let doc =
                read_body(&body)?.ok_or_else(|| usage("no comment body: use -b, -F FILE, -F - or -e"))?;
            let c = client.issues().add_comment(&key, doc).await?;
            let mut rec = Record::new();
            rec.insert("id".into(), json!(c.id));
            rec.insert("issue".into(), json!(key));
            ctx.out
                .one(&rec, COMMENT_FIELDS, |w| writeln!(w, "{}", site.browse_url(&key)))?;
            Ok(ExitCode::SUCCESS)
        }
        IssueCommand::Link {
            outward,
            inward,
            link_type,
        } => {
            let root = client.deployment().await?.api_root();
            // Jira's POST reads the other way round from its GET: `inwardIssue` is the one
            // that "blocks" (reference/notes/jira-semantics-checked.md, row 21).
            let body = json!({
                "type": {"name": link_type},
                "inwardIssue": {"key": outward},
                "outwardIssue": {"key": inward},
            });
            client
                .request(Method::POST, format!("{root}/issueLink"))
                .json(&body)
                .send()
                .await?;
            note(format!("linked {outward} → {inward} ({link_type})"));
            Ok(ExitCode::SUCCESS)
        }
        IssueCommand::Attach { key, files } => attach(ctx, &client, &key, &files).await,
        IssueCommand::Clone { key, summary } => clone(ctx, &site, &client, &key, summary).await,
        IssueCommand::Delete(a) => delete(ctx, &client, a).await,
    }
}

pub async fn search(ctx: &Ctx, a: SearchArgs) -> anyhow::Result<ExitCode> {
    let site = ctx.site()?;
    let client = site.client()?;
    list(ctx, &site, &client, &a.jql).await
}

/// Turns short filters into JQL with the builder (every value quoted safely), then ANDs the raw
/// `-q` query, keeping its ORDER BY if it has one.
pub async fn build_jql(client: &Client, f: &Filters, text: Option<&str>) -> anyhow::Result<String> {
    let mut q = Jql::all();
    if let Some(p) = &f.project {
        q = q.and(Jql::field("project").eq(p.as_str()));
    }
    q = q.and(multi("status", &f.status)?);
    q = q.and(multi("issuetype", &f.r#type)?);
    q = q.and(multi("labels", &f.label)?);
    q = q.and(multi("priority", &f.priority)?);
    if let Some(a) = &f.assignee {
        let (neg, v) = split_neg(a);
        let clause = match v {
            "x" => Jql::field("assignee").is_empty(),
            "me" => Jql::field("assignee").eq(call("currentUser")),
            user => {
                let id = resolve_user(client, user).await?.unwrap_or_default();
                Jql::field("assignee").eq(id)
            }
        };
        q = q.and(if neg { clause.negate() } else { clause });
    }
    for (field, since) in [("created", &f.created), ("updated", &f.updated)] {
        if let Some(s) = since {
            q = q.and(Jql::field(field).gt_eq(since_operand(s)?));
        }
    }
    if let Some(t) = text {
        q = q.and(Jql::field("text").contains(t));
    }
    let dir = if f.reverse {
        Direction::Asc
    } else {
        Direction::Desc
    };
    let built = q.to_jql()?;
    let Some(raw) = f.query.as_deref().filter(|r| !r.trim().is_empty()) else {
        if built.is_empty() {
            // Jira Cloud refuses a query with no condition ("Unbounded JQL queries are not
            // allowed"), so say what to add instead of sending one.
            return Err(usage(
                "give at least one filter (-p PROJECT, -s, -a, -t, -l, -y, --created, --updated, -q or text); Jira refuses unbounded queries",
            ));
        }
        let order = Jql::all().order_by(f.order_by.as_str(), dir).to_jql()?;
        return Ok(join_nonempty(&built, &order));
    };
    if built.is_empty() {
        return Ok(raw.to_owned());
    }
    let parsed = jirakit_jql::parse(raw).map_err(|e| usage(format!("-q: {}", e.render(raw))))?;
    let cond = parsed.clause.as_ref().map(|c| &raw[c.span().start..c.span().end]);
    let order = match parsed.order_by.first() {
        Some(k) => format!(
            "ORDER BY {}",
            &raw[k.span.start..parsed.order_by.last().map_or(k.span.end, |l| l.span.end)]
        ),
        None => Jql::all().order_by(f.order_by.as_str(), dir).to_jql()?,
    };
    let cond = match cond {
        Some(c) => format!("{built} AND ({c})"),
        None => built,
    };
    Ok(join_nonempty(&cond, &order))
}

fn join_nonempty(a: &str, b: &str) -> String {
    [a, b]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn split_neg(v: &str) -> (bool, &str) {
    match v.strip_prefix('~') {
        Some(rest) => (true, rest),
        None => (false, v),
    }
}

/// `field IN (…) AND field NOT IN (…)` from values where `~` marks the excluded ones.
fn multi(field: &str, values: &[String]) -> anyhow::Result<Jql> {
    let (neg, pos): (Vec<_>, Vec<_>) = values.iter().map(|v| split_neg(v)).partition(|(n, _)| *n);
    let mut q = Jql::all();
    let pos: Vec<&str> = pos.into_iter().map(|(_, v)| v).collect();
    let neg: Vec<&str> = neg.into_iter().map(|(_, v)| v).collect();
    match pos.as_slice() {
        [] => {}
        [one] => q = q.and(Jql::field(field).eq(*one)),
        many => q = q.and(Jql::field(field).in_(many.iter().copied())),
    }
    match neg.as_slice() {
        [] => {}
        [one] => q = q.and(Jql::field(field).not_eq(*one)),
        many => q = q.and(Jql::field(field).not_in(many.iter().copied())),
    }
    Ok(q)
}

/// `today`, `week`, `month`, `year` → start-of functions; a date or `-7d` stays a value.
fn since_operand(s: &str) -> anyhow::Result<jirakit_jql::Operand> {
    Ok(match s {
        "today" => call("startOfDay"),
        "week" => call("startOfWeek"),
        "month" => call("startOfMonth"),
        "year" => call("startOfYear"),
        other => {
            let relative = other.len() > 2
                && other.starts_with(['-', '+'])
                && other[1..other.len() - 1].chars().all(|c| c.is_ascii_digit())
                && other.ends_with(['m', 'h', 'd', 'w']);
            let date = other.len() == 10 && jiff::civil::Date::strptime("%Y-%m-%d", other).is_ok();
            if !relative && !date {
                return Err(usage(format!(
                    "{other:?}: expected today, week, month, year, YYYY-MM-DD or a relative time like -7d"
                )));
            }
            other.into()
        }
    })
}

/// `me` → the caller; `x`/`none` → nobody; anything else → the one user a search finds.
/// Returns the account id (Cloud) or user name (Data Center).
async fn resolve_user(client: &Client, who: &str) -> anyhow::Result<Option<String>> {
    let cloud = client.deployment().await?.uses_adf();
    let id = |u: &jirakit::model::User| -> Option<String> {
        if cloud {
            u.account_id.as_ref().map(|a| a.as_str().to_owned())
        } else {
            u.name.clone()
        }
    };
    match who {
        "x" | "none" => Ok(None),
        "me" => Ok(id(&client.users().myself().await?)),
        q => {
            let found = client.users().search(q).await?;
            let exact: Vec<_> = found
                .iter()
                .filter(|u| {
                    u.email_address
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(q))
                        || u.name.as_deref() == Some(q)
                        || u.display_name
                            .as_deref()
                            .is_some_and(|d| d.eq_ignore_ascii_case(q))
                })
                .collect();
            let pick = match (exact.as_slice(), found.as_slice()) {
                ([one], _) => *one,
                ([], [one]) => one,
                ([], []) => return Err(usage(format!("no user matches {q:?}"))),
                _ => {
                    let names: Vec<String> = found
                        .iter()
                        .map(|u| u.display_name.clone().unwrap_or_default())
                        .collect();
                    return Err(usage(format!(
                        "{q:?} matches several users: {}",
                        names.join(", ")
                    )));
                }
            };
            Ok(id(pick))
        }
    }
}

fn user_name(u: Option<&jirakit::model::User>) -> Value {
    match u {
        Some(u) => json!(u.display_name.clone().or_else(|| u.name.clone())),
        None => Value::Null,
    }
}

/// The record `--json` and the table see.
pub fn record(site: &Site, issue: &Issue) -> Record {
    let f = &issue.fields;
    let key = issue.key_or_id().to_owned();
    let mut r = Record::new();
    r.insert("key".into(), json!(key));
    r.insert("id".into(), json!(issue.id));
    r.insert("summary".into(), json!(f.summary));
    r.insert("status".into(), json!(f.status.as_ref().map(|s| &s.name)));
    r.insert("type".into(), json!(f.issuetype.as_ref().map(|t| &t.name)));
    r.insert("priority".into(), json!(f.priority.as_ref().map(|p| &p.name)));
    r.insert("assignee".into(), user_name(f.assignee.as_ref()));
    r.insert("reporter".into(), user_name(f.reporter.as_ref()));
    r.insert("labels".into(), json!(f.labels.clone().unwrap_or_default()));
    r.insert("created".into(), json!(f.created));
    r.insert("updated".into(), json!(f.updated));
    r.insert("project".into(), json!(f.project.as_ref().map(|p| &p.key)));
    r.insert("resolution".into(), json!(f.resolution.as_ref().map(|p| &p.name)));
    r.insert("url".into(), json!(site.browse_url(&key)));
    r
}

/// Rich text from either API version as a [`Doc`].
fn doc_of(v: &Value) -> Option<Doc> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(Doc::from_wiki(s)),
        other => Doc::from_json(other.clone()).ok(),
    }
}

async fn collect(ctx: &Ctx, client: &Client, jql: &str, fields: &[&str]) -> anyhow::Result<Vec<Issue>> {
    let max = ctx.max();
    let page = max.clamp(1, 100) as u32;
    let stream = client
        .search(jql)
        .fields(fields.iter().copied())
        .page_size(page)
        .into_stream();
    let mut stream = Box::pin(stream);
    let mut out = Vec::new();
    while out.len() < max {
        match stream.try_next().await {
            Ok(Some(i)) => out.push(i),
            Ok(None) => break,
            Err(e) => return Err(jql_error(e, jql)),
        }
    }
    Ok(out)
}

/// Jira's JQL messages say `(line L, character C)`: show that line with a caret under it.
pub fn jql_error(e: jirakit::Error, jql: &str) -> anyhow::Error {
    if !e.is_rejected() {
        return e.into();
    }
    let mut msg = String::from("Jira rejected the query:");
    for m in e.error_messages() {
        msg.push_str(&format!("\n  {m}"));
        if let Some((line, col)) = position(m) {
            if let Some(text) = jql.lines().nth(line.saturating_sub(1)) {
                msg.push_str(&format!(
                    "\n    {text}\n    {}^",
                    " ".repeat(col.saturating_sub(1))
                ));
            }
        }
    }
    if let Some(errs) = e.field_errors() {
        for (k, v) in errs {
            msg.push_str(&format!("\n  {k}: {v}"));
        }
    }
    if let Some(id) = e.request_id() {
        msg.push_str(&format!("\n  (request id {id})"));
    }
    eprintln!("jk: {msg}");
    anyhow::Error::new(Reported(crate::exit::code_for(&anyhow::Error::new(e))))
}

fn position(m: &str) -> Option<(usize, usize)> {
    let at = m.rfind("(line ")?;
    let rest = &m[at + 6..];
    let (line, rest) = rest.split_once(", character ")?;
    let col = rest.split(')').next()?;
    Some((line.trim().parse().ok()?, col.trim().parse().ok()?))
}

async fn list(ctx: &Ctx, site: &Site, client: &Client, jql: &str) -> anyhow::Result<ExitCode> {
    tracing::debug!(jql, "search");
    let issues = collect(ctx, client, jql, NAVIGABLE).await?;
    let records: Vec<Record> = issues.iter().map(|i| record(site, i)).collect();
    ctx.out.list(&records, LIST_COLUMNS, ISSUE_FIELDS)?;
    Ok(ExitCode::SUCCESS)
}

async fn view(
    ctx: &Ctx,
    site: &Site,
    client: &Client,
    key: &str,
    with_comments: bool,
) -> anyhow::Result<ExitCode> {
    let issue = client.issues().get(key).send().await?;
    let mut rec = record(site, &issue);
    let description = issue.fields.description.as_ref().and_then(doc_of);
    let text = description.as_ref().map(|d| d.to_markdown());
    rec.insert("description".into(), json!(text));
    let want_comments = with_comments
        || ctx
            .out
            .json
            .as_ref()
            .is_some_and(|f| f.iter().any(|x| x == "comments"));
    let mut comments = Vec::new();
    if want_comments {
        let pager = client.issues().comments(key).await?;
        comments = Box::pin(pager.into_stream()).try_collect::<Vec<_>>().await?;
    }
    let comment_json: Vec<Value> = comments
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "author": user_name(c.author.as_ref()),
                "created": c.created,
                "body": doc_of(&c.body).map(|d| d.to_markdown()),
            })
        })
        .collect();
    rec.insert("comments".into(), json!(comment_json));
    rec.insert("fields".into(), serde_json::to_value(&issue.fields)?);
    ctx.out.one(&rec, VIEW_FIELDS, |w| {
        let s = |k: &str| crate::output::cell(rec.get(k));
        writeln!(w, "{}  {}", s("key"), s("summary"))?;
        writeln!(
            w,
            "{} · {} · priority {} · assignee {}",
            s("type"),
            s("status"),
            or_none(s("priority")),
            or_none(s("assignee"))
        )?;
        writeln!(
            w,
            "reporter {} · created {} · updated {}",
            or_none(s("reporter")),
            s("created"),
            s("updated")
        )?;
        if !s("labels").is_empty() {
            writeln!(w, "labels {}", s("labels"))?;
        }
        writeln!(w)?;
        match &text {
            Some(t) if !t.trim().is_empty() => writeln!(w, "{}", t.trim_end())?,
            _ => writeln!(w, "(no description)")?,
        }
        for c in &comment_json {
            writeln!(
                w,
                "\n--- {} · {}",
                crate::output::cell(c.get("author")),
                crate::output::cell(c.get("created"))
            )?;
            writeln!(w, "{}", crate::output::cell(c.get("body")).trim_end())?;
        }
        writeln!(w, "\n{}", s("url"))
    })?;
    Ok(ExitCode::SUCCESS)
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s
    }
}

/// The body from `-b`, `-F FILE|-` or `$EDITOR`, as a Doc; `None` when none was given.
fn read_body(b: &BodyArgs) -> anyhow::Result<Option<Doc>> {
    let text = if let Some(t) = &b.body {
        Some(t.clone())
    } else if let Some(f) = &b.body_file {
        let mut s = String::new();
        if f == "-" {
            std::io::stdin().read_to_string(&mut s)?;
        } else {
            s = std::fs::read_to_string(f).with_context(|| f.clone())?;
        }
        Some(s)
    } else if b.editor {
        Some(edit_in_editor()?)
    } else {
        None
    };
    Ok(text.map(|t| Doc::from_markdown(&t)))
}

fn edit_in_editor() -> anyhow::Result<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .map_err(|_| usage("--editor: set $EDITOR (or $VISUAL)"))?;
    let path = std::env::temp_dir().join(format!("jk-body-{}.md", std::process::id()));
    std::fs::write(&path, "")?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .context("starting $EDITOR")?;
    let text = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        return Err(usage(format!("$EDITOR exited with {status}; nothing sent")));
    }
    let text = text?;
    if text.trim().is_empty() {
        return Err(usage("the body is empty; nothing sent"));
    }
    Ok(text)
}

/// `Name=value` with the value shaped by the field's type (number, option, user, list…).
async fn custom_fields(client: &Client, specs: &[String]) -> anyhow::Result<Vec<(String, Value)>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let catalog = client.fields().catalog().await?;
    let mut out = Vec::new();
    for spec in specs {
        let (name, raw) = spec
            .split_once('=')
            .ok_or_else(|| usage(format!("--field {spec:?}: expected NAME=VALUE")))?;
        let id = catalog.resolve(name.trim())?;
        let schema = catalog.get(&id.0).and_then(|f| f.schema.clone());
        let value = shape_value(schema.as_ref(), raw).map_err(|m| usage(format!("--field {name:?}: {m}")))?;
        out.push((id.0, value));
    }
    Ok(out)
}

fn shape_value(schema: Option<&jirakit::model::FieldSchema>, raw: &str) -> Result<Value, String> {
    let trimmed = raw.trim();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return serde_json::from_str(trimmed).map_err(|e| format!("not valid JSON: {e}"));
    }
    let Some(schema) = schema else {
        return Ok(json!(raw));
    };
    let one = |kind: &str, v: &str| -> Result<Value, String> {
        Ok(match kind {
            "number" => json!(v
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("{v:?} is not a number"))?),
            "option" => json!({"value": v}),
            "user" => json!({"accountId": v}),
            "priority" | "version" | "component" => json!({"name": v}),
            "option-with-child" => match v.split_once('>') {
                Some((p, c)) => json!({"value": p.trim(), "child": {"value": c.trim()}}),
                None => json!({"value": v}),
            },
            "issuelink" | "issue" => json!({"key": v}),
            _ => json!(v),
        })
    };
    if schema.kind == "array" {
        let item = schema.items.as_deref().unwrap_or("string");
        return raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|v| one(item, v))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    one(&schema.kind, raw)
}

async fn create(ctx: &Ctx, site: &Site, client: &Client, a: CreateArgs) -> anyhow::Result<ExitCode> {
    let mut c = client.issues().create(&a.project, &a.r#type, &a.summary);
    if let Some(doc) = read_body(&a.body)? {
        c = c.description(doc);
    }
    if let Some(p) = &a.priority {
        c = c.field("priority", json!({"name": p}));
    }
    if !a.label.is_empty() {
        c = c.labels(a.label.iter().cloned());
    }
    if let Some(p) = &a.parent {
        c = c.field("parent", json!({"key": p}));
    }
    if let Some(who) = &a.assignee {
        let id = resolve_user(client, who).await?;
        let cloud = client.deployment().await?.uses_adf();
        c = c.field(
            "assignee",
            if cloud {
                json!({"accountId": id})
            } else {
                json!({"name": id})
            },
        );
    }
    for (id, v) in custom_fields(client, &a.fields).await? {
        c = c.field(id, v);
    }
    let created = c.send().await?;
    let key = created.key.as_str().to_owned();
    let mut rec = Record::new();
    rec.insert("key".into(), json!(key));
    rec.insert("id".into(), json!(created.id));
    rec.insert("url".into(), json!(site.browse_url(&key)));
    ctx.out
        .one(&rec, CREATED_FIELDS, |w| writeln!(w, "{}", site.browse_url(&key)))?;
    Ok(ExitCode::SUCCESS)
}

/// The keys a bulk command acts on, after `--dry-run` and confirmation; `None`: stop here.
async fn bulk_keys(
    ctx: &Ctx,
    client: &Client,
    b: &BulkArgs,
    what: &str,
) -> anyhow::Result<Option<Vec<String>>> {
    let jql = b.jql.as_deref().expect("called with --jql");
    let issues = collect(ctx, client, jql, &["summary"]).await?;
    let keys: Vec<String> = issues.iter().map(|i| i.key_or_id().to_owned()).collect();
    if b.dry_run {
        note(format!(
            "would {what} {} issue(s) (dry run, nothing changed):",
            keys.len()
        ));
        for i in &issues {
            println!("{}\t{}", i.key_or_id(), i.fields.summary.as_deref().unwrap_or(""));
        }
        return Ok(None);
    }
    if keys.is_empty() {
        note("no issues match; nothing to do");
        return Ok(None);
    }
    if !b.yes {
        if !std::io::stdin().is_terminal() {
            return Err(usage(format!(
                "{what} {} issue(s)? Pass --yes to confirm when not at a terminal (or --dry-run to look first)",
                keys.len()
            )));
        }
        eprint!("{what} {} issue(s)? [y/N] ", keys.len());
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            note("cancelled");
            return Ok(None);
        }
    }
    Ok(Some(keys))
}

/// Runs `f` on each key with a progress bar on stderr (hidden when stderr is not a terminal);
/// exits with the first failure's class.
async fn for_each<F, Fut>(keys: &[String], verb: &str, mut f: F) -> anyhow::Result<ExitCode>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), jirakit::Error>>,
{
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(keys.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar.set_prefix(verb.to_owned());
    let mut failed = 0usize;
    let mut first_code = None;
    for key in keys {
        bar.set_message(key.clone());
        match f(key.clone()).await {
            Ok(()) => bar.suspend(|| println!("{key}")),
            Err(e) => {
                failed += 1;
                let err = anyhow::Error::new(e);
                first_code.get_or_insert(crate::exit::code_for(&err));
                bar.suspend(|| eprintln!("jk: {key}: {err:#}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    note(format!(
        "{verb} {} of {} issue(s)",
        keys.len() - failed,
        keys.len()
    ));
    match first_code {
        Some(code) => Err(anyhow::Error::new(Reported(code))),
        None => Ok(ExitCode::SUCCESS),
    }
}

async fn edit(ctx: &Ctx, _site: &Site, client: &Client, a: EditArgs) -> anyhow::Result<ExitCode> {
    let doc = read_body(&a.body)?;
    let custom = custom_fields(client, &a.fields).await?;
    let nothing = a.summary.is_none()
        && doc.is_none()
        && a.priority.is_none()
        && a.label.is_empty()
        && custom.is_empty();
    if nothing {
        return Err(usage("nothing to change: give -s, -b, -y, -l or --field"));
    }
    let build = |key: &str| {
        let mut e = client.issues().edit(key);
        if let Some(s) = &a.summary {
            e = e.field("summary", json!(s));
        }
        if let Some(d) = &doc {
            e = e.description(d.clone());
        }
        if let Some(p) = &a.priority {
            e = e.field("priority", json!({"name": p}));
        }
        for l in &a.label {
            let (neg, v) = split_neg(l);
            e = e.update(
                "labels",
                if neg {
                    json!({"remove": v})
                } else {
                    json!({"add": v})
                },
            );
        }
        for (id, v) in &custom {
            e = e.field(id.clone(), v.clone());
        }
        e
    };
    match &a.key {
        Some(key) => {
            build(key).send().await?;
            note(format!("edited {key}"));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let Some(keys) = bulk_keys(ctx, client, &a.bulk, "edit").await? else {
                return Ok(ExitCode::SUCCESS);
            };
            for_each(&keys, "edited", |k| build(&k).send()).await
        }
    }
}

async fn move_(ctx: &Ctx, _site: &Site, client: &Client, a: MoveArgs) -> anyhow::Result<ExitCode> {
    let (key, target) = match (a.bulk.jql.is_some(), a.args.as_slice()) {
        (true, [status]) => (None, status.clone()),
        (false, [key, status]) => (Some(key.clone()), status.clone()),
        (true, _) => {
            return Err(usage(
                "with --jql give only the status: jk issue move --jql '…' Done",
            ))
        }
        (false, _) => return Err(usage("give the issue and the status: jk issue move KEY Done")),
    };
    let comment = a.comment.as_deref().map(Doc::from_markdown);
    let go = |key: String| {
        let target = target.clone();
        let comment = comment.clone();
        let resolution = a.resolution.clone();
        async move {
            let mut t = client.issues().transition(key.as_str()).to(target.as_str());
            if let Some(r) = &resolution {
                t = t.field("resolution", json!({"name": r}));
            }
            t.send().await?;
            if let Some(c) = comment {
                client.issues().add_comment(&key, c).await?;
            }
            Ok(())
        }
    };
    match key {
        Some(k) => {
            go(k.clone()).await.map_err(anyhow::Error::from)?;
            note(format!("moved {k} to {target}"));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let Some(keys) = bulk_keys(ctx, client, &a.bulk, &format!("move to {target:?}")).await? else {
                return Ok(ExitCode::SUCCESS);
            };
            for_each(&keys, "moved", go).await
        }
    }
}

async fn delete(ctx: &Ctx, client: &Client, a: DeleteArgs) -> anyhow::Result<ExitCode> {
    match &a.key {
        Some(key) => {
            if !a.bulk.yes {
                if !std::io::stdin().is_terminal() {
                    return Err(usage(format!(
                        "delete {key}? Pass --yes to confirm when not at a terminal"
                    )));
                }
                eprint!("delete {key}? [y/N] ");
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                if !matches!(line.trim(), "y" | "Y" | "yes") {
                    note("cancelled");
                    return Ok(ExitCode::SUCCESS);
                }
            }
            client.issues().delete(key, a.cascade).await?;
            note(format!("deleted {key}"));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let Some(keys) = bulk_keys(ctx, client, &a.bulk, "delete").await? else {
                return Ok(ExitCode::SUCCESS);
            };
            let cascade = a.cascade;
            for_each(&keys, "deleted", |k| async move {
                client.issues().delete(&k, cascade).await
            })
            .await
        }
    }
}

async fn clone(
    ctx: &Ctx,
    site: &Site,
    client: &Client,
    key: &str,
    summary: Option<String>,
) -> anyhow::Result<ExitCode> {
    let src = client.issues().get(key).send().await?;
    let f = &src.fields;
    let project = f
        .project
        .as_ref()
        .map(|p| p.key.clone())
        .ok_or_else(|| anyhow::anyhow!("{key} has no project"))?;
    let kind = f
        .issuetype
        .as_ref()
        .map(|t| t.name.clone())
        .ok_or_else(|| anyhow::anyhow!("{key} has no type"))?;
    let summary = summary.unwrap_or_else(|| f.summary.clone().unwrap_or_default());
    let mut c = client.issues().create(project, kind, summary);
    if let Some(d) = f.description.as_ref().and_then(doc_of) {
        c = c.description(d);
    }
    if let Some(l) = f.labels.as_ref().filter(|l| !l.is_empty()) {
        c = c.labels(l.iter().cloned());
    }
    if let Some(p) = &f.priority {
        c = c.field("priority", json!({"name": p.name}));
    }
    let created = c.send().await?;
    let new_key = created.key.as_str().to_owned();
    let mut rec = Record::new();
    rec.insert("key".into(), json!(new_key));
    rec.insert("id".into(), json!(created.id));
    rec.insert("url".into(), json!(site.browse_url(&new_key)));
    rec.insert("from".into(), json!(key));
    ctx.out.one(&rec, CLONE_FIELDS, |w| {
        writeln!(w, "{}", site.browse_url(&new_key))
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn attach(
    ctx: &Ctx,
    client: &Client,
    key: &str,
    files: &[std::path::PathBuf],
) -> anyhow::Result<ExitCode> {
    // One upload per file, streamed from disk by the client (a file body is reopened for a retry).
    let mut recs: Vec<Record> = Vec::new();
    for f in files {
        if !f.is_file() {
            return Err(usage(format!("{}: not a file", f.display())));
        }
        for a in client.attachments().upload_file(key, f).await? {
            let mut r = Record::new();
            r.insert("id".into(), json!(a.id));
            r.insert("filename".into(), json!(a.filename));
            r.insert("size".into(), json!(a.size));
            recs.push(r);
        }
    }
    ctx.out.list(
        &recs,
        &[("ID", "id"), ("FILE", "filename"), ("SIZE", "size")],
        ATTACH_FIELDS,
    )?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_the_documented_forms_only() {
        for ok in [
            "today",
            "week",
            "month",
            "year",
            "2026-01-31",
            "-7d",
            "-2w",
            "-3h",
        ] {
            assert!(since_operand(ok).is_ok(), "{ok}");
        }
        for bad in ["yesterday", "7d", "-d", "2026-13-01", "-7x"] {
            assert!(since_operand(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn multi_values_split_into_in_and_not_in() {
        let q = multi("status", &["Open".into(), "In Progress".into(), "~Done".into()])
            .unwrap()
            .to_jql()
            .unwrap();
        assert_eq!(q, r#"status IN ("Open", "In Progress") AND status != "Done""#);
    }

    #[test]
    fn jira_positions_are_read_from_the_message() {
        assert_eq!(
            position("Error in the JQL Query: Expecting operator but got 'x'. (line 1, character 9)"),
            Some((1, 9))
        );
        assert_eq!(position("no position"), None);
    }

    #[test]
    fn custom_values_take_the_shape_of_their_field() {
        let schema = |kind: &str, items: Option<&str>| jirakit::model::FieldSchema {
            kind: kind.into(),
            items: items.map(Into::into),
            custom: None,
            extra: Default::default(),
        };
        assert_eq!(
            shape_value(Some(&schema("number", None)), "5").unwrap(),
            json!(5.0)
        );
        assert!(shape_value(Some(&schema("number", None)), "five").is_err());
        assert_eq!(
            shape_value(Some(&schema("option", None)), "High").unwrap(),
            json!({"value": "High"})
        );
        assert_eq!(
            shape_value(Some(&schema("array", Some("option"))), "a, b").unwrap(),
            json!([{"value": "a"}, {"value": "b"}])
        );
        assert_eq!(
            shape_value(Some(&schema("option-with-child", None)), "EU > Paris").unwrap(),
            json!({"value": "EU", "child": {"value": "Paris"}})
        );
        assert_eq!(shape_value(None, "{\"x\":1}").unwrap(), json!({"x": 1}));
    }
}
