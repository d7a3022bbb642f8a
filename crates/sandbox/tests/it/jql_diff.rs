//! Differential test: random JQL over a seeded site, answered by the sandbox over HTTP and by
//! a deliberately simple reference evaluator written here from the documented rules. Results,
//! order and paging must agree.
//!
//! The reference reads the issues back through the API once, then evaluates each generated
//! query in memory: no code is shared with the sandbox's evaluator.

use std::cmp::Ordering;

use jirakit_sandbox::Seed;
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestCaseError, TestRunner};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

#[derive(Debug, Clone)]
struct Doc {
    id: i64,
    project: String,
    num: i64,
    summary: String,
    status: String,
    /// Index in the admin's priority list: 0 is the highest priority.
    priority: Option<usize>,
    assignee: Option<(String, String)>,
    labels: Vec<String>,
    created: i64,
    resolved: bool,
    due: Option<String>,
    components: Vec<String>,
}

struct World {
    docs: Vec<Doc>,
    projects: Vec<String>,
    statuses: Vec<String>,
    priorities: Vec<String>,
    users: Vec<String>,
    labels: Vec<String>,
    words: Vec<String>,
    dues: Vec<String>,
    components: Vec<String>,
    now: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }
    fn holds(self, o: Ordering) -> bool {
        match self {
            Op::Eq => o == Ordering::Equal,
            Op::Ne => o != Ordering::Equal,
            Op::Gt => o == Ordering::Greater,
            Op::Ge => o != Ordering::Less,
            Op::Lt => o == Ordering::Less,
            Op::Le => o != Ordering::Greater,
        }
    }
}

/// A generated clause. Indexes point into the World's lists.
#[derive(Debug, Clone)]
enum Q {
    And(Vec<Q>),
    Or(Vec<Q>),
    Not(Box<Q>),
    Project(usize),
    Status(bool, Vec<usize>),
    Priority(Op, usize),
    Label(bool, Vec<usize>),
    LabelsEmpty(bool),
    Assignee(bool, usize),
    AssigneeEmpty(bool),
    Summary(bool, usize),
    KeyCmp(Op, usize, i64),
    CreatedAfterDays(i64),
    Unresolved,
    Due(Op, usize),
    DueEmpty(bool),
    Component(bool, Vec<usize>),
    /// `issuekey IN (…)` over issues picked by index.
    KeyIn(bool, Vec<usize>),
}

#[derive(Debug, Clone, Copy)]
enum Sort {
    Key,
    Priority,
    Created,
    Assignee,
    Summary,
    Status,
    Due,
}

fn quoted(s: &str) -> String {
    jirakit_jql::quote(s)
}

fn list(w: &[String], ix: &[usize]) -> String {
    let items: Vec<String> = ix.iter().map(|i| quoted(&w[*i])).collect();
    format!("({})", items.join(", "))
}

