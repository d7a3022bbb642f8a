//! The JQL helper endpoints: `POST /jql/parse`, `POST /jql/match`, `POST
//! /search/approximate-count` and `GET /jql/autocompletedata`.

use axum::extract::State;
use axum::{Extension, Json};
use jirakit_jql::{Clause, Field, Operand, Query};
use serde_json::{json, Value};

use crate::api::{caller, object, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::meta::CustomKind;
use crate::AppState;

type MaybeCaller = Option<Extension<Caller>>;

fn string_list(o: &serde_json::Map<String, Value>, name: &str) -> ApiResult<Vec<String>> {
    match o.get(name) {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::bad_request(format!("'{name}' must be a list of strings.")))
            })
            .collect(),
        None | Some(Value::Null) => Err(ApiError::bad_request(format!("'{name}' is required."))),
        Some(_) => Err(ApiError::bad_request(format!(
            "'{name}' must be a list of strings."
        ))),
    }
}

/// The messages of an error, for answers that carry errors inside a 200.
fn messages(e: &ApiError) -> Vec<String> {
    match e {
        ApiError::Jira { messages, errors, .. } => {
            messages.iter().cloned().chain(errors.values().cloned()).collect()
        }
        ApiError::Unauthenticated { .. } => vec!["You are not logged in.".into()],
        ApiError::Internal(_) => vec!["Internal server error.".into()],
    }
}

/// `POST /search/approximate-count`: `{jql}` → `{count}`.
pub async fn approximate_count(
    State(state): State<AppState>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let o = object(&body)?;
    let jql = match o.get("jql") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(ApiError::bad_request("'jql' must be a string.")),
    };
    let db = state.read()?;
    let q = crate::jql_eval::compile(&db.meta, &me, jql, state.clock().now_ms())?;
    if !q.bounded() {
        return Err(ApiError::bad_request(crate::search::UNBOUNDED));
    }
    let n = crate::jql_sql::count(&db.conn, &db.meta, &me, &q)?;
    Ok(Json(json!({ "count": n })))
}

/// `POST /jql/match`: `{issueIds, jqls}` → one `{matchedIssues, errors}` per query, in order.
pub async fn match_issues(
    State(state): State<AppState>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let o = object(&body)?;
    let ids: Vec<i64> = match o.get("issueIds") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_i64()
                    .ok_or_else(|| ApiError::bad_request("'issueIds' must be a list of issue ids."))
            })
            .collect::<ApiResult<_>>()?,
        _ => return Err(ApiError::bad_request("'issueIds' must be a list of issue ids.")),
    };
    let jqls = string_list(o, "jqls")?;
    let db = state.read()?;
    let now = state.clock().now_ms();
    let mut matches = Vec::with_capacity(jqls.len());
    for jql in &jqls {
        let found = crate::jql_eval::compile(&db.meta, &me, jql, now)
            .and_then(|q| crate::jql_eval::matching_ids(&db.conn, &db.meta, &me, &q, &ids));
        matches.push(match found {
            Ok(m) => json!({ "matchedIssues": m, "errors": [] }),
            Err(e) => json!({ "matchedIssues": [], "errors": messages(&e) }),
        });
    }
    Ok(Json(json!({ "matches": matches })))
}

