//! `client.agile()`: Jira Software's `/rest/agile/1.0` — boards and their configuration, sprints
//! with their state changes, the backlog, rank and epics.
//!
//! Lists page like the rest of the client ([`Pager`]): agile lists answer `values` with
//! `startAt`/`isLast`, issue lists answer `issues` with `startAt`/`total`.
//!
//! Jira moves and ranks at most 50 issues per request; the methods here take any number and send
//! them in chunks of [`MAX_ISSUES_PER_REQUEST`], in order. The chunks are separate requests: if one
//! fails, the earlier ones have been applied and the error says which request failed.
//!
//! Nothing about sprint states is checked here: [`Agile::start_sprint`] on a sprint without dates
//! is refused by Jira with a 400 whose messages the error carries ([`Error::is_rejected`]).
//!
//! ```no_run
//! use jirakit::agile::{SprintChanges, SprintState};
//!
//! # async fn run(jira: jirakit::Client) -> Result<(), jirakit::Error> {
//! let agile = jira.agile();
//! let mut boards = agile.boards().project("SHOP").kind("scrum").pager();
//! let first = boards.next_page().await?.and_then(|page| page.items.into_iter().next());
//! if let Some(board) = first {
//!     let sprint = agile.create_sprint(board.id, "Sprint 7").goal("Checkout v2").send().await?;
//!     agile.move_to_sprint(sprint.id, &["SHOP-1", "SHOP-2"]).await?;
//!     agile
//!         .update_sprint(sprint.id, &SprintChanges {
//!             state: Some(SprintState::Active),
//!             start_date: Some("2026-01-05T09:00:00.000Z".into()),
//!             end_date: Some("2026-01-19T09:00:00.000Z".into()),
//!             ..SprintChanges::default()
//!         })
//!         .await?;
//! }
//! # Ok(()) }
//! ```

use jirakit_model::{open_enum, Issue};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::{Client, Req};
use crate::issues::seg;
use crate::page::{PageStyle, Pager};
use crate::Error;

/// Jira refuses more issues than this in one move or rank request.
pub const MAX_ISSUES_PER_REQUEST: usize = 50;

const ROOT: &str = "/rest/agile/1.0";

open_enum!(
    /// A board's `type`.
    BoardType { Scrum = "scrum", Kanban = "kanban", Simple = "simple" }
);

open_enum!(
    /// A sprint's `state`: future → active → closed.
    SprintState { Future = "future", Active = "active", Closed = "closed" }
);

