//! Custom fields by name and type against the sandbox: typed values in, typed values out, and
//! "Story Points" in JQL built with the jql crate's builder.

use futures_util::TryStreamExt;
use jirakit::{FieldKind, FieldVal};
use jirakit_adf::Doc;
use jirakit_jql::Jql;
use jirakit_sandbox::Seed;
use serde_json::json;

use crate::resources::quiet;
use crate::support::*;

#[tokio::test]
async fn typed_values_round_trip_by_field_name() {
    let sb = quiet(Seed::Demo).await;
    let jira = client(&sb);
    // Two more types, created the way an admin would.
    let cf = "com.atlassian.jira.plugin.system.customfieldtypes:";
    for (name, ty) in [
        ("Runbook", "url"),
        ("Owner", "userpicker"),
        ("Tags", "labels"),
        ("Deadline", "datetime"),
    ] {
        let r = sb
            .post(
                "/rest/api/3/field",
                &json!({"name": name, "type": format!("{cf}{ty}")}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    let catalog = jira.fields().refresh().await.unwrap();
    assert_eq!(catalog.kind("Story Points").unwrap(), FieldKind::Number);
    assert_eq!(catalog.kind("Severity").unwrap(), FieldKind::Select);
    assert_eq!(catalog.kind("Affected regions").unwrap(), FieldKind::MultiSelect);
    assert_eq!(catalog.kind("Release notes").unwrap(), FieldKind::Paragraph);
    assert_eq!(catalog.kind("Start date").unwrap(), FieldKind::Date);
    assert_eq!(catalog.kind("Runbook").unwrap(), FieldKind::Url);
    assert_eq!(catalog.kind("Owner").unwrap(), FieldKind::User);

    let me = jira.users().myself().await.unwrap().account_id.unwrap();
    let values = vec![
        ("Story Points", FieldVal::Number(8.0)),
        ("Severity", FieldVal::Select("Major".into())),
        (
            "Affected regions",
            FieldVal::MultiSelect(vec!["EU".into(), "APAC".into()]),
        ),
        (
            "Release notes",
            FieldVal::Doc(Doc::paragraph("Fixes the export.")),
        ),
        ("Customer", FieldVal::Text("ACME".into())),
        ("Start date", FieldVal::Date("2026-01-12".into())),
        (
            "Runbook",
            FieldVal::Url("https://runbooks.example.com/export".into()),
        ),
        ("Owner", FieldVal::User(me.to_string())),
        ("Tags", FieldVal::Labels(vec!["export".into()])),
        (
            "Deadline",
            FieldVal::DateTime("2026-01-20T17:00:00.000+0000".into()),
        ),
    ];
    let mut create = jira.issues().create("SHOP", "Bug", "typed fields");
    for (name, v) in &values {
        create = create.field(*name, v.clone());
    }
    let created = create.send().await.unwrap();
    let issue = jira
        .issues()
        .get(created.key.as_str())
        .fields(values.iter().map(|(n, _)| n.to_string()))
        .send()
        .await
        .unwrap();
    for (name, v) in &values {
        let got = catalog.read(&issue, name).unwrap();
        match (name, &got) {
            // Jira answers a datetime in its own offset format; the instant must match.
            (&"Deadline", Some(FieldVal::DateTime(s))) => assert!(s.starts_with("2026-01-20T17:00"), "{s}"),
            _ => assert_eq!(got.as_ref(), Some(v), "{name}"),
        }
    }

    // Edit by name with a typed value; a value of the wrong type never leaves the client.
    jira.issues()
        .edit(created.key.as_str())
        .field("Story Points", FieldVal::Number(13.0))
        .send()
        .await
        .unwrap();
    let e = jira
        .issues()
        .edit(created.key.as_str())
        .field("Story Points", FieldVal::Text("lots".into()))
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Story Points"), "{e}");

    // "Story Points" in JQL from the builder finds what cf[10016] finds.
    let by_name = catalog
        .jql("Story Points")
        .unwrap()
        .eq(13)
        .and(Jql::field("project").eq("SHOP"));
    assert!(
        by_name.to_jql().unwrap().contains("cf[10016] = 13"),
        "{}",
        by_name.to_jql().unwrap()
    );
    let found: Vec<_> = jira
        .search_jql(&by_name)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let keys: Vec<_> = found.iter().map(|i| i.key_or_id().to_owned()).collect();
    assert!(keys.contains(&created.key.to_string()), "{keys:?}");
    let literal: Vec<_> = jira
        .search("cf[10016] = 13 AND project = SHOP")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), literal.len());
}
