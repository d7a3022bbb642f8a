use jirakit_sandbox::Seed;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

fn adf(text: &str) -> Value {
    json!({"version": 1, "type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
}

/// Creates one custom field of each supported type and returns their ids by short name.
async fn custom_fields(sb: &Sb) -> std::collections::BTreeMap<&'static str, String> {
    let mut out = std::collections::BTreeMap::new();
    let p = "com.atlassian.jira.plugin.system.customfieldtypes:";
    for (short, ty) in [
        ("text", "textfield"),
        ("para", "textarea"),
        ("num", "float"),
        ("date", "datepicker"),
        ("dt", "datetime"),
        ("sel", "select"),
        ("multi", "multiselect"),
        ("labels", "labels"),
        ("user", "userpicker"),
        ("url", "url"),
    ] {
        let (s, f) = sb
            .post(
                "/rest/api/3/field",
                json!({"name": format!("CF {short}"), "type": format!("{p}{ty}")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        assert_eq!(f["schema"]["custom"], format!("{p}{ty}"));
        out.insert(short, f["id"].as_str().unwrap().to_string());
    }
    for short in ["sel", "multi"] {
        let id = &out[short];
        let (_, ctxs) = sb.get(&format!("/rest/api/3/field/{id}/context")).await;
        let ctx = ctxs["values"][0]["id"].as_str().unwrap().to_string();
        let (s, o) = sb
            .post(
                &format!("/rest/api/3/field/{id}/context/{ctx}/option"),
                json!({"options": [{"value": "Red"}, {"value": "Blue"}]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{o}");
    }
    out
}

#[tokio::test]
async fn every_custom_field_type_is_validated_stored_and_rendered() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let cf = custom_fields(&sb).await;
    let (_, me) = sb.get("/rest/api/3/myself").await;
    let me_id = me["accountId"].as_str().unwrap();
    let mut fields = json!({
        "project": {"key": "ABC"}, "summary": "All the fields", "issuetype": {"name": "Story"},
        "description": adf("Body text."), "labels": ["a", "b"], "priority": {"name": "High"},
        "assignee": {"accountId": me_id}, "duedate": "2026-02-01",
    });
    let f = fields.as_object_mut().unwrap();
    f.insert(cf["text"].clone(), json!("short"));
    f.insert(cf["para"].clone(), adf("long text"));
    f.insert(cf["num"].clone(), json!(5));
    f.insert(cf["date"].clone(), json!("2026-03-04"));
    f.insert(cf["dt"].clone(), json!("2026-03-04T10:00:00.000+0000"));
    f.insert(cf["sel"].clone(), json!({"value": "Red"}));
    f.insert(cf["multi"].clone(), json!([{"value": "Red"}, {"value": "Blue"}]));
    f.insert(cf["labels"].clone(), json!(["x"]));
    f.insert(cf["user"].clone(), json!({"accountId": me_id}));
    f.insert(cf["url"].clone(), json!("https://example.com/x"));
    let (s, created) = sb.post("/rest/api/3/issue", json!({"fields": fields})).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["key"], "ABC-1");
    assert!(created["self"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/rest/api/3/issue/{}", created["id"].as_str().unwrap())));

    let (_, i) = sb.get("/rest/api/3/issue/ABC-1").await;
    let f = &i["fields"];
    assert_eq!(f["summary"], "All the fields");
    assert_eq!(f["description"], adf("Body text."));
    assert_eq!(f["labels"], json!(["a", "b"]));
    assert_eq!(f["priority"]["name"], "High");
    assert_eq!(f["assignee"]["accountId"], me_id);
    assert_eq!(f["reporter"]["accountId"], me_id);
    assert_eq!(f["duedate"], "2026-02-01");
    assert_eq!(f["status"]["name"], "To Do");
    assert_eq!(f["status"]["statusCategory"]["key"], "new");
    assert_eq!(f["created"], "2026-01-05T09:00:00.000+0000");
    assert_eq!(f[&cf["text"]], "short");
    assert_eq!(f[&cf["para"]], adf("long text"));
    assert_eq!(f[&cf["num"]], 5.0);
    assert_eq!(f[&cf["date"]], "2026-03-04");
    assert_eq!(f[&cf["dt"]], "2026-03-04T10:00:00.000+0000");
    assert_eq!(f[&cf["sel"]]["value"], "Red");
    assert_eq!(f[&cf["multi"]][1]["value"], "Blue");
    assert_eq!(f[&cf["labels"]], json!(["x"]));
    assert_eq!(f[&cf["user"]]["accountId"], me_id);
    assert_eq!(f[&cf["url"]], "https://example.com/x");
    assert!(
        f["customfield_10019"].as_str().unwrap().starts_with("0|"),
        "Rank is set: {}",
        f["customfield_10019"]
    );
    // v2 shows rich text as wiki markup.
    let (_, i2) = sb.get("/rest/api/2/issue/ABC-1").await;
    assert_eq!(i2["fields"]["description"], "Body text.");
    assert_eq!(i2["fields"][&cf["para"]], "long text");
}

#[tokio::test]
async fn each_bad_field_gets_its_own_message() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let cf = custom_fields(&sb).await;
    let mut fields = json!({
        "project": {"key": "ABC"}, "issuetype": {"name": "Task"},
        "priority": "High", "labels": ["has space"], "duedate": "tomorrow", "assignee": {"accountId": "ghost"},
        "nonsense": 1,
    });
    let f = fields.as_object_mut().unwrap();
    f.insert(cf["num"].clone(), json!("five"));
    f.insert(cf["sel"].clone(), json!({"value": "Green"}));
    f.insert(cf["date"].clone(), json!("04/03/2026"));
    let (s, b) = sb.post("/rest/api/3/issue", json!({"fields": fields})).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let e = &b["errors"];
    assert_eq!(e["summary"], "You must specify a summary of the issue.");
    assert_eq!(
        e["priority"],
        "Could not find valid 'id' or 'name' in priority object."
    );
    assert_eq!(
        e["labels"],
        "The label 'has space' contains spaces which is invalid."
    );
    assert_eq!(e["duedate"], "Error parsing date string: tomorrow");
    assert_eq!(e["assignee"], "User 'ghost' does not exist.");
    assert_eq!(
        e["nonsense"],
        "Field 'nonsense' cannot be set. It is not on the appropriate screen, or unknown."
    );
    assert_eq!(e[&cf["num"]], "'five' is an invalid number");
    assert_eq!(e[&cf["sel"]], "Option value 'Green' is not valid");
    assert!(e[&cf["date"]].is_string());
    // Nothing was created.
    let (_, i) = sb.get("/rest/api/3/issue/ABC-1").await;
    assert_eq!(
        i["errorMessages"][0],
        "Issue does not exist or you do not have permission to see it."
    );
}

#[tokio::test]
async fn rich_text_must_match_the_api_version() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let (s, b) = sb
        .post("/rest/api/3/issue", json!({"fields": {"project": {"key": "ABC"}, "summary": "s", "issuetype": {"name": "Task"}, "description": "plain"}}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["errors"]["description"],
        "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    );
    let (s, b) = sb
        .post("/rest/api/2/issue", json!({"fields": {"project": {"key": "ABC"}, "summary": "s", "issuetype": {"name": "Task"}, "description": adf("x")}}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(b["errors"]["description"], "Operation value must be a string");
    let (s, b) = sb
        .post("/rest/api/3/issue", json!({"fields": {"project": {"key": "ABC"}, "summary": "s", "issuetype": {"name": "Task"}, "description": {"type": "doc"}}}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb
        .post(
            "/rest/api/3/issue",
            json!({"fields": {"project": {"key": "NOPE"}, "summary": "s", "issuetype": {"name": "Nope"}}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(
        b["errors"]["project"].is_string() && b["errors"]["issuetype"].is_string(),
        "{b}"
    );
}

#[tokio::test]
async fn edits_take_fields_and_update_operations_and_record_the_changelog() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let key = sb.issue("ABC", "Before", "Task").await;
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"summary": "After"}, "update": {"labels": [{"add": "one"}, {"add": "two"}, {"remove": "one"}], "priority": [{"set": {"name": "Low"}}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (_, i) = sb
        .get(&format!(
            "/rest/api/3/issue/{key}?expand=changelog,names,schema,renderedFields,transitions,editmeta"
        ))
        .await;
    assert_eq!(i["fields"]["summary"], "After");
    assert_eq!(i["fields"]["labels"], json!(["two"]));
    assert_eq!(i["fields"]["priority"]["name"], "Low");
    assert_eq!(i["names"]["summary"], "Summary");
    assert_eq!(i["schema"]["labels"]["items"], "string");
    assert!(i["transitions"].as_array().unwrap().len() == 2);
    assert!(i["editmeta"]["fields"]["summary"]["operations"].is_array());
    let items: Vec<&Value> = i["changelog"]["histories"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let summary = items
        .iter()
        .find(|x| x["field"] == "summary")
        .expect("summary change");
    assert_eq!(summary["fromString"], "Before");
    assert_eq!(summary["toString"], "After");
    assert_eq!(summary["fieldtype"], "jira");
    assert_eq!(summary["fieldId"], "summary");
    let prio = items.iter().find(|x| x["field"] == "priority").unwrap();
    assert_eq!(
        (prio["fromString"].as_str(), prio["toString"].as_str()),
        (Some("Medium"), Some("Low"))
    );
    assert!(prio["from"].is_string() && prio["to"].is_string());
    let labels = items.iter().find(|x| x["field"] == "labels").unwrap();
    assert_eq!(labels["toString"], "two");
    assert_eq!(
        i["changelog"]["histories"][0]["author"]["emailAddress"],
        "admin@example.com"
    );

    // returnIssue gives the issue back; an unknown field and a field in both places are 400s.
    let (s, i) = sb
        .put(
            &format!("/rest/api/3/issue/{key}?returnIssue=true"),
            json!({"fields": {"summary": "Again"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(i["fields"]["summary"], "Again");
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"status": {"name": "Done"}}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(
        b["errors"]["status"],
        "Field 'status' cannot be set. It is not on the appropriate screen, or unknown."
    );
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"summary": "x"}, "update": {"summary": [{"set": "y"}]}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"update": {"summary": [{"add": "y"}]}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {"summary": ""}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    // An empty edit changes nothing and records nothing.
    let (s, _) = sb
        .put(
            &format!("/rest/api/3/issue/{key}"),
            json!({"fields": {}, "update": {}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, log) = sb.get(&format!("/rest/api/3/issue/{key}/changelog")).await;
    assert_eq!(log["total"], 2);
}

#[tokio::test]
async fn subtasks_need_a_parent_and_block_deletion_unless_asked() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let parent = sb.issue("ABC", "Parent", "Story").await;
    let (s, b) = sb.post("/rest/api/2/issue", json!({"fields": {"project": {"key": "ABC"}, "summary": "orphan", "issuetype": {"name": "Subtask"}}})).await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["errors"]["parent"].is_string());
    let (s, sub) = sb
        .post("/rest/api/2/issue", json!({"fields": {"project": {"key": "ABC"}, "summary": "child", "issuetype": {"name": "Subtask"}, "parent": {"key": parent}}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    let (_, p) = sb
        .get(&format!("/rest/api/3/issue/{parent}?fields=subtasks"))
        .await;
    assert_eq!(p["fields"]["subtasks"][0]["key"], sub["key"]);
    let (_, c) = sb
        .get(&format!(
            "/rest/api/3/issue/{}?fields=parent",
            sub["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(c["fields"]["parent"]["key"], parent.as_str());
    // A story may have an epic as parent, not another story.
    let epic = sb.issue("ABC", "Epic", "Epic").await;
    let story = sb.issue("ABC", "Story", "Story").await;
    let (s, _) = sb
        .put(
            &format!("/rest/api/3/issue/{story}"),
            json!({"fields": {"parent": {"key": epic}}}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{story}"),
            json!({"fields": {"parent": {"key": parent}}}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);

    let (s, b) = sb
        .delete(&format!("/rest/api/2/issue/{parent}?deleteSubtasks=False"))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert!(b["errorMessages"][0].as_str().unwrap().contains("deleteSubtasks"));
    let (s, _) = sb
        .delete(&format!("/rest/api/2/issue/{parent}?deleteSubtasks=true"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        sb.get(&format!("/rest/api/3/issue/{}", sub["key"].as_str().unwrap()))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn assigning_sets_clears_and_rejects_unknown_users() {
    let sb = Sb::start(Seed::Demo).await;
    let (_, alice) = sb.get("/rest/api/3/user/search?query=alice").await;
    let alice = alice[0]["accountId"].as_str().unwrap().to_string();
    let key = sb.issue("SHOP", "Assign me", "Task").await;
    let (s, _) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/assignee"),
            json!({"accountId": alice}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        sb.get(&format!("/rest/api/3/issue/{key}?fields=assignee"))
            .await
            .1["fields"]["assignee"]["accountId"],
        alice.as_str()
    );
    let (s, _) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/assignee"),
            json!({"accountId": null}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(sb
        .get(&format!("/rest/api/3/issue/{key}?fields=assignee"))
        .await
        .1["fields"]["assignee"]
        .is_null());
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/assignee"),
            json!({"accountId": "ghost"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (_, log) = sb.get(&format!("/rest/api/3/issue/{key}/changelog")).await;
    assert_eq!(log["total"], 2);
    assert_eq!(log["values"][0]["items"][0]["field"], "assignee");
    assert_eq!(log["values"][0]["items"][0]["toString"], "Alice Moreau");
}

#[tokio::test]
async fn comments_are_created_paged_edited_and_deleted() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let key = sb.issue("ABC", "Talk", "Task").await;
    for n in 0..3 {
        let (s, c) = sb
            .post(
                &format!("/rest/api/2/issue/{key}/comment"),
                json!({"body": format!("comment {n}")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        assert_eq!(c["body"], format!("comment {n}"));
    }
    let (_, page) = sb
        .get(&format!("/rest/api/3/issue/{key}/comment?maxResults=2&startAt=1"))
        .await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["comments"].as_array().unwrap().len(), 2);
    assert_eq!(page["comments"][0]["body"], adf("comment 1"));
    let (_, newest) = sb
        .get(&format!("/rest/api/2/issue/{key}/comment?orderBy=-created"))
        .await;
    assert_eq!(newest["comments"].as_array().unwrap().len(), 3);
    let id = page["comments"][0]["id"].as_str().unwrap().to_string();
    let (s, c) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/comment/{id}"),
            json!({"body": adf("edited")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        sb.get(&format!("/rest/api/2/issue/{key}/comment/{id}")).await.1["body"],
        "edited"
    );
    let (s, b) = sb
        .post(
            &format!("/rest/api/3/issue/{key}/comment"),
            json!({"body": "plain string in v3"}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = sb
        .post(&format!("/rest/api/2/issue/{key}/comment"), json!({"body": ""}))
        .await;
    assert_jira_error(s, &b, StatusCode::BAD_REQUEST);
    assert_eq!(b["errors"]["comment"], "Comment body can not be empty!");
    assert_eq!(
        sb.delete(&format!("/rest/api/3/issue/{key}/comment/{id}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (s, b) = sb.get(&format!("/rest/api/3/issue/{key}/comment/{id}")).await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
    let (_, i) = sb.get(&format!("/rest/api/2/issue/{key}?fields=comment")).await;
    assert_eq!(i["fields"]["comment"]["total"], 2);
}

#[tokio::test]
async fn properties_mark_issues_for_integrations() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let key = sb.issue("ABC", "Marked", "Task").await;
    let (s, _) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/properties/my.app"),
            json!({"externalId": "X-42"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/properties/my.app"),
            json!({"externalId": "X-43"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, p) = sb
        .get(&format!("/rest/api/3/issue/{key}/properties/my.app"))
        .await;
    assert_eq!(p, json!({"key": "my.app", "value": {"externalId": "X-43"}}));
    let (_, keys) = sb.get(&format!("/rest/api/3/issue/{key}/properties")).await;
    assert_eq!(keys["keys"][0]["key"], "my.app");
    let (_, i) = sb
        .get(&format!(
            "/rest/api/3/issue/{key}?properties=my.app&fields=summary"
        ))
        .await;
    assert_eq!(i["properties"]["my.app"]["externalId"], "X-43");
    // Properties set at creation.
    let (s, c) = sb
        .post(
            "/rest/api/3/issue",
            json!({"fields": {"project": {"key": "ABC"}, "summary": "s", "issuetype": {"name": "Task"}}, "properties": [{"key": "idem", "value": {"k": 1}}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        sb.get(&format!(
            "/rest/api/3/issue/{}/properties/idem",
            c["key"].as_str().unwrap()
        ))
        .await
        .1["value"]["k"],
        1
    );
    assert_eq!(
        sb.delete(&format!("/rest/api/3/issue/{key}/properties/my.app"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (s, b) = sb
        .get(&format!("/rest/api/3/issue/{key}/properties/my.app"))
        .await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
    let big = "x".repeat(40_000);
    let (s, b) = sb
        .put(
            &format!("/rest/api/3/issue/{key}/properties/big"),
            json!({"v": big}),
        )
        .await;
    assert_jira_error(s, &b, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn createmeta_and_editmeta_describe_the_screens() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let (_, types) = sb.get("/rest/api/3/issue/createmeta/ABC/issuetypes").await;
    let bug = types["issueTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Bug")
        .unwrap();
    let (_, fields) = sb
        .get(&format!(
            "/rest/api/3/issue/createmeta/ABC/issuetypes/{}",
            bug["id"].as_str().unwrap()
        ))
        .await;
    let f = fields["fields"].as_array().unwrap();
    let summary = f.iter().find(|x| x["fieldId"] == "summary").unwrap();
    assert_eq!(summary["required"], true);
    let prio = f.iter().find(|x| x["fieldId"] == "priority").unwrap();
    assert_eq!(prio["allowedValues"].as_array().unwrap().len(), 5);
    assert!(f.iter().any(|x| x["fieldId"] == "customfield_10016"));
    let (s, b) = sb.get("/rest/api/3/issue/createmeta/ABC/issuetypes/999").await;
    assert_jira_error(s, &b, StatusCode::NOT_FOUND);
    let key = sb.issue("ABC", "s", "Bug").await;
    let (_, em) = sb.get(&format!("/rest/api/3/issue/{key}/editmeta")).await;
    assert_eq!(
        em["fields"]["labels"]["operations"],
        json!(["add", "set", "remove"])
    );
}

#[tokio::test]
async fn fields_by_name_work_in_requests() {
    let sb = Sb::start(Seed::Empty).await;
    sb.project("ABC").await;
    let (s, c) = sb
        .post("/rest/api/3/issue", json!({"fields": {"project": {"key": "ABC"}, "summary": "s", "issuetype": {"name": "Story"}, "Story Points": 8}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (_, i) = sb
        .get(&format!(
            "/rest/api/3/issue/{}?fields=Story%20Points,-summary",
            c["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(i["fields"]["customfield_10016"], 8.0);
    assert!(i["fields"].get("summary").is_none());
    let (_, all) = sb.get("/rest/api/2/field").await;
    let rank = all
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Rank")
        .unwrap();
    assert_eq!(
        rank["schema"]["custom"],
        "com.pyxis.greenhopper.jira:gh-lexo-rank"
    );
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["name"].is_string() && f["clauseNames"].is_array()));
}
