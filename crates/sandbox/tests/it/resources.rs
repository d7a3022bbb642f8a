//! Links, remote links, watchers, votes, attachments, worklogs and bulk operations.

use jirakit_sandbox::{Config, Seed};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

async fn two_issues(sb: &Sb) -> (String, String) {
    sb.project("RES").await;
    (
        sb.issue("RES", "First", "Task").await,
        sb.issue("RES", "Second", "Task").await,
    )
}

fn links_of(issue: &Value) -> Vec<Value> {
    issue["fields"]["issuelinks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_default_link_types_are_seeded_and_admins_can_add_more() {
    let sb = Sb::start(Seed::Empty).await;
    let (s, b) = sb.get("/rest/api/3/issueLinkType").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<(&str, &str, &str)> = b["issueLinkTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap(),
                t["inward"].as_str().unwrap(),
                t["outward"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("Blocks", "is blocked by", "blocks"),
            ("Cloners", "is cloned by", "clones"),
            ("Duplicate", "is duplicated by", "duplicates"),
            ("Relates", "relates to", "relates to"),
        ]
    );
    let (s, t) = sb
        .post(
            "/rest/api/3/issueLinkType",
            json!({"name": "Causes", "inward": "is caused by", "outward": "causes"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let id = t["id"].as_str().unwrap();
    let (s, got) = sb.get(&format!("/rest/api/3/issueLinkType/{id}")).await;
    assert_eq!((s, got["name"].as_str()), (StatusCode::OK, Some("Causes")));
    let (s, got) = sb
        .put(
            &format!("/rest/api/3/issueLinkType/{id}"),
            json!({"outward": "leads to"}),
        )
        .await;
    assert_eq!((s, got["outward"].as_str()), (StatusCode::OK, Some("leads to")));
    let (s, b) = sb
        .post(
            "/rest/api/3/issueLinkType",
            json!({"name": "causes", "inward": "x", "outward": "y"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, _) = sb.delete(&format!("/rest/api/3/issueLinkType/{id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = sb.get(&format!("/rest/api/3/issueLinkType/{id}")).await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_link_shows_on_both_issues_with_jiras_direction_and_is_recorded_on_both() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, b) = two_issues(&sb).await;
    let body = json!({"type": {"name": "Blocks"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": b}});
    let (s, empty) = sb.post("/rest/api/2/issueLink", body.clone()).await;
    assert_eq!((s, empty), (StatusCode::CREATED, Value::Null));
    // The same link again succeeds without a second row.
    let (s, _) = sb.post("/rest/api/2/issueLink", body).await;
    assert_eq!(s, StatusCode::CREATED);

    let (_, ia) = sb.get(&format!("/rest/api/3/issue/{a}")).await;
    let (_, ib) = sb.get(&format!("/rest/api/3/issue/{b}")).await;
    let (la, lb) = (links_of(&ia), links_of(&ib));
    assert_eq!((la.len(), lb.len()), (1, 1), "{la:?} / {lb:?}");
    assert_eq!(la[0]["outwardIssue"]["key"], json!(b));
    assert!(la[0].get("inwardIssue").is_none());
    assert_eq!(lb[0]["inwardIssue"]["key"], json!(a));
    assert_eq!(la[0]["type"]["outward"], json!("blocks"));
    assert_eq!(la[0]["id"], lb[0]["id"]);

    let (_, cl) = sb.get(&format!("/rest/api/3/issue/{a}/changelog")).await;
    let item = &cl["values"].as_array().unwrap().last().unwrap()["items"][0];
    assert_eq!(item["field"], json!("Link"));
    assert_eq!(item["toString"], json!(format!("This issue blocks {b}")));
    let (_, cl) = sb.get(&format!("/rest/api/3/issue/{b}/changelog")).await;
    let item = &cl["values"].as_array().unwrap().last().unwrap()["items"][0];
    assert_eq!(item["toString"], json!(format!("This issue is blocked by {a}")));

    let id = la[0]["id"].as_str().unwrap().to_string();
    let (s, link) = sb.get(&format!("/rest/api/3/issueLink/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(link["inwardIssue"]["key"], json!(a));
    assert_eq!(link["outwardIssue"]["key"], json!(b));
    let (s, _) = sb.delete(&format!("/rest/api/3/issueLink/{id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, ia) = sb.get(&format!("/rest/api/3/issue/{a}")).await;
    assert!(links_of(&ia).is_empty());
    let (s, b) = sb.get(&format!("/rest/api/3/issueLink/{id}")).await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_link_to_an_unknown_type_or_issue_is_refused() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, b) = two_issues(&sb).await;
    let (s, e) = sb
        .post(
            "/rest/api/3/issueLink",
            json!({"type": {"name": "Nope"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": b}}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::NOT_FOUND);
    let (s, e) = sb
        .post("/rest/api/3/issueLink", json!({"type": {"name": "Relates"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": "RES-99"}}))
        .await;
    assert_jira_error(s, &e, StatusCode::NOT_FOUND);
    let (s, e) = sb
        .post(
            "/rest/api/3/issueLink",
            json!({"type": {"name": "Relates"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": a}}),
        )
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn remote_links_upsert_by_global_id() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, _) = two_issues(&sb).await;
    let path = format!("/rest/api/3/issue/{a}/remotelink");
    let link = |title: &str| json!({"globalId": "system=ci&id=1", "object": {"url": "https://ci.example.com/1", "title": title}});
    let (s, created) = sb.post(&path, link("Build 1")).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let (s, again) = sb.post(&path, link("Build 1 (green)")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["id"], created["id"]);
    let (s, list) = sb.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["object"]["title"], json!("Build 1 (green)"));
    let (s, one) = sb.get(&format!("{path}?globalId=system%3Dci%26id%3D1")).await;
    assert_eq!((s, &one["id"]), (StatusCode::OK, &created["id"]));
    let id = created["id"].as_i64().unwrap();
    let (s, _) = sb
        .put(
            &format!("{path}/{id}"),
            json!({"object": {"url": "https://ci.example.com/1", "title": "Renamed"}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, one) = sb.get(&format!("{path}/{id}")).await;
    assert_eq!(one["object"]["title"], json!("Renamed"));
    assert_eq!(one["globalId"], json!("system=ci&id=1"));
    let (s, b) = sb.post(&path, json!({"object": {"title": "no url"}})).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, _) = sb.delete(&format!("{path}?globalId=system%3Dci%26id%3D1")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = sb.get(&path).await;
    assert_eq!(list, json!([]));
    let (s, b) = sb.delete(&format!("{path}/{id}")).await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_creator_watches_a_new_issue_and_watchers_can_change() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, _) = two_issues(&sb).await;
    let (_, issue) = sb
        .get(&format!("/rest/api/3/issue/{a}?fields=watches,votes"))
        .await;
    assert_eq!(issue["fields"]["watches"]["watchCount"], json!(1));
    assert_eq!(issue["fields"]["watches"]["isWatching"], json!(true));
    let me = sb.get("/rest/api/3/myself").await.1["accountId"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = sb
        .delete(&format!("/rest/api/3/issue/{a}/watchers?accountId={me}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, w) = sb.get(&format!("/rest/api/3/issue/{a}/watchers")).await;
    assert_eq!(
        (w["watchCount"].clone(), w["isWatching"].clone()),
        (json!(0), json!(false))
    );
    let (s, _) = sb
        .post(&format!("/rest/api/3/issue/{a}/watchers"), json!(me))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, w) = sb.get(&format!("/rest/api/3/issue/{a}/watchers")).await;
    assert_eq!(w["watchers"][0]["accountId"], json!(me));
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{a}/watchers"),
            json!("no-such-account"),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn nobody_votes_for_an_issue_they_reported_but_others_can() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, _) = two_issues(&sb).await;
    let (s, b) = sb
        .post(&format!("/rest/api/3/issue/{a}/votes"), Value::Null)
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    // Another reporter makes the admin a possible voter.
    let (s, users) = sb.get("/rest/api/3/users/search").await;
    assert_eq!(s, StatusCode::OK);
    let me = sb.get("/rest/api/3/myself").await.1["accountId"].clone();
    let Some(other) = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["accountId"] != me && u["accountType"] == json!("atlassian"))
    else {
        // The empty seed may hold only the admin; then a created user reports.
        let (s, u) = sb
            .post("/rest/api/3/user", json!({"emailAddress": "voter@example.com", "displayName": "Voter", "products": ["jira-software"]}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{u}");
        return vote_as_non_reporter(&sb, &a, u["accountId"].as_str().unwrap()).await;
    };
    vote_as_non_reporter(&sb, &a, other["accountId"].as_str().unwrap()).await;
}

async fn vote_as_non_reporter(sb: &Sb, key: &str, reporter: &str) {
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"reporter": {"accountId": reporter}}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, _) = sb
        .post(&format!("/rest/api/3/issue/{key}/votes"), Value::Null)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = sb.get(&format!("/rest/api/3/issue/{key}/votes")).await;
    assert_eq!(
        (v["votes"].clone(), v["hasVoted"].clone()),
        (json!(1), json!(true))
    );
    let (_, i) = sb.get(&format!("/rest/api/3/issue/{key}?fields=votes")).await;
    assert_eq!(i["fields"]["votes"]["votes"], json!(1));
    let (s, _) = sb.delete(&format!("/rest/api/3/issue/{key}/votes")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = sb.delete(&format!("/rest/api/3/issue/{key}/votes")).await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
}

const BOUNDARY: &str = "jirakit-test-boundary";

fn multipart(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(sb: &Sb, key: &str, files: &[(&str, &[u8])], token: bool) -> (StatusCode, Value) {
    let mut r = sb
        .req(Method::POST, &format!("/rest/api/3/issue/{key}/attachments"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(files));
    if token {
        r = r.header("x-atlassian-token", "no-check");
    }
    read(r.send().await.unwrap()).await
}

#[tokio::test]
async fn attachments_round_trip_through_disk_and_show_on_the_issue() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, _) = two_issues(&sb).await;
    let data: Vec<u8> = (0..=255u8).cycle().take(256 * 64).collect();
    let (s, b) = upload(&sb, &a, &[("trace.bin", &data)], false).await;
    assert_jira_error(s, &b, StatusCode::FORBIDDEN);
    assert_eq!(b["errorMessages"][0], json!("XSRF check failed"));

    let (s, up) = upload(&sb, &a, &[("trace.bin", &data), ("notes.txt", b"hello")], true).await;
    assert_eq!(s, StatusCode::OK, "{up}");
    assert_eq!(up.as_array().unwrap().len(), 2);
    assert_eq!(up[0]["size"], json!(data.len()));
    assert_eq!(up[1]["mimeType"], json!("text/plain"));

    let content = up[0]["content"].as_str().unwrap();
    assert!(content.starts_with("http"), "{content}");
    let got = sb
        .http
        .get(content)
        .basic_auth(&sb.auth.0, Some(&sb.auth.1))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), data.as_slice());

    let id = up[0]["id"].as_str().unwrap();
    let (s, meta) = sb.get(&format!("/rest/api/3/attachment/{id}")).await;
    assert_eq!(
        (s, meta["filename"].clone()),
        (StatusCode::OK, json!("trace.bin"))
    );
    let (_, issue) = sb.get(&format!("/rest/api/3/issue/{a}?fields=attachment")).await;
    assert_eq!(issue["fields"]["attachment"].as_array().unwrap().len(), 2);
    let (_, m) = sb.get("/rest/api/3/attachment/meta").await;
    assert_eq!(m, json!({"enabled": true, "uploadLimit": 10 * 1024 * 1024}));

    let (s, _) = sb.delete(&format!("/rest/api/3/attachment/{id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = sb.get(&format!("/rest/api/3/attachment/content/{id}")).await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
    let (_, issue) = sb.get(&format!("/rest/api/3/issue/{a}?fields=attachment")).await;
    assert_eq!(issue["fields"]["attachment"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_attachment_over_the_limit_is_a_413_and_leaves_nothing_behind() {
    let sb = Sb::with(Config {
        frozen_at: Some(fixed_now()),
        attachment_max_bytes: 1000,
        ..Config::default()
    })
    .await;
    let (a, _) = two_issues(&sb).await;
    let (s, b) = upload(&sb, &a, &[("big.bin", &[7u8; 1001])], true).await;
    assert_jira_error(s, &b, StatusCode::PAYLOAD_TOO_LARGE);
    let (_, issue) = sb.get(&format!("/rest/api/3/issue/{a}?fields=attachment")).await;
    assert_eq!(issue["fields"]["attachment"], json!([]));
    let (s, _) = upload(&sb, &a, &[("ok.bin", &[7u8; 1000])], true).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn worklogs_move_time_tracking_and_the_estimate() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, _) = two_issues(&sb).await;
    let (s, b) = sb
        .put(
            &format!("/rest/api/2/issue/{a}"),
            json!({"fields": {"timetracking": {"originalEstimate": "1w"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, w) = sb
        .post(
            &format!("/rest/api/2/issue/{a}/worklog"),
            json!({"timeSpent": "1w 2d 3h 30m", "comment": "Deep work", "started": "2026-01-05T08:00:00.000+0000"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    assert_eq!(w["timeSpentSeconds"], json!(214_200));
    assert_eq!(w["timeSpent"], json!("1w 2d 3h 30m"));
    assert_eq!(w["comment"], json!("Deep work"));
    let (_, i) = sb
        .get(&format!("/rest/api/2/issue/{a}?fields=timetracking,timespent,timeestimate,timeoriginalestimate,progress,worklog"))
        .await;
    let f = &i["fields"];
    assert_eq!(f["timespent"], json!(214_200));
    assert_eq!(f["timeoriginalestimate"], json!(144_000));
    assert_eq!(f["timeestimate"], json!(0));
    assert_eq!(f["timetracking"]["originalEstimate"], json!("1w"));
    assert_eq!(f["progress"]["progress"], json!(214_200));
    assert_eq!(f["worklog"]["total"], json!(1));

    let id = w["id"].as_str().unwrap();
    let (s, w2) = sb
        .put(
            &format!("/rest/api/3/issue/{a}/worklog/{id}?adjustEstimate=new&newEstimate=2h"),
            json!({"timeSpentSeconds": 3600}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{w2}");
    assert_eq!(w2["comment"]["type"], json!("doc"));
    let (_, i) = sb
        .get(&format!("/rest/api/3/issue/{a}?fields=timespent,timeestimate"))
        .await;
    assert_eq!(
        (
            i["fields"]["timespent"].clone(),
            i["fields"]["timeestimate"].clone()
        ),
        (json!(3600), json!(7200))
    );

    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{a}/worklog"),
            json!({"timeSpent": "soon"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["errors"]["timeLogged"].is_string(), "{b}");

    let (s, _) = sb
        .delete(&format!(
            "/rest/api/3/issue/{a}/worklog/{id}?adjustEstimate=manual&increaseBy=30m"
        ))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, i) = sb
        .get(&format!("/rest/api/3/issue/{a}?fields=timespent,timeestimate"))
        .await;
    assert_eq!(
        (
            i["fields"]["timespent"].clone(),
            i["fields"]["timeestimate"].clone()
        ),
        (Value::Null, json!(9000))
    );
}

#[tokio::test]
async fn aggregate_time_fields_add_up_the_subtasks_on_a_get_and_on_a_search_page() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("AGG").await;
    let parent = sb.issue("AGG", "Parent", "Story").await;
    let bare = sb.issue("AGG", "No time at all", "Story").await;
    let (s, b) = sb
        .put(
            &format!("/rest/api/2/issue/{parent}"),
            json!({"fields": {"timetracking": {"originalEstimate": "1d"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    for (summary, estimate, spent) in [
        ("one", Some("2h"), Some("1h")),
        ("two", None, Some("30m")),
        ("three", None, None),
    ] {
        let mut fields = json!({"project": {"key": "AGG"}, "summary": summary, "issuetype": {"name": "Subtask"}, "parent": {"key": parent}});
        if let Some(e) = estimate {
            fields["timetracking"] = json!({"originalEstimate": e});
        }
        let (s, sub) = sb.post("/rest/api/2/issue", json!({ "fields": fields })).await;
        assert_eq!(s, StatusCode::CREATED, "{sub}");
        if let Some(t) = spent {
            let key = sub["key"].as_str().unwrap();
            let (s, w) = sb
                .post(
                    &format!("/rest/api/2/issue/{key}/worklog"),
                    json!({"timeSpent": t}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{w}");
        }
    }
    // Each issue's own figures, read back, summed here: the parent has 1d estimated and none
    // spent; the subtasks 2h estimated (1h left) with 1h spent, 30m spent, and nothing.
    let time = "timeoriginalestimate,timeestimate,timespent";
    let (_, subs) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": format!("parent = {parent}"), "fields": time.split(',').collect::<Vec<_>>()}),
        )
        .await;
    let (_, own) = sb.get(&format!("/rest/api/3/issue/{parent}?fields={time}")).await;
    let sum = |id: &str| -> Value {
        let mut total: Option<i64> = own["fields"][id].as_i64();
        for s in subs["issues"].as_array().unwrap() {
            if let Some(n) = s["fields"][id].as_i64() {
                total = Some(total.unwrap_or(0) + n);
            }
        }
        json!(total)
    };
    let expected = json!({
        "aggregatetimeoriginalestimate": sum("timeoriginalestimate"),
        "aggregatetimeestimate": sum("timeestimate"),
        "aggregatetimespent": sum("timespent"),
    });
    assert_eq!(expected["aggregatetimeoriginalestimate"], json!(28_800 + 7_200));
    assert_eq!(expected["aggregatetimespent"], json!(3_600 + 1_800));
    let (spent, left) = (
        expected["aggregatetimespent"].as_i64().unwrap(),
        expected["aggregatetimeestimate"].as_i64().unwrap(),
    );
    let progress = json!({"progress": spent, "total": spent + left, "percent": spent * 100 / (spent + left)});
    let asked = "aggregatetimeoriginalestimate,aggregatetimeestimate,aggregatetimespent,aggregateprogress,progress,subtasks";
    let (_, got) = sb
        .get(&format!("/rest/api/3/issue/{parent}?fields={asked}"))
        .await;
    let (_, page) = sb
        .post(
            "/rest/api/3/search/jql",
            json!({"jql": "project = AGG AND issuetype = Story ORDER BY key", "fields": asked.split(',').collect::<Vec<_>>()}),
        )
        .await;
    let on_page = &page["issues"][0];
    assert_eq!(on_page["key"], json!(parent));
    for issue in [&got, on_page] {
        let f = &issue["fields"];
        assert_eq!(f["subtasks"].as_array().map(Vec::len), Some(3), "{issue}");
        for id in [
            "aggregatetimeoriginalestimate",
            "aggregatetimeestimate",
            "aggregatetimespent",
        ] {
            assert_eq!(f[id], expected[id], "{id} of {issue}");
        }
        assert_eq!(f["aggregateprogress"], progress, "{issue}");
        // The parent's own progress: nothing spent on it.
        assert_eq!(f["progress"]["progress"], json!(0), "{issue}");
    }
    // Nothing anywhere: null, and an empty progress.
    let none = &page["issues"][1];
    assert_eq!(none["key"], json!(bare));
    assert_eq!(none["fields"]["aggregatetimespent"], Value::Null);
    assert_eq!(
        none["fields"]["aggregateprogress"],
        json!({"progress": 0, "total": 0})
    );
}

#[tokio::test]
async fn worklog_changes_are_listed_since_a_time() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, b) = two_issues(&sb).await;
    let since = fixed_now().as_millisecond();
    let (_, w1) = sb
        .post(
            &format!("/rest/api/3/issue/{a}/worklog"),
            json!({"timeSpentSeconds": 60}),
        )
        .await;
    let (_, w2) = sb
        .post(
            &format!("/rest/api/3/issue/{b}/worklog"),
            json!({"timeSpent": "2h"}),
        )
        .await;
    let (s, upd) = sb
        .get(&format!("/rest/api/3/worklog/updated?since={since}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<String> = upd["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["worklogId"].to_string())
        .collect();
    assert_eq!(
        ids,
        vec![
            w1["id"].as_str().unwrap().to_string(),
            w2["id"].as_str().unwrap().to_string()
        ]
    );
    assert_eq!(upd["lastPage"], json!(true));
    let (s, list) = sb
        .post(
            "/rest/api/3/worklog/list",
            json!({"ids": [w2["id"].as_str().unwrap().parse::<i64>().unwrap(), 999_999]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["timeSpentSeconds"], json!(7200));
    let id = w1["id"].as_str().unwrap();
    sb.delete(&format!("/rest/api/3/issue/{a}/worklog/{id}")).await;
    let (_, del) = sb
        .get(&format!("/rest/api/3/worklog/deleted?since={since}"))
        .await;
    assert_eq!(del["values"][0]["worklogId"].to_string(), id);
}

#[tokio::test]
async fn estimates_set_at_creation_show_in_time_tracking() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("RES").await;
    let (s, c) = sb
        .post(
            "/rest/api/2/issue",
            json!({"fields": {"project": {"key": "RES"}, "summary": "Estimated", "issuetype": {"name": "Task"},
                   "timetracking": {"originalEstimate": "2d", "remainingEstimate": "1d 4h"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let key = c["key"].as_str().unwrap();
    let (_, i) = sb
        .get(&format!("/rest/api/2/issue/{key}?fields=timetracking"))
        .await;
    assert_eq!(
        i["fields"]["timetracking"],
        json!({"originalEstimate": "2d", "originalEstimateSeconds": 57_600, "remainingEstimate": "1d 4h", "remainingEstimateSeconds": 43_200})
    );
    let (s, b) = sb
        .put(
            &format!("/rest/api/2/issue/{key}"),
            json!({"fields": {"timetracking": {"originalEstimate": "lots"}}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bulk_create_reports_each_failed_element_by_number() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("RES").await;
    let good =
        |s: &str| json!({"fields": {"project": {"key": "RES"}, "summary": s, "issuetype": {"name": "Task"}}});
    let bad = json!({"fields": {"project": {"key": "RES"}, "issuetype": {"name": "Task"}}});
    let (s, b) = sb
        .post(
            "/rest/api/3/issue/bulk",
            json!({"issueUpdates": [good("one"), bad.clone(), good("three")]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["issues"].as_array().unwrap().len(), 2);
    assert_eq!(b["errors"][0]["failedElementNumber"], json!(1));
    assert_eq!(b["errors"][0]["status"], json!(400));
    assert!(
        b["errors"][0]["elementErrors"]["errors"]["summary"].is_string(),
        "{b}"
    );
    let (s, b) = sb
        .post("/rest/api/3/issue/bulk", json!({"issueUpdates": [bad]}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(b["issues"], json!([]));
    let many: Vec<Value> = (0..51).map(|n| good(&format!("n{n}"))).collect();
    let (s, b) = sb
        .post("/rest/api/3/issue/bulk", json!({"issueUpdates": many}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bulk_fetch_returns_issues_in_id_order_and_errors_for_missing_ones() {
    let sb = Sb::start(Seed::Empty).await;
    let (a, b) = two_issues(&sb).await;
    let (s, r) = sb
        .post(
            "/rest/api/3/issue/bulkfetch",
            json!({"issueIdsOrKeys": [b, "RES-404", a], "fields": ["summary"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let keys: Vec<&str> = r["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec![a.as_str(), b.as_str()]);
    assert_eq!(r["issues"][0]["fields"].as_object().unwrap().len(), 1);
    // Missing and hidden issues are left out, and not listed as errors (the official document).
    assert_eq!(r["issueErrors"], json!([]));
    let many: Vec<String> = (0..101).map(|n| format!("RES-{n}")).collect();
    let (s, e) = sb
        .post("/rest/api/3/issue/bulkfetch", json!({"issueIdsOrKeys": many}))
        .await;
    assert_jira_error(s, &e, StatusCode::BAD_REQUEST);
}

/// The attachment files on disk, by name.
fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("attachments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn attachment_files_leave_the_disk_with_their_attachment_issue_project_or_a_reset() {
    let dir = tempfile::tempdir().unwrap();
    let sb = Sb::with(Config {
        frozen_at: Some(fixed_now()),
        data_dir: Some(dir.path().to_path_buf()),
        ..Config::default()
    })
    .await;
    sb.without_limits().await;
    let (a, b) = two_issues(&sb).await;
    let (s, up) = upload(&sb, &a, &[("one.txt", b"1"), ("two.txt", b"2")], true).await;
    assert_eq!(s, StatusCode::OK, "{up}");
    let (s, _) = upload(&sb, &b, &[("three.txt", b"3")], true).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(files_in(dir.path()).len(), 3);

    let one = up[0]["id"].as_str().unwrap();
    assert_eq!(
        sb.delete(&format!("/rest/api/3/attachment/{one}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(files_in(dir.path()).len(), 2);
    assert!(!files_in(dir.path()).contains(&one.to_string()));

    assert_eq!(
        sb.delete(&format!("/rest/api/3/issue/{a}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(files_in(dir.path()).len(), 1, "the issue's file went with it");

    sb.project("GONE").await;
    let c = sb.issue("GONE", "Doomed", "Task").await;
    assert_eq!(
        upload(&sb, &c, &[("four.txt", b"4")], true).await.0,
        StatusCode::OK
    );
    assert_eq!(files_in(dir.path()).len(), 2);
    assert_eq!(
        sb.delete("/rest/api/3/project/GONE").await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(files_in(dir.path()).len(), 1, "the project's files went with it");

    let (s, body) = sb.post("/_sandbox/reset", json!({"seed": "empty"})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));
}
