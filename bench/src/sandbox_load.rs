//! Single-issue throughput of the sandbox with concurrent keep-alive clients, and its memory.
//!
//! Starts `jk sandbox serve --memory --seed demo` (release build) as a separate process, then for
//! each phase runs C client tasks for D seconds, each task a loop of one request at a time over a
//! shared keep-alive pool:
//!   get    GET  /rest/api/3/issue/SHOP-n      (all fields, as the Python `jira` package asks)
//!   create POST /rest/api/3/issue             (summary, type, description)
//!   edit   PUT  /rest/api/3/issue/SHOP-n      (a new summary each time)
//! and reads the sandbox's resident memory from /proc after seeding and after the load.
//!
//! cargo build --release -p jirakit-cli -p jirakit-bench
//! target/release/sandbox-load [--jk target/release/jk] [--clients 16] [--seconds 10]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

struct Args {
    jk: PathBuf,
    clients: usize,
    seconds: u64,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        jk: "target/release/jk".into(),
        clients: 16,
        seconds: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--jk" => a.jk = value.into(),
            "--clients" => a.clients = value.parse()?,
            "--seconds" => a.seconds = value.parse()?,
            other => bail!("unknown flag {other}: use --jk PATH, --clients N, --seconds N"),
        }
    }
    Ok(a)
}

struct Sandbox {
    child: Child,
    url: String,
    email: String,
    token: String,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Measuring throughput is the one place this project reads the wall clock directly.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

fn start(jk: &PathBuf) -> anyhow::Result<Sandbox> {
    let dir = std::env::temp_dir().join(format!("jirakit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ready = dir.join("ready.json");
    let child = Command::new(jk)
        .args([
            "sandbox",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--memory",
            "--seed",
            "demo",
            "--ready-file",
        ])
        .arg(&ready)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", jk.display()))?;
    let started = now();
    while !ready.exists() {
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the sandbox was not ready after 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let r: Value = serde_json::from_slice(&std::fs::read(&ready)?)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Sandbox {
        child,
        url: r["url"].as_str().unwrap_or_default().to_string(),
        email: r["email"].as_str().unwrap_or_default().to_string(),
        token: r["api_token"].as_str().unwrap_or_default().to_string(),
    })
}

fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time the process has used so far (user + system), in milliseconds, from /proc.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15, that is 11 and 12 after the state; 100 ticks a second.
    (ticks(11) + ticks(12)) * 10.0
}

#[derive(Clone, Copy)]
enum Phase {
    Get,
    Create,
    Edit,
}

struct Outcome {
    ok: u64,
    failed: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn run(sb: &Sandbox, http: &reqwest::Client, phase: Phase, clients: usize, seconds: u64) -> Outcome {
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = now() + Duration::from_secs(seconds);
    let started = now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, ok, failed) = (http.clone(), ok.clone(), failed.clone());
        let (url, email, token) = (sb.url.clone(), sb.email.clone(), sb.token.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n: u64 = c as u64 * 7919;
            while now() < deadline {
                n += 1;
                let key = format!("SHOP-{}", 1 + n % 1000);
                let req = match phase {
                    Phase::Get => http.get(format!("{url}/rest/api/3/issue/{key}")),
                    Phase::Create => http.post(format!("{url}/rest/api/3/issue")).json(&json!({"fields": {
                        "project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": format!("Load {c}-{n}"),
                        "description": {"version": 1, "type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Created by the load benchmark."}]}]},
                    }})),
                    Phase::Edit => http
                        .put(format!("{url}/rest/api/3/issue/{key}"))
                        .json(&json!({"fields": {"summary": format!("Edited {c}-{n}")}})),
                };
                let t = now();
                match req.basic_auth(&email, Some(&token)).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    let ok = ok.load(Ordering::Relaxed);
    Outcome {
        ok,
        failed: failed.load(Ordering::Relaxed),
        per_second: ok as f64 / elapsed,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sb = start(&a.jk)?;
    let pid = sb.child.id();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients)
        .build()?;
    // Lift the sandbox's Jira-like rate limits, where it has them, so the server is what is measured.
    let _ = http
        .put(format!("{}/_sandbox/limits", sb.url))
        .basic_auth(&sb.email, Some(&sb.token))
        .json(&json!({"burst_per_second": 1_000_000_000u64, "issue_writes": [], "points_per_hour": null}))
        .send()
        .await;
    let (rss_seeded, _) = rss_kb(pid);
    println!(
        "sandbox pid {pid}, demo seed loaded: {:.1} MB resident",
        rss_seeded as f64 / 1024.0
    );
    println!(
        "| phase | clients | seconds | ok | failed | requests/s | p50 ms | p99 ms | server CPU µs/request |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, phase) in [
        ("GET issue", Phase::Get),
        ("POST issue", Phase::Create),
        ("PUT issue", Phase::Edit),
    ] {
        let cpu_before = cpu_ms(pid);
        let o = run(&sb, &http, phase, a.clients, a.seconds).await;
        // The server's own CPU per request: unlike requests/s, it hardly depends on what else
        // runs on the machine.
        let cpu_us = (cpu_ms(pid) - cpu_before) * 1000.0 / (o.ok + o.failed).max(1) as f64;
        println!(
            "| {name} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {cpu_us:.0} |",
            a.clients, a.seconds, o.ok, o.failed, o.per_second, o.p50_ms, o.p99_ms
        );
    }
    let (rss, hwm) = rss_kb(pid);
    println!(
        "resident after the load: {:.1} MB (peak {:.1} MB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    Ok(())
}
