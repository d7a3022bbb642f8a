//! One page type over Jira's three paging styles, as pages or as a stream of items, with a cursor
//! a job can save (it is serializable) and resume from. Memory holds a few pages at most.
//!
//! - offset: `startAt`/`maxResults` with `total` (and sometimes `isLast`), items under `values`,
//!   `issues`, `comments`, `histories`...
//! - token: `nextPageToken`/`isLast` (`search/jql`, `changelog/bulkfetch`);
//! - agile: `values` with `startAt`/`isLast`, which is the offset style with `isLast` trusted.

use std::collections::VecDeque;
use std::marker::PhantomData;

use futures_util::stream::{self, Stream};
use reqwest::Method;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Client, Req};
use crate::error::Error;

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "style", rename_all = "camelCase")]
pub enum Cursor {
    /// Offset paging: the index of the next item.
    Offset {
        #[serde(rename = "startAt")]
        start_at: u64,
    },
    /// Token paging: the opaque token (none for the first page).
    Token {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
}

/// How an endpoint pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    Offset,
    Token,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `total`, when the endpoint reports it (offset paging only; it "may change").
    pub total: Option<u64>,
    /// The cursor of the following page; `None` on the last page.
    pub next: Option<Cursor>,
}

/// Computes the next cursor from what a page said. Pure; every paging quirk lives here.
pub fn next_cursor(
    style: PageStyle,
    start_at: u64,
    count: usize,
    total: Option<u64>,
    is_last: Option<bool>,
    token: Option<&str>,
) -> Option<Cursor> {
    if is_last == Some(true) {
        return None;
    }
    match style {
        PageStyle::Token => token.filter(|t| !t.is_empty()).map(|t| Cursor::Token {
            token: Some(t.to_owned()),
        }),
        PageStyle::Offset => {
            // An empty page ends the walk even if `total` promised more (it may change).
            if count == 0 {
                return None;
            }
            let next = start_at + count as u64;
            match total {
                Some(t) if next >= t => None,
                _ => Some(Cursor::Offset { start_at: next }),
            }
        }
    }
}

/// Parses one page of `items_key` items straight from the body's bytes: the items go directly
/// into `T` (no intermediate `serde_json::Value` tree), the paging fields are read, everything
/// else is skipped. A mismatch names the JSON path (`issues[3].fields.summary`) and the endpoint.
pub(crate) fn parse_page<T: DeserializeOwned>(
    endpoint: &str,
    style: PageStyle,
    items_key: &str,
    body: &[u8],
) -> Result<Page<T>, Error> {
    let seed = || PageSeed::<T> {
        items_key,
        _t: PhantomData,
    };
    // Checked once here, the text's strings need no check each (serde_json's `from_slice` checks
    // every string it reads on its own).
    let body = std::str::from_utf8(body).map_err(|e| Error::Decode {
        endpoint: endpoint.to_owned(),
        json_path: String::new(),
        message: format!("the body is not UTF-8: {e}"),
    })?;
    let de = &mut serde_json::Deserializer::from_str(body);
    // Tracking the path costs on every value: pages are read without it, and a page that fails
    // is read again with it, to name where.
    let raw = match seed()
        .deserialize(&mut *de)
        .and_then(|raw| de.end().map(|()| raw))
    {
        Ok(raw) => raw,
        Err(first) => {
            let mut track = serde_path_to_error::Track::new();
            let de = &mut serde_json::Deserializer::from_str(body);
            let again = seed()
                .deserialize(serde_path_to_error::Deserializer::new(&mut *de, &mut track))
                .and_then(|raw| de.end().map(|()| raw));
            return Err(Error::Decode {
                endpoint: endpoint.to_owned(),
                json_path: track.path().to_string(),
                message: again.err().unwrap_or(first).to_string(),
            });
        }
    };
    let next = next_cursor(
        style,
        raw.start_at.unwrap_or(0),
        raw.items.len(),
        raw.total,
        raw.is_last,
        raw.token.as_deref(),
    );
    Ok(Page {
        items: raw.items,
        total: raw.total,
        next,
    })
}

/// What a page body holds that paging needs. The paging fields are read leniently (a value of
/// the wrong type counts as absent), as Jira's own fields sometimes are.
struct RawPage<T> {
    items: Vec<T>,
    start_at: Option<u64>,
    total: Option<u64>,
    is_last: Option<bool>,
    token: Option<String>,
}

