//! `jk`: the jirakit command line. For now: `jk sandbox serve` and `jk demo`.

mod sandbox;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "jk",
    version,
    about = "jirakit: Jira from the command line, and a local Jira sandbox"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A local, persistent, Jira-compatible server.
    Sandbox {
        #[command(subcommand)]
        command: sandbox::SandboxCommand,
    },
    /// Start a sandbox seeded with the demo site and show how to point a client at it.
    Demo(sandbox::DemoArgs),
    /// Help topics that are not commands.
    #[command(name = "help-topic", hide = true)]
    HelpTopic { topic: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jk: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Command::Sandbox { command } => rt.block_on(sandbox::run(command)),
        Command::Demo(args) => rt.block_on(sandbox::demo(args)),
        Command::HelpTopic { topic } => {
            eprintln!("jk: no help topic '{topic}'");
            Ok(ExitCode::from(2))
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JK_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