/// `POST /jql/parse?validation=strict|warn|none`: the syntax tree of each query, Jira's
/// ParsedJqlQueries. `strict` reports unknown fields and values as errors, `warn` as warnings,
/// `none` checks the syntax only.
pub async fn parse(
    State(state): State<AppState>,
    c: MaybeCaller,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let validation = params.get("validation").unwrap_or("strict").to_lowercase();
    if !matches!(validation.as_str(), "strict" | "warn" | "none") {
        return Err(ApiError::bad_request(format!(
            "Invalid validation level '{validation}': use strict, warn or none."
        )));
    }
    let o = object(&body)?;
    let queries = string_list(o, "queries")?;
    let db = state.read()?;
    let now = state.clock().now_ms();
    let mut out = Vec::with_capacity(queries.len());
    for q in &queries {
        let mut entry = serde_json::Map::new();
        entry.insert("query".into(), json!(q));
        match jirakit_jql::parse(q) {
            Err(e) => {
                entry.insert("errors".into(), json!([e.to_string()]));
            }
            Ok(ast) => {
                let problems = if validation == "none" {
                    vec![]
                } else {
                    match crate::jql_eval::compile(&db.meta, &me, q, now) {
                        Ok(_) => vec![],
                        Err(e) => messages(&e),
                    }
                };
                if validation == "strict" && !problems.is_empty() {
                    entry.insert("errors".into(), json!(problems));
                } else {
                    entry.insert("structure".into(), structure(&ast));
                    if !problems.is_empty() {
                        entry.insert("warnings".into(), json!(problems));
                    }
                }
            }
        }
        out.push(Value::Object(entry));
    }
    Ok(Json(json!({ "queries": out })))
}

fn field_json(f: &Field) -> Value {
    let mut o = serde_json::Map::new();
    match f {
        Field::Property { entity, key, path } => {
            o.insert("name".into(), json!(f.to_string()));
            o.insert("encodedName".into(), json!(f.to_string()));
            o.insert(
                "property".into(),
                json!([{ "entity": entity, "key": key, "path": path.join(".") }]),
            );
        }
        Field::Name(n) => {
            o.insert("name".into(), json!(n));
            o.insert("encodedName".into(), json!(f.to_string()));
        }
        Field::CustomId(_) => {
            o.insert("name".into(), json!(f.to_string()));
            o.insert("encodedName".into(), json!(f.to_string()));
        }
    }
    Value::Object(o)
}

fn operand_json(op: &Operand) -> Value {
    match op {
        Operand::Value(v) => json!({ "value": v.text, "encodedValue": op.to_string() }),
        Operand::List(items, _) => json!({
            "values": items.iter().map(operand_json).collect::<Vec<_>>(),
            "encodedOperand": op.to_string(),
        }),
        Operand::Function { name, args, .. } => json!({
            "function": name,
            "arguments": args,
            "encodedOperand": op.to_string(),
        }),
        Operand::Empty(_) => json!({ "keyword": "empty" }),
    }
}

fn clause_json(c: &Clause) -> Value {
    match c {
        Clause::And(cs, _) => {
            json!({ "operator": "and", "clauses": cs.iter().map(clause_json).collect::<Vec<_>>() })
        }
        Clause::Or(cs, _) => {
            json!({ "operator": "or", "clauses": cs.iter().map(clause_json).collect::<Vec<_>>() })
        }
        Clause::Not(c, _) => json!({ "operator": "not", "clauses": [clause_json(c)] }),
        Clause::Term(t) => {
            let mut o = serde_json::Map::new();
            o.insert("field".into(), field_json(&t.field));
            o.insert("operator".into(), json!(t.op.as_str().to_lowercase()));
            if let Some(op) = &t.operand {
                o.insert("operand".into(), operand_json(op));
            }
            if t.op.is_history() {
                let preds: Vec<Value> = t
                    .predicates
                    .iter()
                    .map(|p| {
                        use jirakit_jql::PredicateKind as K;
                        let operand = match &p.kind {
                            K::After(x) | K::Before(x) | K::On(x) | K::By(x) | K::From(x) | K::To(x) => {
                                operand_json(x)
                            }
                            K::During(a, b) => {
                                let list = Operand::List(vec![a.clone(), b.clone()], Default::default());
                                operand_json(&list)
                            }
                        };
                        json!({ "operator": p.kind.keyword().to_lowercase(), "operand": operand })
                    })
                    .collect();
                o.insert("predicates".into(), json!(preds));
            }
            Value::Object(o)
        }
    }
}

