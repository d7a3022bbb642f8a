//! Every command against the demo site, checked through the API as well as through jk's output.

use serde_json::json;

use crate::{stable, Env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_prints_a_table_tsv_csv_and_json_with_fields_and_jq() {
    let env = Env::demo().await;
    let args = [
        "issue",
        "list",
        "-p",
        "SHOP",
        "-s",
        "To Do",
        "-q",
        "ORDER BY key ASC",
        "-L",
        "3",
    ];
    let tsv = env.jk(&args).await;
    tsv.ok();
    let lines: Vec<&str> = tsv.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", tsv.stdout);
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("SHOP-") && l.split('\t').count() == 5),
        "{lines:?}"
    );

    let url = env.url();
    let vars = [
        ("JIRA_BASE_URL", url.as_str()),
        ("JIRA_EMAIL", "admin@example.com"),
        ("JIRA_API_TOKEN", "sandbox-admin-token"),
        ("JK_FORCE_TTY", "1"),
    ];
    let table = env.run(&args, &vars, None).await;
    table.ok();
    insta::assert_snapshot!("list_table", table.stdout);

    let json = env
        .jk(&[&args[..], &["--json", "key,status,labels"]].concat())
        .await;
    json.ok();
    insta::assert_json_snapshot!("list_json", json.json());
    for item in json.json().as_array().unwrap() {
        assert_eq!(item["status"], "To Do");
        assert_eq!(item.as_object().unwrap().len(), 3);
    }

    let jq = env.jk(&[&args[..], &["--jq", ".[].key"]].concat()).await;
    jq.ok();
    assert_eq!(
        jq.stdout.lines().collect::<Vec<_>>(),
        lines
            .iter()
            .map(|l| l.split('\t').next().unwrap())
            .collect::<Vec<_>>()
    );

    let csv = env.jk(&[&args[..], &["--csv"]].concat()).await;
    csv.ok();
    assert_eq!(
        csv.stdout.lines().next(),
        Some("key,type,status,assignee,summary")
    );
    assert_eq!(csv.stdout.lines().count(), 4);

    // Negation and "unassigned": every row is unassigned and not To Do.
    let neg = env
        .jk(&[
            "issue",
            "list",
            "-p",
            "SHOP",
            "-s",
            "~To Do",
            "-a",
            "x",
            "--json",
            "status,assignee",
            "-L",
            "20",
        ])
        .await;
    neg.ok();
    for item in neg.json().as_array().unwrap() {
        assert_ne!(item["status"], "To Do");
        assert!(item["assignee"].is_null());
    }

    // No results is a success with an empty list.
    let none = env
        .jk(&[
            "search",
            "project = SHOP AND summary ~ \"zzzqqq-nothing\"",
            "--json",
            "all",
        ])
        .await;
    none.ok();
    assert_eq!(none.json(), json!([]));

    // --all walks past the page size (100): MKT has more than that in the demo site.
    let all = env
        .jk(&["search", "project = SHOP", "--all", "--jq", "length"])
        .await;
    all.ok();
    let n: usize = all.stdout.trim().parse().unwrap();
    assert!(n > 100, "{n}");
    let limited = env
        .jk(&["search", "project = SHOP", "-L", "120", "--jq", "length"])
        .await;
    assert_eq!(limited.stdout.trim(), "120");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_renders_adf_as_text_and_json_on_request() {
    let env = Env::demo().await;
    let human = env.jk(&["issue", "view", "SHOP-1"]).await;
    human.ok();
    insta::assert_snapshot!("view_human", stable(&env, &human.stdout));
    let json = env
        .jk(&[
            "issue",
            "view",
            "SHOP-1",
            "--json",
            "key,summary,status,description,url",
        ])
        .await;
    json.ok();
    insta::assert_json_snapshot!(
        "view_json",
        serde_json::from_str::<serde_json::Value>(&stable(&env, &json.stdout)).unwrap()
    );
    let all = env.jk(&["issue", "view", "SHOP-1", "--json", "all"]).await;
    all.ok();
    let v = all.json();
    for f in ["key", "summary", "status", "fields", "description", "url"] {
        assert!(v.get(f).is_some(), "{f} missing from {v}");
    }
    assert_eq!(
        env.jk(&["issue", "view", "SHOP-1", "--json", "*"]).await.json(),
        v,
        "'*' is all too"
    );

    // --json alone lists the fields, like gh, prints no data and exits with the usage class.
    let listed = env.jk(&["issue", "view", "SHOP-1", "--json"]).await;
    assert_eq!(listed.code, 2, "{}", listed.stderr);
    assert!(listed.stdout.is_empty(), "{}", listed.stdout);
    insta::assert_snapshot!("view_json_fields", listed.stderr);
    // Decided before any request: a create with --json alone creates nothing.
    let create = env
        .jk(&[
            "issue",
            "create",
            "-p",
            "SHOP",
            "-s",
            "jk-never-created",
            "--json",
        ])
        .await;
    assert_eq!(create.code, 2);
    assert!(create.stderr.contains("  url\n"), "{}", create.stderr);
    let found = env
        .jk(&["search", "summary ~ \"jk-never-created\"", "--jq", "length"])
        .await;
    assert_eq!(found.ok().stdout.trim(), "0");
    let moved = env.jk(&["issue", "move", "SHOP-1", "Done", "--json"]).await;
    assert_eq!(moved.code, 2);
    assert!(moved.stderr.contains("prints no JSON fields"), "{}", moved.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_lives_its_whole_life_through_jk() {
    let env = Env::demo().await;
    let created = env
        .jk(&[
            "issue",
            "create",
            "-p",
            "SHOP",
            "-t",
            "Bug",
            "-s",
            "Made by jk",
            "-b",
            "# Title\n\n- one\n- **two**",
            "-l",
            "cli",
            "--field",
            "Story Points=5",
            "--field",
            "Severity=Major",
            "--field",
            "Affected regions=EU, US",
            "--json",
            "key",
        ])
        .await;
    created.ok();
    let key = created.json()["key"].as_str().unwrap().to_owned();
    let issue = env.issue(&key).await;
    assert_eq!(issue["fields"]["summary"], "Made by jk");
    assert_eq!(issue["fields"]["labels"], json!(["cli"]));
    assert_eq!(
        issue["fields"]["description"]["type"], "doc",
        "Markdown was sent as ADF"
    );
    let fields: serde_json::Value = env.sb.get("/rest/api/3/field").await.json().await.unwrap();
    let id_of = |name: &str| {
        fields
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(issue["fields"][id_of("Story Points")], json!(5.0));
    assert_eq!(issue["fields"][id_of("Severity")]["value"], "Major");
    let regions: Vec<_> = issue["fields"][id_of("Affected regions")]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].clone())
        .collect();
    assert_eq!(regions, vec![json!("EU"), json!("US")]);

    env.jk(&[
        "issue", "edit", &key, "-s", "Renamed", "-l", "extra", "-l", "~cli", "-y", "High",
    ])
    .await
    .ok();
    let issue = env.issue(&key).await;
    assert_eq!(issue["fields"]["summary"], "Renamed");
    assert_eq!(issue["fields"]["labels"], json!(["extra"]));
    assert_eq!(issue["fields"]["priority"]["name"], "High");

    env.jk(&["issue", "move", &key, "In Progress", "--comment", "starting"])
        .await
        .ok();
    assert_eq!(env.issue(&key).await["fields"]["status"]["name"], "In Progress");
    let no_way = env.jk(&["issue", "move", &key, "Nowhere"]).await;
    assert_eq!(no_way.code, 6, "{}", no_way.stderr);
    assert!(no_way.stderr.contains("available"), "{}", no_way.stderr);

    env.jk(&["issue", "assign", &key, "me"]).await.ok();
    assert_eq!(
        env.issue(&key).await["fields"]["assignee"]["emailAddress"],
        "admin@example.com"
    );
    env.jk(&["issue", "assign", &key, "x"]).await.ok();
    assert!(env.issue(&key).await["fields"]["assignee"].is_null());

    let c = env
        .run(
            &["issue", "comment", &key, "-F", "-"],
            &[
                ("JIRA_BASE_URL", &env.url()),
                ("JIRA_EMAIL", "admin@example.com"),
                ("JIRA_API_TOKEN", "sandbox-admin-token"),
            ],
            Some("from *stdin*"),
        )
        .await;
    c.ok();
    let view = env.jk(&["issue", "view", &key, "--comments"]).await;
    view.ok();
    assert!(
        view.stdout.contains("starting") && view.stdout.contains("from _stdin_"),
        "{}",
        view.stdout
    );

    env.jk(&["issue", "link", &key, "SHOP-1", "Blocks"]).await.ok();
    let issue = env.issue(&key).await;
    let links = issue["fields"]["issuelinks"].as_array().unwrap();
    assert!(
        links
            .iter()
            .any(|l| l["outwardIssue"]["key"] == "SHOP-1" && l["type"]["name"] == "Blocks"),
        "{links:?}"
    );

    let file = env.home.path().join("notes.txt");
    std::fs::write(&file, b"attached by jk").unwrap();
    let att = env
        .jk(&["issue", "attach", &key, file.to_str().unwrap(), "--json", "all"])
        .await;
    att.ok();
    assert_eq!(att.json()[0]["filename"], "notes.txt");
    assert_eq!(att.json()[0]["size"], 14);

    let cl = env.jk(&["issue", "clone", &key, "--json", "key,from"]).await;
    cl.ok();
    let clone_key = cl.json()["key"].as_str().unwrap().to_owned();
    let clone = env.issue(&clone_key).await;
    assert_eq!(clone["fields"]["summary"], "Renamed");
    assert_eq!(
        clone["fields"]["description"],
        env.issue(&key).await["fields"]["description"]
    );

    let refused = env.jk(&["issue", "delete", &clone_key]).await;
    assert_eq!(refused.code, 2, "no --yes and no terminal: refuse");
    assert_eq!(
        env.sb
            .get(&format!("/rest/api/3/issue/{clone_key}"))
            .await
            .status(),
        200
    );
    env.jk(&["issue", "delete", &clone_key, "--yes"]).await.ok();
    assert_eq!(
        env.sb
            .get(&format!("/rest/api/3/issue/{clone_key}"))
            .await
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_commands_by_jql_dry_run_then_act() {
    let env = Env::demo().await;
    let mut keys = Vec::new();
    for i in 0..3 {
        let r = env
            .jk(&[
                "issue",
                "create",
                "-p",
                "OPS",
                "-s",
                &format!("bulk {i}"),
                "-l",
                "bulkme",
                "--jq",
                ".key",
                "--json",
                "all",
            ])
            .await;
        r.ok();
        keys.push(r.stdout.trim().to_owned());
    }
    let jql = "project = OPS AND labels = bulkme";
    let dry = env
        .jk(&["issue", "edit", "--jql", jql, "-l", "touched", "--dry-run"])
        .await;
    dry.ok();
    assert_eq!(dry.stdout.lines().count(), 3, "{}", dry.stdout);
    for k in &keys {
        assert_eq!(
            env.issue(k).await["fields"]["labels"],
            json!(["bulkme"]),
            "a dry run changes nothing"
        );
    }
    let unconfirmed = env.jk(&["issue", "edit", "--jql", jql, "-l", "touched"]).await;
    assert_eq!(unconfirmed.code, 2);
    env.jk(&["issue", "edit", "--jql", jql, "-l", "touched", "--yes"])
        .await
        .ok();
    for k in &keys {
        assert_eq!(
            env.issue(k).await["fields"]["labels"],
            json!(["bulkme", "touched"])
        );
    }
    let moved = env.jk(&["issue", "move", "--jql", jql, "Done", "--yes"]).await;
    moved.ok();
    for k in &keys {
        assert_eq!(env.issue(k).await["fields"]["status"]["name"], "Done");
    }
    // A failure on some issues is reported per issue and sets the exit code of its class.
    let stuck = env.jk(&["issue", "move", "--jql", jql, "Nowhere", "--yes"]).await;
    assert_eq!(stuck.code, 6, "{}", stuck.stderr);
    assert!(stuck.stderr.contains("moved 0 of 3 issue(s)"), "{}", stuck.stderr);
    assert!(
        keys.iter().all(|k| stuck.stderr.contains(&format!("jk: {k}:"))),
        "{}",
        stuck.stderr
    );
    env.jk(&["issue", "delete", "--jql", jql, "--yes"]).await.ok();
    for k in &keys {
        assert_eq!(env.sb.get(&format!("/rest/api/3/issue/{k}")).await.status(), 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_me_open_api_completion_and_man() {
    let env = Env::demo().await;
    let p = env.jk(&["project", "list", "--json", "key"]).await;
    p.ok();
    insta::assert_json_snapshot!("project_list_json", p.json());
    let me = env.jk(&["me", "--json", "emailAddress,displayName"]).await;
    me.ok();
    assert_eq!(me.json()["emailAddress"], "admin@example.com");
    let open = env.jk(&["open", "SHOP-3"]).await;
    open.ok();
    assert_eq!(open.stdout.trim(), format!("{}/browse/SHOP-3", env.url()));

    let api = env
        .jk(&["api", "GET", "/rest/api/3/myself", "--jq", ".emailAddress"])
        .await;
    api.ok();
    assert_eq!(api.stdout.trim(), "admin@example.com");
    let posted = env
        .jk(&["api", "POST", "/rest/api/3/issue", "--field", "fields={}"])
        .await;
    assert_eq!(
        posted.code, 6,
        "a body without fields is rejected: {}",
        posted.stderr
    );
    let paged = env
        .jk(&[
            "api",
            "GET",
            "/rest/api/3/issue/SHOP-1/comment",
            "--paginate",
            "--jq",
            "length",
        ])
        .await;
    paged.ok();
    let direct: serde_json::Value = env
        .sb
        .get("/rest/api/3/issue/SHOP-1/comment?maxResults=1000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        paged.stdout.trim(),
        direct["comments"].as_array().unwrap().len().to_string()
    );

    for shell in ["bash", "zsh", "fish"] {
        let c = env.jk(&["completion", shell]).await;
        c.ok();
        assert!(c.stdout.contains("issue") && c.stdout.contains("json"), "{shell}");
    }
    let man = env.jk(&["man"]).await;
    man.ok();
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH"),
        "{}",
        &man.stdout[..80.min(man.stdout.len())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boards_sprints_and_epics() {
    let env = Env::demo().await;
    let boards = env.jk(&["board", "list", "--json", "all"]).await;
    boards.ok();
    insta::assert_json_snapshot!("board_list_json", boards.json());
    let future = env
        .jk(&["sprint", "list", "1", "--state", "future", "--json", "id,state"])
        .await;
    future.ok();
    let sprint = future.json()[0]["id"].to_string();
    assert_eq!(future.json()[0]["state"], "future");

    env.jk(&["sprint", "add", &sprint, "SHOP-2", "SHOP-6"]).await.ok();
    let issues = env
        .jk(&["sprint", "issues", &sprint, "--all", "--jq", ".[].key"])
        .await;
    issues.ok();
    let keys: Vec<&str> = issues.stdout.lines().collect();
    assert!(keys.contains(&"SHOP-2") && keys.contains(&"SHOP-6"), "{keys:?}");

    let epics = env
        .jk(&["epic", "list", "-p", "SHOP", "-L", "2", "--json", "key,type"])
        .await;
    epics.ok();
    assert_eq!(epics.json().as_array().unwrap().len(), 2);
    assert!(epics
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"] == "Epic"));
    let epic = epics.json()[1]["key"].as_str().unwrap().to_owned();
    env.jk(&["epic", "add", &epic, "SHOP-2"]).await.ok();
    let under: serde_json::Value = env
        .sb
        .get(&format!("/rest/agile/1.0/epic/{epic}/issue?maxResults=1000"))
        .await
        .json()
        .await
        .unwrap();
    assert!(under["issues"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["key"] == "SHOP-2"));
    env.jk(&["epic", "remove", "SHOP-2"]).await.ok();
    let under: serde_json::Value = env
        .sb
        .get(&format!("/rest/agile/1.0/epic/{epic}/issue?maxResults=1000"))
        .await
        .json()
        .await
        .unwrap();
    assert!(!under["issues"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["key"] == "SHOP-2"));
}