struct PageSeed<'k, T> {
    items_key: &'k str,
    _t: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = RawPage<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawPage<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageSeed<'_, T> {
    type Value = RawPage<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a page of results (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawPage<T>, A::Error> {
        let mut page = RawPage {
            items: Vec::new(),
            start_at: None,
            total: None,
            is_last: None,
            token: None,
        };
        while let Some(key) = m.next_key::<String>()? {
            if key == self.items_key {
                page.items = m.next_value()?;
                continue;
            }
            match key.as_str() {
                "startAt" => page.start_at = m.next_value::<Value>()?.as_u64(),
                "total" => page.total = m.next_value::<Value>()?.as_u64(),
                "isLast" => page.is_last = m.next_value::<Value>()?.as_bool(),
                "nextPageToken" => {
                    page.token = match m.next_value::<Value>()? {
                        Value::String(t) => Some(t),
                        _ => None,
                    }
                }
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }
}

/// Walks an endpoint page by page.
pub struct Pager<T> {
    client: Client,
    req: Req,
    /// For POST endpoints the paging parameters go into this JSON body.
    body: Option<Map<String, Value>>,
    style: PageStyle,
    items_key: String,
    page_size: u32,
    next: Option<Cursor>,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Send + 'static> Pager<T> {
    pub(crate) fn new(
        client: Client,
        req: Req,
        body: Option<Map<String, Value>>,
        style: PageStyle,
        items_key: &str,
    ) -> Pager<T> {
        let first = match style {
            PageStyle::Offset => Cursor::Offset { start_at: 0 },
            PageStyle::Token => Cursor::Token { token: None },
        };
        Pager {
            client,
            req,
            body,
            style,
            items_key: items_key.to_owned(),
            page_size: 50,
            next: Some(first),
            _t: PhantomData,
        }
    }

    /// Items per page (`maxResults`); Jira may clamp it.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// The same walk, from `cursor`.
    pub(crate) fn clone_at(&self, cursor: Cursor) -> Pager<T> {
        Pager {
            client: self.client.clone(),
            req: self.req.clone(),
            body: self.body.clone(),
            style: self.style,
            items_key: self.items_key.clone(),
            page_size: self.page_size,
            next: Some(cursor),
            _t: PhantomData,
        }
    }

    /// Continues from a saved cursor instead of the first page.
    pub fn resume(mut self, cursor: Cursor) -> Self {
        self.next = Some(cursor);
        self
    }

    /// Where the next page starts; `None` once the walk is done. Save it to resume later.
    pub fn cursor(&self) -> Option<&Cursor> {
        self.next.as_ref()
    }

    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, Error> {
        let Some(resp) = self.fetch().await? else {
            return Ok(None);
        };
        let page = parse_page(&resp.endpoint, self.style, &self.items_key, &resp.body)?;
        self.next = page.next.clone();
        Ok(Some(page))
    }

    /// Requests the page at the cursor; the cursor is left as it is.
    async fn fetch(&self) -> Result<Option<crate::client::Response>, Error> {
        let Some(cursor) = &self.next else {
            return Ok(None);
        };
        let mut req = self.req.clone();
        let mut params: Vec<(&str, Value)> = vec![("maxResults", Value::from(self.page_size))];
        match cursor {
            Cursor::Offset { start_at } => params.push(("startAt", Value::from(*start_at))),
            Cursor::Token { token: Some(t) } => params.push(("nextPageToken", Value::from(t.clone()))),
            Cursor::Token { token: None } => {}
        }
        match &self.body {
            Some(body) => {
                let mut body = body.clone();
                for (k, v) in params {
                    body.insert(k.to_owned(), v);
                }
                req = req.json(&body)?;
            }
            None => {
                for (k, v) in params {
                    let v = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    req = req.query(k, v);
                }
            }
        }
        self.client.execute(req).await.map(Some)
    }

    /// Every item of every page. A task fetches the pages one ahead of the caller: once a body
    /// has arrived, only where the next page starts is read from it (its items are not
    /// decoded), the next request goes out, and the items are decoded by the caller while Jira
    /// prepares the next page. At most three bodies are held at once (one being decoded, one
    /// waiting, one arriving), however many items flow through.
    pub fn into_stream(self) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        let style = self.style;
        let items_key = self.items_key.clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<crate::client::Response, Error>>(1);
        let fetcher = async move {
            let mut pager = self;
            loop {
                let body = match pager.fetch().await {
                    Ok(None) => return,
                    Ok(Some(resp)) => next_of(pager.style, &pager.items_key, &resp).map(|next| {
                        pager.next = next;
                        resp
                    }),
                    Err(e) => Err(e),
                };
                let failed = body.is_err();
                // After an error, or once the caller dropped the stream, the walk ends.
                if tx.send(body).await.is_err() || failed {
                    return;
                }
            }
        };
        // Spawned on first poll (a runtime is there by then), stopped when the stream is dropped.
        let mut fetcher = Some(fetcher);
        let state = (rx, None::<AbortOnDrop>, VecDeque::<T>::new(), items_key);
        stream::try_unfold(state, move |(mut rx, mut task, mut buf, items_key)| {
            if task.is_none() {
                task = fetcher.take().map(|f| AbortOnDrop(tokio::spawn(f)));
            }
            async move {
                loop {
                    if let Some(item) = buf.pop_front() {
                        return Ok(Some((item, (rx, task, buf, items_key))));
                    }
                    let Some(resp) = rx.recv().await else {
                        return Ok(None);
                    };
                    let resp = resp?;
                    // On a single-threaded runtime this lets the next request go out first.
                    tokio::task::yield_now().await;
                    let page: Page<T> = parse_page(&resp.endpoint, style, &items_key, &resp.body)?;
                    buf.extend(page.items);
                }
            }
        })
    }
}

/// Where the page after `resp` starts. For token pages this is read from the edges of the body
/// when they settle it (see [`crate::paging_fields`]); otherwise the items are skipped, not
/// decoded.
fn next_of(
    style: PageStyle,
    items_key: &str,
    resp: &crate::client::Response,
) -> Result<Option<Cursor>, Error> {
    if style == PageStyle::Token {
        if let Some((is_last, token)) = crate::paging_fields::from_edges(&resp.body) {
            return Ok(next_cursor(style, 0, 0, None, is_last, token.as_deref()));
        }
    }
    parse_page::<IgnoredAny>(&resp.endpoint, style, items_key, &resp.body).map(|page| page.next)
}

/// Aborts a spawned task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Client {
    /// Pages through any GET endpoint: `items_key` names the array (`values`, `issues`...).
    pub fn paginate<T: DeserializeOwned + Send + 'static>(
        &self,
        path: impl Into<String>,
        style: PageStyle,
        items_key: &str,
    ) -> Pager<T> {
        Pager::new(self.clone(), Req::new(Method::GET, path), None, style, items_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offset_paging_stops_at_total() {
        assert_eq!(
            next_cursor(PageStyle::Offset, 0, 50, Some(120), None, None),
            Some(Cursor::Offset { start_at: 50 })
        );
        assert_eq!(
            next_cursor(PageStyle::Offset, 100, 20, Some(120), None, None),
            None
        );
    }

    #[test]
    fn offset_paging_trusts_is_last_and_stops_on_an_empty_page() {
        assert_eq!(
            next_cursor(PageStyle::Offset, 0, 50, None, Some(true), None),
            None
        );
        assert_eq!(
            next_cursor(PageStyle::Offset, 0, 50, None, Some(false), None),
            Some(Cursor::Offset { start_at: 50 })
        );
        assert_eq!(next_cursor(PageStyle::Offset, 50, 0, Some(500), None, None), None);
    }

    #[test]
    fn token_paging_follows_the_token_until_it_is_absent() {
        assert_eq!(
            next_cursor(PageStyle::Token, 0, 50, None, Some(false), Some("t2")),
            Some(Cursor::Token {
                token: Some("t2".into())
            })
        );
        assert_eq!(next_cursor(PageStyle::Token, 0, 50, None, None, None), None);
        assert_eq!(
            next_cursor(PageStyle::Token, 0, 50, None, Some(true), Some("t3")),
            None
        );
    }

    #[test]
    fn a_cursor_serializes_for_a_checkpoint() {
        let c = Cursor::Token {
            token: Some("abc".into()),
        };
        let s = serde_json::to_string(&c).unwrap();
        assert_eq!(s, r#"{"style":"token","token":"abc"}"#);
        assert_eq!(serde_json::from_str::<Cursor>(&s).unwrap(), c);
        let o = serde_json::to_value(Cursor::Offset { start_at: 7 }).unwrap();
        assert_eq!(o, json!({"style": "offset", "startAt": 7}));
    }

    #[test]
    fn agile_values_pages_parse() {
        let body = json!({"startAt": 0, "maxResults": 2, "isLast": false, "values": [{"id": 1}, {"id": 2}]});
        let bytes = serde_json::to_vec(&body).unwrap();
        let p: Page<Value> = parse_page("GET /board", PageStyle::Offset, "values", &bytes).unwrap();
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.next, Some(Cursor::Offset { start_at: 2 }));
    }

    #[test]
    fn a_bad_item_names_its_index() {
        let body = json!({"issues": [{"id": "1"}, {"nope": true}]});
        let bytes = serde_json::to_vec(&body).unwrap();
        let e = parse_page::<jirakit_model::Issue>("POST /search/jql", PageStyle::Token, "issues", &bytes)
            .unwrap_err();
        assert!(e.to_string().contains("issues[1]"), "{e}");
        assert!(e.to_string().contains("POST /search/jql"), "{e}");
    }
}
