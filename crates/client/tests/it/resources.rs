//! Worklogs, links, remote links, attachments, watchers, properties, metadata, bulk operations
//! and dynamic webhooks, against the sandbox.

use std::io::Write;

use futures_util::TryStreamExt;
use jirakit::bulk::CREATE_CHUNK;
use jirakit::webhooks::{Registration, WebhookDetails};
use jirakit::NewWorklog;
use jirakit_adf::Doc;
use jirakit_sandbox::Seed;
use jirakit_testkit::TestSandbox;
use serde_json::{json, Value};

use crate::support::*;

/// A sandbox without rate limits (these tests are not about limits).
pub async fn quiet(seed: Seed) -> TestSandbox {
    let sb = sandbox(seed).await;
    let r = sb
        .put(
            "/_sandbox/limits",
            &json!({"burst_per_second": null, "issue_writes": null}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    sb
}

/// The requests the sandbox logged whose path contains `part`, as (method, path, status).
pub async fn logged(sb: &TestSandbox, part: &str) -> Vec<(String, String, u16)> {
    let v: Vec<Value> = sb.get("/_sandbox/requests").await.json().await.unwrap();
    v.iter()
        .filter(|r| r["path"].as_str().unwrap().contains(part))
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
                r["status"].as_u64().unwrap() as u16,
            )
        })
        .collect()
}

#[tokio::test]
async fn worklogs_are_added_listed_updated_and_deleted() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    let w = jira
        .issues()
        .add_worklog(
            "SHOP-1",
            &NewWorklog::new(5400, "2026-01-05T08:00:00.000+0000").comment(Doc::paragraph("pairing")),
        )
        .await
        .unwrap();
    assert_eq!(w.time_spent_seconds, 5400);
    let all: Vec<_> = jira
        .issues()
        .worklogs("SHOP-1")
        .await
        .unwrap()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let mine = all
        .iter()
        .find(|x| x.id == w.id)
        .expect("the new worklog is listed");
    assert_eq!(mine.comment["type"], "doc");
    let u = jira
        .issues()
        .update_worklog(
            "SHOP-1",
            &w.id,
            &NewWorklog::new(3600, "2026-01-05T08:00:00.000+0000"),
        )
        .await
        .unwrap();
    assert_eq!(u.time_spent_seconds, 3600);
    let by_id = jira.worklogs_by_id(&[w.id.parse().unwrap()]).await.unwrap();
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].time_spent_seconds, 3600);
    jira.issues().delete_worklog("SHOP-1", &w.id).await.unwrap();
    let e = jira
        .issues()
        .update_worklog(
            "SHOP-1",
            &w.id,
            &NewWorklog::new(60, "2026-01-05T08:00:00.000+0000"),
        )
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
}

#[tokio::test]
async fn issues_are_linked_read_back_and_unlinked() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    let types = jira.links().types().await.unwrap();
    let blocks = types.iter().find(|t| t.name == "Blocks").expect("a Blocks type");
    assert_eq!(blocks.outward, "blocks");
    let fetched = jira
        .links()
        .link_type(blocks.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(&fetched, blocks);

    jira.links().link("Blocks", "SHOP-2", "SHOP-1").await.unwrap();
    let on_1 = jira.links().of_issue("SHOP-1").await.unwrap();
    let link = on_1
        .iter()
        .find(|l| {
            l.kind.name == "Blocks"
                && l.inward_issue
                    .as_ref()
                    .and_then(|i| i.key.as_ref())
                    .map(|k| k.as_str())
                    == Some("SHOP-2")
        })
        .expect("SHOP-1 shows the link to SHOP-2");
    let got = jira.links().get(&link.id).await.unwrap();
    assert_eq!(got.id, link.id);
    jira.links().delete(&link.id).await.unwrap();
    assert!(jira.links().get(&link.id).await.unwrap_err().is_not_found());

    let e = jira
        .links()
        .link("No Such Type", "SHOP-2", "SHOP-1")
        .await
        .unwrap_err();
    assert!(matches!(e.status(), Some(400) | Some(404)), "{e}");
}