fn render(q: &Q, w: &World) -> String {
    match q {
        Q::And(qs) => qs
            .iter()
            .map(|q| format!("({})", render(q, w)))
            .collect::<Vec<_>>()
            .join(" AND "),
        Q::Or(qs) => qs
            .iter()
            .map(|q| format!("({})", render(q, w)))
            .collect::<Vec<_>>()
            .join(" OR "),
        Q::Not(q) => format!("NOT ({})", render(q, w)),
        Q::Project(p) => format!("project = {}", w.projects[*p]),
        Q::Status(neg, ix) if ix.len() == 1 => {
            format!(
                "status {} {}",
                if *neg { "!=" } else { "=" },
                quoted(&w.statuses[ix[0]])
            )
        }
        Q::Status(neg, ix) => format!(
            "status {} {}",
            if *neg { "NOT IN" } else { "IN" },
            list(&w.statuses, ix)
        ),
        Q::Priority(op, p) => format!("priority {} {}", op.text(), quoted(&w.priorities[*p])),
        Q::Label(neg, ix) if ix.len() == 1 => {
            format!(
                "labels {} {}",
                if *neg { "!=" } else { "=" },
                quoted(&w.labels[ix[0]])
            )
        }
        Q::Label(neg, ix) => format!(
            "labels {} {}",
            if *neg { "NOT IN" } else { "IN" },
            list(&w.labels, ix)
        ),
        Q::LabelsEmpty(neg) => format!("labels IS {}EMPTY", if *neg { "NOT " } else { "" }),
        Q::Assignee(neg, u) => format!(
            "assignee {} {}",
            if *neg { "!=" } else { "=" },
            quoted(&w.users[*u])
        ),
        Q::AssigneeEmpty(neg) => format!("assignee IS {}EMPTY", if *neg { "NOT " } else { "" }),
        Q::Summary(neg, x) => format!(
            "summary {} {}",
            if *neg { "!~" } else { "~" },
            quoted(&w.words[*x])
        ),
        Q::KeyCmp(op, p, n) => format!("key {} {}-{n}", op.text(), w.projects[*p]),
        Q::CreatedAfterDays(d) => format!("created >= \"-{d}d\""),
        Q::Unresolved => "resolution = Unresolved".to_string(),
        Q::Due(op, x) => format!("due {} {}", op.text(), quoted(&w.dues[*x])),
        Q::DueEmpty(neg) => format!("due IS {}EMPTY", if *neg { "NOT " } else { "" }),
        Q::Component(neg, ix) => format!(
            "component {} {}",
            if *neg { "NOT IN" } else { "IN" },
            list(&w.components, ix)
        ),
        Q::KeyIn(neg, ix) => {
            let keys: Vec<String> = ix
                .iter()
                .map(|i| {
                    let d = &w.docs[*i % w.docs.len()];
                    format!("{}-{}", d.project, d.num)
                })
                .collect();
            format!(
                "issuekey {} ({})",
                if *neg { "NOT IN" } else { "IN" },
                keys.join(", ")
            )
        }
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|x| !x.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The reference semantics, straight from Jira's documentation and the notes: `!=` and `NOT IN`
/// never match an empty field; a priority is greater when it is higher in the admin's list;
/// keys compare by number within the referenced issue's project, and a missing issue matches
/// nothing.
fn eval(q: &Q, d: &Doc, w: &World) -> bool {
    match q {
        Q::And(qs) => qs.iter().all(|q| eval(q, d, w)),
        Q::Or(qs) => qs.iter().any(|q| eval(q, d, w)),
        Q::Not(q) => !eval(q, d, w),
        Q::Project(p) => d.project == w.projects[*p],
        Q::Status(neg, ix) => {
            let hit = ix.iter().any(|i| w.statuses[*i].eq_ignore_ascii_case(&d.status));
            hit != *neg
        }
        Q::Priority(op, p) => match d.priority {
            // Higher priority (smaller index) is greater.
            Some(mine) => op.holds(p.cmp(&mine)),
            None => false,
        },
        Q::Label(neg, ix) => {
            let hit = ix.iter().any(|i| d.labels.contains(&w.labels[*i]));
            if *neg {
                !d.labels.is_empty() && !hit
            } else {
                hit
            }
        }
        Q::LabelsEmpty(neg) => d.labels.is_empty() != *neg,
        Q::Assignee(neg, u) => match &d.assignee {
            Some((id, _)) => (id == &w.users[*u]) != *neg,
            None => false,
        },
        Q::AssigneeEmpty(neg) => d.assignee.is_none() != *neg,
        Q::Summary(neg, x) => words(&d.summary).contains(&w.words[*x].to_lowercase()) != *neg,
        Q::KeyCmp(op, p, n) => {
            let exists = w.docs.iter().any(|o| o.project == w.projects[*p] && o.num == *n);
            exists && d.project == w.projects[*p] && op.holds(d.num.cmp(n))
        }
        Q::CreatedAfterDays(days) => d.created >= w.now - days * 86_400_000,
        Q::Unresolved => !d.resolved,
        Q::Due(op, x) => match &d.due {
            Some(due) => op.holds(due.as_str().cmp(w.dues[*x].as_str())),
            None => false,
        },
        Q::DueEmpty(neg) => d.due.is_none() != *neg,
        Q::Component(neg, ix) => {
            let hit = ix.iter().any(|i| d.components.contains(&w.components[*i]));
            if *neg {
                !d.components.is_empty() && !hit
            } else {
                hit
            }
        }
        Q::KeyIn(neg, ix) => ix.iter().any(|i| w.docs[*i % w.docs.len()].id == d.id) != *neg,
    }
}

fn sort_cmp(a: &Doc, b: &Doc, keys: &[(Sort, bool)]) -> Ordering {
    // EMPTY is greater than every value: last ascending, first descending. Ties: newest id first.
    fn opt<T: Ord>(x: Option<T>, y: Option<T>) -> Ordering {
        match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => x.cmp(&y),
        }
    }
    for (k, desc) in keys {
        let o = match k {
            Sort::Key => (&a.project, a.num).cmp(&(&b.project, b.num)),
            // Ascending priority runs from the lowest to the highest.
            Sort::Priority => opt(
                a.priority.map(std::cmp::Reverse),
                b.priority.map(std::cmp::Reverse),
            ),
            Sort::Created => a.created.cmp(&b.created),
            Sort::Assignee => opt(
                a.assignee.as_ref().map(|x| x.1.to_lowercase()),
                b.assignee.as_ref().map(|x| x.1.to_lowercase()),
            ),
            Sort::Summary => a.summary.to_lowercase().cmp(&b.summary.to_lowercase()),
            Sort::Status => a.status.to_lowercase().cmp(&b.status.to_lowercase()),
            Sort::Due => opt(a.due.as_deref(), b.due.as_deref()),
        };
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    b.id.cmp(&a.id)
}

fn clause(w: &World) -> impl Strategy<Value = Q> {
    let (np, ns, npr, nl, nu, nw) = (
        w.projects.len(),
        w.statuses.len(),
        w.priorities.len(),
        w.labels.len(),
        w.users.len(),
        w.words.len(),
    );
    let (nd, nc, ni) = (w.dues.len(), w.components.len(), w.docs.len());
    let op = prop_oneof![
        Just(Op::Eq),
        Just(Op::Ne),
        Just(Op::Gt),
        Just(Op::Ge),
        Just(Op::Lt),
        Just(Op::Le)
    ];
    let rel = prop_oneof![Just(Op::Gt), Just(Op::Ge), Just(Op::Lt), Just(Op::Le)];
    let leaf = prop_oneof![
        (0..np).prop_map(Q::Project),
        (any::<bool>(), prop::collection::vec(0..ns, 1..3)).prop_map(|(n, v)| Q::Status(n, v)),
        (op.clone(), 0..npr).prop_map(|(o, p)| Q::Priority(o, p)),
        (any::<bool>(), prop::collection::vec(0..nl, 1..3)).prop_map(|(n, v)| Q::Label(n, v)),
        any::<bool>().prop_map(Q::LabelsEmpty),
        (any::<bool>(), 0..nu).prop_map(|(n, u)| Q::Assignee(n, u)),
        any::<bool>().prop_map(Q::AssigneeEmpty),
        (any::<bool>(), 0..nw).prop_map(|(n, x)| Q::Summary(n, x)),
        (rel, 0..np, 1i64..60).prop_map(|(o, p, n)| Q::KeyCmp(o, p, n)),
        (1i64..200).prop_map(Q::CreatedAfterDays),
        Just(Q::Unresolved),
        (op, 0..nd).prop_map(|(o, x)| Q::Due(o, x)),
        any::<bool>().prop_map(Q::DueEmpty),
        (any::<bool>(), prop::collection::vec(0..nc, 1..3)).prop_map(|(n, v)| Q::Component(n, v)),
        (any::<bool>(), prop::collection::vec(0..ni, 1..4)).prop_map(|(n, v)| Q::KeyIn(n, v)),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Q::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Q::Or),
            inner.prop_map(|q| Q::Not(Box::new(q))),
        ]
    })
}

