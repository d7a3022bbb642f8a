//! Word search (`~`) through the FTS index: every write path keeps it right, and it answers as
//! the word matcher does (phrases stay within one comment, prefixes, `!~`).

use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

fn adf(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    ]})
}

async fn comment(sb: &Sb, key: &str, text: &str) -> String {
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{key}/comment"),
            json!({"body": adf(text)}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn word_search_follows_every_write_to_an_issue_and_its_comments() {
    let sb = Sb::start(Seed::Empty).await;
    sb.without_limits().await;
    sb.project("ABC").await;
    let (s, b) = sb
        .post(
            "/rest/api/3/issue",
            json!({"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"},
                   "summary": "Zebrafish pump fails",
                   "description": adf("The aquarium heater overheats at night."),
                   "environment": adf("Ubuntu Quokka")}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let key = b["key"].as_str().unwrap().to_string();
    let other = sb.issue("ABC", "Unrelated chores", "Task").await;
    let one = vec![key.clone()];
    let none: Vec<String> = vec![];

    assert_eq!(keys(&sb, "summary ~ zebrafish").await, one);
    assert_eq!(keys(&sb, "summary ~ aquarium").await, none);
    assert_eq!(keys(&sb, "description ~ aquarium").await, one);
    assert_eq!(keys(&sb, "environment ~ quokka").await, one);
    assert_eq!(keys(&sb, "text ~ \"\\\"heater overheats\\\"\"").await, one);
    assert_eq!(keys(&sb, "text ~ \"\\\"overheats heater\\\"\"").await, none);
    assert_eq!(keys(&sb, "text ~ \"zebra*\"").await, one);
    assert_eq!(keys(&sb, "text ~ zebra").await, none);
    assert_eq!(keys(&sb, "text !~ zebrafish").await, vec![other.clone()]);

    // An edit through v2 (plain text) replaces the old words.
    let (s, b) = sb
        .put(
            &format!("/rest/api/2/issue/{key}"),
            json!({"fields": {"summary": "Walrus pump fails", "description": "Plain words now"}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(keys(&sb, "summary ~ zebrafish").await, none);
    assert_eq!(keys(&sb, "summary ~ walrus").await, one);
    assert_eq!(keys(&sb, "description ~ aquarium").await, none);
    assert_eq!(keys(&sb, "description ~ \"plain words\"").await, one);

    // A text custom field is indexed when it changes; edits of other fields keep every word.
    let (s, f) = sb
        .post(
            "/rest/api/3/field",
            json!({"name": "Root cause", "type": "com.atlassian.jira.plugin.system.customfieldtypes:textfield"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let cf = f["id"].as_str().unwrap().to_string();
    let edit = |fields: serde_json::Value| {
        let sb = &sb;
        let key = key.clone();
        async move {
            let (s, b) = sb
                .put(&format!("/rest/api/3/issue/{key}"), json!({"fields": fields}))
                .await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        }
    };
    edit(json!({cf.clone(): "Corroded axolotl valve"})).await;
    assert_eq!(keys(&sb, "text ~ axolotl").await, one);
    edit(json!({"priority": {"name": "High"}, "labels": ["wet"]})).await;
    assert_eq!(keys(&sb, "text ~ axolotl").await, one);
    assert_eq!(keys(&sb, "summary ~ walrus").await, one);
    edit(json!({cf.clone(): "Replaced gasket"})).await;
    assert_eq!(keys(&sb, "text ~ axolotl").await, none);
    assert_eq!(keys(&sb, "text ~ gasket").await, one);

    // Comments: created, updated, deleted; a phrase does not span two comments.
    let c1 = comment(&sb, &key, "Narwhal alpha beta").await;
    comment(&sb, &key, "gamma delta").await;
    assert_eq!(keys(&sb, "comment ~ narwhal").await, one);
    assert_eq!(keys(&sb, "summary ~ narwhal").await, none);
    assert_eq!(keys(&sb, "text ~ narwhal").await, one);
    assert_eq!(keys(&sb, "comment ~ \"beta gamma\"").await, one);
    assert_eq!(keys(&sb, "comment ~ \"\\\"beta gamma\\\"\"").await, none);
    assert_eq!(keys(&sb, "comment ~ \"\\\"alpha beta\\\"\"").await, one);
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/comment/{c1}"),
            json!({"body": adf("Beluga now")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(keys(&sb, "comment ~ narwhal").await, none);
    assert_eq!(keys(&sb, "comment ~ beluga").await, one);
    let (s, b) = sb.delete(&format!("/rest/api/3/issue/{key}/comment/{c1}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(keys(&sb, "comment ~ beluga").await, none);
    assert_eq!(keys(&sb, "comment ~ gamma").await, one);

    // A transition with a comment, then the issue's words are still there.
    let (_, t) = sb.get(&format!("/rest/api/3/issue/{key}/transitions")).await;
    let id = t["transitions"][0]["id"].clone();
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{key}/transitions"),
            json!({"transition": {"id": id},
                   "update": {"comment": [{"add": {"body": adf("Moved by the okapi")}}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(keys(&sb, "summary ~ walrus").await, one);
    assert_eq!(keys(&sb, "comment ~ okapi").await, one);

    // Bulk creation indexes too.
    let (s, b) = sb
        .post(
            "/rest/api/3/issue/bulk",
            json!({"issueUpdates": [
                {"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"}, "summary": "Capybara one"}},
                {"fields": {"project": {"key": "ABC"}, "issuetype": {"name": "Task"}, "summary": "Capybara two"}}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(keys(&sb, "summary ~ capybara").await.len(), 2);

    // Deleting the issue takes its words (and its comments' words) away.
    let (s, b) = sb.delete(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(keys(&sb, "text ~ walrus").await, none);
    assert_eq!(keys(&sb, "comment ~ gamma").await, none);

    // A reset empties the index with the issues.
    let (s, b) = sb.post("/_sandbox/reset", json!({"seed": "empty"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    sb.project("ABC").await;
    sb.issue("ABC", "Fresh start", "Task").await;
    assert_eq!(keys(&sb, "text ~ capybara").await, none);
    assert_eq!(keys(&sb, "text ~ fresh").await, vec!["ABC-1".to_string()]);
}

#[tokio::test]
async fn the_scale_seed_is_indexed_and_its_vocabulary_is_selective() {
    let sb = Sb::start(Seed::Scale(3000)).await;
    let count = |b: &Value| b["issues"].as_array().map_or(0, Vec::len);
    let word = jirakit_sandbox::scale_word(1);
    let (s, common) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": format!("text ~ {word}"), "fields": ["key"], "maxResults": 5000}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{common}");
    let rare = jirakit_sandbox::scale_word(2000);
    let (s, few) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": format!("text ~ {rare}"), "fields": ["key"], "maxResults": 5000}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{few}");
    assert!(
        count(&common) > 300,
        "the most common word is in many issues: {}",
        count(&common)
    );
    assert!(count(&few) < 30, "a rare word is in few issues: {}", count(&few));
}
