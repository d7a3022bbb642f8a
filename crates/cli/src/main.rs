//! `jk`: the jirakit command line. Thin: parse, call the client library, print.

mod agile;
mod api;
mod auth;
mod config;
mod exit;
mod issue;
mod jq;
mod misc;
mod oauth;
mod output;
mod sandbox;
mod secrets;

use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::output::Output;

#[derive(Parser)]
#[command(
    name = "jk",
    version,
    about = "jirakit: Jira from the command line, and a local Jira sandbox",
    after_help = "Exit codes: `jk help exit-codes`. Environment: JIRA_BASE_URL with JIRA_EMAIL + JIRA_API_TOKEN, or JIRA_PAT."
)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Print JSON with these comma-separated fields (`all` for every one); alone, list the fields.
    #[arg(long, global = true, value_name = "FIELDS", num_args = 0..=1, default_missing_value = "")]
    json: Option<String>,
    /// Filter the JSON output with a jq expression (built in).
    #[arg(long, global = true, value_name = "EXPR")]
    jq: Option<String>,
    /// Print lists as CSV.
    #[arg(long, global = true, conflicts_with = "json")]
    csv: bool,
    /// At most this many results.
    #[arg(long, short = 'L', global = true, default_value_t = 30)]
    limit: usize,
    /// Every result, past any page size.
    #[arg(long, global = true)]
    all: bool,
    /// The profile to use (see `jk auth status`).
    #[arg(long, global = true, env = "JK_PROFILE")]
    profile: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Log in to Jira sites and choose between them.
    Auth {
        #[command(subcommand)]
        command: auth::AuthCommand,
    },
    /// Work with issues.
    Issue {
        #[command(subcommand)]
        command: issue::IssueCommand,
    },
    /// Search issues with JQL.
    Search(issue::SearchArgs),
    /// Projects.
    Project {
        #[command(subcommand)]
        command: misc::ProjectCommand,
    },
    /// Boards (Jira Software).
    Board {
        #[command(subcommand)]
        command: agile::BoardCommand,
    },
    /// Sprints of a board, their issues, moving issues into one.
    Sprint {
        #[command(subcommand)]
        command: agile::SprintCommand,
    },
    /// Epics and the issues under them.
    Epic {
        #[command(subcommand)]
        command: agile::EpicCommand,
    },
    /// The user you are logged in as.
    Me,
    /// Print (or open in a browser with --web) the URL of an issue.
    Open(misc::OpenArgs),
    /// Any REST call, with auth and retries: `jk api GET /rest/api/3/myself`.
    Api(api::ApiArgs),
    /// Shell completion script: `jk completion bash > /etc/bash_completion.d/jk`.
    Completion { shell: clap_complete::Shell },
    /// The man page (roff) on stdout.
    Man,
    /// A local, persistent, Jira-compatible server.
    Sandbox {
        #[command(subcommand)]
        command: sandbox::SandboxCommand,
    },
    /// Start a sandbox seeded with the demo site and show how to point a client at it.
    Demo(sandbox::DemoArgs),
}

/// What every command gets.
pub struct Ctx {
    pub out: Output,
    pub limit: usize,
    pub all: bool,
    pub profile: Option<String>,
}

impl Ctx {
    /// The most results to fetch: `--all` means no bound.
    pub fn max(&self) -> usize {
        if self.all {
            usize::MAX
        } else {
            self.limit
        }
    }

    pub fn site(&self) -> anyhow::Result<config::Site> {
        config::resolve(self.profile.as_deref())
    }
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "help" && args[2] == "exit-codes" {
        print!("{}", exit::TABLE);
        return ExitCode::SUCCESS;
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // --help and --version are successes; every other parse failure is a usage error.
            return exit::exit(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let code = exit::code_for(&e);
            if e.downcast_ref::<exit::Reported>().is_none() {
                eprintln!("jk: {e:#}");
            }
            exit::exit(code)
        }
    }
}

