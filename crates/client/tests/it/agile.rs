//! The typed agile module against the sandbox: boards, sprints and their state changes, backlog,
//! moves and rank in chunks of 50, epics.

use futures_util::TryStreamExt;
use jirakit::agile::{BoardType, SprintChanges, SprintState};
use jirakit::limit::Limits;
use jirakit::{Auth, Client, Method};
use jirakit_sandbox::Seed;
use jirakit_testkit::TestSandbox;
use serde_json::{json, Value};

use crate::support::*;

/// A client that does not pace itself, against a sandbox whose rate limits are off: these tests
/// send a few hundred requests on a frozen clock.
async fn unlimited(seed: Seed) -> (TestSandbox, Client) {
    let sb = sandbox(seed).await;
    let jira = unpaced(&sb, false).await;
    (sb, jira)
}

async fn unpaced(sb: &TestSandbox, pat: bool) -> Client {
    let c = sb.sandbox.config();
    let auth = if pat {
        Auth::bearer(&c.pat)
    } else {
        Auth::basic(&c.email, &c.api_token)
    };
    let jira = Client::builder(sb.sandbox.url())
        .auth(auth)
        .limits(Limits::unlimited())
        .build()
        .unwrap();
    jira.request(Method::PUT, "/_sandbox/limits")
        .json(&json!({"burst_per_second": null, "issue_writes": null}))
        .send()
        .await
        .unwrap();
    jira
}

/// Project AGL with `n` stories (created 50 per bulk request) and a scrum board on it.
async fn agl(jira: &Client, n: usize) -> (u64, Vec<String>) {
    jira.request(Method::POST, "/rest/api/3/project")
        .json(&json!({"key": "AGL", "name": "Agile", "projectTypeKey": "software"}))
        .send()
        .await
        .unwrap();
    let mut keys = Vec::new();
    let summaries: Vec<usize> = (0..n).collect();
    for chunk in summaries.chunks(50) {
        let updates: Vec<Value> = chunk
            .iter()
            .map(|i| json!({"fields": {"project": {"key": "AGL"}, "issuetype": {"name": "Story"}, "summary": format!("Story {i}")}}))
            .collect();
        let v: Value = jira
            .request(Method::POST, "/rest/api/3/issue/bulk")
            .json(&json!({ "issueUpdates": updates }))
            .send_json()
            .await
            .unwrap();
        assert_eq!(v["errors"], json!([]), "{v}");
        keys.extend(
            v["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["key"].as_str().unwrap().to_owned()),
        );
    }
    let filter: Value = jira
        .request(Method::POST, "/rest/api/3/filter")
        .json(&json!({"name": "AGL", "jql": "project = AGL ORDER BY Rank ASC"}))
        .send_json()
        .await
        .unwrap();
    let filter_id: u64 = filter["id"].as_str().unwrap().parse().unwrap();
    let board = jira
        .agile()
        .create_board("AGL board", BoardType::Scrum, filter_id)
        .project("AGL")
        .send()
        .await
        .unwrap();
    (board.id, keys)
}

async fn all<T: serde::de::DeserializeOwned + Send + 'static>(p: jirakit::Pager<T>) -> Vec<T> {
    p.page_size(7).into_stream().try_collect().await.unwrap()
}

fn keys_of(issues: &[jirakit::model::Issue]) -> Vec<String> {
    issues.iter().map(|i| i.key_or_id().to_owned()).collect()
}

#[tokio::test]
async fn boards_are_listed_by_project_type_and_name_and_created_read_and_deleted() {
    let (_sb, jira) = unlimited(Seed::Demo).await;
    let agile = jira.agile();
    let scrum = all(agile.boards().kind("scrum").pager()).await;
    assert_eq!(
        scrum.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        ["SHOP board"]
    );
    assert_eq!(scrum[0].kind, Some(BoardType::Scrum));
    assert_eq!(
        scrum[0].location.as_ref().unwrap().project_key.as_deref(),
        Some("SHOP")
    );
    let ops = all(agile.boards().project("OPS").pager()).await;
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].kind, Some(BoardType::Kanban));
    assert!(all(agile.boards().name("nothing like it").pager())
        .await
        .is_empty());
    let by_name = all(agile.boards().name("shop").pager()).await;
    assert_eq!(by_name.len(), 1);

    let (board, _) = agl(&jira, 0).await;
    let got = agile.board(board).await.unwrap();
    assert_eq!(got.name, "AGL board");
    let config = agile.board_configuration(board).await.unwrap();
    assert_eq!(config.id, board);
    let columns = config.column_config.unwrap().columns;
    assert!(
        !columns.is_empty() && columns.iter().all(|c| !c.statuses.is_empty()),
        "{columns:?}"
    );
    assert!(config.ranking.unwrap().rank_custom_field_id.is_some());

    agile.delete_board(board).await.unwrap();
    let e = agile.board(board).await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let e = agile
        .create_board("x", "scrum", 999_999)
        .send()
        .await
        .unwrap_err();
    assert!(e.is_rejected(), "{e}");
    assert!(e.api().unwrap().body.errors.contains_key("filterId"), "{e}");
}