/// A board, as `GET /board/{id}` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub id: u64,
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<BoardType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<BoardLocation>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where a board lives (a project, or a user on Data Center).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardLocation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /board/{id}/configuration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardConfiguration {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<BoardType>,
    /// `{id, self}` of the saved filter the board shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_config: Option<ColumnConfig>,
    /// `{type, field: {fieldId, displayName}}` on scrum boards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimation: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<Ranking>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnConfig {
    #[serde(default)]
    pub columns: Vec<BoardColumn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_type: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A board column and the statuses mapped to it (`{id, self}` each).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardColumn {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub statuses: Vec<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ranking {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_custom_field_id: Option<u64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A sprint. Dates are Jira's ISO 8601 strings, kept as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sprint {
    pub id: u64,
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    pub state: SprintState,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_board_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The fields of a sprint update. `None` leaves a field out of the request: for a partial update
/// ([`Agile::update_sprint`]) that keeps it, for a full one ([`Agile::replace_sprint`]) Jira
/// clears it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SprintChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<SprintState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
}

/// An epic, as the agile epic endpoints return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Epic {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default)]
    pub done: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One issue Jira could not rank, from a 207 answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RankEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `client.agile()`.
pub struct Agile {
    client: Client,
}

impl Client {
    /// Jira Software: boards, sprints, backlog, rank, epics.
    pub fn agile(&self) -> Agile {
        Agile { client: self.clone() }
    }
}

fn path(rest: &str) -> String {
    format!("{ROOT}{rest}")
}

impl Agile {
    // -- boards

    /// `GET /board`, with optional filters, paged.
    pub fn boards(&self) -> ListBoards {
        ListBoards {
            client: self.client.clone(),
            project: None,
            kinds: Vec::new(),
            name: None,
        }
    }

    /// `GET /board/{id}`.
    pub async fn board(&self, id: u64) -> Result<Board, Error> {
        self.get(&format!("/board/{id}")).await
    }

    /// `POST /board`: a board showing the saved filter `filter_id`.
    pub fn create_board(
        &self,
        name: impl Into<String>,
        kind: impl Into<BoardType>,
        filter_id: u64,
    ) -> CreateBoard {
        CreateBoard {
            client: self.client.clone(),
            name: name.into(),
            kind: kind.into(),
            filter_id,
            project: None,
        }
    }

    /// `DELETE /board/{id}`.
    pub async fn delete_board(&self, id: u64) -> Result<(), Error> {
        self.send(Method::DELETE, &format!("/board/{id}"), None)
            .await
            .map(drop)
    }

    /// `GET /board/{id}/configuration`: columns and their statuses, estimation and rank fields.
    pub async fn board_configuration(&self, id: u64) -> Result<BoardConfiguration, Error> {
        self.get(&format!("/board/{id}/configuration")).await
    }

    /// `GET /board/{id}/issue`: the board's issues, narrowed by an optional extra `jql`.
    pub fn board_issues(&self, board_id: u64) -> IssueList {
        IssueList::new(&self.client, path(&format!("/board/{board_id}/issue")))
    }

    /// `GET /board/{id}/backlog`: issues of the board in no open sprint and not done.
    pub fn backlog(&self, board_id: u64) -> IssueList {
        IssueList::new(&self.client, path(&format!("/board/{board_id}/backlog")))
    }

    /// `GET /board/{id}/epic`, paged.
    pub fn board_epics(&self, board_id: u64) -> Pager<Epic> {
        self.values(path(&format!("/board/{board_id}/epic")))
    }

    // -- sprints

    /// `GET /board/{id}/sprint`, optionally by state, paged.
    pub fn sprints(&self, board_id: u64) -> ListSprints {
        ListSprints {
            client: self.client.clone(),
            board_id,
            states: Vec::new(),
        }
    }

    /// `GET /sprint/{id}`.
    pub async fn sprint(&self, id: u64) -> Result<Sprint, Error> {
        self.get(&format!("/sprint/{id}")).await
    }

    /// `POST /sprint`: a future sprint on a scrum board.
    pub fn create_sprint(&self, board_id: u64, name: impl Into<String>) -> CreateSprint {
        CreateSprint {
            client: self.client.clone(),
            body: CreateSprintBody {
                name: name.into(),
                origin_board_id: board_id,
                start_date: None,
                end_date: None,
                goal: None,
            },
        }
    }

    /// `POST /sprint/{id}`: a partial update; fields left `None` keep their value.
    pub async fn update_sprint(&self, id: u64, changes: &SprintChanges) -> Result<Sprint, Error> {
        self.send_json(Method::POST, &format!("/sprint/{id}"), changes)
            .await
    }

    /// `PUT /sprint/{id}`: a full update; fields left `None` are cleared by Jira.
    pub async fn replace_sprint(&self, id: u64, changes: &SprintChanges) -> Result<Sprint, Error> {
        self.send_json(Method::PUT, &format!("/sprint/{id}"), changes)
            .await
    }

    /// Starts a future sprint (`state: active`). Jira requires start and end dates: set them with
    /// [`Agile::update_sprint`] first, or its 400 comes back as the error.
    pub async fn start_sprint(&self, id: u64) -> Result<Sprint, Error> {
        self.update_sprint(
            id,
            &SprintChanges {
                state: Some(SprintState::Active),
                ..SprintChanges::default()
            },
        )
        .await
    }

    /// Closes an active sprint (`state: closed`); Jira sends its unfinished issues to the backlog.
    pub async fn close_sprint(&self, id: u64) -> Result<Sprint, Error> {
        self.update_sprint(
            id,
            &SprintChanges {
                state: Some(SprintState::Closed),
                ..SprintChanges::default()
            },
        )
        .await
    }

    /// `DELETE /sprint/{id}`; its open issues go to the backlog.
    pub async fn delete_sprint(&self, id: u64) -> Result<(), Error> {
        self.send(Method::DELETE, &format!("/sprint/{id}"), None)
            .await
            .map(drop)
    }

    /// `GET /sprint/{id}/issue`, in rank order.
    pub fn sprint_issues(&self, sprint_id: u64) -> IssueList {
        IssueList::new(&self.client, path(&format!("/sprint/{sprint_id}/issue")))
    }

    /// `POST /sprint/{id}/issue`, 50 issues per request.
    pub async fn move_to_sprint<S: AsRef<str>>(&self, sprint_id: u64, issues: &[S]) -> Result<(), Error> {
        self.move_in_chunks(&format!("/sprint/{sprint_id}/issue"), issues)
            .await
    }

    /// `POST /backlog/issue`: out of their sprints, 50 issues per request.
    pub async fn move_to_backlog<S: AsRef<str>>(&self, issues: &[S]) -> Result<(), Error> {
        self.move_in_chunks("/backlog/issue", issues).await
    }

    // -- rank

    /// `PUT /issue/rank`: ranks `issues`, in the order given, just before `anchor`. More than 50
    /// go in several requests, each after the last issue of the one before, so the order holds.
    /// Returns the issues Jira could not rank (a 207 answer); empty when all moved.
    pub async fn rank_before<S: AsRef<str>>(
        &self,
        issues: &[S],
        anchor: &str,
    ) -> Result<Vec<RankEntry>, Error> {
        self.rank(issues, anchor, true).await
    }

    /// `PUT /issue/rank`: ranks `issues`, in the order given, just after `anchor`.
    pub async fn rank_after<S: AsRef<str>>(
        &self,
        issues: &[S],
        anchor: &str,
    ) -> Result<Vec<RankEntry>, Error> {
        self.rank(issues, anchor, false).await
    }

    async fn rank<S: AsRef<str>>(
        &self,
        issues: &[S],
        anchor: &str,
        before: bool,
    ) -> Result<Vec<RankEntry>, Error> {
        let mut failed = Vec::new();
        let mut anchor = anchor.to_owned();
        let mut before = before;
        for chunk in issues.chunks(MAX_ISSUES_PER_REQUEST) {
            let keys: Vec<&str> = chunk.iter().map(AsRef::as_ref).collect();
            let side = if before {
                "rankBeforeIssue"
            } else {
                "rankAfterIssue"
            };
            let body = json!({ "issues": keys, side: anchor });
            let resp = self.send(Method::PUT, "/issue/rank", Some(&body)).await?;
            if resp.status == 207 {
                #[derive(Deserialize)]
                struct Multi {
                    #[serde(default)]
                    entries: Vec<RankEntry>,
                }
                let m: Multi = resp.json()?;
                failed.extend(m.entries.into_iter().filter(|e| !e.errors.is_empty()));
            }
            // The next chunk goes right after this one.
            if let Some(last) = keys.last() {
                anchor = (*last).to_owned();
                before = false;
            }
        }
        Ok(failed)
    }

    // -- epics

    /// `GET /epic/{key}`.
    pub async fn epic(&self, key: &str) -> Result<Epic, Error> {
        self.get(&format!("/epic/{}", seg(key))).await
    }

    /// `GET /epic/{key}/issue`: the issues in an epic.
    pub fn epic_issues(&self, epic: &str) -> IssueList {
        IssueList::new(&self.client, path(&format!("/epic/{}/issue", seg(epic))))
    }

    /// `GET /epic/none/issue`: issues in no epic.
    pub fn issues_without_epic(&self) -> IssueList {
        IssueList::new(&self.client, path("/epic/none/issue"))
    }

    /// `POST /epic/{key}/issue`, 50 issues per request.
    pub async fn move_to_epic<S: AsRef<str>>(&self, epic: &str, issues: &[S]) -> Result<(), Error> {
        self.move_in_chunks(&format!("/epic/{}/issue", seg(epic)), issues)
            .await
    }

    /// `POST /epic/none/issue`: takes issues out of their epic, 50 per request.
    pub async fn remove_from_epic<S: AsRef<str>>(&self, issues: &[S]) -> Result<(), Error> {
        self.move_in_chunks("/epic/none/issue", issues).await
    }

    // -- plumbing

    async fn move_in_chunks<S: AsRef<str>>(&self, rest: &str, issues: &[S]) -> Result<(), Error> {
        for chunk in issues.chunks(MAX_ISSUES_PER_REQUEST) {
            let keys: Vec<&str> = chunk.iter().map(AsRef::as_ref).collect();
            self.send(Method::POST, rest, Some(&json!({ "issues": keys })))
                .await?;
        }
        Ok(())
    }

    fn values<T: serde::de::DeserializeOwned + Send + 'static>(&self, path: String) -> Pager<T> {
        Pager::new(
            self.client.clone(),
            Req::new(Method::GET, path),
            None,
            PageStyle::Offset,
            "values",
        )
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, rest: &str) -> Result<T, Error> {
        self.send(Method::GET, rest, None).await?.json()
    }

    async fn send_json<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        rest: &str,
        body: &B,
    ) -> Result<T, Error> {
        let req = Req::new(method, path(rest)).json(body)?;
        self.client.execute(req).await?.json()
    }

    async fn send(&self, method: Method, rest: &str, body: Option<&Value>) -> Result<crate::Response, Error> {
        let mut req = Req::new(method, path(rest));
        if let Some(b) = body {
            req = req.json(b)?;
        }
        self.client.execute(req).await
    }
}

