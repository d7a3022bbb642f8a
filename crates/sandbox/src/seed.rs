//! Seeds: `empty` (the admin and Jira's defaults), `demo` (a realistic site) and `scale:N`
//! (N issues, for benchmarks). Deterministic: a fixed random seed, and times relative to the
//! sandbox clock's day, so a frozen clock gives the same site byte for byte.

use std::fmt;
use std::str::FromStr;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};

use crate::clock::Clock;
use crate::error::ApiError;
use crate::meta::Meta;
use crate::store::{self, ChangeItem};
use crate::{Config, Db};

pub const ADMIN_ID: &str = "5d9e8a7b6c5d4e3f2a1b0c9d";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Seed {
    #[default]
    Empty,
    Demo,
    Scale(u64),
}

impl FromStr for Seed {
    type Err = String;
    fn from_str(s: &str) -> Result<Seed, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "empty" => Ok(Seed::Empty),
            "demo" => Ok(Seed::Demo),
            other => match other
                .strip_prefix("scale:")
                .map(|n| n.replace('_', "").parse::<u64>())
            {
                Some(Ok(n)) if n <= 10_000_000 => Ok(Seed::Scale(n)),
                _ => Err(format!(
                    "unknown seed '{s}': expected empty, demo or scale:N (N up to 10000000)"
                )),
            },
        }
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seed::Empty => write!(f, "empty"),
            Seed::Demo => write!(f, "demo"),
            Seed::Scale(n) => write!(f, "scale:{n}"),
        }
    }
}

/// The simplified workflow every new project gets: To Do → In Progress → Done.
pub fn default_workflow(meta: &Meta) -> Vec<i64> {
    ["new", "indeterminate", "done"]
        .iter()
        .filter_map(|cat| meta.statuses.iter().find(|s| s.category == *cat).map(|s| s.id))
        .collect()
}

/// Drops everything and seeds anew, in one transaction.
pub fn reset(db: &mut Db, config: &Config, clock: &Clock, seed: &Seed) -> Result<(), ApiError> {
    // A big seed writes without waiting for the disk and with a larger page cache; the settings
    // come back afterwards, and the WAL is folded into the database so it does not linger at the
    // size of the whole seed.
    let bulk = matches!(seed, Seed::Scale(n) if *n >= 10_000);
    let saved = if bulk {
        let sync: i64 = db.conn.pragma_query_value(None, "synchronous", |r| r.get(0))?;
        let cache: i64 = db.conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
        db.conn.pragma_update(None, "synchronous", "OFF")?;
        db.conn.pragma_update(None, "cache_size", -524_288)?;
        Some((sync, cache))
    } else {
        None
    };
    let result = reset_in_transaction(db, config, clock, seed);
    if let Some((sync, cache)) = saved {
        db.conn.pragma_update(None, "synchronous", sync)?;
        db.conn.pragma_update(None, "cache_size", cache)?;
        if result.is_ok() {
            db.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
    }
    result
}

fn reset_in_transaction(db: &mut Db, config: &Config, clock: &Clock, seed: &Seed) -> Result<(), ApiError> {
    let tx = db.conn.transaction()?;
    // The word index is emptied at once rather than row by row with the issues ('kv', which
    // holds the pause, is emptied last).
    crate::fts::pause(&tx)?;
    for t in crate::db::TABLES {
        tx.execute(&format!("DELETE FROM {t}"), [])?;
    }
    crate::fts::rebuild(&tx)?;
    tx.execute("UPDATE sqlite_sequence SET seq = 9999", [])?;
    // Boards and sprints count from 1, as in Jira.
    tx.execute(
        "UPDATE sqlite_sequence SET seq = 0 WHERE name IN ('boards', 'sprints')",
        [],
    )?;
    defaults(&tx, config)?;
    crate::api::links::seed_link_types(&tx)?;
    let meta = Meta::load(&tx)?;
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo(&tx, &meta, clock.now_ms(), 2000)?,
        Seed::Scale(n) => scale(&tx, &meta, clock.now_ms(), *n)?,
    }
    store::kv_set(&tx, "seed", &seed.to_string())?;
    tx.commit()?;
    Ok(())
}

/// Brings the admin's credentials in line with the configuration (a restart may change them).
pub fn apply_credentials(conn: &Connection, config: &Config) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET email = ?2, name = ?3, api_token = ?4, password = ?5, pat = ?6 WHERE account_id = ?1",
        params![ADMIN_ID, config.email, config.username, config.api_token, config.password, config.pat],
    )?;
    Ok(())
}