/// The `structure` of ParsedJqlQuery: `where` and `orderBy`.
pub fn structure(q: &Query) -> Value {
    let mut o = serde_json::Map::new();
    if let Some(c) = &q.clause {
        o.insert("where".into(), clause_json(c));
    }
    if !q.order_by.is_empty() {
        let fields: Vec<Value> = q
            .order_by
            .iter()
            .map(|k| {
                let mut e = serde_json::Map::new();
                e.insert("field".into(), field_json(&k.field));
                if let Some(d) = k.direction {
                    e.insert("direction".into(), json!(d.as_str().to_lowercase()));
                }
                Value::Object(e)
            })
            .collect();
        o.insert("orderBy".into(), json!({ "fields": fields }));
    }
    Value::Object(o)
}

const EQ: &[&str] = &["=", "!=", "in", "not in", "is", "is not"];
const HIST: &[&str] = &["was", "was in", "was not", "was not in", "changed"];
const CMP: &[&str] = &["=", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not"];
const TEXT: &[&str] = &["~", "!~", "is", "is not"];

/// One system field for autocompletedata: `(name, display, orderable, operators, types)`.
type SysField = (&'static str, &'static str, bool, Vec<&'static str>, &'static str);

fn system_fields() -> Vec<SysField> {
    let with_hist = |base: &[&'static str]| {
        let mut v = base.to_vec();
        v.extend_from_slice(HIST);
        v
    };
    vec![
        (
            "project",
            "project",
            true,
            EQ.to_vec(),
            "com.atlassian.jira.project.Project",
        ),
        (
            "issuekey",
            "issuekey",
            true,
            CMP.to_vec(),
            "com.atlassian.jira.issue.Issue",
        ),
        ("key", "key", true, CMP.to_vec(), "com.atlassian.jira.issue.Issue"),
        (
            "issuetype",
            "issuetype",
            true,
            EQ.to_vec(),
            "com.atlassian.jira.issue.issuetype.IssueType",
        ),
        (
            "status",
            "status",
            true,
            with_hist(EQ),
            "com.atlassian.jira.issue.status.Status",
        ),
        (
            "statusCategory",
            "statusCategory",
            true,
            EQ.to_vec(),
            "com.atlassian.jira.issue.status.category.StatusCategory",
        ),
        (
            "resolution",
            "resolution",
            true,
            with_hist(CMP),
            "com.atlassian.jira.issue.resolution.Resolution",
        ),
        (
            "priority",
            "priority",
            true,
            with_hist(CMP),
            "com.atlassian.jira.issue.priority.Priority",
        ),
        (
            "assignee",
            "assignee",
            true,
            with_hist(EQ),
            "com.atlassian.jira.user.ApplicationUser",
        ),
        (
            "reporter",
            "reporter",
            true,
            with_hist(EQ),
            "com.atlassian.jira.user.ApplicationUser",
        ),
        (
            "creator",
            "creator",
            true,
            EQ.to_vec(),
            "com.atlassian.jira.user.ApplicationUser",
        ),
        ("summary", "summary", true, TEXT.to_vec(), "java.lang.String"),
        (
            "description",
            "description",
            true,
            TEXT.to_vec(),
            "java.lang.String",
        ),
        (
            "environment",
            "environment",
            true,
            TEXT.to_vec(),
            "java.lang.String",
        ),
        ("comment", "comment", false, TEXT.to_vec(), "java.lang.String"),
        ("text", "text", false, vec!["~"], "java.lang.String"),
        ("labels", "labels", true, EQ.to_vec(), "java.lang.String"),
        (
            "component",
            "component",
            true,
            EQ.to_vec(),
            "com.atlassian.jira.bc.project.component.ProjectComponent",
        ),
        (
            "fixVersion",
            "fixVersion",
            true,
            with_hist(CMP),
            "com.atlassian.jira.project.version.Version",
        ),
        (
            "affectedVersion",
            "affectedVersion",
            true,
            CMP.to_vec(),
            "com.atlassian.jira.project.version.Version",
        ),
        ("created", "created", true, CMP.to_vec(), "java.util.Date"),
        ("updated", "updated", true, CMP.to_vec(), "java.util.Date"),
        ("resolved", "resolved", true, CMP.to_vec(), "java.util.Date"),
        ("due", "due", true, CMP.to_vec(), "java.util.Date"),
        (
            "parent",
            "parent",
            false,
            vec!["=", "!=", "in", "not in"],
            "com.atlassian.jira.issue.Issue",
        ),
        (
            "attachments",
            "attachments",
            false,
            vec!["is", "is not"],
            "com.atlassian.jira.issue.attachment.Attachment",
        ),
    ]
}

const FUNCTIONS: &[(&str, bool, &str)] = &[
    ("currentUser()", false, "com.atlassian.jira.user.ApplicationUser"),
    ("membersOf()", true, "com.atlassian.jira.user.ApplicationUser"),
    ("now()", false, "java.util.Date"),
    ("startOfDay()", false, "java.util.Date"),
    ("endOfDay()", false, "java.util.Date"),
    ("startOfWeek()", false, "java.util.Date"),
    ("endOfWeek()", false, "java.util.Date"),
    ("startOfMonth()", false, "java.util.Date"),
    ("endOfMonth()", false, "java.util.Date"),
    ("startOfYear()", false, "java.util.Date"),
    ("endOfYear()", false, "java.util.Date"),
    ("updatedBy()", true, "com.atlassian.jira.issue.Issue"),
    ("issueHistory()", true, "com.atlassian.jira.issue.Issue"),
    ("workItemHistory()", true, "com.atlassian.jira.issue.Issue"),
    ("watchedIssues()", true, "com.atlassian.jira.issue.Issue"),
    ("watchedWorkItems()", true, "com.atlassian.jira.issue.Issue"),
    ("votedIssues()", true, "com.atlassian.jira.issue.Issue"),
    ("votedWorkItems()", true, "com.atlassian.jira.issue.Issue"),
    ("linkedIssues()", true, "com.atlassian.jira.issue.Issue"),
    ("linkedWorkItems()", true, "com.atlassian.jira.issue.Issue"),
];

/// `GET /jql/autocompletedata`: fields with their operators, functions and reserved words.
pub async fn autocomplete(State(state): State<AppState>, c: MaybeCaller) -> ApiResult<Json<Value>> {
    caller(c)?;
    let db = state.read()?;
    let yes_no = |b: bool| if b { "true" } else { "false" };
    let mut fields: Vec<Value> = system_fields()
        .into_iter()
        .map(|(value, display, orderable, ops, ty)| {
            json!({
                "value": value, "displayName": display, "orderable": yes_no(orderable),
                "searchable": "true", "auto": "true", "operators": ops, "types": [ty],
            })
        })
        .collect();
    for cf in &db.meta.fields {
        let n = cf.id.trim_start_matches("customfield_");
        let ops: Vec<&str> = match cf.kind {
            CustomKind::Text | CustomKind::Paragraph | CustomKind::Url => TEXT.to_vec(),
            CustomKind::Number | CustomKind::Date | CustomKind::DateTime => CMP.to_vec(),
            CustomKind::Rank => vec![],
            _ => {
                let mut v = EQ.to_vec();
                v.extend_from_slice(HIST);
                v
            }
        };
        let quoted = jirakit_jql::quote_if_needed(&cf.name);
        for value in [quoted, format!("cf[{n}]")] {
            fields.push(json!({
                "value": value,
                "displayName": format!("{} - cf[{n}]", cf.name),
                "orderable": "true", "searchable": "true", "auto": "true",
                "cfid": format!("cf[{n}]"),
                "operators": ops,
                "types": [cf.kind.schema_type().0],
            }));
        }
    }
    let functions: Vec<Value> = FUNCTIONS
        .iter()
        .map(|(v, list, ty)| {
            let mut o = json!({ "value": v, "displayName": v, "types": [ty] });
            if *list {
                o["isList"] = json!("true");
            }
            o
        })
        .collect();
    Ok(Json(json!({
        "visibleFieldNames": fields,
        "visibleFunctionNames": functions,
        "jqlReservedWords": jirakit_jql::words::RESERVED_WORDS,
    })))
}