#[tokio::test]
async fn a_remote_link_with_a_global_id_is_updated_not_duplicated() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    let a = jira
        .links()
        .save_remote(
            "SHOP-1",
            Some("ci:build-7"),
            "https://ci.example.com/7",
            "Build 7",
        )
        .await
        .unwrap();
    assert!(a.created);
    let b = jira
        .links()
        .save_remote(
            "SHOP-1",
            Some("ci:build-7"),
            "https://ci.example.com/7",
            "Build 7 (green)",
        )
        .await
        .unwrap();
    assert_eq!((b.id.as_str(), b.created), (a.id.as_str(), false));
    let all = jira.links().remote("SHOP-1").await.unwrap();
    let ours: Vec<_> = all
        .iter()
        .filter(|l| l.global_id.as_deref() == Some("ci:build-7"))
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].object.title, "Build 7 (green)");
    jira.links().delete_remote("SHOP-1", &a.id).await.unwrap();
    assert!(jira
        .links()
        .remote("SHOP-1")
        .await
        .unwrap()
        .iter()
        .all(|l| l.id != a.id));
}

fn big_file(bytes: usize) -> (tempfile_path::TempPath, Vec<u8>) {
    let data: Vec<u8> = (0..bytes).map(|i| (i * 31 % 251) as u8).collect();
    let p = tempfile_path::TempPath::new("upload.bin");
    std::fs::File::create(&p.0).unwrap().write_all(&data).unwrap();
    (p, data)
}

/// A file path removed on drop (std only).
mod tempfile_path {
    pub struct TempPath(pub std::path::PathBuf);
    impl TempPath {
        pub fn new(name: &str) -> TempPath {
            let dir = std::env::temp_dir().join(format!("jirakit-it-{}", rand_suffix()));
            std::fs::create_dir_all(&dir).unwrap();
            TempPath(dir.join(name))
        }
    }
    impl Drop for TempPath {
        fn drop(&mut self) {
            if let Some(d) = self.0.parent() {
                let _ = std::fs::remove_dir_all(d);
            }
        }
    }
    fn rand_suffix() -> String {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
    }
}

#[tokio::test]
async fn attachments_stream_up_from_a_file_and_a_reader_and_back_down() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    let (path, data) = big_file(3 * 1024 * 1024 + 17);
    let up = jira.attachments().upload_file("SHOP-1", &path.0).await.unwrap();
    assert_eq!(up.len(), 1);
    assert_eq!(
        (up[0].filename.as_str(), up[0].size),
        ("upload.bin", data.len() as u64)
    );

    // Downloaded as a stream of chunks, byte for byte the same.
    let chunks: Vec<bytes::Bytes> = jira
        .attachments()
        .download(&up[0].id)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(chunks.len() > 1, "the download came in one piece");
    assert_eq!(chunks.concat(), data);

    let text = b"line one\nline two\n".to_vec();
    let up2 = jira
        .attachments()
        .upload_reader("SHOP-1", "notes \"v2\".txt", std::io::Cursor::new(text.clone()))
        .await
        .unwrap();
    assert_eq!(up2[0].filename, "notes _v2_.txt");
    let mut out = Vec::new();
    let n = jira
        .attachments()
        .download_to(&up2[0].id, &mut out)
        .await
        .unwrap();
    assert_eq!((n as usize, out), (text.len(), text));

    let meta = jira.attachments().get(&up2[0].id).await.unwrap();
    assert_eq!(meta.size, 18);
    jira.attachments().delete(&up2[0].id).await.unwrap();
    assert!(jira
        .attachments()
        .get(&up2[0].id)
        .await
        .unwrap_err()
        .is_not_found());
    let e = jira.attachments().download("99999999").await.err().unwrap();
    assert!(e.is_not_found(), "{e}");
}