fn defaults(tx: &Connection, config: &Config) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO users (account_id, email, name, display_name, api_token, password, pat, site_admin) VALUES (?1, ?2, ?3, 'Sandbox Admin', ?4, ?5, ?6, 1)",
        params![ADMIN_ID, config.email, config.username, config.api_token, config.password, config.pat],
    )?;
    for (name, gid) in [
        ("jira-administrators", "0a6d3c8e-1f2b-4c5d-8e9f-0a1b2c3d4e01"),
        ("jira-users", "0a6d3c8e-1f2b-4c5d-8e9f-0a1b2c3d4e02"),
        ("site-admins", "0a6d3c8e-1f2b-4c5d-8e9f-0a1b2c3d4e03"),
    ] {
        tx.execute(
            "INSERT INTO groups (name, group_id) VALUES (?1, ?2)",
            params![name, gid],
        )?;
        tx.execute(
            "INSERT INTO group_members (group_name, account_id) VALUES (?1, ?2)",
            params![name, ADMIN_ID],
        )?;
    }
    for (id, name, desc, cat) in [
        (10000, "To Do", "Work that has not started.", "new"),
        (
            3,
            "In Progress",
            "This work item is being actively worked on at the moment by the assignee.",
            "indeterminate",
        ),
        (10001, "Done", "Work that is finished.", "done"),
    ] {
        tx.execute(
            "INSERT INTO statuses (id, name, description, category) VALUES (?1, ?2, ?3, ?4)",
            params![id, name, desc, cat],
        )?;
    }
    for (id, name, desc, subtask, level, avatar) in [
        (
            10000,
            "Epic",
            "Epics track collections of related bugs, stories, and tasks.",
            false,
            1,
            10307,
        ),
        (
            10001,
            "Story",
            "Stories track functionality or features expressed as user goals.",
            false,
            0,
            10315,
        ),
        (
            10002,
            "Task",
            "Tasks track small, distinct pieces of work.",
            false,
            0,
            10318,
        ),
        (10003, "Bug", "Bugs track problems or errors.", false, 0, 10303),
        (
            10004,
            "Subtask",
            "Subtasks track small pieces of work that are part of a larger task.",
            true,
            -1,
            10316,
        ),
    ] {
        tx.execute(
            "INSERT INTO issue_types (id, name, description, subtask, hierarchy_level, avatar_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, name, desc, subtask, level, avatar],
        )?;
    }
    for (id, name, color, seq, default) in [
        (1, "Highest", "#d04437", 1, false),
        (2, "High", "#f15C75", 2, false),
        (3, "Medium", "#f79232", 3, true),
        (4, "Low", "#707070", 4, false),
        (5, "Lowest", "#999999", 5, false),
    ] {
        tx.execute(
            "INSERT INTO priorities (id, name, description, color, sequence, is_default) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, name, format!("{name} priority."), color, seq, default],
        )?;
    }
    for (id, name, desc) in [
        (10000, "Done", "Work has been completed on this issue."),
        (10001, "Won't Do", "This issue won't be actioned."),
        (
            10002,
            "Duplicate",
            "The problem is a duplicate of an existing issue.",
        ),
        (
            10003,
            "Cannot Reproduce",
            "All attempts at reproducing this issue failed.",
        ),
    ] {
        tx.execute(
            "INSERT INTO resolutions (id, name, description) VALUES (?1, ?2, ?3)",
            params![id, name, desc],
        )?;
    }
    let cf = "com.atlassian.jira.plugin.system.customfieldtypes:";
    for (num, name, ty) in [
        (10015, "Start date", format!("{cf}datepicker")),
        (10016, "Story Points", format!("{cf}float")),
        (
            10019,
            "Rank",
            "com.pyxis.greenhopper.jira:gh-lexo-rank".to_string(),
        ),
        (
            10020,
            "Sprint",
            "com.pyxis.greenhopper.jira:gh-sprint".to_string(),
        ),
    ] {
        add_field(tx, num, name, &ty)?;
    }
    Ok(())
}

fn add_field(tx: &Connection, num: i64, name: &str, type_key: &str) -> rusqlite::Result<i64> {
    let id = format!("customfield_{num}");
    let searcher = crate::meta::CustomKind::from_type_key(type_key).and_then(|k| k.searcher_key());
    tx.execute(
        "INSERT INTO fields (id, num, name, type_key, searcher_key) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, num, name, type_key, searcher],
    )?;
    tx.execute(
        "INSERT INTO field_contexts (field_id, name) VALUES (?1, ?2)",
        params![id, format!("Default Configuration Scheme for {name}")],
    )?;
    Ok(tx.last_insert_rowid())
}

const PEOPLE: &[(&str, &str)] = &[
    ("alice", "Alice Moreau"),
    ("bob", "Bob Okafor"),
    ("carol", "Carol Nguyen"),
    ("dave", "Dave Lindqvist"),
    ("erin", "Erin Castillo"),
    ("frank", "Frank Adeyemi"),
    ("grace", "Grace Kowalski"),
    ("heidi", "Heidi Tanaka"),
    ("ivan", "Ivan Petrov"),
];

