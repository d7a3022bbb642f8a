//! `client.search(jql)`: `search/jql` with `nextPageToken` on Cloud, `search` with `startAt` on
//! Data Center, as pages or as a stream of issues.

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use jirakit_jql::Jql;
use jirakit_model::Issue;
use reqwest::Method;
use serde_json::{Map, Value};

use crate::client::{Client, Req};
use crate::page::{Cursor, PageStyle, Pager};
use crate::Error;

/// Builder of an issue search.
pub struct Search {
    client: Client,
    jql: Result<String, Error>,
    fields: Vec<String>,
    expand: Vec<String>,
    page_size: u32,
    resume: Option<Cursor>,
}

impl Client {
    /// Searches with a JQL string. For queries built from user input, prefer
    /// [`Client::search_jql`] with the `jirakit_jql::Jql` builder: it quotes safely.
    pub fn search(&self, jql: impl Into<String>) -> Search {
        Search::new(self.clone(), Ok(jql.into()))
    }

    /// Searches with a query built by `jirakit_jql::Jql`.
    pub fn search_jql(&self, jql: &Jql) -> Search {
        Search::new(self.clone(), jql.to_jql().map_err(Error::from))
    }
}

impl Search {
    fn new(client: Client, jql: Result<String, Error>) -> Search {
        Search {
            client,
            jql,
            fields: Vec::new(),
            expand: Vec::new(),
            page_size: 100,
            resume: None,
        }
    }

    /// Fields to return, by id or name. Cloud returns only `id` when none are given, so the
    /// default here is `*navigable` on both deployments.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, fields: I) -> Self {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    pub fn expand(mut self, what: impl Into<String>) -> Self {
        self.expand.push(what.into());
        self
    }

    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    /// Continues from a cursor saved from [`Pager::cursor`].
    pub fn resume(mut self, cursor: Cursor) -> Self {
        self.resume = Some(cursor);
        self
    }

    /// The pages, for jobs that checkpoint their cursor.
    pub async fn pager(self) -> Result<Pager<Issue>, Error> {
        let jql = self.jql?;
        let d = self.client.deployment().await?;
        let cloud = d.uses_adf();
        let fields = if self.fields.is_empty() {
            vec!["*navigable".to_owned()]
        } else {
            crate::issues::resolve_field_list(&self.client, &self.fields).await?
        };
        let mut body = Map::new();
        body.insert("jql".into(), Value::String(jql));
        body.insert("fields".into(), fields.into_iter().map(Value::String).collect());
        if !self.expand.is_empty() {
            // search/jql takes a comma string; the old search takes a list.
            let v = if cloud {
                Value::String(self.expand.join(","))
            } else {
                self.expand.into_iter().map(Value::String).collect()
            };
            body.insert("expand".into(), v);
        }
        let (path, style) = if cloud {
            ("/rest/api/3/search/jql", PageStyle::Token)
        } else {
            ("/rest/api/2/search", PageStyle::Offset)
        };
        let mut req = Req::new(Method::POST, path);
        // A search reads only: safe to repeat after a timeout.
        req.idempotent = true;
        let mut pager =
            Pager::new(self.client.clone(), req, Some(body), style, "issues").page_size(self.page_size);
        if let Some(c) = self.resume {
            pager = pager.resume(c);
        }
        Ok(pager)
    }

    /// Every matching issue, one page in memory at a time.
    pub fn into_stream(self) -> impl Stream<Item = Result<Issue, Error>> + Send + 'static {
        stream::once(self.pager())
            .map_ok(Pager::into_stream)
            .try_flatten()
            .boxed()
    }
}
