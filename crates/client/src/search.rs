//! `client.search(jql)`: `search/jql` with `nextPageToken` on Cloud, `search` with `startAt` on
//! Data Center, as pages or as a stream of issues.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use jirakit_jql::Jql;
use jirakit_model::{Issue, IssueId};
use reqwest::Method;
use serde_json::{Map, Value};

use crate::bulk::FETCH_CHUNK;
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
    concurrency: usize,
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
            concurrency: 1,
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

    /// How many requests [`Search::into_stream`] may have in flight at once (default 1: the
    /// stream then fetches one page ahead of the caller). With more, on Cloud the stream first
    /// pages through the matching ids (5,000 a page) and fetches the issues 100 at a time with
    /// `POST /issue/bulkfetch`; on Data Center it fetches the offset pages after the first at
    /// once. Issues come in the search's order either way, and memory holds about `n` pages.
    ///
    /// What it changes: more requests count against the site's rate limits (the client's
    /// limiter still paces them), and on Cloud the issues are read a moment after the ids were
    /// matched, so an issue edited in between comes in its newer state, and one deleted in
    /// between is left out. A cursor to resume from is not available in this mode.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
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
        let fields = crate::issues::fields_or_navigable(&self.client, &self.fields).await?;
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

    /// Every matching issue, a few pages in memory at most (see [`Search::concurrency`]).
    pub fn into_stream(self) -> impl Stream<Item = Result<Issue, Error>> + Send + 'static {
        if self.concurrency > 1 && self.resume.is_none() {
            return stream::once(self.concurrent()).try_flatten().boxed();
        }
        stream::once(self.pager())
            .map_ok(Pager::into_stream)
            .try_flatten()
            .boxed()
    }

    async fn concurrent(self) -> Result<BoxStream<'static, Result<Issue, Error>>, Error> {
        let n = self.concurrency;
        let client = self.client.clone();
        if !client.deployment().await?.uses_adf() {
            return self.offset_pages_at_once(n).await;
        }
        let jql = self.jql?;
        let fields = crate::issues::fields_or_navigable(&client, &self.fields).await?;
        let mut body = Map::new();
        body.insert("jql".into(), Value::String(jql));
        body.insert("fields".into(), Value::from(vec!["id"]));
        let mut req = Req::new(Method::POST, "/rest/api/3/search/jql");
        req.idempotent = true;
        let ids = Pager::<IdOnly>::new(client.clone(), req, Some(body), PageStyle::Token, "issues")
            .page_size(IDS_PAGE)
            .into_stream();
        let path = client.api("/issue/bulkfetch").await?;
        let fetch = Arc::new(BulkFetch {
            client,
            path,
            fields,
            expand: self.expand,
        });
        Ok(ids
            .chunks(FETCH_CHUNK)
            .map(move |chunk| {
                let fetch = fetch.clone();
                async move {
                    let ids = chunk
                        .into_iter()
                        .map(|r| r.map(|i| i.id))
                        .collect::<Result<Vec<_>, _>>()?;
                    fetch.issues(&ids).await
                }
            })
            .buffered(n)
            .map_ok(|issues| stream::iter(issues.into_iter().map(Ok)))
            .try_flatten()
            .boxed())
    }

    /// Data Center: the first page says how many match; the pages after it are fetched `n` at a
    /// time, and the walk goes on one page at a time from the last one (more may match by then).
    async fn offset_pages_at_once(self, n: usize) -> Result<BoxStream<'static, Result<Issue, Error>>, Error> {
        let mut first = self.pager().await?;
        let Some(page) = first.next_page().await? else {
            return Ok(stream::empty().boxed());
        };
        // Jira may clamp the page size: the first page's length is the one that counts.
        let size = page.items.len().max(1);
        let head = stream::iter(page.items.into_iter().map(Ok));
        let (Some(total), Some(Cursor::Offset { start_at })) = (page.total, page.next) else {
            return Ok(head.chain(first.into_stream()).boxed());
        };
        let starts: Vec<u64> = (start_at..total).step_by(size).collect();
        let last = starts.len();
        let template = first;
        let middle = stream::iter(starts.into_iter().enumerate())
            .map(move |(i, start_at)| {
                let mut pager = template.clone_at(Cursor::Offset { start_at });
                async move {
                    let page = pager.next_page().await?;
                    // The walk goes on from the last planned page only.
                    let rest = (i + 1 == last).then_some(pager);
                    Ok::<_, Error>((page.map(|p| p.items).unwrap_or_default(), rest))
                }
            })
            .buffered(n)
            .map_ok(|(items, rest)| {
                let items = stream::iter(items.into_iter().map(Ok));
                match rest {
                    Some(pager) => items.chain(pager.into_stream()).boxed(),
                    None => items.boxed(),
                }
            })
            .try_flatten();
        Ok(head.chain(middle).boxed())
    }
}

/// Ids per page when only ids are asked for (Jira's limit for `fields=id`).
const IDS_PAGE: u32 = 5000;

#[derive(serde::Deserialize)]
struct IdOnly {
    id: IssueId,
}

/// One bulk fetch of a concurrent search: the issues of up to 100 ids, in the ids' order.
struct BulkFetch {
    client: Client,
    path: String,
    fields: Vec<String>,
    expand: Vec<String>,
}

impl BulkFetch {
    async fn issues(&self, ids: &[IssueId]) -> Result<Vec<Issue>, Error> {
        let found =
            crate::bulk::fetch_chunk(&self.client, &self.path, ids, &self.fields, &self.expand).await?;
        // Jira does not promise the order of a bulk fetch: put the issues back in the search's.
        let mut by_id: HashMap<IssueId, Issue> = found.into_iter().map(|i| (i.id.clone(), i)).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}