const SUBJECTS: &[&str] = &[
    "checkout",
    "login page",
    "search results",
    "invoice export",
    "password reset",
    "mobile menu",
    "order history",
    "payment webhook",
    "shipping rates",
    "product images",
    "user profile",
    "admin dashboard",
    "email receipts",
    "cart totals",
    "API rate limiter",
    "SSO callback",
    "CSV import",
    "audit log",
    "notification settings",
    "coupon codes",
];
const BUG_VERBS: &[&str] = &[
    "crashes when",
    "shows the wrong total for",
    "times out on",
    "loses data after",
    "renders blank for",
    "double-charges on",
    "ignores the locale in",
    "returns 500 for",
];
const BUG_CONTEXTS: &[&str] = &[
    "an empty cart",
    "a guest user",
    "Safari 17",
    "a retried request",
    "a long address",
    "a refunded order",
    "a leap-day date",
    "two open tabs",
];
const STORY_VERBS: &[&str] = &[
    "Add",
    "Support",
    "Redesign",
    "Speed up",
    "Localise",
    "Simplify",
    "Let customers filter",
    "Track usage of",
];
const TASK_VERBS: &[&str] = &[
    "Upgrade",
    "Document",
    "Migrate",
    "Clean up",
    "Monitor",
    "Benchmark",
    "Review",
    "Automate",
];
const LABELS: &[&str] = &[
    "backend",
    "frontend",
    "customer-reported",
    "tech-debt",
    "security",
    "performance",
    "ux",
    "regression",
];
const COMMENTS: &[&str] = &[
    "I can reproduce this on staging.",
    "Looking into it now.",
    "Fixed in the latest build, please verify.",
    "This needs a product decision first.",
    "Customer confirmed the workaround helps for now.",
    "Blocked on the upstream release.",
    "Added a test that covers this case.",
    "Can we split this into smaller pieces?",
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn adf(text: &str) -> Value {
    jirakit_adf::Doc::from_wiki(text).to_json()
}

const DAY: i64 = 86_400_000;

/// A realistic site: 3 projects of different templates, 10 users, `n` issues over six months with
/// status moves, reassignments, comments, subtasks, epics, sprints and custom fields.
fn demo(tx: &Connection, defaults_meta: &Meta, now: i64, n: u64) -> Result<(), ApiError> {
    let mut rng = StdRng::seed_from_u64(0x5EED_D3A0);
    let today = now - now.rem_euclid(DAY);
    demo_site(tx, defaults_meta, today)?;
    let meta = Meta::load(tx)?;
    let users: Vec<String> = meta.users.keys().cloned().collect();
    let statuses = default_workflow(&meta);
    let (todo, doing, done) = (statuses[0], statuses[1], statuses[2]);
    let status_name = |id: i64| meta.status(id).map(|s| s.name.clone());
    let severity: Vec<i64> = meta
        .options
        .iter()
        .filter(|o| o.field_id == "customfield_10100")
        .map(|o| o.id)
        .collect();
    let regions: Vec<i64> = meta
        .options
        .iter()
        .filter(|o| o.field_id == "customfield_10102")
        .map(|o| o.id)
        .collect();
    let span = 180 * DAY;
    let start = today - span;
    let mut epics: Vec<Vec<(i64, i64)>> = vec![Vec::new(); meta.projects.len()];
    let mut parents: Vec<Vec<(i64, i64)>> = vec![Vec::new(); meta.projects.len()];
    for k in 0..n {
        // Creation times rise with k, so keys follow time as on a real site.
        let created = start + (span as f64 * (k as f64 + rng.gen::<f64>()) / n.max(1) as f64) as i64;
        let pi = match rng.gen_range(0..10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => 2,
        };
        let project = &meta.projects[pi];
        let roll = rng.gen_range(0..100);
        let (type_name, parent) = if roll < 3 || epics[pi].is_empty() {
            ("Epic", None)
        } else if roll < 12 && !parents[pi].is_empty() {
            ("Subtask", Some(*pick(&mut rng, &parents[pi])))
        } else if roll < 45 {
            (
                "Story",
                if rng.gen_bool(0.6) {
                    Some(*pick(&mut rng, &epics[pi]))
                } else {
                    None
                },
            )
        } else if roll < 72 {
            (
                "Bug",
                if rng.gen_bool(0.3) {
                    Some(*pick(&mut rng, &epics[pi]))
                } else {
                    None
                },
            )
        } else {
            (
                "Task",
                if rng.gen_bool(0.4) {
                    Some(*pick(&mut rng, &epics[pi]))
                } else {
                    None
                },
            )
        };
        let itype = meta
            .issue_types
            .iter()
            .find(|t| t.name == type_name)
            .map(|t| t.id)
            .unwrap_or(10002);
        let subject = *pick(&mut rng, SUBJECTS);
        let summary = match type_name {
            "Epic" => format!("{} overhaul", capitalise(subject)),
            "Bug" => format!(
                "{} {} {}",
                capitalise(subject),
                pick(&mut rng, BUG_VERBS),
                pick(&mut rng, BUG_CONTEXTS)
            ),
            "Story" => format!("{} {}", pick(&mut rng, STORY_VERBS), subject),
            "Subtask" => format!(
                "{} for {}",
                pick(
                    &mut rng,
                    &["Write tests", "Update docs", "Code review", "QA pass"]
                ),
                subject
            ),
            _ => format!("{} {}", pick(&mut rng, TASK_VERBS), subject),
        };
        let reporter = pick(&mut rng, &users).clone();
        let mut fields = Map::new();
        fields.insert("summary".into(), json!(summary));
        if rng.gen_bool(0.7) {
            fields.insert(
                "description".into(),
                adf(&format!("Reported by a customer while using the {subject}.\n\nExpected it to just work; it did not.")),
            );
        }
        fields.insert("reporter".into(), json!(reporter));
        fields.insert("creator".into(), json!(reporter));
        fields.insert(
            "priority".into(),
            json!(meta.priorities[rng.gen_range(0..meta.priorities.len())].id),
        );
        let labels: Vec<&str> = LABELS.iter().filter(|_| rng.gen_bool(0.15)).copied().collect();
        fields.insert("labels".into(), json!(labels));
        let comps: Vec<i64> = meta
            .components
            .iter()
            .filter(|c| c.project_id == project.id)
            .map(|c| c.id)
            .collect();
        if !comps.is_empty() && rng.gen_bool(0.6) {
            fields.insert("components".into(), json!([*pick(&mut rng, &comps)]));
        }
        let versions: Vec<i64> = meta
            .versions
            .iter()
            .filter(|v| v.project_id == project.id)
            .map(|v| v.id)
            .collect();
        if !versions.is_empty() && rng.gen_bool(0.4) {
            fields.insert("fixVersions".into(), json!([*pick(&mut rng, &versions)]));
        }
        if type_name == "Story" {
            fields.insert(
                "customfield_10016".into(),
                json!(*pick(&mut rng, &[1.0, 2.0, 3.0, 5.0, 8.0, 13.0])),
            );
        }
        if type_name == "Bug" {
            fields.insert("customfield_10100".into(), json!(*pick(&mut rng, &severity)));
            if rng.gen_bool(0.5) {
                let r: Vec<i64> = regions.iter().filter(|_| rng.gen_bool(0.4)).copied().collect();
                if !r.is_empty() {
                    fields.insert("customfield_10102".into(), json!(r));
                }
            }
            if rng.gen_bool(0.4) {
                fields.insert(
                    "customfield_10101".into(),
                    json!(*pick(
                        &mut rng,
                        &["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli"]
                    )),
                );
            }
        }
        if rng.gen_bool(0.2) {
            let due = created + DAY * rng.gen_range(7..60);
            if let Ok(t) = jiff::Timestamp::from_millisecond(due) {
                fields.insert(
                    "duedate".into(),
                    json!(t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()),
                );
            }
        }
        fields.insert("customfield_10019".into(), json!(store::next_rank(tx)?));
        fields.insert("statuscategorychangedate".into(), json!(created));
        let mut assignee: Option<String> = if rng.gen_bool(0.7) {
            Some(pick(&mut rng, &users).clone())
        } else {
            None
        };
        if let Some(a) = &assignee {
            fields.insert("assignee".into(), json!(a));
        }
        let issue = store::insert_issue(
            tx,
            project.id,
            &project.key,
            itype,
            todo,
            parent.map(|p| p.0),
            created,
            fields,
        )?;
        let mut issue = issue;
        match type_name {
            "Epic" => epics[pi].push((issue.id, created)),
            "Story" | "Task" | "Bug" => parents[pi].push((issue.id, created)),
            _ => {}
        }
        // History: reassignments and status moves, in time order, never past today.
        let age = today - created;
        let mut t = created;
        let mut status = todo;
        let steps = rng.gen_range(0..5);
        for _ in 0..steps {
            t += rng.gen_range(DAY / 24..(age / 4).max(DAY / 12));
            if t >= now {
                break;
            }
            let author = pick(&mut rng, &users).clone();
            let mut items = Vec::new();
            if rng.gen_bool(0.35) {
                let next = pick(&mut rng, &users).clone();
                if assignee.as_ref() != Some(&next) {
                    let name = |a: &Option<String>| {
                        a.as_ref()
                            .and_then(|a| meta.user(a))
                            .map(|u| u.display_name.clone())
                    };
                    items.push(ChangeItem {
                        field: "assignee".into(),
                        fieldtype: "jira".into(),
                        field_id: Some("assignee".into()),
                        from: assignee.clone(),
                        from_string: name(&assignee),
                        to: Some(next.clone()),
                        to_string: name(&Some(next.clone())),
                    });
                    assignee = Some(next);
                }
            } else if status != done {
                let next = if status == todo { doing } else { done };
                if next == done {
                    items.push(ChangeItem {
                        field: "resolution".into(),
                        fieldtype: "jira".into(),
                        field_id: Some("resolution".into()),
                        from: None,
                        from_string: None,
                        to: Some("10000".into()),
                        to_string: Some("Done".into()),
                    });
                    issue.fields.insert("resolution".into(), json!(10000));
                    issue.fields.insert("resolutiondate".into(), json!(t));
                }
                items.push(ChangeItem {
                    field: "status".into(),
                    fieldtype: "jira".into(),
                    field_id: Some("status".into()),
                    from: Some(status.to_string()),
                    from_string: status_name(status),
                    to: Some(next.to_string()),
                    to_string: status_name(next),
                });
                status = next;
                issue.fields.insert("statuscategorychangedate".into(), json!(t));
            }
            if !items.is_empty() {
                store::add_history(tx, issue.id, Some(&author), t, &items)?;
                issue.updated = t;
            }
            if rng.gen_bool(0.4) {
                let ct = t + rng.gen_range(60_000..3_600_000);
                if ct < now {
                    let text: &str = COMMENTS[rng.gen_range(0..COMMENTS.len())];
                    store::insert_comment(tx, issue.id, &author, &adf(text), None, ct)?;
                    issue.updated = issue.updated.max(ct);
                }
            }
        }
        issue.status_id = status;
        match &assignee {
            Some(a) => issue.fields.insert("assignee".into(), json!(a)),
            None => issue.fields.remove("assignee"),
        };
        store::save_issue(tx, &issue)?;
    }
    agile_demo(tx, &meta, &mut rng, today, now)?;
    Ok(())
}

/// The demo's people, groups, projects, components, versions and custom fields: the site every
/// seed but `empty` starts from.
fn demo_site(tx: &Connection, defaults_meta: &Meta, today: i64) -> Result<(), ApiError> {
    for (i, (login, display)) in PEOPLE.iter().enumerate() {
        let account = format!("5d9e8a7b6c5d4e3f2a1b{:04x}", i + 1);
        tx.execute(
            "INSERT INTO users (account_id, email, name, display_name, api_token, password, time_zone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                account,
                format!("{login}@example.com"),
                login,
                display,
                format!("sandbox-{login}-token"),
                login,
                ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"][i % 4]
            ],
        )?;
        tx.execute(
            "INSERT INTO group_members (group_name, account_id) VALUES ('jira-users', ?1)",
            [&account],
        )?;
    }
    tx.execute(
        "INSERT INTO groups (name, group_id) VALUES ('marketing', '0a6d3c8e-1f2b-4c5d-8e9f-0a1b2c3d4e04')",
        [],
    )?;
    for login in ["erin", "grace", "heidi"] {
        tx.execute(
            "INSERT INTO group_members (group_name, account_id) SELECT 'marketing', account_id FROM users WHERE name = ?1",
            [login],
        )?;
    }
    let workflow = serde_json::to_string(&default_workflow(defaults_meta))?;
    let projects = [
        (
            "SHOP",
            "Storefront",
            "software",
            "com.pyxis.greenhopper.jira:gh-simplified-scrum-classic",
            None::<&str>,
            "The customer-facing web shop.",
        ),
        (
            "OPS",
            "Platform Operations",
            "software",
            "com.pyxis.greenhopper.jira:gh-simplified-kanban-classic",
            None,
            "Infrastructure, on-call and tooling.",
        ),
        (
            "MKT",
            "Marketing",
            "business",
            "com.atlassian.jira-core-project-templates:jira-core-simplified-project-management",
            Some("[\"marketing\"]"),
            "Campaigns and launches (visible to the marketing group).",
        ),
    ];
    for (i, (key, name, ty, template, browse, desc)) in projects.iter().enumerate() {
        let lead = format!("5d9e8a7b6c5d4e3f2a1b{:04x}", i + 1);
        tx.execute(
            "INSERT INTO projects (key, name, description, lead, type_key, template_key, assignee_type, browse_groups, workflow) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'UNASSIGNED', ?7, ?8)",
            params![key, name, desc, lead, ty, template, browse, workflow],
        )?;
    }
    for (pid, names) in [
        (10000, &["Web", "Payments", "Search", "Accounts"][..]),
        (10001, &["CI", "Database", "Monitoring"][..]),
        (10002, &["Campaigns", "Content"][..]),
    ] {
        for c in names {
            tx.execute(
                "INSERT INTO components (project_id, name, description) VALUES (?1, ?2, '')",
                params![pid, c],
            )?;
        }
    }
    for (pid, names) in [
        (10000, &["2026.1", "2026.2", "2026.3"][..]),
        (10001, &["Q1", "Q2"][..]),
    ] {
        for (i, v) in names.iter().enumerate() {
            let released = i + 1 < names.len();
            let date = jiff::Timestamp::from_millisecond(today - DAY * (120 - 60 * i as i64))
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
                .ok();
            tx.execute(
                "INSERT INTO versions (project_id, name, released, release_date) VALUES (?1, ?2, ?3, ?4)",
                params![pid, v, released, date],
            )?;
        }
    }
    let cf = "com.atlassian.jira.plugin.system.customfieldtypes:";
    let severity_ctx = add_field(tx, 10100, "Severity", &format!("{cf}select"))?;
    add_field(tx, 10101, "Customer", &format!("{cf}textfield"))?;
    let regions_ctx = add_field(tx, 10102, "Affected regions", &format!("{cf}multiselect"))?;
    add_field(tx, 10103, "Release notes", &format!("{cf}textarea"))?;
    for (i, v) in ["Critical", "Major", "Minor", "Trivial"].iter().enumerate() {
        tx.execute(
            "INSERT INTO field_options (field_id, context_id, value, position) VALUES ('customfield_10100', ?1, ?2, ?3)",
            params![severity_ctx, v, i as i64],
        )?;
    }
    for (i, v) in ["EU", "US", "APAC", "LATAM"].iter().enumerate() {
        tx.execute(
            "INSERT INTO field_options (field_id, context_id, value, position) VALUES ('customfield_10102', ?1, ?2, ?3)",
            params![regions_ctx, v, i as i64],
        )?;
    }
    Ok(())
}

