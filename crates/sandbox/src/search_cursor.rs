//! Where a token-paged search stands between its pages.
//!
//! A `nextPageToken` holds the offset of the next page and the number of a cursor. Running the
//! query again for every page would cost each page the whole walk up to its offset, so paging
//! through N issues would cost O(N²): the cursor instead keeps the ids of the pages ahead, read in
//! one query per chunk (chunks double, so a walk over N issues runs about log N queries, and
//! peeking at page 2 reads only a little more than page 2).
//!
//! Exactness: a cursor's ids are what the query returned at the write generation they were read
//! at (see `Readers::generation`), and they are only served while the generation is the same, to
//! the same caller, for the same JQL. Anything else runs the query again from the token's offset,
//! as if there were no cursor. A page served from a cursor is therefore the very page the query
//! would give at that offset, except that the clock's passing inside one generation does not move
//! relative dates (`-1d`, `now()`) under a walk already begun: the walk sees one snapshot, which
//! is what a caller paging through a result wants. The first page always runs the query.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::generation::Generational;

/// Ids held by all cursors together, at most: beyond it the oldest cursors are dropped.
const MAX_IDS: usize = 2_000_000;
/// Cursors held at most.
const MAX_CURSORS: usize = 512;
/// A chunk is never longer than this.
const MAX_CHUNK: usize = 1 << 18;

/// The ids of a search from `start` on, as read at one generation.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub account_id: String,
    pub jql: String,
    pub start: usize,
    pub ids: Vec<i64>,
    /// Whether the result ends with these ids.
    pub complete: bool,
}

impl Chunk {
    /// The page at `offset`, `limit` long, and whether more follow it; `None` when this chunk
    /// cannot tell (the page starts before it or runs past its end while more follow).
    pub fn page(&self, offset: usize, limit: usize) -> Option<(Vec<i64>, bool)> {
        let from = offset.checked_sub(self.start)?;
        let end = from.saturating_add(limit);
        if from > self.ids.len() || (!self.complete && end > self.ids.len()) {
            return None;
        }
        let to = end.min(self.ids.len());
        Some((self.ids[from..to].to_vec(), to < self.ids.len() || !self.complete))
    }
}

/// How many ids to read next for a walk at `offset` whose last chunk held `last` ids.
pub fn chunk_len(offset: usize, limit: usize, last: usize) -> usize {
    let want = if offset == 0 {
        limit
    } else {
        last.saturating_mul(2).max(limit.saturating_mul(10)).max(1000)
    };
    want.clamp(limit, MAX_CHUNK.max(limit))
}

/// The cursors of one generation.
#[derive(Default)]
struct Held {
    ids: usize,
    chunks: BTreeMap<u64, Chunk>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    held: Generational<Held>,
}

#[derive(Default)]
pub struct Cursors {
    inner: Mutex<Inner>,
}

/// What a lookup found: the page, or the length of the cursor's last chunk (0 when none) to size
/// the next one.
pub enum Lookup {
    Page(Vec<i64>, bool),
    Miss { last: usize },
}

impl Cursors {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A number for a new walk.
    pub fn open(&self) -> u64 {
        let mut inner = self.lock();
        inner.next += 1;
        inner.next
    }

    /// The page of cursor `id` at `offset`, when it holds it for this caller and JQL at this
    /// generation.
    pub fn page(
        &self,
        generation: u64,
        id: u64,
        account_id: &str,
        jql: &str,
        offset: usize,
        limit: usize,
    ) -> Lookup {
        let mut inner = self.lock();
        let Some(held) = inner.held.at(generation) else {
            return Lookup::Miss { last: 0 };
        };
        match held.chunks.get(&id) {
            Some(c) if c.account_id == account_id && c.jql == jql => match c.page(offset, limit) {
                Some((ids, more)) => Lookup::Page(ids, more),
                None => Lookup::Miss { last: c.ids.len() },
            },
            _ => Lookup::Miss { last: 0 },
        }
    }