fn order() -> impl Strategy<Value = Vec<(Sort, bool)>> {
    let key = prop_oneof![
        Just(Sort::Key),
        Just(Sort::Priority),
        Just(Sort::Created),
        Just(Sort::Assignee),
        Just(Sort::Summary),
        Just(Sort::Status),
        Just(Sort::Due)
    ];
    prop::collection::vec((key, any::<bool>()), 0..3)
}

fn order_text(keys: &[(Sort, bool)]) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = keys
        .iter()
        .map(|(k, desc)| {
            let name = match k {
                Sort::Key => "key",
                Sort::Priority => "priority",
                Sort::Created => "created",
                Sort::Assignee => "assignee",
                Sort::Summary => "summary",
                Sort::Status => "status",
                Sort::Due => "due",
            };
            format!("{name} {}", if *desc { "DESC" } else { "ASC" })
        })
        .collect();
    format!(" ORDER BY {}", parts.join(", "))
}

/// All pages of a search, following nextPageToken.
async fn search_keys(sb: &Sb, jql: &str, page: usize) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"jql": jql, "maxResults": page, "fields": ["id"]});
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let (s, b) = sb.post("/rest/api/3/search/jql", body).await;
        if s != StatusCode::OK {
            return Err(format!("{s}: {b}"));
        }
        for i in b["issues"].as_array().ok_or("no issues")? {
            out.push(i["id"].as_str().ok_or("no id")?.parse().map_err(|_| "bad id")?);
        }
        match b.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(out),
        }
    }
}