/// `GET /board` with filters; see [`Agile::boards`].
pub struct ListBoards {
    client: Client,
    project: Option<String>,
    kinds: Vec<BoardType>,
    name: Option<String>,
}

impl ListBoards {
    /// Boards of this project (key or id).
    pub fn project(mut self, key_or_id: impl Into<String>) -> Self {
        self.project = Some(key_or_id.into());
        self
    }

    /// Boards of this type; may be given more than once.
    pub fn kind(mut self, kind: impl Into<BoardType>) -> Self {
        self.kinds.push(kind.into());
        self
    }

    /// Boards whose name contains this text.
    pub fn name(mut self, text: impl Into<String>) -> Self {
        self.name = Some(text.into());
        self
    }

    /// The query parameters this list sends (besides paging).
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(p) = &self.project {
            q.push(("projectKeyOrId", p.clone()));
        }
        if !self.kinds.is_empty() {
            let kinds: Vec<&str> = self.kinds.iter().map(BoardType::as_str).collect();
            q.push(("type", kinds.join(",")));
        }
        if let Some(n) = &self.name {
            q.push(("name", n.clone()));
        }
        q
    }

    pub fn pager(self) -> Pager<Board> {
        let mut req = Req::new(Method::GET, path("/board"));
        for (k, v) in self.query() {
            req = req.query(k, v);
        }
        Pager::new(self.client, req, None, PageStyle::Offset, "values")
    }
}