/// What `--json` offers for a command: `Some(fields)`, empty for a command that prints no JSON
/// record; `None` where `--json` takes no fields (`api` prints Jira's answer as it is).
fn json_fields(cmd: &Command) -> Option<&'static [&'static str]> {
    use agile::{EpicCommand as E, SprintCommand as S};
    use auth::AuthCommand as A;
    use issue::IssueCommand as I;
    Some(match cmd {
        Command::Issue { command } => match command {
            I::List(_) => issue::ISSUE_FIELDS,
            I::View { .. } => issue::VIEW_FIELDS,
            I::Create(_) => issue::CREATED_FIELDS,
            I::Comment { .. } => issue::COMMENT_FIELDS,
            I::Clone { .. } => issue::CLONE_FIELDS,
            I::Attach { .. } => issue::ATTACH_FIELDS,
            _ => &[],
        },
        Command::Search(_) => issue::ISSUE_FIELDS,
        Command::Project { .. } => misc::PROJECT_FIELDS,
        Command::Me => misc::ME_FIELDS,
        Command::Board { .. } => agile::BOARD_FIELDS,
        Command::Sprint { command } => match command {
            S::List { .. } => agile::SPRINT_FIELDS,
            S::Issues { .. } => issue::ISSUE_FIELDS,
            S::Add { .. } => &[],
        },
        Command::Epic {
            command: E::List { .. },
        } => issue::ISSUE_FIELDS,
        Command::Auth { command: A::Status } => auth::STATUS_FIELDS,
        Command::Api(_) => return None,
        _ => &[],
    })
}

/// `--json` alone lists the command's fields (as `gh` does) and changes nothing: a usage error.
fn list_json_fields(cmd: &Command) -> Option<anyhow::Result<ExitCode>> {
    let fields = json_fields(cmd)?;
    if fields.is_empty() {
        return Some(Err(exit::usage(
            "this command prints no JSON fields; --json works with commands that print data",
        )));
    }
    let mut text = String::from("Specify one or more comma-separated fields for `--json`:\n");
    for f in fields {
        text.push_str("  ");
        text.push_str(f);
        text.push('\n');
    }
    text.push_str("or `--json all` for every field.\n");
    eprint!("{text}");
    Some(Ok(exit::exit(exit::USAGE)))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let g = cli.global;
    if g.json.as_deref() == Some("") {
        if let Some(listed) = list_json_fields(&cli.command) {
            return listed;
        }
    }
    let ctx = Ctx {
        out: Output::new(g.json, g.jq, g.csv),
        limit: g.limit,
        all: g.all,
        profile: g.profile,
    };
    match cli.command {
        Command::Sandbox { command } => multi_thread()?.block_on(sandbox::run(command)),
        Command::Demo(args) => multi_thread()?.block_on(sandbox::demo(args)),
        Command::Completion { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "jk", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Auth { command } => current_thread()?.block_on(auth::run(&ctx, command)),
        Command::Issue { command } => current_thread()?.block_on(issue::run(&ctx, command)),
        Command::Search(args) => current_thread()?.block_on(issue::search(&ctx, args)),
        Command::Project { command } => current_thread()?.block_on(misc::project(&ctx, command)),
        Command::Board { command } => current_thread()?.block_on(agile::board(&ctx, command)),
        Command::Sprint { command } => current_thread()?.block_on(agile::sprint(&ctx, command)),
        Command::Epic { command } => current_thread()?.block_on(agile::epic(&ctx, command)),
        Command::Me => current_thread()?.block_on(misc::me(&ctx)),
        Command::Open(args) => misc::open(&ctx, args),
        Command::Api(args) => current_thread()?.block_on(api::run(&ctx, args)),
    }
}

fn multi_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

/// One request at a time needs no thread pool; it also starts faster.
fn current_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JK_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_json_lists_the_fields_of_the_command_it_is_given() {
        let cli = Cli::try_parse_from(["jk", "issue", "view", "A-1", "--json"]).unwrap();
        assert_eq!(cli.global.json.as_deref(), Some(""));
        assert_eq!(json_fields(&cli.command), Some(issue::VIEW_FIELDS));
        let cli = Cli::try_parse_from(["jk", "issue", "move", "A-1", "Done", "--json"]).unwrap();
        assert_eq!(json_fields(&cli.command), Some(&[][..]));
        let cli = Cli::try_parse_from(["jk", "api", "GET", "/x", "--json"]).unwrap();
        assert_eq!(json_fields(&cli.command), None);
    }
}