/// Boards for SHOP (scrum) and OPS (kanban); SHOP's sprints: four closed two-week sprints, an
/// active one and a future one, with finished work in the closed sprints and open work in the
/// active and future ones, each move in the issue's history.
fn agile_demo(tx: &Connection, meta: &Meta, rng: &mut StdRng, today: i64, now: i64) -> Result<(), ApiError> {
    let admin = ADMIN_ID;
    for (key, kind) in [("SHOP", "scrum"), ("OPS", "kanban")] {
        let Some(p) = meta.projects.iter().find(|p| p.key == key) else {
            continue;
        };
        tx.execute(
            "INSERT INTO filters (name, jql, owner) VALUES (?1, ?2, ?3)",
            params![
                format!("Filter for {key} board"),
                format!("project = {key} ORDER BY Rank ASC"),
                admin
            ],
        )?;
        let filter = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO boards (name, type, filter_id, project_id) VALUES (?1, ?2, ?3, ?4)",
            params![format!("{key} board"), kind, filter, p.id],
        )?;
    }
    let Some(shop) = meta.projects.iter().find(|p| p.key == "SHOP") else {
        return Ok(());
    };
    let board: i64 = tx.query_row("SELECT id FROM boards WHERE project_id = ?1", [shop.id], |r| {
        r.get(0)
    })?;
    let two_weeks = 14 * DAY;
    let active_start = today - 3 * DAY + 9 * 3_600_000;
    let mut sprints = Vec::new();
    for n in 0..6i64 {
        let start = active_start + (n - 4) * two_weeks;
        let end = start + two_weeks - 16 * 3_600_000;
        let (state, complete) = match n {
            0..=3 => ("closed", Some(end)),
            4 => ("active", None),
            _ => ("future", None),
        };
        let (start, end) = if state == "future" {
            (None, None)
        } else {
            (Some(start), Some(end))
        };
        tx.execute(
            "INSERT INTO sprints (name, state, start_date, end_date, complete_date, created_date, goal, board_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![format!("SHOP Sprint {}", n + 1), state, start, end, complete, active_start + (n - 5) * two_weeks, "", board],
        )?;
        sprints.push((tx.last_insert_rowid(), state, start, end));
    }
    let field = meta
        .fields
        .iter()
        .find(|f| f.kind == crate::meta::CustomKind::Sprint)
        .map(|f| f.id.clone());
    let Some(field) = field else { return Ok(()) };
    let name = |id: i64| {
        format!(
            "SHOP Sprint {}",
            sprints.iter().position(|s| s.0 == id).map(|i| i + 1).unwrap_or(0)
        )
    };
    for mut issue in store::issues_in_projects(tx, &[shop.id])? {
        let sub_or_epic = meta
            .issue_type(issue.issue_type_id)
            .is_none_or(|t| t.subtask || t.hierarchy_level > 0);
        if sub_or_epic {
            continue;
        }
        let done = meta.status_category_of(issue.status_id) == "done";
        let resolved = issue.get("resolutiondate").as_i64();
        let chosen = if done {
            resolved.and_then(|r| {
                sprints
                    .iter()
                    .find(|s| s.1 == "closed" && s.2.is_some_and(|a| a <= r) && s.3.is_some_and(|b| r <= b))
            })
        } else {
            match rng.gen_range(0..100) {
                0..=49 => sprints.iter().find(|s| s.1 == "active"),
                50..=64 => sprints.iter().find(|s| s.1 == "future"),
                _ => None,
            }
        };
        let Some(&(sid, _, start, _)) = chosen else {
            continue;
        };
        let at = start
            .map(|s| (s - DAY).max(issue.created + 60_000))
            .unwrap_or(issue.created + 60_000)
            .min(now);
        issue.fields.insert(field.clone(), json!([sid]));
        store::save_issue(tx, &issue)?;
        store::add_history(
            tx,
            issue.id,
            Some(admin),
            at,
            &[ChangeItem {
                field: "Sprint".into(),
                fieldtype: "custom".into(),
                field_id: Some(field.clone()),
                from: None,
                from_string: None,
                to: Some(sid.to_string()),
                to_string: Some(name(sid)),
            }],
        )?;
    }
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Projects the scale seed adds to the demo's three, so that `project = X` ranges from broad to
/// narrow. Weights (per 100 issues) follow the demo's first: SHOP, OPS, MKT, then these.
const SCALE_PROJECTS: &[(&str, &str, &[&str])] = &[
    ("DATA", "Data Platform", &["Pipelines", "Warehouse", "Dashboards"]),
    ("MOB", "Mobile Apps", &["iOS", "Android", "Sync"]),
    ("SEC", "Security", &["Identity", "Audit", "Secrets"]),
    ("API", "Public API", &["Gateway", "SDKs", "Docs"]),
    ("WEB", "Website", &["Pages", "Blog", "Forms"]),
    ("FIN", "Finance Systems", &["Billing", "Ledger"]),
    ("HR", "People Tools", &["Hiring", "Onboarding"]),
];
const SCALE_WEIGHTS: &[u32] = &[30, 15, 5, 10, 10, 8, 8, 6, 4, 4];
/// Users beyond the demo's nine, so that `assignee = U` is selective at scale.
const SCALE_USERS: usize = 200;
/// Labels beyond the demo's eight; picked with a skew, so some are common and some rare.
const SCALE_LABELS: &[&str] = &[
    "needs-triage",
    "blocked",
    "quick-win",
    "flaky-test",
    "data-loss",
    "accessibility",
    "i18n",
    "billing",
    "onboarding",
    "api",
    "mobile",
    "infra",
    "docs",
    "design",
    "legal",
    "compliance",
    "migration",
    "oncall",
    "hotfix",
    "spike",
    "research",
    "okr",
];
/// The scale seed's vocabulary: `SCALE_VOCABULARY` made-up module code names. Descriptions and
/// some summaries draw them with Zipf's law (rank r has weight 1/r): at 1,000,000 issues the word
/// of rank 1 is in about half of them, rank 100 in one in 135, rank 1000 in one in 1,300 (see
/// [`scale_word`] and docs/benchmarks.md).
const SCALE_VOCABULARY: usize = 5000;
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu", "ba", "de", "fo", "gi", "hu", "ja", "ku",
    "le", "mo", "ni",
];