#[tokio::test]
async fn a_file_upload_is_retried_after_a_429_but_a_reader_upload_is_not() {
    let sb = quiet(Seed::Demo).await;
    let jira = fast_client(&sb);
    let rule = |n: u64| {
        json!({"rules": [{"method": "POST", "path": "/rest/api/*/issue/*/attachments", "count": n,
                          "action": {"status": 429, "retry_after": 0}}]})
    };
    let (path, data) = big_file(200_000);
    assert!(sb.put("/_sandbox/faults", &rule(1)).await.status().is_success());
    let up = jira.attachments().upload_file("SHOP-2", &path.0).await.unwrap();
    assert_eq!(up[0].size, data.len() as u64);
    let posts = logged(&sb, "/issue/SHOP-2/attachments").await;
    assert_eq!(
        posts.iter().map(|p| p.2).collect::<Vec<_>>(),
        vec![429, 200],
        "one refused attempt, one retry with the whole file"
    );

    assert!(sb.put("/_sandbox/faults", &rule(1)).await.status().is_success());
    let e = jira
        .attachments()
        .upload_reader("SHOP-3", "once.txt", std::io::Cursor::new(b"once".to_vec()))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(429));
    let issue = jira
        .issues()
        .get("SHOP-3")
        .fields(["attachment"])
        .send()
        .await
        .unwrap();
    let names: Vec<Value> = issue
        .fields
        .get("attachment")
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    assert!(names.iter().all(|a| a["filename"] != "once.txt"));
}

#[tokio::test]
async fn watchers_and_property_keys() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    jira.issues().add_watcher("SHOP-1", None).await.unwrap();
    let w = jira.issues().watchers("SHOP-1").await.unwrap();
    assert!(w.is_watching);
    let me = jira.users().myself().await.unwrap();
    let my_id = me.account_id.unwrap();
    assert!(w.watchers.iter().any(|u| u.account_id.as_ref() == Some(&my_id)));
    jira.issues()
        .remove_watcher("SHOP-1", my_id.as_str())
        .await
        .unwrap();
    assert!(!jira.issues().watchers("SHOP-1").await.unwrap().is_watching);

    jira.issues()
        .set_property("SHOP-1", "sync.state", &json!({"v": 2}))
        .await
        .unwrap();
    let keys = jira.issues().property_keys("SHOP-1").await.unwrap();
    assert!(keys.contains(&"sync.state".to_owned()), "{keys:?}");
}

#[tokio::test]
async fn create_and_edit_metadata() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    let types: Vec<_> = jira
        .issues()
        .create_meta_types("SHOP")
        .await
        .unwrap()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let bug = types
        .iter()
        .find(|t| t.name == "Bug")
        .expect("Bug can be created");
    let fields: Vec<_> = jira
        .issues()
        .create_meta_fields("SHOP", bug.id.as_str())
        .await
        .unwrap()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let summary = fields
        .iter()
        .find(|f| f.field_id.as_deref() == Some("summary"))
        .expect("summary is on the create screen");
    assert!(summary.required);
    let edit = jira.issues().edit_meta("SHOP-1").await.unwrap();
    let (_, s) = edit.iter().find(|(id, _)| id == "summary").unwrap();
    assert_eq!(s.field_id.as_deref(), Some("summary"));
    assert!(s.operations.contains(&"set".to_owned()), "{s:?}");
}