    /// Keeps `chunk` as cursor `id`, read at `generation` (read before the query ran); a chunk
    /// of a generation already left behind is not kept.
    pub fn keep(&self, generation: u64, id: u64, chunk: Chunk) {
        if chunk.ids.len() > MAX_IDS {
            return;
        }
        let mut inner = self.lock();
        let Some(held) = inner.held.at(generation) else {
            return;
        };
        if let Some(old) = held.chunks.remove(&id) {
            held.ids -= old.ids.len();
        }
        while held.chunks.len() >= MAX_CURSORS || held.ids + chunk.ids.len() > MAX_IDS {
            match held.chunks.pop_first() {
                Some((_, old)) => held.ids -= old.ids.len(),
                None => break,
            }
        }
        held.ids += chunk.ids.len();
        held.chunks.insert(id, chunk);
    }

    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let inner = self.lock();
        let held = inner.held.current();
        (held.chunks.len(), held.ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(start: usize, n: usize, complete: bool) -> Chunk {
        Chunk {
            account_id: "a".into(),
            jql: "project = A".into(),
            start,
            ids: (start as i64..(start + n) as i64).collect(),
            complete,
        }
    }

    fn page(c: &Cursors, generation: u64, id: u64, offset: usize, limit: usize) -> Option<(Vec<i64>, bool)> {
        match c.page(generation, id, "a", "project = A", offset, limit) {
            Lookup::Page(ids, more) => Some((ids, more)),
            Lookup::Miss { .. } => None,
        }
    }

    #[test]
    fn pages_inside_a_chunk_are_served_and_say_whether_more_follow() {
        let c = Cursors::default();
        c.keep(1, 7, chunk(100, 1000, false));
        let (ids, more) = page(&c, 1, 7, 200, 50).expect("inside the chunk");
        assert_eq!((ids.first(), ids.len(), more), (Some(&200), 50, true));
        // Up to the end of an incomplete chunk, more follow; past it, the chunk cannot tell.
        assert_eq!(
            page(&c, 1, 7, 1050, 50).map(|p| (p.0.len(), p.1)),
            Some((50, true))
        );
        assert!(page(&c, 1, 7, 1051, 50).is_none());
        assert!(page(&c, 1, 7, 50, 50).is_none());
        c.keep(1, 7, chunk(1000, 30, true));
        assert_eq!(page(&c, 1, 7, 1000, 50), Some(((1000..1030).collect(), false)));
        assert_eq!(page(&c, 1, 7, 1000, 30), Some(((1000..1030).collect(), false)));
        assert_eq!(page(&c, 1, 7, 1000, 29).map(|p| p.1), Some(true));
        assert_eq!(page(&c, 1, 7, 1030, 10), Some((vec![], false)));
    }

    #[test]
    fn a_cursor_serves_only_its_own_caller_query_and_generation() {
        let c = Cursors::default();
        c.keep(1, 7, chunk(0, 100, false));
        assert!(matches!(
            c.page(1, 7, "b", "project = A", 0, 10),
            Lookup::Miss { .. }
        ));
        assert!(matches!(
            c.page(1, 7, "a", "project = B", 0, 10),
            Lookup::Miss { .. }
        ));
        assert!(matches!(
            c.page(1, 8, "a", "project = A", 0, 10),
            Lookup::Miss { .. }
        ));
        assert!(page(&c, 2, 7, 0, 10).is_none());
        // The generation never goes back.
        assert!(page(&c, 1, 7, 0, 10).is_none());
        c.keep(1, 7, chunk(0, 100, false));
        assert_eq!(c.held(), (0, 0));
    }

    #[test]
    fn the_oldest_cursors_go_first_when_the_budget_is_spent() {
        let c = Cursors::default();
        for id in 0..3 {
            c.keep(1, id, chunk(0, MAX_IDS / 2, false));
        }
        assert!(c.held().1 <= MAX_IDS);
        assert!(page(&c, 1, 0, 0, 10).is_none());
        assert!(page(&c, 1, 2, 0, 10).is_some());
    }

    #[test]
    fn chunks_grow_from_the_page_to_a_cap() {
        assert_eq!(chunk_len(0, 100, 0), 100);
        assert_eq!(chunk_len(100, 100, 0), 1000);
        assert_eq!(chunk_len(1000, 100, 1000), 2000);
        assert_eq!(chunk_len(5000, 5000, 0), 50_000);
        assert_eq!(chunk_len(9, 100, MAX_CHUNK), MAX_CHUNK);
        assert_eq!(chunk_len(9, MAX_CHUNK * 2, 0), MAX_CHUNK * 2);
    }
}