/// `GET /board/{id}/sprint`; see [`Agile::sprints`].
pub struct ListSprints {
    client: Client,
    board_id: u64,
    states: Vec<SprintState>,
}

impl ListSprints {
    /// Sprints in this state; may be given more than once.
    pub fn state(mut self, state: impl Into<SprintState>) -> Self {
        self.states.push(state.into());
        self
    }

    pub fn pager(self) -> Pager<Sprint> {
        let mut req = Req::new(Method::GET, path(&format!("/board/{}/sprint", self.board_id)));
        if !self.states.is_empty() {
            let s: Vec<&str> = self.states.iter().map(SprintState::as_str).collect();
            req = req.query("state", s.join(","));
        }
        Pager::new(self.client, req, None, PageStyle::Offset, "values")
    }
}

/// `POST /board`; see [`Agile::create_board`].
pub struct CreateBoard {
    client: Client,
    name: String,
    kind: BoardType,
    filter_id: u64,
    project: Option<String>,
}

impl CreateBoard {
    /// Puts the board in a project (key or id).
    pub fn project(mut self, key_or_id: impl Into<String>) -> Self {
        self.project = Some(key_or_id.into());
        self
    }

    /// The request body.
    pub fn body(&self) -> Value {
        let mut b = json!({"name": self.name, "type": self.kind, "filterId": self.filter_id});
        if let Some(p) = &self.project {
            b["location"] = json!({"type": "project", "projectKeyOrId": p});
        }
        b
    }

