use futures_util::TryStreamExt;
use jirakit::Cursor;
use jirakit_jql::Jql;
use jirakit_sandbox::Seed;

use crate::support::*;

async fn count_with(jira: &jirakit::Client, jql: &str, page: u32) -> Vec<String> {
    jira.search(jql)
        .fields(["summary"])
        .page_size(page)
        .into_stream()
        .map_ok(|i| i.key_or_id().to_owned())
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn search_streams_every_issue_over_token_pages_on_cloud() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let small = count_with(&jira, "project = OPS ORDER BY key ASC", 37).await;
    let big = count_with(&jira, "project = OPS ORDER BY key ASC", 500).await;
    assert!(small.len() > 37, "more than one page: {}", small.len());
    assert_eq!(small, big, "page size changes nothing but the number of requests");
    let unique: std::collections::HashSet<_> = small.iter().collect();
    assert_eq!(unique.len(), small.len(), "no issue twice");
}

#[tokio::test]
async fn search_streams_over_offset_pages_on_data_center() {
    let sb = dc_sandbox(Seed::Demo).await;
    let jira = pat_client(&sb);
    let small = count_with(&jira, "project = OPS ORDER BY key ASC", 37).await;
    let big = count_with(&jira, "project = OPS ORDER BY key ASC", 500).await;
    assert!(small.len() > 37);
    assert_eq!(small, big);
}

#[tokio::test]
async fn a_saved_cursor_resumes_where_the_job_stopped() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let jql = "project = OPS ORDER BY key ASC";
    let all = count_with(&jira, jql, 25).await;

    let mut pager = jira.search(jql).page_size(25).pager().await.unwrap();
    let first = pager.next_page().await.unwrap().unwrap();
    let saved = serde_json::to_string(pager.cursor().unwrap()).unwrap();
    drop(pager);

    let cursor: Cursor = serde_json::from_str(&saved).unwrap();
    let rest: Vec<String> = jira
        .search(jql)
        .page_size(25)
        .resume(cursor)
        .into_stream()
        .map_ok(|i| i.key_or_id().to_owned())
        .try_collect()
        .await
        .unwrap();
    let mut joined: Vec<String> = first.items.iter().map(|i| i.key_or_id().to_owned()).collect();
    joined.extend(rest);
    assert_eq!(joined, all);
}

#[tokio::test]
async fn jql_built_with_the_builder_quotes_untrusted_text() {
    let sb = sandbox(Seed::Demo).await;
    let jira = client(&sb);
    let key = jira
        .issues()
        .create("SHOP", "Task", "say \"hi\" OR project = OPS")
        .send()
        .await
        .unwrap()
        .key;
    let q = Jql::field("project")
        .eq("SHOP")
        .and(Jql::field("summary").contains("say \"hi\" OR project = OPS"));
    let hits: Vec<_> = jira.search_jql(&q).into_stream().try_collect().await.unwrap();
    assert!(hits.iter().any(|i| i.key.as_ref() == Some(&key)));
    assert!(hits
        .iter()
        .all(|i| i.key.as_ref().unwrap().as_str().starts_with("SHOP-")));
}

#[tokio::test]
async fn a_bad_jql_is_rejected_with_jiras_message() {
    let sb = sandbox(Seed::Demo).await;
    let e = client(&sb)
        .search("summary query")
        .into_stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
    assert!(e.error_messages().iter().any(|m| m.contains("JQL")), "{e:?}");
}
