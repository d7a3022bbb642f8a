//! Rendered bodies of `GET /issue/{key}`, kept while nothing has been written since.
//!
//! Exactness does not rest on knowing which writes touch which issue: an issue's JSON shows other
//! issues (parent, subtasks, links), users, the site's configuration and more, and new write paths
//! keep coming. Instead every body is tagged with the *write generation* it was rendered at (see
//! `Readers::generation`: bumped after any writer guard that changed the database or published a
//! new configuration) and is served only while the generation is the same. The first lookup at a
//! newer generation drops every older body. A request reads the generation *before* it reads
//! anything, and the writer bumps it only *after* its commit is visible, so a body tagged with
//! generation G never predates a write that bumped the generation to G or below.
//!
//! The key holds everything else the output depends on: the REST version, the base URL, the
//! caller (watches and votes say whether *they* watch or voted) and the query string as sent
//! (fields, expand, properties). Whether the caller may see the issue is checked again on every
//! hit, against the published configuration.

use std::collections::HashMap;

use axum::body::Bytes;

use super::ApiVersion;
use crate::generation::{Generational, Kept};

/// Bodies beyond this many bytes in total are not kept: the cache empties itself and starts over.
const MAX_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub v: ApiVersion,
    pub base: String,
    pub account_id: String,
    pub issue: String,
    pub query: String,
}

/// A rendered issue: its project (for the permission check on a hit) and its JSON.
#[derive(Clone)]
pub struct Rendered {
    pub project_id: i64,
    pub body: Bytes,
}

#[derive(Default)]
struct Inner {
    bytes: usize,
    entries: HashMap<Key, Rendered>,
}

#[derive(Default)]
pub struct IssueCache {
    inner: Kept<Inner>,
}

impl IssueCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Generational<Inner>> {
        self.inner.lock()
    }

    /// The body rendered for `key` at `generation`, if there is one.
    pub fn get(&self, generation: u64, key: &Key) -> Option<Rendered> {
        self.lock().at(generation)?.entries.get(key).cloned()
    }

    /// Drops every body older than `generation` now, rather than at the next read: a burst of
    /// writes then runs without the bodies it made stale still held in memory.
    pub fn advance(&self, generation: u64) {
        self.inner.advance(generation);
    }

    /// Keeps a body rendered from what was committed at `generation` (read before rendering);
    /// a body of a generation already left behind is not kept.
    pub fn put(&self, generation: u64, key: Key, rendered: Rendered) {
        let mut guard = self.lock();
        let Some(inner) = guard.at(generation) else {
            return;
        };
        let size =
            rendered.body.len() + key.base.len() + key.account_id.len() + key.issue.len() + key.query.len();
        if size > MAX_BYTES {
            return;
        }
        if inner.bytes + size > MAX_BYTES {
            inner.entries.clear();
            inner.bytes = 0;
        }
        if inner.entries.insert(key, rendered).is_none() {
            inner.bytes += size;
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().current().entries.len()
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.lock().current().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(issue: &str) -> Key {
        Key {
            v: ApiVersion::V3,
            base: "http://127.0.0.1:1".into(),
            account_id: "a".into(),
            issue: issue.into(),
            query: String::new(),
        }
    }

    fn body(text: &'static str) -> Rendered {
        Rendered {
            project_id: 1,
            body: Bytes::from_static(text.as_bytes()),
        }
    }

    #[test]
    fn a_body_is_served_only_at_the_generation_it_was_rendered_at() {
        let c = IssueCache::default();
        c.put(3, key("A-1"), body("{}"));
        assert!(c.get(3, &key("A-1")).is_some());
        assert!(c.get(3, &key("A-2")).is_none());
        assert!(c.get(4, &key("A-1")).is_none());
        // The generation never goes back: the old body is gone for good.
        assert!(c.get(3, &key("A-1")).is_none());
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn a_write_drops_the_bodies_it_made_stale_at_once() {
        let c = IssueCache::default();
        c.put(1, key("A-1"), body("{}"));
        c.advance(2);
        assert_eq!((c.len(), c.bytes()), (0, 0));
        // A rendering that started before the write is not kept.
        c.put(1, key("A-1"), body("{}"));
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn a_body_rendered_before_a_newer_generation_was_seen_is_not_kept() {
        let c = IssueCache::default();
        assert!(c.get(5, &key("A-1")).is_none());
        c.put(4, key("A-1"), body("{\"old\":1}"));
        assert!(c.get(5, &key("A-1")).is_none());
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn the_cache_starts_over_rather_than_grow_past_its_budget() {
        let c = IssueCache::default();
        let big = Bytes::from(vec![b' '; MAX_BYTES / 2]);
        for i in 0..3 {
            c.put(
                1,
                key(&format!("A-{i}")),
                Rendered {
                    project_id: 1,
                    body: big.clone(),
                },
            );
        }
        assert!(c.bytes() <= MAX_BYTES);
        assert!(c.get(1, &key("A-2")).is_some());
        assert!(c.get(1, &key("A-0")).is_none());
    }
}