    pub async fn send(self) -> Result<Board, Error> {
        let req = Req::new(Method::POST, path("/board")).json(&self.body())?;
        self.client.execute(req).await?.json()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateSprintBody {
    name: String,
    origin_board_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goal: Option<String>,
}

/// `POST /sprint`; see [`Agile::create_sprint`].
pub struct CreateSprint {
    client: Client,
    body: CreateSprintBody,
}

impl CreateSprint {
    /// ISO 8601, e.g. `2026-01-05T09:00:00.000Z`.
    pub fn start_date(mut self, when: impl Into<String>) -> Self {
        self.body.start_date = Some(when.into());
        self
    }

    pub fn end_date(mut self, when: impl Into<String>) -> Self {
        self.body.end_date = Some(when.into());
        self
    }

    pub fn goal(mut self, goal: impl Into<String>) -> Self {
        self.body.goal = Some(goal.into());
        self
    }

    pub async fn send(self) -> Result<Sprint, Error> {
        let req = Req::new(Method::POST, path("/sprint")).json(&self.body)?;
        self.client.execute(req).await?.json()
    }
}

/// An agile issue list (`issues`, offset paging with `total`), with an optional extra `jql` and
/// field selection.
pub struct IssueList {
    client: Client,
    path: String,
    jql: Option<String>,
    fields: Vec<String>,
}

impl IssueList {
    fn new(client: &Client, path: String) -> IssueList {
        IssueList {
            client: client.clone(),
            path,
            jql: None,
            fields: Vec::new(),
        }
    }

    /// Narrows the list with JQL, ANDed with the board's or sprint's own query.
    pub fn jql(mut self, jql: impl Into<String>) -> Self {
        self.jql = Some(jql.into());
        self
    }

    /// Field ids to return (default: the navigable fields).
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    pub fn pager(self) -> Pager<Issue> {
        let mut req = Req::new(Method::GET, self.path);
        if let Some(j) = self.jql {
            req = req.query("jql", j);
        }
        if !self.fields.is_empty() {
            req = req.query("fields", self.fields.join(","));
        }
        Pager::new(self.client, req, None, PageStyle::Offset, "issues")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline() -> Client {
        Client::builder("http://127.0.0.1:9").build().unwrap()
    }

    #[test]
    fn board_filters_become_jiras_query_parameters() {
        let q = offline()
            .agile()
            .boards()
            .project("SHOP")
            .kind("scrum")
            .kind(BoardType::Kanban)
            .name("team")
            .query();
        assert_eq!(
            q,
            vec![
                ("projectKeyOrId", "SHOP".to_owned()),
                ("type", "scrum,kanban".to_owned()),
                ("name", "team".to_owned())
            ]
        );
    }

    #[test]
    fn a_board_in_a_project_names_its_location() {
        let b = offline()
            .agile()
            .create_board("Team", "scrum", 7)
            .project("SHOP")
            .body();
        assert_eq!(
            b,
            json!({"name": "Team", "type": "scrum", "filterId": 7,
                   "location": {"type": "project", "projectKeyOrId": "SHOP"}})
        );
    }

    #[test]
    fn a_partial_sprint_update_sends_only_what_changes() {
        let c = SprintChanges {
            state: Some(SprintState::Active),
            ..SprintChanges::default()
        };
        assert_eq!(serde_json::to_value(&c).unwrap(), json!({"state": "active"}));
    }

    #[test]
    fn unknown_sprint_states_and_fields_survive_a_round_trip() {
        let raw = json!({"id": 3, "state": "paused", "name": "S", "rapidViewId": 9});
        let s: Sprint = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(s.state, SprintState::Other("paused".into()));
        assert_eq!(s.extra["rapidViewId"], 9);
        assert_eq!(serde_json::to_value(&s).unwrap(), raw);
    }
}