#[tokio::test]
async fn bulk_create_goes_in_chunks_of_fifty_and_keeps_each_items_error() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    let items: Vec<_> = (0..120)
        .map(|i| {
            if i == 77 {
                jira.issues().create("SHOP", "No Such Type", format!("bulk {i}"))
            } else {
                jira.issues().create("SHOP", "Task", format!("bulk {i}"))
            }
        })
        .collect();
    let out = jira.issues().create_bulk(items).await.unwrap();
    assert_eq!(out.created.len(), 120);
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].index, 77);
    assert!(!out.errors[0].errors.messages().is_empty());
    assert!(out.created[77].is_none());
    assert_eq!(out.created.iter().filter(|c| c.is_some()).count(), 119);
    let posts = logged(&sb, "/issue/bulk").await;
    assert_eq!(posts.len(), 120usize.div_ceil(CREATE_CHUNK));

    // Every created key, fetched back 100 at a time, in one list.
    let keys: Vec<String> = out
        .created
        .iter()
        .flatten()
        .map(|c| c.key.to_string())
        .chain(["SHOP-99999".to_owned()])
        .collect();
    let issues = jira
        .issues()
        .fetch_bulk(&keys, &["summary".to_owned()])
        .await
        .unwrap();
    assert_eq!(issues.len(), 119, "the missing key is left out");
    let summaries: std::collections::HashSet<_> =
        issues.iter().map(|i| i.fields.summary.clone().unwrap()).collect();
    assert!(summaries.contains("bulk 0") && summaries.contains("bulk 119") && !summaries.contains("bulk 77"));
    assert_eq!(logged(&sb, "/issue/bulkfetch").await.len(), 2);
}

#[tokio::test]
async fn a_bulk_create_where_every_item_fails_reports_each() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    let items = vec![
        jira.issues().create("SHOP", "No Such Type", "a"),
        jira.issues().create("NOPE", "Task", "b"),
    ];
    let out = jira.issues().create_bulk(items).await.unwrap();
    assert_eq!(out.errors.iter().map(|e| e.index).collect::<Vec<_>>(), vec![0, 1]);
    assert!(out.created.iter().all(Option::is_none));
}

#[tokio::test]
async fn the_bulk_changelog_pages_with_a_token() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    for i in 0..3 {
        jira.issues()
            .edit("SHOP-1")
            .field("summary", json!(format!("renamed {i}")))
            .send()
            .await
            .unwrap();
    }
    jira.issues()
        .edit("SHOP-2")
        .field("summary", json!("renamed"))
        .send()
        .await
        .unwrap();
    let logs: Vec<_> = jira
        .issues()
        .changelog_bulk(&["SHOP-1".into(), "SHOP-2".into()], &["summary".into()])
        .await
        .unwrap()
        .page_size(1)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let histories: usize = logs.iter().map(|l| l.change_histories.len()).sum();
    assert_eq!(histories, 4, "{logs:?}");
    assert!(
        logged(&sb, "/changelog/bulkfetch").await.len() >= 2,
        "more than one page"
    );
}

#[tokio::test]
async fn dynamic_webhooks_register_list_refresh_and_delete() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    let res = jira
        .webhooks()
        .register(
            "https://receiver.example.com/hook",
            &[
                WebhookDetails::new("project = SHOP", ["jira:issue_created"]),
                WebhookDetails::new("project = SHOP", ["jira:nonsense"]),
            ],
        )
        .await
        .unwrap();
    let Registration::Created(id) = res[0] else {
        panic!("{res:?}")
    };
    assert!(matches!(&res[1], Registration::Refused(why) if why.iter().any(|w| w.contains("jira:nonsense"))));
    let listed: Vec<_> = jira
        .webhooks()
        .list()
        .await
        .unwrap()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let hook = listed.iter().find(|h| h.id == id).unwrap();
    let before = hook.expiration_date.unwrap();
    sb.post("/_sandbox/clock/advance", &json!({"by": "1d"})).await;
    let after = jira.webhooks().refresh(&[id]).await.unwrap();
    assert!(after > before, "{after} <= {before}");
    jira.webhooks().delete(&[id]).await.unwrap();
    let listed: Vec<_> = jira
        .webhooks()
        .list()
        .await
        .unwrap()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(listed.iter().all(|h| h.id != id));
}
