//! jirakit: an async, typed client for Jira Cloud and Data Center.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use jirakit::{Auth, Client};
//! use jirakit_adf::Doc;
//!
//! # async fn run() -> Result<(), jirakit::Error> {
//! let jira = Client::builder("https://your-site.atlassian.net")
//!     .auth(Auth::basic("me@example.com", std::env::var("JIRA_API_TOKEN").unwrap_or_default()))
//!     .build()?;
//!
//! // Cloud or Data Center is read from serverInfo; v3 + search/jql or v2 + search follow.
//! let created = jira
//!     .issues()
//!     .create("PROJ", "Bug", "The export button does nothing")
//!     .description(Doc::paragraph("Clicking Export shows no dialog."))
//!     .field("Story Points", serde_json::json!(3)) // resolved to customfield_NNNNN
//!     .send()
//!     .await?;
//! jira.issues().transition(created.key.as_str()).to_status("In Progress").send().await?;
//!
//! let mut issues = Box::pin(jira.search("project = PROJ AND status != Done").into_stream());
//! while let Some(issue) = issues.try_next().await? {
//!     println!("{} {}", issue.key_or_id(), issue.fields.summary.as_deref().unwrap_or(""));
//! }
//! # Ok(()) }
//! ```
//!
//! # What every request gets
//!
//! - **Auth**: [`Auth::basic`] (Cloud email + API token, DC user + password), [`Auth::bearer`]
//!   (DC personal access token), or [`Auth::provider`] for expiring tokens: refreshed ahead of
//!   expiry, one refresh shared by all concurrent callers, one forced refresh on a 401, each new
//!   token handed to a [`TokenStore`] before it is used; [`OAuthApp`] drives OAuth 2.0 (3LO) on
//!   top of it (authorization URL, code exchange, rotating refresh tokens, cloud id discovery,
//!   `/ex/jira/{cloudId}` routing, see [`oauth`]); [`Auth::connect`] signs each request with a
//!   Connect JWT (HS256, `qsh`, see [`jwt`]). Secrets are `SecretString`s and never
//!   appear in `Debug`, errors or traces.
//! - **Retries** decided by one pure function, [`retry::decide`] (Atlassian's recipe).
//!   A POST is not retried after an ambiguous failure.
//! - **Pacing** by a limiter shared across clones (requests per host, writes per issue; a 429
//!   pauses every request to that host for its `Retry-After`).
//! - **Errors** with predicates ([`Error::status`], [`Error::is_retryable`], ...), Jira's
//!   messages, `X-ARequestId` and the rate-limit headers; decoding errors name the JSON path.
//! - A `jira.request` tracing span (method, path, status, attempt, duration, request id).
//!
//! # Reading many issues
//!
//! [`Client::search`]`(jql).into_stream()` yields every matching issue while holding a few pages
//! at most: a task fetches the next page while the caller decodes the current one. With
//! `.concurrency(n)` it keeps `n` requests in flight (on Cloud: the ids first, then the issues
//! 100 at a time from `issue/bulkfetch`; on Data Center: offset pages side by side), in the
//! search's order. A [`Pager`] gives the pages and a [`Cursor`] to save and resume from.
//!
//! # Creating without duplicates
//!
//! See [`idempotent`].

pub mod agile;
mod attachments;
mod auth;
pub mod bulk;
mod client;
mod error;
pub mod fieldcodec;
mod fields;
pub mod idempotent;
mod issues;
pub mod jwt;
pub mod limit;
mod links;
mod meta;
pub mod oauth;
pub mod page;
mod paging_fields;
mod raw;
mod resources;
pub mod retry;
mod search;
mod watchers;
pub mod webhooks;
mod worklogs;

pub use attachments::{Attachment, Attachments};
pub use auth::{Auth, Token, TokenProvider, TokenSource, TokenStore};
pub use client::{Client, ClientBuilder, Deployment, DeploymentKind, Response};
pub use error::{ApiError, Error, RateLimit};
pub use fieldcodec::{FieldKind, FieldVal};
pub use fields::{FieldCatalog, Fields};
pub use issues::{CreateIssue, EditIssue, FieldValue, GetIssue, Issues, TransitionIssue};
pub use jirakit_model as model;
pub use jwt::ConnectApp;
pub use links::{IssueLink, IssueLinkType, Links, RemoteLink, RemoteLinkSaved, RemoteObject};
pub use meta::FieldMeta;
pub use oauth::{AccessibleResource, OAuthApp};
pub use page::{Cursor, Page, PageStyle, Pager};
pub use raw::RawRequest;
pub use reqwest::Method;
pub use resources::{Projects, Users};
pub use search::Search;
pub use secrecy::SecretString;
pub use watchers::Watchers;
pub use worklogs::{NewWorklog, Worklog};

/// The version of this crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
