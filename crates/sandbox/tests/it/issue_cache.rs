//! `GET /issue/{key}` serves rendered bodies from a cache until anything is written. These tests
//! read issues (filling the cache), write through every kind of path that can change what an
//! issue shows, and check that each issue then reads exactly as a fresh rendering does.

use std::sync::atomic::{AtomicU64, Ordering};

use jirakit_sandbox::Seed;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

static PROBE: AtomicU64 = AtomicU64::new(0);

/// A path read as a given user.
struct Reader<'a> {
    sb: &'a Sb,
    auth: (String, String),
}

impl Reader<'_> {
    async fn raw(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .sb
            .http
            .get(self.sb.url(path))
            .basic_auth(&self.auth.0, Some(&self.auth.1))
            .send()
            .await
            .expect("sent");
        (r.status(), r.text().await.expect("body"))
    }

    /// What `path` answers now, read three ways that must give the same bytes: twice (the second
    /// read comes from the cache the first one filled) and rendered afresh, under a query
    /// parameter no request has used before (a new cache key; unknown parameters are ignored).
    async fn seen(&self, path: &str) -> (StatusCode, String) {
        let first = self.raw(path).await;
        let second = self.raw(path).await;
        let sep = if path.contains('?') { '&' } else { '?' };
        let n = PROBE.fetch_add(1, Ordering::Relaxed);
        let fresh = self.raw(&format!("{path}{sep}cacheProbe={n}")).await;
        assert_eq!(
            first, fresh,
            "{path}: a cached read differs from a fresh rendering"
        );
        assert_eq!(
            second, fresh,
            "{path}: a second read differs from a fresh rendering"
        );
        fresh
    }
}

/// Issues under watch: read before and after each write.
struct Watched<'a> {
    readers: Vec<(Reader<'a>, String)>,
}

impl Watched<'_> {
    async fn snapshot(&self) -> Vec<(StatusCode, String)> {
        let mut out = Vec::new();
        for (reader, path) in &self.readers {
            out.push(reader.seen(path).await);
        }
        out
    }

    /// Checks that the reads numbered in `changed` show the write (they are fresh renderings in
    /// any case: `snapshot` checks that).
    fn expect(
        &self,
        before: &[(StatusCode, String)],
        after: &[(StatusCode, String)],
        changed: &[usize],
        what: &str,
    ) {
        for &i in changed {
            assert_ne!(
                before[i], after[i],
                "{what}: {} does not show it",
                self.readers[i].1
            );
        }
    }
}

fn admin(sb: &Sb) -> Reader<'_> {
    Reader {
        sb,
        auth: sb.auth.clone(),
    }
}

async fn ok(sb: &Sb, method: Method, path: &str, body: Option<Value>) -> Value {
    let (s, b) = sb.call(method, path, body).await;
    assert!(s.is_success(), "{path}: {s} {b}");
    b
}

async fn subtask(sb: &Sb, parent: &str, summary: &str) -> String {
    let b = ok(
        sb,
        Method::POST,
        "/rest/api/3/issue",
        Some(json!({"fields": {"project": {"key": "CA"}, "parent": {"key": parent}, "summary": summary, "issuetype": {"name": "Subtask"}}})),
    )
    .await;
    b["key"].as_str().unwrap().to_string()
}

async fn transition(sb: &Sb, key: &str, name: &str) {
    let (_, t) = sb.get(&format!("/rest/api/3/issue/{key}/transitions")).await;
    let id = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()["id"]
        .clone();
    ok(
        sb,
        Method::POST,
        &format!("/rest/api/3/issue/{key}/transitions"),
        Some(json!({"transition": {"id": id}})),
    )
    .await;
}