/// The scale seed's vocabulary word of rank `rank` (1 is the most frequent), for benchmarks
/// that need a word of known selectivity. Ranks wrap around the vocabulary.
pub fn scale_word(rank: usize) -> String {
    let i = rank.max(1) - 1;
    let n = SYLLABLES.len();
    format!(
        "{}{}{}r",
        SYLLABLES[i % n],
        SYLLABLES[(i / n) % n],
        SYLLABLES[(i / (n * n)) % n]
    )
}

/// Samples vocabulary ranks with Zipf's law.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut acc = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                acc += 1.0 / r as f64;
                acc
            })
            .collect();
        Zipf { cumulative }
    }

    /// A rank from 1.
    fn sample(&self, rng: &mut StdRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let u = rng.gen::<f64>() * total;
        self.cumulative
            .partition_point(|c| *c < u)
            .min(self.cumulative.len() - 1)
            + 1
    }
}

/// A one-paragraph ADF document, as `adf()` builds for plain text, without the wiki parser.
fn adf_paragraph(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    ]})
}

/// The stored `fields` of a scale issue: only what the issue has, in a fixed order.
#[derive(serde::Serialize)]
struct ScaleFields<'a> {
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Value>,
    reporter: &'a str,
    creator: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee: Option<&'a str>,
    priority: i64,
    labels: &'a [&'a str],
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<[i64; 1]>,
    #[serde(rename = "fixVersions", skip_serializing_if = "Option::is_none")]
    fix_versions: Option<[i64; 1]>,
    #[serde(rename = "customfield_10016", skip_serializing_if = "Option::is_none")]
    story_points: Option<f64>,
    #[serde(rename = "customfield_10100", skip_serializing_if = "Option::is_none")]
    severity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duedate: Option<String>,
    #[serde(rename = "customfield_10019")]
    rank: String,
    statuscategorychangedate: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolutiondate: Option<i64>,
}

