//! Streams every issue of one sandbox (`--seed scale:N`) with navigable fields, several ways, in
//! one run: a bare HTTP loop that does not parse JSON (the floor), jirakit (one page ahead, and
//! with four requests in flight), the Python `jira` package and jira.js. Each runs in its own
//! process; its time and peak resident memory (VmHWM, polled from /proc) are reported, and the
//! item count is checked against N. The contenders take turns for `--rounds` rounds (the Python
//! package runs once: it is ten times slower); each one's best and median time are reported.
//!
//! ```sh
//! cargo build --release -p jirakit-cli -p jirakit-bench
//! target/release/stream-issues [--jk target/release/jk] [--issues 100000] [--page 100] \
//!     [--peers ~/.cache/jirakit-conformance] [--rounds 3]
//! ```

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::TryStreamExt;
use serde_json::{json, Value};

const JQL: &str = "created <= now()";
/// Requests in flight for jirakit's concurrent run.
const CONCURRENCY: usize = 4;

/// Measuring is the one place this project reads the wall clock directly.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

struct Args {
    jk: PathBuf,
    issues: u64,
    page: u32,
    peers: PathBuf,
    rounds: u32,
}

fn args() -> anyhow::Result<Args> {
    let home = std::env::var("HOME").unwrap_or_default();
    let mut a = Args {
        jk: "target/release/jk".into(),
        issues: 100_000,
        page: 100,
        peers: PathBuf::from(home).join(".cache/jirakit-conformance"),
        rounds: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--jk" => a.jk = value.into(),
            "--issues" => a.issues = value.parse()?,
            "--page" => a.page = value.parse()?,
            "--peers" => a.peers = value.into(),
            "--rounds" => a.rounds = value.parse::<u32>()?.max(1),
            other => {
                bail!("unknown flag {other}: use --jk PATH, --issues N, --page N, --peers DIR, --rounds N")
            }
        }
    }
    Ok(a)
}

struct Site {
    url: String,
    email: String,
    token: String,
}

