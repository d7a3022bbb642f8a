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
mod fts;
mod generation;
mod jql_api;
mod jql_eval;
mod jql_sql;
mod jql_time;
mod limits;
mod meta;
mod oauth;
mod render;
mod search;
mod search_cursor;
mod seed;
mod server;
mod store;
mod tls;
mod webhooks;
mod write_json;

use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

pub use crate::clock::Clock;
pub use crate::seed::{scale_word, Seed};
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

/// A database connection with the cached site configuration it goes with.
pub(crate) struct Db {
    pub conn: rusqlite::Connection,
    pub meta: Arc<meta::Meta>,
}

/// Read-only connections for requests that only read, used outside the writer's lock, and the
/// site configuration as of the writer's last commit.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    meta: RwLock<Arc<meta::Meta>>,
    /// How many writer guards changed the database or the configuration so far, bumped only once
    /// the change is visible to readers: what was rendered at one generation holds until the
    /// next (the issue cache).
    generation: AtomicU64,
}

/// At most this many idle readers are kept; more may be open for a moment under load.
const IDLE_READERS: usize = 8;

pub(crate) struct Inner {
    pub db: Mutex<Db>,
    pub readers: Readers,
    pub clock: Clock,
    pub config: Config,
    pub base_url: Mutex<String>,
    pub requests: Mutex<control::RequestLog>,
    pub faults: faults::Faults,
    pub limits: limits::Limits,
    pub webhooks: webhooks::Webhooks,
    pub files: api::attachments::Files,
    pub issue_cache: api::IssueCache,
    pub ref_cache: api::related::RefCache,
    pub user_cache: render::UserCache,
    pub search_cursors: search_cursor::Cursors,
    /// Last, so that the connections above close before a temporary database is removed.
    _location: db::Location,
}

/// Shared state of one sandbox: cheap to clone.
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

impl AppState {
    /// Opens (or creates) the store and seeds it when it is new.
    pub fn open(config: Config) -> Result<AppState, String> {
        let location = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                db::Location::File(dir.join("sandbox.db"))
            }
            None => db::Location::Temp(
                db::TempDb::new().map_err(|e| format!("cannot create a temporary database: {e}"))?,
            ),
        };
        let conn = db::open(&location).map_err(|e| format!("cannot open the database: {e}"))?;
        let clock = match config.frozen_at {
            Some(t) => Clock::frozen(t),
            None => Clock::default(),
        };
        let mut db = Db {
            conn,
            meta: Arc::default(),
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
        db.meta = Arc::new(meta::Meta::load(&db.conn).map_err(|e| format!("cannot load the site: {e}"))?);
        let files = api::attachments::Files::open(&config, &location)?;
        let readers = Readers {
            path: location.path().to_path_buf(),
            idle: Mutex::new(Vec::new()),
            meta: RwLock::new(db.meta.clone()),
            generation: AtomicU64::new(0),
        };
        Ok(AppState(Arc::new(Inner {
            files,
            db: Mutex::new(db),
            readers,
            clock,
            config,
            base_url: Mutex::new(String::new()),
            requests: Mutex::new(control::RequestLog::default()),
            faults: faults::Faults::default(),
            limits: limits::Limits::default(),
            webhooks: webhooks::Webhooks::default(),
            issue_cache: api::IssueCache::default(),
            ref_cache: api::related::RefCache::default(),
            user_cache: render::UserCache::default(),
            search_cursors: search_cursor::Cursors::default(),
            _location: location,
        })))
    }

    /// The writer's connection, under the one lock that orders writes. When the guard goes, a
    /// changed site configuration is published to readers (before the response is sent, so a
    /// read after a successful write sees it).
    pub(crate) fn db(&self) -> DbGuard<'_> {
        let guard = self.0.db.lock().unwrap_or_else(|e| e.into_inner());
        // A transaction left open by an earlier guard may commit under this one.
        let changes = match guard.conn.is_autocommit() {
            true => Some(guard.conn.total_changes()),
            false => None,
        };
        DbGuard {
            guard,
            readers: &self.0.readers,
            issue_cache: &self.0.issue_cache,
            ref_cache: &self.0.ref_cache,
            user_cache: &self.0.user_cache,
            changes,
        }
    }

    /// The write generation (see `Readers::generation`). Read it before reading anything that
    /// is to be kept for as long as the generation stays the same.
    pub(crate) fn generation(&self) -> u64 {
        self.0.readers.generation.load(Ordering::SeqCst)
    }

    /// The cache of parent and subtask references, at `generation` (read before the reads it
    /// is used with).
    pub(crate) fn refs(&self, generation: u64) -> api::related::Cached<'_> {
        api::related::Cached {
            cache: &self.0.ref_cache,
            generation,
        }
    }

    /// The cache of users written out, at `generation` (read before the reads it is used with).
    pub(crate) fn users(&self, generation: u64) -> render::Users<'_> {
        render::Users {
            cache: &self.0.user_cache,
            generation,
        }
    }

    /// A read-only connection from the pool with the site configuration of the last commit: for
    /// requests that only read. It never waits for the writer; it sees every committed write.
    pub(crate) fn read(&self) -> Result<ReadGuard<'_>, rusqlite::Error> {
        let readers = &self.0.readers;
        let meta = self.meta();
        let pooled = readers.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => db::open_reader(&readers.path)?,
        };
        Ok(ReadGuard {
            db: Some(Db { conn, meta }),
            readers,
        })
    }

    /// The site configuration (users, projects, statuses...) as of the last commit.
    pub(crate) fn meta(&self) -> Arc<meta::Meta> {
        self.0
            .readers
            .meta
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
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

/// The writer's connection; see [`AppState::db`].
pub(crate) struct DbGuard<'a> {
    guard: MutexGuard<'a, Db>,
    readers: &'a Readers,
    issue_cache: &'a api::IssueCache,
    ref_cache: &'a api::related::RefCache,
    user_cache: &'a render::UserCache,
    /// The connection's count of changed rows when the guard was taken, `None` when it was taken
    /// inside an open transaction.
    changes: Option<u64>,
}

impl Deref for DbGuard<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.guard
    }
}

impl DerefMut for DbGuard<'_> {
    fn deref_mut(&mut self) -> &mut Db {
        &mut self.guard
    }
}

impl Drop for DbGuard<'_> {
    fn drop(&mut self) {
        let mut published = self.readers.meta.write().unwrap_or_else(|e| e.into_inner());
        let new_meta = !Arc::ptr_eq(&published, &self.guard.meta);
        if new_meta {
            *published = self.guard.meta.clone();
        }
        drop(published);
        // Every row a statement inserted, updated or deleted counts (rolled-back ones too: a
        // needless bump costs only cache hits). Whatever committed is visible by now.
        if new_meta || self.changes != Some(self.guard.conn.total_changes()) {
            let generation = self.readers.generation.fetch_add(1, Ordering::SeqCst) + 1;
            self.issue_cache.advance(generation);
            self.ref_cache.advance(generation);
            self.user_cache.advance(generation);
        }
    }
}

/// A pooled read-only connection; see [`AppState::read`].
pub(crate) struct ReadGuard<'a> {
    db: Option<Db>,
    readers: &'a Readers,
}

impl Deref for ReadGuard<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
            .as_ref()
            .expect("a read guard holds its connection until dropped")
    }
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            let mut idle = self.readers.idle.lock().unwrap_or_else(|e| e.into_inner());
            // A connection left inside a transaction (a panic mid-read) is not reused.
            if idle.len() < IDLE_READERS && db.conn.is_autocommit() {
                idle.push(db.conn);
            }
        }
    }
}
