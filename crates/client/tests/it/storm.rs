//! The issue's "done means": 1,000 issues created, edited and transitioned while the sandbox
//! answers about 30% of requests with 429s and 5xx, some of them after committing the change.
//! The end state must be exactly the intended one, and the sandbox's own rate limiter (left on)
//! must never have refused a request: every 429 in its request log is an injected one.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use jirakit::limit::Limits;
use jirakit::retry::RetryPolicy;
use jirakit::{Auth, Client, Error};
use jirakit_sandbox::{Config, Seed};
use jirakit_testkit::TestSandbox;
use serde_json::{json, Value};

const N: usize = 1000;
/// The sandbox's burst limit (per endpoint and method) and the client's pace (per host, which
/// is stricter: every endpoint shares it).
const PER_SECOND: usize = 300;

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 8,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        min_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// How many times one item's step was started again by the job (after the client gave up).
#[derive(Default, Debug)]
struct Redone {
    create: usize,
    edit: usize,
    transition: usize,
}

async fn one(jira: Client, i: usize) -> Result<Redone, Error> {
    let mut redone = Redone::default();
    let key = loop {
        let mut c = jira
            .issues()
            .create("SHOP", "Task", format!("storm {i}"))
            .idempotency_key(format!("storm-{i}"))
            .settle_polls(1)
            .retry_policy(policy());
        if redone.create > 0 {
            // A rerun of the step looks its key up first, as a restarted job would.
            c = c.check_first();
        }
        match c.send().await {
            Ok(created) => break created.key.to_string(),
            Err(e) if redone.create < 5 => {
                tracing::debug!(i, error = %e, "create redone");
                redone.create += 1;
            }
            Err(e) => return Err(e),
        }
    };
    loop {
        let r = jira
            .issues()
            .edit(&key)
            .field("summary", json!(format!("storm {i} edited")))
            .field("Story Points", json!(i as f64))
            .send()
            .await;
        match r {
            Ok(()) => break,
            Err(_) if redone.edit < 5 => redone.edit += 1,
            Err(e) => return Err(e),
        }
    }
    loop {
        match jira
            .issues()
            .transition(&key)
            .to_status("In Progress")
            .send()
            .await
        {
            Ok(_) => break,
            // A rerun after the transition went through finds no way to "In Progress" any more.
            Err(Error::NoTransition { .. }) if redone.transition > 0 => break,
            Err(_) if redone.transition < 5 => redone.transition += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(redone)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_issues_through_a_storm_of_429s_and_5xx_end_exactly_as_intended() {
    // A running clock: the sandbox's token buckets refill in real time.
    let sb = TestSandbox::with_config(Config {
        seed: Seed::Demo,
        ..Config::default()
    })
    .await;
    let r = sb
        .put("/_sandbox/limits", &json!({"burst_per_second": PER_SECOND}))
        .await;
    assert!(r.status().is_success());
    let limits: Value = sb.get("/_sandbox/limits").await.json().await.unwrap();
    assert_eq!(limits["burst_per_second"], json!(PER_SECOND));
    assert!(!limits["issue_writes"].as_array().unwrap().is_empty());

    let rules = json!({"seed": 7, "rules": [
        {"path": "/rest/**", "probability": 0.10, "action": {"status": 429, "retry_after": 0}},
        {"path": "/rest/**", "probability": 0.08, "action": {"status": 503, "retry_after": 0}},
        {"method": "POST", "path": "/rest/api/*/issue", "probability": 0.15,
         "action": {"commit_then": 503, "retry_after": 0}},
        {"method": "PUT", "path": "/rest/api/*/issue/*", "probability": 0.15,
         "action": {"commit_then": 500}},
        {"method": "POST", "path": "/rest/api/*/issue/*/transitions", "probability": 0.15,
         "action": {"commit_then": 502}},
        {"path": "/rest/**", "probability": 0.04, "action": {"status": 500}}
    ]});
    let r = sb.put("/_sandbox/faults", &rules).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let r = sb
        .req(reqwest::Method::DELETE, "/_sandbox/requests")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let c = sb.sandbox.config();
    let jira = Client::builder(sb.sandbox.url())
        .auth(Auth::basic(&c.email, &c.api_token))
        .retry_policy(policy())
        .limits(Limits {
            per_host: vec![(PER_SECOND, Duration::from_secs(1))],
            ..Limits::default()
        })
        .build()
        .unwrap();

    let started = tokio::time::Instant::now();
    let redone: Vec<Redone> = futures_util::stream::iter(0..N)
        .map(|i| one(jira.clone(), i))
        .buffer_unordered(24)
        .try_collect()
        .await
        .unwrap();
    let took = started.elapsed();

    // What the storm did.
    let faults: Value = sb.get("/_sandbox/faults").await.json().await.unwrap();
    let fired: Vec<u64> = faults["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fired"].as_u64().unwrap())
        .collect();
    let log: Vec<Value> = sb.get("/_sandbox/requests").await.json().await.unwrap();
    let rest: Vec<&Value> = log
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with("/rest/"))
        .collect();
    let count = |s: u16| rest.iter().filter(|r| r["status"] == json!(s)).count() as u64;
    let injected: u64 = fired.iter().sum();
    eprintln!(
        "{} requests in {took:?}; faults fired {fired:?} ({injected}, {:.0}%); jobs redone: creates {}, edits {}, transitions {}",
        rest.len(),
        100.0 * injected as f64 / rest.len() as f64,
        redone.iter().map(|r| r.create).sum::<usize>(),
        redone.iter().map(|r| r.edit).sum::<usize>(),
        redone.iter().map(|r| r.transition).sum::<usize>(),
    );
    assert!(
        fired.iter().all(|f| *f > 0),
        "every kind of fault fired: {fired:?}"
    );
    assert!(
        injected as f64 >= 0.25 * rest.len() as f64,
        "the storm was weaker than intended: {injected} of {}",
        rest.len()
    );
    // The sandbox's limiter never refused: the only 429s are the injected ones.
    assert_eq!(
        count(429),
        fired[0],
        "a 429 that was not injected: the client went over the limit"
    );
    assert_eq!(count(503), fired[1] + fired[2]);

    // The end state, read with the faults gone.
    let r = sb
        .req(reqwest::Method::DELETE, "/_sandbox/faults")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let reader = crate::support::client(&sb);
    let all: Vec<jirakit::model::Issue> = reader
        .search("project = SHOP AND summary ~ storm")
        .fields(["summary", "status", "labels", "Story Points"])
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let mut by_item: HashMap<usize, Vec<&jirakit::model::Issue>> = HashMap::new();
    for issue in &all {
        let labels = issue.fields.labels.clone().unwrap_or_default();
        let item = labels
            .iter()
            .find_map(|l| l.strip_prefix("jk-idem-storm-"))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("an issue without its key: {issue:?}"));
        by_item.entry(item).or_default().push(issue);
    }
    let duplicated: Vec<_> = by_item
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(i, _)| *i)
        .collect();
    assert!(duplicated.is_empty(), "duplicates for items {duplicated:?}");
    assert_eq!(by_item.len(), N, "an item was lost");
    for (i, issues) in &by_item {
        let f = &issues[0].fields;
        assert_eq!(f.summary.as_deref(), Some(format!("storm {i} edited").as_str()));
        assert_eq!(f.get("customfield_10016"), Some(json!(*i as f64)), "item {i}");
        assert_eq!(
            f.status.as_ref().map(|s| s.name.as_str()),
            Some("In Progress"),
            "item {i}"
        );
    }
}
