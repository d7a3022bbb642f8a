//! JQL search at scale (issue 4): a sandbox on a `scale:N` data directory, then
//! - the first page of 50 issues with navigable fields for three selective queries (project and
//!   status, assignee and an updated range, a label): median and p95 over `--runs` requests;
//! - a word search (`text ~ word`), the same way;
//! - paging through up to `--ids` matching ids with `fields=id`, 5000 per page: issues per second;
//! - the database's size on disk.
//!
//! Times are seen by the client: HTTP, the server's work and JSON parsing, on one connection.
//!
//! ```sh
//! cargo build --release -p jirakit-cli -p jirakit-bench
//! target/release/search-scale [--jk target/release/jk] [--data DIR] [--issues 1000000] \
//!     [--runs 30] [--word-runs 30] [--ids 100000]
//! ```
//! With `--data`, a directory already seeded is reused as it is (seeding a million issues takes
//! a while); without it a temporary one is seeded and removed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

/// Measuring is the one place this project reads the wall clock directly.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

struct Args {
    jk: PathBuf,
    data: Option<PathBuf>,
    issues: u64,
    runs: usize,
    word_runs: usize,
    ids: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        jk: "target/release/jk".into(),
        data: None,
        issues: 1_000_000,
        runs: 30,
        word_runs: 30,
        ids: 100_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--jk" => a.jk = value.into(),
            "--data" => a.data = Some(value.into()),
            "--issues" => a.issues = value.parse()?,
            "--runs" => a.runs = value.parse()?,
            "--word-runs" => a.word_runs = value.parse()?,
            "--ids" => a.ids = value.parse()?,
            other => bail!("unknown flag {other}: use --jk PATH, --data DIR, --issues N, --runs N, --word-runs N, --ids N"),
        }
    }
    if a.runs == 0 || a.word_runs == 0 {
        bail!("--runs and --word-runs must be at least 1");
    }
    Ok(a)
}

struct Site {
    url: String,
    email: String,
    token: String,
}

/// Starts `jk sandbox serve` on the data directory and waits for its ready file.
fn start(jk: &Path, data: &Path, issues: u64) -> anyhow::Result<(std::process::Child, Site, f64)> {
    let ready = data.join("ready.json");
    let _ = std::fs::remove_file(&ready);
    let t0 = now();
    let child = Command::new(jk)
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .arg("--seed")
        .arg(format!("scale:{issues}"))
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", jk.display()))?;
    while !ready.exists() {
        if t0.elapsed() > Duration::from_secs(4 * 3600) {
            bail!("the sandbox was not ready after 4 hours");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(100));
    let startup = t0.elapsed().as_secs_f64();
    let r: Value = serde_json::from_slice(&std::fs::read(&ready)?)?;
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
    Ok((
        child,
        Site {
            url: s("url"),
            email: s("email"),
            token: s("api_token"),
        },
        startup,
    ))
}

struct Client {
    http: reqwest::Client,
    site: Site,
}

impl Client {
    async fn search(&self, body: Value) -> anyhow::Result<Value> {
        let r = self
            .http
            .post(format!("{}/rest/api/3/search/jql", self.site.url))
            .basic_auth(&self.site.email, Some(&self.site.token))
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let v: Value = r.json().await?;
        if !status.is_success() {
            bail!("{status}: {v}");
        }
        Ok(v)
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// First page of 50 navigable issues, `runs` times after one warm-up: (median, p95, issues on
/// the page) in ms.
async fn first_page(c: &Client, jql: &str, runs: usize) -> anyhow::Result<(f64, f64, usize)> {
    let body = json!({"jql": jql, "maxResults": 50, "fields": ["*navigable"]});
    let warm = c.search(body.clone()).await?;
    let n = warm["issues"].as_array().map_or(0, Vec::len);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t0 = now();
        let v = c.search(body.clone()).await?;
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        if v["issues"].as_array().map_or(0, Vec::len) != n {
            bail!("{jql}: the page changed size between runs");
        }
    }
    times.sort_by(f64::total_cmp);
    Ok((percentile(&times, 0.5), percentile(&times, 0.95), n))
}

/// Pages through up to `max` ids with `fields=id`: (ids, seconds, pages).
async fn page_ids(c: &Client, jql: &str, max: usize) -> anyhow::Result<(usize, f64, usize)> {
    let mut token: Option<String> = None;
    let (mut seen, mut pages) = (0usize, 0usize);
    let t0 = now();
    loop {
        let mut body = json!({"jql": jql, "maxResults": 5000, "fields": ["id"]});
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let v = c.search(body).await?;
        pages += 1;
        seen += v["issues"].as_array().map_or(0, Vec::len);
        match v.get("nextPageToken").and_then(Value::as_str) {
            Some(t) if seen < max => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok((seen, t0.elapsed().as_secs_f64(), pages))
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|es| {
            es.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.starts_with("sandbox.db"))
                })
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = args()?;
    let (data, temporary) = match &a.data {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("jirakit-search-scale-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&data)?;
    let (mut child, site, startup) = start(&a.jk, &data, a.issues)?;
    let c = Client {
        http: reqwest::Client::new(),
        site,
    };
    let result = run(&c, &a, &data, startup).await;
    let _ = child.kill();
    let _ = child.wait();
    if temporary {
        let _ = std::fs::remove_dir_all(&data);
    }
    result
}

async fn run(c: &Client, a: &Args, data: &Path, startup: f64) -> anyhow::Result<()> {
    let r = c
        .http
        .put(format!("{}/_sandbox/limits", c.site.url))
        .basic_auth(&c.site.email, Some(&c.site.token))
        .json(&json!({"burst_per_second": null, "issue_writes": null}))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("could not lift the rate limits: {}", r.status());
    }
    let total = c
        .http
        .post(format!("{}/rest/api/3/search/approximate-count", c.site.url))
        .basic_auth(&c.site.email, Some(&c.site.token))
        .json(&json!({"jql": "created <= now()"}))
        .send()
        .await?
        .json::<Value>()
        .await?["count"]
        .as_u64()
        .unwrap_or(0);
    println!(
        "search-scale: {total} issues in {} (ready after {startup:.1} s), database {:.0} MB",
        data.display(),
        dir_size(data) as f64 / 1e6
    );
    println!("first page of 50, fields=*navigable, {} runs each:", a.runs);
    for jql in [
        "project = SHOP AND status = \"In Progress\"",
        "assignee = alice AND updated >= -30d",
        "labels = security",
    ] {
        let (median, p95, n) = first_page(c, jql, a.runs).await?;
        println!("  {jql:<46} median {median:>8.2} ms  p95 {p95:>8.2} ms  ({n} issues)");
    }
    let jql = "project = SHOP ORDER BY key ASC";
    let (ids, secs, pages) = page_ids(c, jql, a.ids).await?;
    println!(
        "ids paging: {jql}: {ids} ids in {pages} pages, {secs:.2} s, {:.0} issues/s",
        ids as f64 / secs.max(1e-9)
    );
    // Words of the scale seed's vocabulary at three frequencies: the FTS5 index finds their
    // issues, then SQL orders them and cuts the page.
    for rank in [10, 100, 1000] {
        let jql = format!("text ~ \"{}\"", jirakit_sandbox::scale_word(rank));
        let (median, p95, n) = first_page(c, &jql, a.word_runs).await?;
        println!(
            "word search (rank {rank:>4}), {} runs: {jql:<20} median {median:>8.2} ms  p95 {p95:>8.2} ms  ({n} issues)",
            a.word_runs
        );
    }
    println!("database after the run: {:.0} MB", dir_size(data) as f64 / 1e6);
    Ok(())
}
