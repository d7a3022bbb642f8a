//! A local, persistent, Jira-compatible server: the ground jirakit and its users test on.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use jirakit_sandbox::{Config, Seed};
//! let config = Config { seed: Seed::Demo, ..Config::default() };
//! let sandbox = jirakit_sandbox::spawn(config).await?;
//! println!("Jira at {} (token {})", sandbox.url(), sandbox.config().api_token);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! `router(state)` is the whole HTTP surface; `serve` runs it on a listener until shutdown.
//! State lives in SQLite (a file under `--data`, or memory); the clock is the sandbox's own.

mod agile;
mod api;
pub mod clock;
mod connect;
mod control;
mod db;
pub mod error;
mod extract;
mod faults;
mod fields;
mod jql_api;
mod jql_eval;
mod jql_time;
mod limits;
mod meta;
mod oauth;
mod render;
mod search;
mod seed;
mod server;
mod store;
mod tls;
mod webhooks;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

pub use crate::clock::Clock;
pub use crate::seed::Seed;
pub use crate::server::{router, serve, spawn, RunningSandbox};

/// Cloud (REST v2 and v3, email + API token) or Data Center (REST v2, username + password, PAT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Cloud,
    DataCenter,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Cloud => "cloud",
            Mode::DataCenter => "datacenter",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "cloud" => Ok(Mode::Cloud),
            "datacenter" | "data-center" | "dc" | "server" => Ok(Mode::DataCenter),
            other => Err(format!("unknown mode '{other}': expected cloud or datacenter")),
        }
    }
}

/// How a sandbox starts. The credentials are the seeded admin's.
#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// A directory for the database and attachments; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    pub seed: Seed,
    pub mode: Mode,
    pub tls: bool,
    pub email: String,
    pub api_token: String,
    pub username: String,
    pub password: String,
    pub pat: String,
    /// Freeze the clock at this instant from the start.
    pub frozen_at: Option<jiff::Timestamp>,
    /// The largest attachment accepted, in bytes; larger uploads get a 413.
    pub attachment_max_bytes: u64,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("seed", &self.seed)
            .field("mode", &self.mode)
            .field("tls", &self.tls)
            .field("attachment_max_bytes", &self.attachment_max_bytes)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("api_token", &"[redacted]")
            .field("password", &"[redacted]")
            .field("pat", &"[redacted]")
            .finish()
    }
}

pub const DEFAULT_EMAIL: &str = "admin@example.com";
pub const DEFAULT_API_TOKEN: &str = "sandbox-admin-token";
pub const DEFAULT_USERNAME: &str = "admin";
pub const DEFAULT_PASSWORD: &str = "admin";
pub const DEFAULT_PAT: &str = "sandbox-admin-pat";

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: None,
            seed: Seed::Empty,
            mode: Mode::Cloud,
            tls: false,
            email: DEFAULT_EMAIL.into(),
            api_token: DEFAULT_API_TOKEN.into(),
            username: DEFAULT_USERNAME.into(),
            password: DEFAULT_PASSWORD.into(),
            pat: DEFAULT_PAT.into(),
            frozen_at: None,
            attachment_max_bytes: api::attachments::DEFAULT_MAX_BYTES,
        }
    }
}

impl Config {
    /// Whether any of the admin's credentials is still the published default.
    pub fn uses_default_credentials(&self) -> bool {
        self.api_token == DEFAULT_API_TOKEN || self.password == DEFAULT_PASSWORD || self.pat == DEFAULT_PAT
    }
}

/// The database connection with its cached site configuration.
pub(crate) struct Db {
    pub conn: rusqlite::Connection,
    pub meta: meta::Meta,
}

pub(crate) struct Inner {
    pub db: Mutex<Db>,
    pub clock: Clock,
    pub config: Config,
    pub base_url: Mutex<String>,
    pub requests: Mutex<control::RequestLog>,
    pub faults: faults::Faults,
    pub limits: limits::Limits,
    pub webhooks: webhooks::Webhooks,
    pub files: api::attachments::Files,
}

/// Shared state of one sandbox: cheap to clone.
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

impl AppState {
    /// Opens (or creates) the store and seeds it when it is new.
    pub fn open(config: Config) -> Result<AppState, String> {
        let path = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Some(dir.join("sandbox.db"))
            }
            None => None,
        };
        let conn = db::open(path.as_deref()).map_err(|e| format!("cannot open the database: {e}"))?;
        let clock = match config.frozen_at {
            Some(t) => Clock::frozen(t),
            None => Clock::default(),
        };
        let mut db = Db {
            conn,
            meta: meta::Meta::default(),
        };
        let seeded: Option<String> = db
            .conn
            .query_row("SELECT value FROM kv WHERE key = 'seed'", [], |r| r.get(0))
            .ok();
        if seeded.is_none() {
            seed::reset(&mut db, &config, &clock, &config.seed)
                .map_err(|e| format!("seeding failed: {e:?}"))?;
        } else {
            seed::apply_credentials(&db.conn, &config)
                .map_err(|e| format!("cannot update credentials: {e}"))?;
        }
        db.meta = meta::Meta::load(&db.conn).map_err(|e| format!("cannot load the site: {e}"))?;
        let files = api::attachments::Files::open(&config)?;
        Ok(AppState(Arc::new(Inner {
            files,
            db: Mutex::new(db),
            clock,
            config,
            base_url: Mutex::new(String::new()),
            requests: Mutex::new(control::RequestLog::default()),
            faults: faults::Faults::default(),
            limits: limits::Limits::default(),
            webhooks: webhooks::Webhooks::default(),
        })))
    }

    pub(crate) fn db(&self) -> MutexGuard<'_, Db> {
        self.0.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn mode(&self) -> Mode {
        self.0.config.mode
    }

    /// The URL clients reach the sandbox at; `self` links start with it.
    pub fn base_url(&self) -> String {
        self.0.base_url.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_base_url(&self, url: String) {
        *self.0.base_url.lock().unwrap_or_else(|e| e.into_inner()) = url;
    }
}
