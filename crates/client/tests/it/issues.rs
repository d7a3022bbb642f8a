use futures_util::TryStreamExt;
use jirakit_adf::Doc;
use jirakit_sandbox::Seed;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn create_get_edit_and_delete_with_story_points_by_name() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let created = jira
        .issues()
        .create("SHOP", "Bug", "Export button does nothing")
        .description(Doc::paragraph("Clicking Export shows no dialog."))
        .field("Story Points", json!(3.0))
        .labels(["ui"])
        .send()
        .await
        .unwrap();
    assert!(created.key.as_str().starts_with("SHOP-"));

    let issue = jira
        .issues()
        .get(created.key.as_str())
        .fields(["summary", "Story Points", "description", "labels"])
        .send()
        .await
        .unwrap();
    assert_eq!(
        issue.fields.summary.as_deref(),
        Some("Export button does nothing")
    );
    assert_eq!(issue.fields.get("customfield_10016"), Some(json!(3.0)));
    assert_eq!(
        issue.fields.description_doc().unwrap().to_plain_text().trim(),
        "Clicking Export shows no dialog."
    );

    jira.issues()
        .edit(created.key.as_str())
        .field("Story Points", json!(5.0))
        .update("labels", json!({"add": "regression"}))
        .send()
        .await
        .unwrap();
    let issue = jira
        .issues()
        .get(created.key.as_str())
        .fields(["*all"])
        .send()
        .await
        .unwrap();
    assert_eq!(issue.fields.get("customfield_10016"), Some(json!(5.0)));
    let labels = issue.fields.labels.unwrap();
    assert!(
        labels.contains(&"ui".to_owned()) && labels.contains(&"regression".to_owned()),
        "{labels:?}"
    );

    jira.issues().delete(created.key.as_str(), false).await.unwrap();
    assert!(jira
        .issues()
        .get(created.key.as_str())
        .send()
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn a_rejected_create_carries_jiras_field_errors() {
    let sb = sandbox(Seed::Demo).await;
    let e = client(&sb)
        .issues()
        .create("SHOP", "Bug", "")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
    assert!(e.field_errors().unwrap().contains_key("summary"), "{e:?}");
}

#[tokio::test]
async fn an_unknown_field_name_is_a_clear_error_before_any_write() {
    let sb = sandbox(Seed::Demo).await;
    let e = client(&sb)
        .issues()
        .create("SHOP", "Bug", "x")
        .field("Velocity Of Unicorns", json!(1))
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Velocity Of Unicorns"), "{e}");
}

#[tokio::test]
async fn transitions_go_by_target_status_and_a_missing_one_lists_the_choices() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let created = jira
        .issues()
        .create("SHOP", "Task", "Move me")
        .send()
        .await
        .unwrap();
    let key = created.key.as_str();
    let available = jira.issues().transitions(key).await.unwrap();
    assert!(!available.is_empty());
    let target = available[0].to.name.clone();
    let used = jira
        .issues()
        .transition(key)
        .to_status(&target)
        .send()
        .await
        .unwrap();
    assert_eq!(used.to.name, target);
    let issue = jira.issues().get(key).fields(["status"]).send().await.unwrap();
    assert_eq!(issue.fields.status.unwrap().name, target);

    let e = jira
        .issues()
        .transition(key)
        .to("Teleported")
        .send()
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("Teleported") && msg.contains("available:"), "{msg}");
}

#[tokio::test]
async fn comments_changelog_and_properties_round_trip() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let key = jira
        .issues()
        .create("SHOP", "Task", "Talk")
        .send()
        .await
        .unwrap()
        .key;
    let key = key.as_str();
    for i in 0..3 {
        jira.issues()
            .add_comment(key, Doc::paragraph(&format!("note {i}")))
            .await
            .unwrap();
    }
    let comments: Vec<_> = jira
        .issues()
        .comments(key)
        .await
        .unwrap()
        .page_size(2)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(comments.len(), 3);
    assert_eq!(comments[2].body_doc().unwrap().to_plain_text().trim(), "note 2");

    jira.issues()
        .edit(key)
        .field("summary", json!("Talk more"))
        .send()
        .await
        .unwrap();
    let history: Vec<_> = jira
        .issues()
        .changelog(key)
        .await
        .unwrap()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.items.iter().any(|i| i.field == "summary")),
        "{history:?}"
    );

    assert_eq!(jira.issues().property(key, "sync.state").await.unwrap(), None);
    jira.issues()
        .set_property(key, "sync.state", &json!({"v": 1}))
        .await
        .unwrap();
    assert_eq!(
        jira.issues().property(key, "sync.state").await.unwrap(),
        Some(json!({"v": 1}))
    );
    jira.issues().delete_property(key, "sync.state").await.unwrap();
    assert_eq!(jira.issues().property(key, "sync.state").await.unwrap(), None);
}

#[tokio::test]
async fn data_center_gets_wiki_markup_for_rich_text() {
    let sb = dc_sandbox(Seed::Demo).await;
    let jira = pat_client(&sb);
    let key = jira
        .issues()
        .create("SHOP", "Bug", "DC bug")
        .description(Doc::paragraph("plain words"))
        .send()
        .await
        .unwrap()
        .key;
    let raw: serde_json::Value = jira
        .request(jirakit::Method::GET, format!("/rest/api/2/issue/{key}"))
        .query("fields", "description")
        .send_json()
        .await
        .unwrap();
    assert_eq!(raw["fields"]["description"], json!("plain words"));
}

#[tokio::test]
async fn the_raw_escape_hatch_gets_auth_and_paging() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let info: serde_json::Value = jira
        .request(jirakit::Method::GET, "/rest/api/3/serverInfo")
        .send_json()
        .await
        .unwrap();
    assert_eq!(info["deploymentType"], "Cloud");
    let projects: Vec<jirakit::model::Project> = jira
        .request(jirakit::Method::GET, "/rest/api/3/project/search")
        .paginate(jirakit::PageStyle::Offset, "values")
        .page_size(1)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(projects.iter().any(|p| p.key == "SHOP"), "{projects:?}");
}
