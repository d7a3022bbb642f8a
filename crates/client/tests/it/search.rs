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

async fn all_of(
    jira: &jirakit::Client,
    jql: &str,
    page: u32,
    concurrency: usize,
) -> Vec<jirakit_model::Issue> {
    jira.search(jql)
        .page_size(page)
        .concurrency(concurrency)
        .into_stream()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_concurrent_stream_gives_what_the_sequential_one_gives_in_the_same_order() {
    // Enough issues for several id pages' worth of bulk fetches, out of key order.
    let sb = sandbox(Seed::Scale(1200)).await;
    let jira = client(&sb);
    for jql in [
        "created <= now() ORDER BY priority DESC, key ASC",
        "project = SHOP",
    ] {
        let one = all_of(&jira, jql, 100, 1).await;
        let four = all_of(&jira, jql, 100, 4).await;
        assert!(one.len() > 200, "{jql}: {} issues", one.len());
        assert_eq!(one, four, "{jql}: same issues, same fields, same order");
    }
    let requests: Vec<serde_json::Value> = sb.get("/_sandbox/requests").await.json().await.unwrap();
    let bulk = requests
        .iter()
        .filter(|r| r["path"] == "/rest/api/3/issue/bulkfetch")
        .count();
    assert!(
        bulk >= 12,
        "the concurrent walks fetched through bulkfetch: {bulk}"
    );
}

#[tokio::test]
async fn a_concurrent_stream_on_data_center_pages_by_offset_in_order() {
    let sb = dc_sandbox(Seed::Scale(700)).await;
    let jira = pat_client(&sb);
    let jql = "created <= now() ORDER BY key ASC";
    let one = all_of(&jira, jql, 50, 1).await;
    let three = all_of(&jira, jql, 50, 3).await;
    assert_eq!(one.len(), 700);
    assert_eq!(one, three);
    // A page size Jira clamps (Data Center's limit here is 100) still visits every issue once.
    let clamped = all_of(&jira, jql, 5000, 3).await;
    assert_eq!(one, clamped);
}

#[tokio::test]
async fn a_stream_dropped_early_stops_fetching() {
    let sb = sandbox(Seed::Scale(600)).await;
    let jira = client(&sb);
    let mut s = Box::pin(jira.search("created <= now()").page_size(50).into_stream());
    for _ in 0..10 {
        s.try_next().await.unwrap().unwrap();
    }
    drop(s);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let requests: Vec<serde_json::Value> = sb.get("/_sandbox/requests").await.json().await.unwrap();
    let searches = requests
        .iter()
        .filter(|r| r["path"] == "/rest/api/3/search/jql")
        .count();
    // The page read and at most the next ones ahead; not the 12 pages of the whole result.
    assert!((1..=3).contains(&searches), "{searches} search requests");
}