fn start(jk: &PathBuf, issues: u64) -> anyhow::Result<(std::process::Child, Site)> {
    let dir = std::env::temp_dir().join(format!("jirakit-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ready = dir.join("ready.json");
    let child = Command::new(jk)
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--memory", "--seed"])
        .arg(format!("scale:{issues}"))
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", jk.display()))?;
    let started = now();
    while !ready.exists() {
        if started.elapsed() > Duration::from_secs(1800) {
            bail!("the sandbox was not ready after 30 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(50));
    let r: Value = serde_json::from_slice(&std::fs::read(&ready)?)?;
    let _ = std::fs::remove_dir_all(&dir);
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
    Ok((
        child,
        Site {
            url: s("url"),
            email: s("email"),
            token: s("api_token"),
        },
    ))
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// A contender's name, how to start a run of it, and how many rounds it runs.
type Contender<'a> = (&'a str, Box<dyn Fn() -> Command + 'a>, u32);

/// Runs one contender to completion: (seconds, peak RSS in MB, items it reported).
fn measure(mut cmd: Command) -> anyhow::Result<(f64, f64, u64)> {
    let t0 = now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn()?;
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak = peak.max(kb);
        }
        if child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let secs = t0.elapsed().as_secs_f64();
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let n = text
        .trim()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .with_context(|| format!("no count in {text:?}"))?;
    Ok((secs, peak as f64 / 1024.0, n))
}

/// The floor: the same pages over the same kind of connection, bodies read and not parsed; the
/// next page token is cut out of the bytes.
async fn floor(site: &Site, page: u32) -> anyhow::Result<u64> {
    let http = reqwest::Client::new();
    let mut token: Option<String> = None;
    let mut items = 0u64;
    loop {
        let mut body = json!({"jql": JQL, "fields": ["*navigable"], "maxResults": page});
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let bytes = http
            .post(format!("{}/rest/api/3/search/jql", site.url))
            .basic_auth(&site.email, Some(&site.token))
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        items += count_issues(&bytes);
        token = cut_token(&bytes);
        if token.is_none() {
            return Ok(items);
        }
    }
}

/// Counts the objects opening at depth 2 (the items of `"issues": [...]`) by a byte scan that only
/// tracks strings and nesting: no values are built.
fn count_issues(bytes: &[u8]) -> u64 {
    let (mut depth, mut in_str, mut esc, mut n) = (0u32, false, false, 0u64);
    for &c in bytes {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => {
                if c == b'{' && depth == 2 {
                    n += 1;
                }
                depth += 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    n
}

fn cut_token(bytes: &[u8]) -> Option<String> {
    let key = b"\"nextPageToken\":\"";
    let at = bytes.windows(key.len()).position(|w| w == key)? + key.len();
    let end = bytes[at..].iter().position(|b| *b == b'"')?;
    Some(String::from_utf8_lossy(&bytes[at..at + end]).into_owned())
}

/// jirakit's stream: `concurrency` 1 is the default (one page ahead), more fetches issues 100 at
/// a time with that many requests in flight.
async fn jirakit(site: &Site, page: u32, concurrency: usize) -> anyhow::Result<u64> {
    let jira = jirakit::Client::builder(&site.url)
        .auth(jirakit::Auth::basic(&site.email, &site.token))
        .limits(jirakit::limit::Limits::unlimited())
        .build()?;
    let mut s = Box::pin(
        jira.search(JQL)
            .fields(["*navigable"])
            .page_size(page)
            .concurrency(concurrency)
            .into_stream(),
    );
    let mut n = 0u64;
    while let Some(issue) = s.try_next().await? {
        // Touch a typed field so the work is not optimised away.
        n += u64::from(issue.fields.summary.is_some()) | 1;
    }
    Ok(n)
}

const PYTHON: &str = r#"
import sys
from jira import JIRA
url, email, token, page, jql = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
j = JIRA(server=url, basic_auth=(email, token))
# The package's own way to read everything: maxResults=False pages through all of it (100 a page).
issues = j.enhanced_search_issues(jql, maxResults=False, fields="*navigable")
n = sum(1 for i in issues if i.fields.summary is not None or True)
print(n)
"#;

const NODE: &str = r#"
const { Version3Client } = require('jira.js');
const [url, email, token, page, jql] = process.argv.slice(1);
(async () => {
  const c = new Version3Client({ host: url, authentication: { basic: { email, apiToken: token } } });
  let n = 0, next;
  for (;;) {
    const r = await c.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({ jql, fields: ['*navigable'], maxResults: Number(page), nextPageToken: next });
    for (const i of r.issues || []) { if (i.fields.summary !== undefined) n++; else n++; }
    next = r.nextPageToken;
    if (!next) break;
  }
  console.log(n);
})().catch(e => { console.error(e.message || e); process.exit(1); });
"#;

fn main() -> anyhow::Result<()> {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--worker") {
        let site = Site {
            url: argv[3].clone(),
            email: argv[4].clone(),
            token: argv[5].clone(),
        };
        let page: u32 = argv[6].parse()?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let n = match argv[2].as_str() {
            "floor" => rt.block_on(floor(&site, page))?,
            "jirakit" => rt.block_on(jirakit(&site, page, 1))?,
            "jirakit-concurrent" => rt.block_on(jirakit(&site, page, CONCURRENCY))?,
            other => bail!("unknown worker {other}"),
        };
        println!("{n}");
        return Ok(());
    }
    let a = args()?;
    let seeding = now();
    let (mut sb, site) = start(&a.jk, a.issues)?;
    println!(
        "sandbox with scale:{} ready in {:.1} s",
        a.issues,
        seeding.elapsed().as_secs_f64()
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        reqwest::Client::new()
            .put(format!("{}/_sandbox/limits", site.url))
            .basic_auth(&site.email, Some(&site.token))
            .json(&json!({"burst_per_second": null, "issue_writes": null, "points_per_hour": null}))
            .send()
            .await
    })?;
    let me = std::env::current_exe()?;
    let page = a.page.to_string();
    let worker = |name: &'static str| {
        let (me, site, page) = (me.clone(), &site, page.clone());
        move || {
            let mut c = Command::new(&me);
            c.args(["--worker", name, &site.url, &site.email, &site.token, &page]);
            c
        }
    };
    let py = || {
        let mut c = Command::new(a.peers.join("venv/bin/python"));
        c.args(["-c", PYTHON, &site.url, &site.email, &site.token, &page, JQL]);
        c
    };
    let node = || {
        let mut c = Command::new("node");
        c.current_dir(a.peers.join("node")).args([
            "-e",
            NODE,
            &site.url,
            &site.email,
            &site.token,
            &page,
            JQL,
        ]);
        c
    };
    // The Python package takes ten times as long as the others: one run of it says enough.
    let contenders: Vec<Contender> = vec![
        (
            "bare HTTP loop, no parsing (floor)",
            Box::new(worker("floor")),
            a.rounds,
        ),
        (
            "jirakit (default: one page ahead)",
            Box::new(worker("jirakit")),
            a.rounds,
        ),
        (
            "jirakit, `.concurrency(4)`",
            Box::new(worker("jirakit-concurrent")),
            a.rounds,
        ),
        ("Python jira 3.10.5", Box::new(py), 1),
        ("jira.js 5.x (Node)", Box::new(node), a.rounds),
    ];
    // Rounds take turns, so that a machine that slows down or speeds up meanwhile weighs on every
    // contender alike.
    let mut results: Vec<Vec<(f64, f64)>> = vec![Vec::new(); contenders.len()];
    let mut failed = false;
    for round in 0..a.rounds {
        for (i, (name, cmd, rounds)) in contenders.iter().enumerate() {
            if round >= *rounds {
                continue;
            }
            match measure(cmd()) {
                Ok((secs, mb, n)) => {
                    eprintln!("round {}: {name}: {secs:.2} s, {mb:.1} MB, {n} issues", round + 1);
                    if n != a.issues {
                        eprintln!("{name} saw {n} issues, not {}", a.issues);
                        failed = true;
                    }
                    results[i].push((secs, mb));
                }
                Err(e) => {
                    eprintln!("{name} failed: {e}");
                    failed = true;
                }
            }
        }
    }
    println!("| client | best s | median s | runs (s) | issues/s (best) | peak RSS MB |");
    println!("|---|---|---|---|---|---|");
    let mut best = vec![f64::NAN; contenders.len()];
    let mut median = vec![f64::NAN; contenders.len()];
    for (i, (name, _, _)) in contenders.iter().enumerate() {
        let mut secs: Vec<f64> = results[i].iter().map(|r| r.0).collect();
        if secs.is_empty() {
            println!("| {name} | failed | | | | |");
            continue;
        }
        let runs = secs
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
            .join(", ");
        secs.sort_by(f64::total_cmp);
        best[i] = secs[0];
        median[i] = secs[secs.len() / 2];
        let peak = results[i].iter().map(|r| r.1).fold(0.0, f64::max);
        println!(
            "| {name} | {:.2} | {:.2} | {runs} | {:.0} | {peak:.1} |",
            best[i],
            median[i],
            a.issues as f64 / best[i]
        );
    }
    // Against the fastest peer (Python and jira.js are contenders 3 and 4).
    let peer = |v: &[f64]| v[3].min(v[4]);
    for (i, name) in [(1, "jirakit"), (2, "jirakit `.concurrency(4)`")] {
        println!(
            "\n{name} against the fastest peer: {:.2}x (best against best), {:.2}x (median against median); against the floor: {:.2}x the floor's time (best)",
            peer(&best) / best[i],
            peer(&median) / median[i],
            best[i] / best[0]
        );
    }
    let _ = sb.kill();
    let _ = sb.wait();
    if failed {
        bail!("a contender failed or saw the wrong number of issues");
    }
    Ok(())
}
