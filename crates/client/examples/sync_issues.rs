//! Reads issues and maps their fields for another tool (tab-separated on stdout), custom fields
//! by name.
//!
//! ```sh
//! JIRA_BASE_URL=... JIRA_EMAIL=... JIRA_API_TOKEN=... \
//!   cargo run -p jirakit --example sync_issues -- "project = PROJ ORDER BY key"
//! ```

use futures_util::TryStreamExt;
use jirakit::{Auth, Client};

/// One issue as the other tool wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub key: String,
    pub summary: String,
    pub status: String,
    pub assignee: Option<String>,
    pub story_points: Option<f64>,
    pub updated: Option<String>,
}

/// Streams the matching issues (one page in memory at a time) into records.
pub async fn run(jira: &Client, jql: &str) -> anyhow::Result<Vec<Record>> {
    let points = jira.fields().resolve("Story Points").await.ok();
    let mut fields = vec!["summary", "status", "assignee", "updated"];
    if let Some(p) = &points {
        fields.push(p.as_str());
    }
    let stream = jira.search(jql).fields(fields).into_stream();
    let records = stream
        .map_ok(|issue| Record {
            key: issue.key_or_id().to_owned(),
            story_points: points
                .as_ref()
                .and_then(|p| issue.fields.get(p.as_str()))
                .and_then(|v| v.as_f64()),
            summary: issue.fields.summary.clone().unwrap_or_default(),
            status: issue
                .fields
                .status
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            assignee: issue
                .fields
                .assignee
                .as_ref()
                .and_then(|u| u.display_name.clone()),
            updated: issue.fields.updated.clone(),
        })
        .try_collect()
        .await?;
    Ok(records)
}

fn client_from_env() -> anyhow::Result<Client> {
    let base = std::env::var("JIRA_BASE_URL").map_err(|_| anyhow::anyhow!("set JIRA_BASE_URL"))?;
    let auth = match (
        std::env::var("JIRA_PAT"),
        std::env::var("JIRA_EMAIL"),
        std::env::var("JIRA_API_TOKEN"),
    ) {
        (Ok(pat), _, _) => Auth::bearer(pat),
        (_, Ok(email), Ok(token)) => Auth::basic(email, token),
        _ => anyhow::bail!("set JIRA_EMAIL and JIRA_API_TOKEN (Cloud) or JIRA_PAT (Data Center)"),
    };
    Ok(Client::builder(base).auth(auth).build()?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let jql = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "updated >= -7d ORDER BY key".into());
    let jira = client_from_env()?;
    for r in run(&jira, &jql).await? {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            r.key,
            r.status,
            r.assignee.unwrap_or_default(),
            r.story_points.map(|p| p.to_string()).unwrap_or_default(),
            r.summary
        );
    }
    Ok(())
}
