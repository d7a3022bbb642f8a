//! An app reports a bug, exactly once even if the network fails mid-create.
//!
//! ```sh
//! JIRA_BASE_URL=https://your-site.atlassian.net JIRA_EMAIL=me@example.com JIRA_API_TOKEN=... \
//!   cargo run -p jirakit --example create_ticket -- PROJ "Checkout crashes" crash-8412
//! ```
//! (Data Center: `JIRA_PAT=...` instead of the email and token.)

use jirakit::model::CreatedIssue;
use jirakit::{Auth, Client};
use jirakit_adf::Doc;

/// Files a bug in `project` under an idempotency key, so a rerun finds the same ticket.
pub async fn run(
    jira: &Client,
    project: &str,
    summary: &str,
    details: &str,
    key: &str,
) -> anyhow::Result<CreatedIssue> {
    let body = Doc::from_markdown(&format!("Reported automatically.\n\n{details}"));
    Ok(jira
        .issues()
        .create(project, "Bug", summary)
        .description(body)
        .labels(["auto-reported"])
        .idempotency_key(key)
        .check_first()
        .send()
        .await?)
}

pub fn client_from_env() -> anyhow::Result<Client> {
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
    let [project, summary, key] = args.as_slice() else {
        anyhow::bail!("usage: create_ticket PROJECT SUMMARY IDEMPOTENCY_KEY");
    };
    let jira = client_from_env()?;
    let created = run(
        &jira,
        project,
        summary,
        "Filed by the create_ticket example.",
        key,
    )
    .await?;
    println!("{}", created.key);
    Ok(())
}
