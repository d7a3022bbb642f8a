//! Moves every overdue, unfinished issue of a project to a status given by name. A workflow
//! without such a transition is reported per issue, clearly, and the rest carry on.
//!
//! ```sh
//! JIRA_BASE_URL=... JIRA_EMAIL=... JIRA_API_TOKEN=... \
//!   cargo run -p jirakit --example transition_overdue -- PROJ "In Progress"
//! ```

use futures_util::TryStreamExt;
use jirakit::{Auth, Client};
use jirakit_jql::{call, Jql};

#[derive(Debug, Default)]
pub struct Report {
    pub moved: Vec<String>,
    /// Issue key and why it was not moved.
    pub failed: Vec<(String, String)>,
}

pub async fn run(jira: &Client, project: &str, status: &str) -> anyhow::Result<Report> {
    let q = Jql::field("project")
        .eq(project)
        .and(Jql::field("duedate").lt(call("now")))
        .and(Jql::field("statusCategory").not_eq("Done"));
    // Collect keys first: moving issues while paging through the same query would shift pages.
    let keys: Vec<String> = jira
        .search_jql(&q)
        .fields(["status"])
        .into_stream()
        // Already there: nothing to do (and JQL would refuse a status name the site lacks).
        .try_filter(|i| {
            let there = i
                .fields
                .status
                .as_ref()
                .is_some_and(|s| s.name.eq_ignore_ascii_case(status));
            std::future::ready(!there)
        })
        .map_ok(|i| i.key_or_id().to_owned())
        .try_collect()
        .await?;
    let mut report = Report::default();
    for key in keys {
        match jira.issues().transition(&key).to(status).send().await {
            Ok(_) => report.moved.push(key),
            Err(e @ jirakit::Error::NoTransition { .. }) => report.failed.push((key, e.to_string())),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [project, status] = args.as_slice() else {
        anyhow::bail!("usage: transition_overdue PROJECT STATUS");
    };
    let report = run(&client_from_env()?, project, status).await?;
    for k in &report.moved {
        println!("moved\t{k}");
    }
    for (k, why) in &report.failed {
        eprintln!("skipped\t{k}\t{why}");
    }
    Ok(())
}
