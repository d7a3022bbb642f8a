//! How long the word index takes to answer `text ~ "word"` on a seeded data directory: the
//! FTS5 query that `~` clauses are resolved to (see src/fts.rs), timed on its own.
//!
//! ```sh
//! cargo run --release -p jirakit-sandbox --example text_search_latency -- DIR [RANK...]
//! ```
//!
//! DIR is a `jk sandbox serve --data DIR --seed scale:N` directory; each RANK names the scale
//! seed's vocabulary word of that rank (1 is the most frequent). Prints, per word, the number of
//! matching issues and the median and worst of 21 runs. A benchmark, not a test.

use std::time::{Duration, Instant};

/// Measuring is the one place this project reads the wall clock directly.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: text_search_latency DIR [RANK...]")?;
    let mut ranks: Vec<usize> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    if ranks.is_empty() {
        ranks = vec![1, 10, 100, 1000, 4000];
    }
    let conn = rusqlite::Connection::open_with_flags(
        std::path::Path::new(&dir).join("sandbox.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    for rank in ranks {
        let word = jirakit_sandbox::scale_word(rank);
        let mut times = Vec::new();
        let mut found = 0usize;
        for _ in 0..21 {
            let clock = now();
            let mut st = conn.prepare_cached("SELECT rowid FROM issue_text WHERE issue_text MATCH ?1")?;
            let mut ids: Vec<i64> = st
                .query_map([format!("\"{word}\"")], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            ids.sort_unstable();
            found = ids.len();
            times.push(clock.elapsed());
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "rank {rank:>5}  {word:<10} {found:>8} issues  median {:>8.2} ms  max {:>8.2} ms",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
    Ok(())
}