/// The `scale:N` seed: the demo's site plus seven projects and 200 users, then `n` issues over a
/// year written straight into the tables with prepared statements, in the caller's transaction.
/// Each issue is written once in its final state with a short history (its status moves) and, for
/// one in four, one to three comments; no sprints, watchers or links. Deterministic like `demo`.
fn scale(tx: &Connection, defaults_meta: &Meta, now: i64, n: u64) -> Result<(), ApiError> {
    let mut rng = StdRng::seed_from_u64(0x5CA1_E5EE);
    let today = now - now.rem_euclid(DAY);
    demo_site(tx, defaults_meta, today)?;
    let workflow = serde_json::to_string(&default_workflow(defaults_meta))?;
    for (i, (key, name, components)) in SCALE_PROJECTS.iter().enumerate() {
        let lead = format!("5d9e8a7b6c5d4e3f2a1b{:04x}", i % PEOPLE.len() + 1);
        tx.execute(
            "INSERT INTO projects (key, name, description, lead, type_key, template_key, assignee_type, workflow) VALUES (?1, ?2, '', ?3, 'software', 'com.pyxis.greenhopper.jira:gh-simplified-kanban-classic', 'UNASSIGNED', ?4)",
            params![key, name, lead, workflow],
        )?;
        let pid = tx.last_insert_rowid();
        for c in *components {
            tx.execute(
                "INSERT INTO components (project_id, name, description) VALUES (?1, ?2, '')",
                params![pid, c],
            )?;
        }
    }
    {
        let mut user = tx.prepare(
            "INSERT INTO users (account_id, email, name, display_name, time_zone) VALUES (?1, ?2, ?3, ?4, 'UTC')",
        )?;
        let mut member =
            tx.prepare("INSERT INTO group_members (group_name, account_id) VALUES ('jira-users', ?1)")?;
        for u in 0..SCALE_USERS {
            let account = format!("5d9e8a7b6c5d4e3f2a2b{u:04x}");
            let login = format!("user{u:03}");
            user.execute(params![
                account,
                format!("{login}@example.com"),
                login,
                format!("User {u:03}")
            ])?;
            member.execute([&account])?;
        }
    }
    let meta = Meta::load(tx)?;
    let users: Vec<String> = meta.users.keys().filter(|a| *a != ADMIN_ID).cloned().collect();
    let statuses = default_workflow(&meta);
    let (todo, doing, done) = (statuses[0], statuses[1], statuses[2]);
    let status_name = |id: i64| meta.status(id).map(|s| s.name.clone());
    let severity: Vec<i64> = meta
        .options
        .iter()
        .filter(|o| o.field_id == "customfield_10100")
        .map(|o| o.id)
        .collect();
    let type_id = |name: &str| {
        meta.issue_types
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.id)
            .unwrap_or(10002)
    };
    let (epic, story, task, bug, subtask) = (
        type_id("Epic"),
        type_id("Story"),
        type_id("Task"),
        type_id("Bug"),
        type_id("Subtask"),
    );
    let projects: Vec<(i64, String, Vec<i64>, Vec<i64>)> = meta
        .projects
        .iter()
        .map(|p| {
            let comps = meta
                .components
                .iter()
                .filter(|c| c.project_id == p.id)
                .map(|c| c.id)
                .collect();
            let vers = meta
                .versions
                .iter()
                .filter(|v| v.project_id == p.id)
                .map(|v| v.id)
                .collect();
            (p.id, p.key.clone(), comps, vers)
        })
        .collect();
    let weights: Vec<u32> = (0..projects.len())
        .map(|i| SCALE_WEIGHTS.get(i).copied().unwrap_or(1))
        .collect();
    let weight_total: u32 = weights.iter().sum();
    let labels: Vec<&str> = LABELS.iter().chain(SCALE_LABELS).copied().collect();
    let label_zipf = Zipf::new(labels.len());
    let words = Zipf::new(SCALE_VOCABULARY);
    let vocabulary: Vec<String> = (1..=SCALE_VOCABULARY).map(scale_word).collect();
    let resolutions: Vec<i64> = meta.resolutions.iter().map(|r| r.id).collect();

    // The issues are indexed for word search once, at the end.
    crate::fts::pause(tx)?;
    let mut insert_issue = tx.prepare(
        "INSERT INTO issues (project_id, num, key, issue_type_id, status_id, parent_id, created, updated, fields) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut insert_history =
        tx.prepare("INSERT INTO histories (issue_id, author, created) VALUES (?1, ?2, ?3)")?;
    let mut insert_item = tx.prepare(
        "INSERT INTO changelog_items (history_id, seq, field, fieldtype, field_id, from_value, from_string, to_value, to_string) \
         VALUES (?1, ?2, ?3, 'jira', ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut insert_comment = tx.prepare(
        "INSERT INTO comments (issue_id, author, update_author, body, created, updated) VALUES (?1, ?2, ?2, ?3, ?4, ?4)",
    )?;

    let span = 365 * DAY;
    let start = today - span;
    let mut next_num = vec![1i64; projects.len()];
    // Recent epics and parents per project: children attach to recent work, as on a real site.
    let mut epics: Vec<Vec<i64>> = vec![Vec::new(); projects.len()];
    let mut parents: Vec<Vec<i64>> = vec![Vec::new(); projects.len()];
    let remember = |list: &mut Vec<i64>, id: i64| {
        if list.len() == 64 {
            list.remove(0);
        }
        list.push(id);
    };
    let mut chosen_labels: Vec<&str> = Vec::with_capacity(4);
    let mut text = String::with_capacity(256);
    for k in 0..n {
        let created = start + (span as f64 * (k as f64 + rng.gen::<f64>()) / n.max(1) as f64) as i64;
        let mut roll = rng.gen_range(0..weight_total);
        let pi = weights
            .iter()
            .position(|w| {
                if roll < *w {
                    true
                } else {
                    roll -= w;
                    false
                }
            })
            .unwrap_or(0);
        let (project_id, project_key, comps, versions) = &projects[pi];
        let roll = rng.gen_range(0..100);
        let (itype, parent) = if roll < 2 || epics[pi].is_empty() {
            (epic, None)
        } else if roll < 10 && !parents[pi].is_empty() {
            (subtask, Some(*pick(&mut rng, &parents[pi])))
        } else {
            let itype = match roll {
                10..=44 => story,
                45..=74 => bug,
                _ => task,
            };
            let parent = rng.gen_bool(0.4).then(|| *pick(&mut rng, &epics[pi]));
            (itype, parent)
        };
        let subject = *pick(&mut rng, SUBJECTS);
        let mut summary = if itype == epic {
            format!("{} overhaul", capitalise(subject))
        } else if itype == bug {
            format!(
                "{} {} {}",
                capitalise(subject),
                pick(&mut rng, BUG_VERBS),
                pick(&mut rng, BUG_CONTEXTS)
            )
        } else if itype == story {
            format!("{} {}", pick(&mut rng, STORY_VERBS), subject)
        } else if itype == subtask {
            format!(
                "{} for {}",
                pick(
                    &mut rng,
                    &["Write tests", "Update docs", "Code review", "QA pass"]
                ),
                subject
            )
        } else {
            format!("{} {}", pick(&mut rng, TASK_VERBS), subject)
        };
        if rng.gen_bool(0.6) {
            summary.push_str(" in ");
            summary.push_str(&capitalise(&vocabulary[words.sample(&mut rng) - 1]));
        }
        let description = if rng.gen_bool(0.85) {
            text.clear();
            text.push_str("Seen in ");
            text.push_str(&capitalise(&vocabulary[words.sample(&mut rng) - 1]));
            text.push_str(" while using the ");
            text.push_str(subject);
            text.push_str(". Related modules:");
            for j in 0..rng.gen_range(3..10) {
                text.push_str(if j == 0 { " " } else { ", " });
                text.push_str(&vocabulary[words.sample(&mut rng) - 1]);
            }
            text.push('.');
            Some(adf_paragraph(&text))
        } else {
            None
        };
        let reporter = pick(&mut rng, &users).as_str();
        let assignee = rng.gen_bool(0.75).then(|| pick(&mut rng, &users).as_str());
        let priority = match rng.gen_range(0..100) {
            0..=4 => 1,
            5..=19 => 2,
            20..=74 => 3,
            75..=92 => 4,
            _ => 5,
        };
        chosen_labels.clear();
        for _ in 0..[0, 0, 1, 1, 1, 2, 2, 3][rng.gen_range(0..8)] {
            let l = labels[label_zipf.sample(&mut rng) - 1];
            if !chosen_labels.contains(&l) {
                chosen_labels.push(l);
            }
        }
        let component = (!comps.is_empty() && rng.gen_bool(0.6)).then(|| [*pick(&mut rng, comps)]);
        let fix_version = (!versions.is_empty() && rng.gen_bool(0.3)).then(|| [*pick(&mut rng, versions)]);
        let story_points = (itype == story).then(|| *pick(&mut rng, &[1.0, 2.0, 3.0, 5.0, 8.0, 13.0]));
        let severity = (itype == bug && !severity.is_empty()).then(|| *pick(&mut rng, &severity));
        let duedate = if rng.gen_bool(0.2) {
            jiff::Timestamp::from_millisecond(created + DAY * rng.gen_range(7..60))
                .ok()
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        } else {
            None
        };
        // Status: older issues are more often finished; moves happen between creation and now.
        let age = (today - created).max(DAY / 24);
        let age_days = age as f64 / DAY as f64;
        let p_done = (age_days / 150.0).min(0.85);
        let u = rng.gen::<f64>();
        let status = if u < p_done {
            done
        } else if u < p_done + (1.0 - p_done) * 0.35 {
            doing
        } else {
            todo
        };
        let started = created + rng.gen_range(DAY / 24..(age / 3).max(DAY / 12));
        let finished = started + rng.gen_range(DAY / 24..(age / 2).max(DAY / 12));
        let (started, finished) = (started.min(now - 2), finished.min(now - 1));
        let resolution = (status == done).then(|| {
            match rng.gen_range(0..20) {
                0..=15 => resolutions.first(),
                16..=17 => resolutions.get(1),
                18 => resolutions.get(2),
                _ => resolutions.get(3),
            }
            .copied()
            .unwrap_or(10000)
        });
        let mut updated = match status {
            s if s == done => finished,
            s if s == doing => started,
            _ => created,
        };
        let comments = if rng.gen_bool(0.25) {
            rng.gen_range(1..4)
        } else {
            0
        };
        let mut comment_rows = Vec::with_capacity(comments);
        for _ in 0..comments {
            let at = created + rng.gen_range(60_000..(now - created).max(120_000));
            let at = at.min(now);
            let mut body = pick(&mut rng, COMMENTS).to_string();
            if rng.gen_bool(0.5) {
                body.push_str(" See ");
                body.push_str(&capitalise(&vocabulary[words.sample(&mut rng) - 1]));
                body.push('.');
            }
            updated = updated.max(at);
            comment_rows.push((
                pick(&mut rng, &users).as_str(),
                adf_paragraph(&body).to_string(),
                at,
            ));
        }
        let num = next_num[pi];
        next_num[pi] += 1;
        let fields = ScaleFields {
            summary: &summary,
            description,
            reporter,
            creator: reporter,
            assignee,
            priority,
            labels: &chosen_labels,
            components: component,
            fix_versions: fix_version,
            story_points,
            severity,
            duedate,
            rank: store::rank_at(k as i64 + 1),
            statuscategorychangedate: match status {
                s if s == done => finished,
                s if s == doing => started,
                _ => created,
            },
            resolution,
            resolutiondate: resolution.map(|_| finished),
        };
        insert_issue.execute(params![
            project_id,
            num,
            format!("{project_key}-{num}"),
            itype,
            status,
            parent,
            created,
            updated,
            serde_json::to_string(&fields)?
        ])?;
        let id = tx.last_insert_rowid();
        if itype == epic {
            remember(&mut epics[pi], id);
        } else if itype != subtask {
            remember(&mut parents[pi], id);
        }
        if status != todo {
            let author = pick(&mut rng, &users).as_str();
            insert_history.execute(params![id, author, started])?;
            let h = tx.last_insert_rowid();
            insert_item.execute(params![
                h,
                0,
                "status",
                todo.to_string(),
                status_name(todo),
                doing.to_string(),
                status_name(doing)
            ])?;
        }
        if let Some(r) = resolution {
            let author = pick(&mut rng, &users).as_str();
            insert_history.execute(params![id, author, finished])?;
            let h = tx.last_insert_rowid();
            insert_item.execute(params![
                h,
                0,
                "resolution",
                None::<String>,
                None::<String>,
                r.to_string(),
                meta.resolution(r).map(|r| r.name.clone())
            ])?;
            insert_item.execute(params![
                h,
                1,
                "status",
                doing.to_string(),
                status_name(doing),
                done.to_string(),
                status_name(done)
            ])?;
        }
        for (author, body, at) in &comment_rows {
            insert_comment.execute(params![id, author, body, at])?;
        }
    }
    for (i, (pid, ..)) in projects.iter().enumerate() {
        tx.execute(
            "UPDATE projects SET next_num = ?2 WHERE id = ?1",
            params![pid, next_num[i]],
        )?;
    }
    store::kv_set(tx, "rank_counter", &n.to_string())?;
    drop((insert_issue, insert_history, insert_item, insert_comment));
    crate::fts::rebuild(tx)?;
    Ok(())
}