#[tokio::test]
async fn sprints_change_state_through_methods_and_jiras_refusals_come_back_as_rejections() {
    let (_sb, jira) = unlimited(Seed::Demo).await;
    let agile = jira.agile();
    let (board, keys) = agl(&jira, 3).await;
    let sprint = agile
        .create_sprint(board, "AGL 1")
        .goal("Ship it")
        .send()
        .await
        .unwrap();
    assert_eq!(sprint.state, SprintState::Future);
    assert_eq!(sprint.origin_board_id, Some(board));
    assert_eq!(sprint.goal.as_deref(), Some("Ship it"));

    // Starting without dates: Jira's 400, with Jira's message, untouched by the client.
    let e = agile.start_sprint(sprint.id).await.unwrap_err();
    assert!(e.is_rejected() && e.status() == Some(400), "{e}");
    assert!(
        e.api()
            .unwrap()
            .body
            .messages()
            .iter()
            .any(|m| m.contains("start date")),
        "{e}"
    );
    assert_eq!(agile.sprint(sprint.id).await.unwrap().state, SprintState::Future);

    let dated = agile
        .update_sprint(
            sprint.id,
            &SprintChanges {
                start_date: Some("2026-01-05T09:00:00.000Z".into()),
                end_date: Some("2026-01-19T17:00:00.000Z".into()),
                ..SprintChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        dated.goal.as_deref(),
        Some("Ship it"),
        "a partial update keeps the goal"
    );
    assert!(dated
        .start_date
        .as_deref()
        .unwrap()
        .starts_with("2026-01-05T09:00:00"));

    agile.move_to_sprint(sprint.id, &keys).await.unwrap();
    let active = agile.start_sprint(sprint.id).await.unwrap();
    assert_eq!(active.state, SprintState::Active);
    let listed = all(agile.sprints(board).state(SprintState::Active).pager()).await;
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), [sprint.id]);
    assert!(all(agile.sprints(board).state("closed").pager()).await.is_empty());

    // Done work stays in the closed sprint; the rest goes back to the backlog.
    jira.issues()
        .transition(keys[0].as_str())
        .to_status("Done")
        .send()
        .await
        .unwrap();
    let closed = agile.close_sprint(sprint.id).await.unwrap();
    assert_eq!(closed.state, SprintState::Closed);
    assert!(closed.complete_date.is_some());
    let backlog = keys_of(&all(agile.backlog(board).pager()).await);
    assert_eq!(backlog, keys[1..].to_vec());
    let e = agile
        .update_sprint(
            sprint.id,
            &SprintChanges {
                state: Some(SprintState::Active),
                ..SprintChanges::default()
            },
        )
        .await
        .unwrap_err();
    assert!(e.is_rejected(), "a closed sprint cannot reopen: {e}");

    // A full update clears what it leaves out.
    let next = agile
        .create_sprint(board, "AGL 2")
        .goal("Goal")
        .send()
        .await
        .unwrap();
    let replaced = agile
        .replace_sprint(
            next.id,
            &SprintChanges {
                name: Some("AGL 2 renamed".into()),
                ..SprintChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(replaced.name, "AGL 2 renamed");
    assert_eq!(replaced.goal.as_deref(), Some(""));
    let states: Vec<SprintState> = all(agile.sprints(board).pager())
        .await
        .into_iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(states, [SprintState::Closed, SprintState::Future]);
}

#[tokio::test]
async fn the_client_moves_any_number_of_issues_in_chunks_of_fifty_where_jira_takes_fifty() {
    let (_sb, jira) = unlimited(Seed::Empty).await;
    let agile = jira.agile();
    let (board, keys) = agl(&jira, 51).await;
    let sprint = agile
        .create_sprint(board, "Big")
        .start_date("2026-01-05T09:00:00.000Z")
        .end_date("2026-01-19T17:00:00.000Z")
        .send()
        .await
        .unwrap();

    // Jira itself refuses 51 in one request.
    let e = jira
        .request(
            Method::POST,
            format!("/rest/agile/1.0/sprint/{}/issue", sprint.id),
        )
        .json(&json!({ "issues": keys }))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
    assert!(e.api().unwrap().body.messages()[0].contains("At most 50"), "{e}");
    assert!(all(agile.sprint_issues(sprint.id).pager()).await.is_empty());

    agile.move_to_sprint(sprint.id, &keys).await.unwrap();
    let mut inside = keys_of(&all(agile.sprint_issues(sprint.id).pager()).await);
    inside.sort();
    let mut want = keys.clone();
    want.sort();
    assert_eq!(inside, want);
    assert!(all(agile.backlog(board).pager()).await.is_empty());

    agile.move_to_backlog(&keys).await.unwrap();
    assert!(all(agile.sprint_issues(sprint.id).pager()).await.is_empty());
    assert_eq!(all(agile.backlog(board).pager()).await.len(), 51);

    // Deleting an active sprint sends its issues to the backlog.
    agile.move_to_sprint(sprint.id, &keys[..5]).await.unwrap();
    agile.start_sprint(sprint.id).await.unwrap();
    agile.delete_sprint(sprint.id).await.unwrap();
    assert!(agile.sprint(sprint.id).await.unwrap_err().is_not_found());
    assert_eq!(all(agile.backlog(board).pager()).await.len(), 51);
}

#[tokio::test]
async fn rank_keeps_the_given_order_across_chunks_and_board_issues_take_extra_jql() {
    let (_sb, jira) = unlimited(Seed::Empty).await;
    let agile = jira.agile();
    let (board, keys) = agl(&jira, 60).await;
    // Board order is rank order: creation order to begin with.
    assert_eq!(keys_of(&all(agile.board_issues(board).pager()).await), keys);

    // The last 55 go before the first one, in reverse: two requests (50 + 5).
    let moving: Vec<String> = keys[5..].iter().rev().cloned().collect();
    let failed = agile.rank_before(&moving, &keys[0]).await.unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    let mut want = moving.clone();
    want.extend(keys[..5].iter().cloned());
    assert_eq!(keys_of(&all(agile.board_issues(board).pager()).await), want);

    let failed = agile.rank_after(&[keys[0].as_str()], &keys[4]).await.unwrap();
    assert!(failed.is_empty());
    let order = keys_of(&all(agile.board_issues(board).pager()).await);
    let tail: Vec<&str> = order[order.len() - 5..].iter().map(String::as_str).collect();
    assert_eq!(
        tail,
        [&keys[1], &keys[2], &keys[3], &keys[4], &keys[0]].map(String::as_str)
    );

    let e = agile
        .rank_before(&[keys[1].as_str()], &keys[1])
        .await
        .unwrap_err();
    assert!(e.is_rejected(), "{e}");

    let narrowed = all(agile
        .board_issues(board)
        .jql(format!("key in ({}, {})", keys[7], keys[9]))
        .fields(["summary"])
        .pager())
    .await;
    assert_eq!(keys_of(&narrowed), [keys[9].clone(), keys[7].clone()]);
    assert_eq!(narrowed[0].fields.summary.as_deref(), Some("Story 9"));
    assert!(narrowed[0].fields.status.is_none(), "only the fields asked for");
}

#[tokio::test]
async fn epics_gather_issues_and_let_them_go() {
    let (_sb, jira) = unlimited(Seed::Empty).await;
    let agile = jira.agile();
    let (board, keys) = agl(&jira, 3).await;
    let epic = jira
        .issues()
        .create("AGL", "Epic", "Checkout")
        .send()
        .await
        .unwrap();
    let epic_key = epic.key.as_str();

    let epics = all(agile.board_epics(board)).await;
    assert_eq!(epics.len(), 1);
    assert_eq!(epics[0].key.as_deref(), Some(epic_key));
    assert!(!epics[0].done);
    assert_eq!(
        agile.epic(epic_key).await.unwrap().name.as_deref(),
        Some("Checkout")
    );

    agile.move_to_epic(epic_key, &keys[..2]).await.unwrap();
    assert_eq!(
        keys_of(&all(agile.epic_issues(epic_key).pager()).await),
        keys[..2].to_vec()
    );
    assert_eq!(
        keys_of(&all(agile.issues_without_epic().pager()).await),
        keys[2..].to_vec()
    );

    agile.remove_from_epic(&keys[..1]).await.unwrap();
    assert_eq!(
        keys_of(&all(agile.epic_issues(epic_key).pager()).await),
        keys[1..2].to_vec()
    );
    let mut without = keys_of(&all(agile.issues_without_epic().pager()).await);
    without.sort();
    assert_eq!(without, [keys[0].clone(), keys[2].clone()]);

    let e = agile.move_to_epic(&keys[0], &keys[1..2]).await.unwrap_err();
    assert!(e.is_not_found(), "a story is not an epic: {e}");
}

#[tokio::test]
async fn data_center_serves_the_same_agile_api() {
    let sb = dc_sandbox(Seed::Demo).await;
    let jira = unpaced(&sb, true).await;
    let boards = all(jira.agile().boards().pager()).await;
    assert_eq!(boards.len(), 2);
    let sprints = all(jira.agile().sprints(boards[0].id).state("active").pager()).await;
    assert_eq!(sprints.len(), 1);
    assert!(!all(jira.agile().sprint_issues(sprints[0].id).pager())
        .await
        .is_empty());
}