async fn load_world(sb: &Sb) -> World {
    let (_, projects) = sb.get("/rest/api/3/project").await;
    let projects: Vec<String> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap().to_string())
        .collect();
    let (_, prios) = sb.get("/rest/api/3/priority").await;
    let priorities: Vec<String> = prios
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let jql = format!("project IN ({}) ORDER BY key ASC", projects.join(", "));
    let mut docs = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"jql": jql, "maxResults": 100,
            "fields": ["summary", "status", "priority", "assignee", "labels", "created", "resolution", "project", "duedate", "components"]});
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let (s, b) = sb.post("/rest/api/3/search/jql", body).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        for i in b["issues"].as_array().unwrap() {
            let f = &i["fields"];
            let key = i["key"].as_str().unwrap();
            let (project, num) = key.rsplit_once('-').unwrap();
            let created = jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.f%z", f["created"].as_str().unwrap())
                .unwrap()
                .as_millisecond();
            docs.push(Doc {
                id: i["id"].as_str().unwrap().parse().unwrap(),
                project: project.to_string(),
                num: num.parse().unwrap(),
                summary: f["summary"].as_str().unwrap_or("").to_string(),
                status: f["status"]["name"].as_str().unwrap().to_string(),
                priority: f["priority"]["name"]
                    .as_str()
                    .and_then(|n| priorities.iter().position(|p| p == n)),
                assignee: f["assignee"]["accountId"].as_str().map(|a| {
                    (
                        a.to_string(),
                        f["assignee"]["displayName"].as_str().unwrap().to_string(),
                    )
                }),
                labels: f["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap().to_string())
                    .collect(),
                created,
                resolved: !f["resolution"].is_null(),
                due: f["duedate"].as_str().map(str::to_string),
                components: f["components"]
                    .as_array()
                    .map(|cs| {
                        cs.iter()
                            .map(|c| c["name"].as_str().unwrap().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
        match b.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    let mut users: Vec<String> = docs
        .iter()
        .filter_map(|d| d.assignee.clone().map(|a| a.0))
        .collect();
    users.sort();
    users.dedup();
    let mut labels: Vec<String> = docs.iter().flat_map(|d| d.labels.clone()).collect();
    labels.sort();
    labels.dedup();
    labels.push("never-used".into());
    let mut statuses: Vec<String> = docs.iter().map(|d| d.status.clone()).collect();
    statuses.sort();
    statuses.dedup();
    let mut ws: Vec<String> = docs.iter().flat_map(|d| words(&d.summary)).collect();
    ws.sort();
    ws.dedup();
    ws.truncate(40);
    let mut dues: Vec<String> = docs.iter().filter_map(|d| d.due.clone()).collect();
    dues.sort();
    dues.dedup();
    let mut components: Vec<String> = docs.iter().flat_map(|d| d.components.clone()).collect();
    components.sort();
    components.dedup();
    World {
        docs,
        projects,
        statuses,
        priorities,
        users,
        labels,
        words: ws,
        dues,
        components,
        now: fixed_now().as_millisecond(),
    }
}

#[test]
fn the_sandbox_agrees_with_a_reference_evaluator_on_random_queries() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt.block_on(Sb::start(Seed::Scale(120)));
    // Thousands of searches on a frozen clock: the burst limit would refuse most of them.
    rt.block_on(sb.without_limits());
    let world = rt.block_on(load_world(&sb));
    assert!(
        world.docs.len() >= 100,
        "the seed made {} issues",
        world.docs.len()
    );
    let cases: u32 = std::env::var("JQL_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1200);
    let mut runner = TestRunner::new(PtConfig {
        cases,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let strategy = (clause(&world), order(), 1usize..40);
    let result = runner.run(&strategy, |(q, keys, page)| {
        let jql = format!("{}{}", render(&q, &world), order_text(&keys));
        let mut want: Vec<&Doc> = world.docs.iter().filter(|d| eval(&q, d, &world)).collect();
        let sort_keys = if keys.is_empty() {
            vec![(Sort::Created, true)]
        } else {
            keys.clone()
        };
        want.sort_by(|a, b| sort_cmp(a, b, &sort_keys));
        let want: Vec<i64> = want.iter().map(|d| d.id).collect();
        // Most queries in one page; some paged through small pages.
        let page = if page < 10 { page } else { 100 };
        let got = rt
            .block_on(search_keys(&sb, &jql, page))
            .map_err(TestCaseError::fail)?;
        prop_assert_eq!(&got, &want, "query: {}", jql);
        if page % 3 == 0 && !keys.is_empty() {
            // The count and /jql/match agree with the search (SQL or evaluator alike).
            let (s, b) = rt.block_on(sb.post(
                "/rest/api/3/search/approximate-count",
                json!({ "jql": render(&q, &world) }),
            ));
            prop_assert_eq!(s, StatusCode::OK, "{}", b);
            prop_assert_eq!(b["count"].as_u64(), Some(want.len() as u64), "count of {}", jql);
            let probe: Vec<i64> = world.docs.iter().step_by(7).map(|d| d.id).collect();
            let (s, b) = rt.block_on(sb.post(
                "/rest/api/3/jql/match",
                json!({ "issueIds": probe, "jqls": [render(&q, &world)] }),
            ));
            prop_assert_eq!(s, StatusCode::OK, "{}", b);
            let matched: Vec<i64> = b["matches"][0]["matchedIssues"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            let expect: Vec<i64> = probe.iter().copied().filter(|id| want.contains(id)).collect();
            prop_assert_eq!(matched, expect, "match of {}", jql);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