async fn attach(sb: &Sb, key: &str) -> String {
    let boundary = "cache-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    );
    let r = sb
        .req(Method::POST, &format!("/rest/api/3/issue/{key}/attachments"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("x-atlassian-token", "no-check")
        .body(body)
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b[0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_write_to_an_issue_or_its_relatives_shows_at_once_in_a_cached_read() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("CA").await;
    let a = sb.issue("CA", "Parent story", "Story").await;
    let b = sb.issue("CA", "Linked task", "Task").await;
    let s = subtask(&sb, &a, "Its subtask").await;
    let me = sb.get("/rest/api/3/myself").await.1["accountId"]
        .as_str()
        .unwrap()
        .to_string();
    let w = Watched {
        readers: vec![
            (admin(&sb), format!("/rest/api/3/issue/{a}")),
            (
                admin(&sb),
                format!("/rest/api/2/issue/{a}?expand=renderedFields,names,schema,changelog,transitions,editmeta&properties=*all"),
            ),
            (admin(&sb), format!("/rest/api/3/issue/{b}")),
            (admin(&sb), format!("/rest/api/3/issue/{s}")),
        ],
    };
    let ia = format!("/rest/api/3/issue/{a}");
    // Plain-text bodies go through v2 (v3 takes documents).
    let ia2 = format!("/rest/api/2/issue/{a}");

    let mut before = w.snapshot().await;
    macro_rules! step {
        ($what:expr, $changed:expr, $write:expr) => {{
            $write;
            let after = w.snapshot().await;
            w.expect(&before, &after, &$changed, $what);
            before = after;
        }};
    }

    step!("an edit of A", [0, 1, 3], {
        ok(
            &sb,
            Method::PUT,
            &ia2,
            Some(json!({"fields": {"summary": "Parent story, edited", "description": "Now with *words*."}})),
        )
        .await;
    });
    step!("a comment on A", [0, 1], {
        ok(
            &sb,
            Method::POST,
            &format!("{ia2}/comment"),
            Some(json!({"body": "First!"})),
        )
        .await;
    });
    let (_, cs) = sb.get(&format!("{ia}/comment")).await;
    let cid = cs["comments"][0]["id"].as_str().unwrap().to_string();
    step!("a comment edited", [0, 1], {
        ok(
            &sb,
            Method::PUT,
            &format!("{ia2}/comment/{cid}"),
            Some(json!({"body": "Second thoughts"})),
        )
        .await;
    });
    step!("a comment deleted", [0, 1], {
        ok(&sb, Method::DELETE, &format!("{ia}/comment/{cid}"), None).await;
    });
    step!("a transition", [0, 1, 3], {
        transition(&sb, &a, "In Progress").await;
    });
    step!("an assignment", [0, 1], {
        ok(
            &sb,
            Method::PUT,
            &format!("{ia}/assignee"),
            Some(json!({"accountId": me})),
        )
        .await;
    });
    step!("a watcher removed", [0, 1], {
        ok(
            &sb,
            Method::DELETE,
            &format!("{ia}/watchers?accountId={me}"),
            None,
        )
        .await;
    });
    step!("a watcher added", [0, 1], {
        ok(&sb, Method::POST, &format!("{ia}/watchers"), Some(json!(me))).await;
    });
    step!("a link from A to B", [0, 1, 2], {
        ok(
            &sb,
            Method::POST,
            "/rest/api/3/issueLink",
            Some(json!({"type": {"name": "Blocks"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": b}})),
        )
        .await;
    });
    step!("an edit of the linked issue B", [0, 1, 2], {
        ok(
            &sb,
            Method::PUT,
            &format!("/rest/api/3/issue/{b}"),
            Some(json!({"fields": {"summary": "Linked task, renamed"}})),
        )
        .await;
    });
    let (_, types) = sb.get("/rest/api/3/issueLinkType").await;
    let blocks = types["issueLinkTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Blocks")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    step!("the link type renamed", [0, 1, 2], {
        ok(
            &sb,
            Method::PUT,
            &format!("/rest/api/3/issueLinkType/{blocks}"),
            Some(json!({"outward": "holds up"})),
        )
        .await;
    });
    let link = sb.get(&ia).await.1["fields"]["issuelinks"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    step!("the link deleted", [0, 1, 2], {
        ok(
            &sb,
            Method::DELETE,
            &format!("/rest/api/3/issueLink/{link}"),
            None,
        )
        .await;
    });
    step!("work logged on the subtask", [0, 1, 3], {
        ok(
            &sb,
            Method::POST,
            &format!("/rest/api/3/issue/{s}/worklog"),
            Some(json!({"timeSpentSeconds": 3600})),
        )
        .await;
    });
    step!("work logged on A", [0, 1], {
        ok(
            &sb,
            Method::POST,
            &format!("{ia}/worklog"),
            Some(json!({"timeSpentSeconds": 7200})),
        )
        .await;
    });
    step!("an issue property set", [1], {
        ok(
            &sb,
            Method::PUT,
            &format!("{ia}/properties/cache.test"),
            Some(json!({"n": 1})),
        )
        .await;
    });
    step!("an issue property deleted", [1], {
        ok(&sb, Method::DELETE, &format!("{ia}/properties/cache.test"), None).await;
    });
    let file = attach(&sb, &a).await;
    let after = w.snapshot().await;
    w.expect(&before, &after, &[0, 1], "an attachment");
    before = after;
    step!("an attachment deleted", [0, 1], {
        ok(
            &sb,
            Method::DELETE,
            &format!("/rest/api/3/attachment/{file}"),
            None,
        )
        .await;
    });
    step!("an edit of the subtask", [0, 1, 3], {
        ok(
            &sb,
            Method::PUT,
            &format!("/rest/api/3/issue/{s}"),
            Some(json!({"fields": {"summary": "Its subtask, renamed"}})),
        )
        .await;
    });
    step!("the subtask deleted", [0, 1, 3], {
        ok(&sb, Method::DELETE, &format!("/rest/api/3/issue/{s}"), None).await;
    });
    assert_eq!(before[3].0, StatusCode::NOT_FOUND);
    step!("B deleted", [2], {
        ok(&sb, Method::DELETE, &format!("/rest/api/3/issue/{b}"), None).await;
    });
    assert_eq!(before[2].0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn changes_to_the_site_configuration_show_at_once_in_a_cached_read() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("CA").await;
    let a = sb.issue("CA", "Versioned", "Task").await;
    let ia = format!("/rest/api/3/issue/{a}");
    let w = Watched {
        readers: vec![
            (admin(&sb), ia.clone()),
            (
                admin(&sb),
                format!("/rest/api/2/issue/{a}?fields=project,fixVersions"),
            ),
        ],
    };
    let mut before = w.snapshot().await;
    macro_rules! step {
        ($what:expr, $changed:expr, $write:expr) => {{
            $write;
            let after = w.snapshot().await;
            w.expect(&before, &after, &$changed, $what);
            before = after;
        }};
    }
    step!("the project renamed", [0, 1], {
        ok(
            &sb,
            Method::PUT,
            "/rest/api/3/project/CA",
            Some(json!({"name": "Cache Renamed"})),
        )
        .await;
    });
    let pid = sb.get("/rest/api/3/project/CA").await.1["id"].clone();
    let version = ok(
        &sb,
        Method::POST,
        "/rest/api/3/version",
        Some(json!({"name": "1.0", "projectId": pid})),
    )
    .await;
    let vid = version["id"].as_str().unwrap().to_string();
    step!("a fix version set", [0, 1], {
        ok(
            &sb,
            Method::PUT,
            &ia,
            Some(json!({"fields": {"fixVersions": [{"id": vid}]}})),
        )
        .await;
    });
    step!("the version renamed", [0, 1], {
        ok(
            &sb,
            Method::PUT,
            &format!("/rest/api/3/version/{vid}"),
            Some(json!({"name": "1.0.1"})),
        )
        .await;
    });
    // Nothing an issue shows is relative to now: moving the clock changes no body, and what is
    // served is still what a fresh rendering gives (`snapshot` checks that).
    ok(
        &sb,
        Method::POST,
        "/_sandbox/clock/advance",
        Some(json!({"by": "3d"})),
    )
    .await;
    let after = w.snapshot().await;
    assert_eq!(before, after, "moving the clock");
    step!("a reset", [0, 1], {
        ok(
            &sb,
            Method::POST,
            "/_sandbox/reset",
            Some(json!({"seed": "empty"})),
        )
        .await;
    });
    assert_eq!(before[0].0, StatusCode::NOT_FOUND);
    // The same key again, for a different issue.
    sb.project("CA").await;
    assert_eq!(sb.issue("CA", "Reborn", "Bug").await, a);
    let after = w.snapshot().await;
    assert_eq!(after[0].0, StatusCode::OK);
    assert!(after[0].1.contains("Reborn"), "{}", after[0].1);
}

#[tokio::test]
async fn each_caller_gets_their_own_rendering_and_permissions_hold_on_every_read() {
    let sb = Sb::start(Seed::Demo).await;
    sb.without_limits().await;
    let alice = Reader {
        sb: &sb,
        auth: ("alice@example.com".into(), "sandbox-alice-token".into()),
    };
    let key = sb.issue("OPS", "Watched by the admin only", "Task").await;
    let path = format!("/rest/api/3/issue/{key}?fields=watches,assignee");
    let (s, mine) = admin(&sb).seen(&path).await;
    assert_eq!(s, StatusCode::OK);
    let (s, hers) = alice.seen(&path).await;
    assert_eq!(s, StatusCode::OK);
    let (mine, hers): (Value, Value) = (
        serde_json::from_str(&mine).unwrap(),
        serde_json::from_str(&hers).unwrap(),
    );
    assert_eq!(mine["fields"]["watches"]["isWatching"], json!(true), "{mine}");
    assert_eq!(hers["fields"]["watches"]["isWatching"], json!(false), "{hers}");

    // Alice may no longer browse OPS: her read is a 404 at once, the admin's still a 200.
    ok(
        &sb,
        Method::PUT,
        "/_sandbox/projects/OPS/permissions",
        Some(json!({"browse": ["marketing"]})),
    )
    .await;
    let (s, b) = alice.seen(&path).await;
    assert_jira_error(s, &serde_json::from_str(&b).unwrap(), StatusCode::NOT_FOUND);
    assert_eq!(admin(&sb).seen(&path).await.0, StatusCode::OK);
    ok(
        &sb,
        Method::PUT,
        "/_sandbox/projects/OPS/permissions",
        Some(json!({"browse": null})),
    )
    .await;
    assert_eq!(alice.seen(&path).await.0, StatusCode::OK);

    // A user shown on the issue is deactivated: every caller's cached rendering shows it.
    let (_, bob) = sb.get("/rest/api/3/user/search?query=bob").await;
    let bob = bob[0]["accountId"].as_str().unwrap().to_string();
    ok(
        &sb,
        Method::PUT,
        &format!("/rest/api/3/issue/{key}/assignee"),
        Some(json!({"accountId": bob})),
    )
    .await;
    let before = (admin(&sb).seen(&path).await, alice.seen(&path).await);
    ok(
        &sb,
        Method::DELETE,
        &format!("/rest/api/3/user?accountId={bob}"),
        None,
    )
    .await;
    let after = (admin(&sb).seen(&path).await, alice.seen(&path).await);
    assert_ne!(before.0, after.0);
    assert_ne!(before.1, after.1);
    let shown: Value = serde_json::from_str(&after.1 .1).unwrap();
    assert_eq!(shown["fields"]["assignee"]["active"], json!(false), "{shown}");
}
