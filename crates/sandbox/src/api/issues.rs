//! Issues: create, get, edit, delete, assign, create and edit metadata, properties.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::related::Related;
use super::{caller, ctx, in_tx, issue_cache, object, visible_issue, visible_project, ApiVersion, Caller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_query, JsonBody, Params};
use crate::fields::{self, change_field, change_repr};
use crate::meta::{CustomKind, Meta, Project, User};
use crate::render::{Ctx, Out, Piece};
use crate::store::{self, ChangeItem, IssueRow};
use crate::write_json::{self, WriteJson};
use crate::{AppState, Mode};

type MaybeCaller = Option<Extension<Caller>>;

/// What a GET of an issue asks to see.
pub struct View {
    pub fields: Vec<String>,
    pub expand: Vec<String>,
    pub properties: Vec<String>,
}

impl View {
    pub fn from_params(meta: &Meta, params: &Params, default_all: bool) -> View {
        View {
            fields: fields::select(meta, &params.list("fields"), default_all),
            expand: params.list("expand"),
            properties: params.list("properties"),
        }
    }
    fn expands(&self, what: &str) -> bool {
        self.expand.iter().any(|e| e == what)
    }
}

pub(crate) fn issue_ref(cx: &Ctx, i: &IssueRow) -> Value {
    issue_ref_out(cx, i).into_value()
}

/// The short form of an issue shown as a parent, subtask or linked issue, written as text: a page
/// shows one for every parent and subtask, and as a map it took a dozen allocations each. Keys in
/// a `Value`'s order (see `Out::written`).
fn issue_ref_out(cx: &Ctx, i: &IssueRow) -> Out {
    let api = cx.api();
    Out::written(api.len() + i.key.len() + 1024, |out| {
        out.extend_from_slice(br#"{"fields":{"issuetype":"#);
        cx.issue_type_out(i.issue_type_id).write_json(out)?;
        out.extend_from_slice(br#","priority":"#);
        fields::value_piece(cx, "priority", i.get("priority")).write_json(out)?;
        out.extend_from_slice(br#","status":"#);
        cx.status_out(i.status_id).write_json(out)?;
        out.extend_from_slice(br#","summary":"#);
        i.get("summary").write_json(out)?;
        let id = i.id.to_string();
        out.extend_from_slice(br#"},"id":"#);
        write_json::string(out, &id)?;
        out.extend_from_slice(br#","key":"#);
        write_json::string(out, &i.key)?;
        out.extend_from_slice(br#","self":"#);
        write_json::joined(out, &[api, "/issue/", &id])?;
        out.push(b'}');
        Ok(())
    })
}

pub fn comment_json(cx: &Ctx, c: &store::CommentRow, issue_id: i64) -> Value {
    let mut o = json!({
        "self": format!("{}/issue/{issue_id}/comment/{}", cx.api(), c.id),
        "id": c.id.to_string(),
        "author": cx.user_ref(&c.author),
        "body": cx.rich_text(&c.body),
        "updateAuthor": cx.user_ref(&c.update_author),
        "created": cx.ts(c.created),
        "updated": cx.ts(c.updated),
        "jsdPublic": true,
    });
    if let Some(v) = &c.visibility {
        o["visibility"] = v.clone();
    }
    o
}

pub fn history_json(cx: &Ctx, h: &store::History) -> Value {
    json!({
        "id": h.id.to_string(),
        "author": h.author.as_deref().map(|a| cx.user_ref(a)).unwrap_or(Value::Null),
        "created": cx.ts(h.created),
        "items": h.items.iter().map(|it| json!({
            "field": it.field,
            "fieldtype": it.fieldtype,
            "fieldId": it.field_id,
            "from": it.from,
            "fromString": it.from_string,
            "to": it.to,
            "toString": it.to_string,
        })).collect::<Vec<_>>(),
    })
}

/// What a field that an issue does not store shows as, before `field_value` sees it.
static NULL: Value = Value::Null;

/// What several fields of one issue read, read once for all of them: its subtasks (or its page's
/// reading of them), its time figures.
#[derive(Default)]
struct IssueReads<'s> {
    subs: std::cell::OnceCell<Cow<'s, [IssueRow]>>,
    times: super::worklogs::Times,
}

/// One field of an issue as the API shows it, given its id and its stored value (null when the
/// issue stores none); `None` for ids that never appear in `fields`.
fn field_value<'i>(
    cx: &Ctx,
    conn: &Connection,
    user: &User,
    i: &'i IssueRow,
    reads: &IssueReads<'_>,
    related: Option<&Related>,
    (id, stored): (&str, &'i Value),
) -> rusqlite::Result<Option<Piece<'i>>> {
    // Links, attachments, watchers and votes (issue 3).
    match id {
        "issuelinks" => {
            let known = related.and_then(|r| r.links(i.id));
            return super::links::issuelinks_field(cx, conn, i, known).map(|v| Some(v.into()));
        }
        "attachment" => {
            let known = related.and_then(|r| r.attachments(i.id));
            return super::attachments::attachment_field(cx, conn, i.id, known).map(|v| Some(v.into()));
        }
        "watches" | "votes" => {
            return super::watchers::field_value(cx, conn, user, i, id, related).map(|v| v.map(Piece::Out))
        }
        _ => {}
    }
    let api = cx.api();
    Ok(Some(match id {
        "summary" => Piece::Stored(stored),
        "issuetype" => cx.issue_type_out(i.issue_type_id).into(),
        "project" => cx.project_out(i.project_id).into(),
        "status" => cx.status_out(i.status_id).into(),
        "created" => Piece::Ts(i.created),
        "updated" => Piece::Ts(i.updated),
        "parent" => {
            let Some(p) = i.parent_id else {
                return Ok(None);
            };
            let parent = match related.and_then(|r| r.parent(p)) {
                Some(known) => known.map(|p| issue_ref_out(cx, p)),
                None => store::issue_by_id(conn, p)?.map(|p| issue_ref_out(cx, &p)),
            };
            parent.unwrap_or(Out::null()).into()
        }
        "subtasks" => Out::Array(
            store::subtasks_once(conn, i.id, &reads.subs)?
                .iter()
                .map(|s| issue_ref_out(cx, s))
                .collect(),
        )
        .into(),
        "comment" => {
            let (total, rows) = store::comments(conn, i.id, 0, 5000, false)?;
            json!({
                "comments": rows.iter().map(|c| comment_json(cx, c, i.id)).collect::<Vec<_>>(),
                "self": format!("{api}/issue/{}/comment", i.id),
                "maxResults": total,
                "total": total,
                "startAt": 0,
            })
            .into()
        }
        "security" | "lastViewed" => Out::null().into(),
        "statusCategory" | "issuekey" | "thumbnail" => return Ok(None),
        // Time tracking and worklogs (issue 3), asked only about the ids left.
        other => match super::worklogs::field_value(cx, conn, i, &reads.subs, &reads.times, other)? {
            Some(v) => v.into(),
            None => fields::value_piece(cx, other, stored),
        },
    }))
}

/// The field ids of a view in the order an issue's `fields` shows them (sorted, as a JSON object's
/// keys are), each once.
pub struct FieldOrder<'v>(Vec<&'v str>, Rc<FieldKeys>);

impl<'v> FieldOrder<'v> {
    pub fn of(view: &'v View) -> FieldOrder<'v> {
        let mut ids: Vec<&str> = view.fields.iter().map(String::as_str).collect();
        ids.sort_unstable();
        ids.dedup();
        let keys = FieldKeys::of(&ids);
        FieldOrder(ids, Rc::new(keys))
    }
}

/// The ids of a [`FieldOrder`] each written once as `"id":`, for every issue of a page to copy:
/// an issue of navigable fields has sixty-odd of them.
#[derive(Default)]
struct FieldKeys {
    /// Each id, then where its `"id":` lies in `written`.
    ids: Vec<(String, std::ops::Range<usize>)>,
    written: Vec<u8>,
}

impl FieldKeys {
    fn of(ids: &[&str]) -> FieldKeys {
        let mut keys = FieldKeys::default();
        for id in ids {
            let start = keys.written.len();
            if write_json::key(&mut keys.written, id).is_err() {
                keys.written.truncate(start);
                continue;
            }
            keys.ids.push((id.to_string(), start..keys.written.len()));
        }
        keys
    }

    /// Writes `"id":`. Fields come in the order's order, some left out: `next` is where the search
    /// for the next one starts.
    fn write(&self, out: &mut Vec<u8>, next: &mut usize, id: &str) -> serde_json::Result<()> {
        if let Some(i) = self.ids[*next..].iter().position(|(k, _)| k == id) {
            *next += i + 1;
            out.extend_from_slice(&self.written[self.ids[*next - 1].1.clone()]);
            return Ok(());
        }
        write_json::key(out, id)
    }
}

/// What every issue shows in `expand`, whatever was expanded.
const EXPANDABLE: &str = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations";

/// An issue rendered for a response: its fields stay pieces borrowed from its row until the
/// response is written, so that a page of issues is written in one pass into one buffer, without
/// a tree of values built for each issue first.
pub struct IssueJson<'r> {
    id: i64,
    key: &'r str,
    api: &'r str,
    /// The fields and `expand`; `None` when left out (a search for ids alone).
    fields: Option<Vec<(&'r str, Piece<'r>)>>,
    /// The fields' keys, written once for the page.
    keys: Rc<FieldKeys>,
    /// What the view expanded (`changelog`, `names`, `properties`...), by key.
    expanded: BTreeMap<String, Out>,
}

impl IssueJson<'_> {
    /// Leaves out `fields` and `expand`, as a search for ids alone shows its issues.
    pub fn without_fields(mut self) -> Self {
        self.fields = None;
        self
    }

    /// The same JSON as an [`Out`] tree, for the callers that take the issue apart.
    fn into_out(self) -> Out {
        let mut o = self.expanded;
        if let Some(fields) = self.fields {
            o.insert("expand".into(), json!(EXPANDABLE).into());
            let fields = fields
                .into_iter()
                .map(|(id, piece)| (id.to_string(), piece.into_out()))
                .collect();
            o.insert("fields".into(), Out::Object(fields));
        }
        o.insert("id".into(), json!(self.id.to_string()).into());
        o.insert("key".into(), json!(self.key).into());
        o.insert(
            "self".into(),
            json!(format!("{}/issue/{}", self.api, self.id)).into(),
        );
        Out::Object(o)
    }
}

/// Writes the keys in the order a `BTreeMap` of the same entries would (see [`IssueJson::into_out`]):
/// the expanded entries merged in among the ones every issue has.
impl WriteJson for IssueJson<'_> {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        use std::io::Write;
        out.push(b'{');
        let mut first = true;
        let mut entry = |out: &mut Vec<u8>, key: &str| {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            write_json::key(out, key)
        };
        let mut expanded = self.expanded.iter().peekable();
        for key in ["expand", "fields", "id", "key", "self"] {
            while let Some((k, v)) = expanded.next_if(|(k, _)| k.as_str() < key) {
                entry(out, k)?;
                v.write_json(out)?;
            }
            match (key, &self.fields) {
                ("expand", Some(_)) => {
                    entry(out, key)?;
                    write_json::string(out, EXPANDABLE)?;
                }
                ("fields", Some(fields)) => {
                    entry(out, key)?;
                    out.push(b'{');
                    let mut next = 0;
                    for (i, (id, piece)) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        self.keys.write(out, &mut next, id)?;
                        piece.write_json(out)?;
                    }
                    out.push(b'}');
                }
                ("id", _) => {
                    entry(out, key)?;
                    write!(out, "\"{}\"", self.id).map_err(serde_json::Error::io)?;
                }
                ("key", _) => {
                    entry(out, key)?;
                    write_json::string(out, self.key)?;
                }
                ("self", _) => {
                    entry(out, key)?;
                    if write_json::plain(self.api) {
                        write!(out, "\"{}/issue/{}\"", self.api, self.id).map_err(serde_json::Error::io)?;
                    } else {
                        write_json::string(out, &format!("{}/issue/{}", self.api, self.id))?;
                    }
                }
                _ => {}
            }
        }
        for (k, v) in expanded {
            entry(out, k)?;
            v.write_json(out)?;
        }
        out.push(b'}');
        Ok(())
    }
}

/// The full JSON of an issue for the view asked.
pub fn render_issue(cx: &Ctx, conn: &Connection, user: &User, i: &IssueRow, view: &View) -> ApiResult<Value> {
    render_issue_json(cx, conn, user, i, view).map(|issue| issue.into_out().into_value())
}

/// The issues of one page (a search, a bulk fetch), their links, watchers, subtasks... read
/// together for the whole page.
pub fn render_page<'r>(
    cx: &'r Ctx,
    conn: &Connection,
    user: &User,
    rows: &'r [IssueRow],
    view: &'r View,
    cached: Option<super::related::Cached>,
) -> ApiResult<Vec<IssueJson<'r>>> {
    let related = Related::load(conn, rows, &view.fields, cached)?;
    let order = FieldOrder::of(view);
    rows.iter()
        .map(|i| render(cx, conn, user, i, view, &order, Some(&related)))
        .collect()
}

/// [`render_issue`], for writing out.
pub fn render_issue_json<'r>(
    cx: &'r Ctx,
    conn: &Connection,
    user: &User,
    i: &'r IssueRow,
    view: &'r View,
) -> ApiResult<IssueJson<'r>> {
    render(cx, conn, user, i, view, &FieldOrder::of(view), None)
}

/// An issue for the view, its fields in `order`; `related` the rows of other tables when the
/// issue's page read them together.
fn render<'r>(
    cx: &'r Ctx,
    conn: &Connection,
    user: &User,
    i: &'r IssueRow,
    view: &View,
    order: &FieldOrder<'r>,
    related: Option<&Related>,
) -> ApiResult<IssueJson<'r>> {
    let meta = cx.meta;
    let reads = IssueReads::default();
    if let Some(known) = related.and_then(|r| r.subtasks(i.id)) {
        let _ = reads.subs.set(Cow::Borrowed(known));
    }
    let mut pieces: Vec<(&str, Piece)> = Vec::with_capacity(order.0.len());
    // The stored fields and the order's ids are both sorted (as strings): each id's stored value
    // is found by walking the two together, not by a search of the stored fields for each.
    let mut stored = i.fields.iter().peekable();
    for &id in &order.0 {
        while stored.next_if(|(k, _)| k.as_str() < id).is_some() {}
        let value = match stored.peek() {
            Some((k, v)) if k.as_str() == id => *v,
            _ => &NULL,
        };
        if let Some(v) = field_value(cx, conn, user, i, &reads, related, (id, value))? {
            pieces.push((id, v));
        }
    }
    let mut o: BTreeMap<String, Out> = BTreeMap::new();
    if view.expands("renderedFields") {
        let mut r = Map::new();
        for (id, piece) in &pieces {
            let stored = i.get(id);
            let rendered = match *id {
                "description" | "environment" => crate::render::html_of(stored),
                _ if meta
                    .custom_field(id)
                    .is_some_and(|c| c.kind == CustomKind::Paragraph) =>
                {
                    crate::render::html_of(stored)
                }
                "created" | "updated" | "resolutiondate" => piece.clone().into_out().into_value(),
                _ => Value::Null,
            };
            r.insert(id.to_string(), rendered);
        }
        o.insert("renderedFields".into(), Value::Object(r).into());
    }
    if view.expands("names") {
        let names: Map<String, Value> = pieces
            .iter()
            .filter_map(|(id, _)| fields::name_of(meta, id).map(|n| (id.to_string(), json!(n))))
            .collect();
        o.insert("names".into(), Value::Object(names).into());
    }
    if view.expands("schema") {
        let schema: Map<String, Value> = pieces
            .iter()
            .filter_map(|(id, _)| fields::schema_of(meta, id).map(|s| (id.to_string(), s)))
            .collect();
        o.insert("schema".into(), Value::Object(schema).into());
    }
    if view.expands("transitions") {
        o.insert(
            "transitions".into(),
            Value::Array(super::workflow::transitions_of(cx, i, false)).into(),
        );
    }
    if view.expands("editmeta") {
        o.insert("editmeta".into(), editmeta_json(cx, i)?.into());
    }
    if view.expands("changelog") {
        let (total, hs) = store::histories(conn, i.id, 0, 1000)?;
        o.insert(
            "changelog".into(),
            json!({"startAt": 0, "maxResults": hs.len(), "total": total, "histories": hs.iter().map(|h| history_json(cx, h)).collect::<Vec<_>>()}).into(),
        );
    }
    if !view.properties.is_empty() {
        let keys = store::property_keys(conn, i.id)?;
        let all = view.properties.iter().any(|p| p == "*all");
        let mut props = Map::new();
        for k in keys {
            if all || view.properties.contains(&k) {
                if let Some(v) = store::property(conn, i.id, &k)? {
                    props.insert(k, v);
                }
            }
        }
        o.insert("properties".into(), Value::Object(props).into());
    }
    Ok(IssueJson {
        id: i.id,
        key: &i.key,
        api: cx.api(),
        fields: Some(pieces),
        keys: order.1.clone(),
        expanded: o,
    })
}

fn editmeta_json(cx: &Ctx, i: &IssueRow) -> ApiResult<Value> {
    let meta = cx.meta;
    let project = meta.project(i.project_id).ok_or_else(ApiError::issue_not_found)?;
    let screen = fields::create_screen(meta, project, i.issue_type_id);
    let mut out = Map::new();
    for (id, _) in screen.iter().filter(|(id, _)| id.as_str() != "project") {
        if let Some(f) = fields::screen_field(cx, project, id, id == "summary" || id == "issuetype", false) {
            out.insert(id.clone(), f);
        }
    }
    out.insert("comment".into(), json!({"required": false, "schema": {"type": "comments-page", "system": "comment"}, "name": "Comment", "key": "comment", "operations": ["add", "edit", "remove"]}));
    if meta.status_category_of(i.status_id) == "done" {
        if let Some(f) = fields::screen_field(cx, project, "resolution", false, false) {
            out.insert("resolution".into(), f);
        }
    }
    Ok(json!({ "fields": out }))
}

/// A reference `{"key": ...}` / `{"id": ...}` / a bare key or id.
fn ref_key(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o
            .get("key")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                o.get("id").and_then(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .or_else(|| i.as_i64().map(|n| n.to_string()))
                })
            }),
        _ => None,
    }
}

/// Validates a parent for an issue of `type_id` in `project`: subtasks take a standard issue of
/// the same project, standard issues take an epic, epics take none.
fn check_parent(
    conn: &Connection,
    meta: &Meta,
    user: &User,
    project: &Project,
    type_id: i64,
    value: &Value,
) -> Result<Option<i64>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let key = ref_key(value).ok_or("Specify the parent as an object with a 'key' or an 'id'.")?;
    let parent = store::issue(conn, &key)
        .map_err(|e| e.to_string())?
        .filter(|p| {
            meta.project(p.project_id)
                .is_some_and(|pp| meta.can_browse(user, pp))
        })
        .ok_or_else(|| format!("Could not find issue by id or key '{key}'."))?;
    let child = meta.issue_type(type_id).ok_or("Specify a valid issue type")?;
    let parent_type = meta
        .issue_type(parent.issue_type_id)
        .ok_or("The parent has no issue type")?;
    if child.subtask {
        if parent_type.subtask {
            return Err("A subtask cannot be the parent of another subtask.".into());
        }
        if parent.project_id != project.id {
            return Err("A subtask must be in the same project as its parent.".into());
        }
    } else if parent_type.hierarchy_level != child.hierarchy_level + 1 {
        return Err(format!(
            "'{}' cannot be the parent of this issue: a {} takes a parent one level up the hierarchy.",
            parent.key, child.name
        ));
    }
    Ok(Some(parent.id))
}

/// The change items between two stored values of a field.
pub fn change_items(meta: &Meta, id: &str, old: &Value, new: &Value) -> Vec<ChangeItem> {
    if old == new
        || (old.is_null() && new.as_array().is_some_and(Vec::is_empty))
        || (new.is_null() && old.as_array().is_some_and(Vec::is_empty))
    {
        return vec![];
    }
    let (field, fieldtype) = change_field(meta, id);
    let item = |from: (Option<String>, Option<String>), to: (Option<String>, Option<String>)| ChangeItem {
        field: field.clone(),
        fieldtype: fieldtype.to_string(),
        field_id: Some(id.to_string()),
        from: from.0,
        from_string: from.1,
        to: to.0,
        to_string: to.1,
    };
    if matches!(id, "components" | "fixVersions" | "versions") {
        let ids = |v: &Value| {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .collect::<Vec<_>>()
        };
        let (a, b) = (ids(old), ids(new));
        let name = |x: i64| {
            if id == "components" {
                meta.component(x).map(|c| c.name.clone())
            } else {
                meta.version(x).map(|v| v.name.clone())
            }
        };
        let mut out = Vec::new();
        for x in a.iter().filter(|x| !b.contains(x)) {
            out.push(item((Some(x.to_string()), name(*x)), (None, None)));
        }
        for x in b.iter().filter(|x| !a.contains(x)) {
            out.push(item((None, None), (Some(x.to_string()), name(*x))));
        }
        return out;
    }
    vec![item(change_repr(meta, id, old), change_repr(meta, id, new))]
}

/// Single-element operand of `add`/`remove` for a multi-valued field, as a one-element list.
fn one_element(id: &str, meta: &Meta, value: &Value) -> Value {
    let multi_custom = meta.custom_field(id).is_some_and(|c| {
        matches!(
            c.kind,
            CustomKind::MultiSelect | CustomKind::MultiUser | CustomKind::Labels
        )
    });
    if matches!(id, "labels" | "components" | "fixVersions" | "versions") || multi_custom {
        json!([value])
    } else {
        value.clone()
    }
}

fn is_multi(meta: &Meta, id: &str) -> bool {
    matches!(id, "labels" | "components" | "fixVersions" | "versions")
        || meta.custom_field(id).is_some_and(|c| {
            matches!(
                c.kind,
                CustomKind::MultiSelect | CustomKind::MultiUser | CustomKind::Labels
            )
        })
}

/// What a create, edit or transition asks to change: field id → new stored value (the parent and
/// issue type apart), with one message per bad field.
pub struct Changes {
    pub values: BTreeMap<String, Value>,
    pub parent: Option<Option<i64>>,
    pub issue_type: Option<i64>,
}

pub struct Screen<'a> {
    pub allowed: &'a dyn Fn(&str) -> bool,
}

/// Reads `fields` and `update` of a request against an issue's current values.
#[allow(clippy::too_many_arguments)]
pub fn read_changes(
    conn: &Connection,
    meta: &Meta,
    v: ApiVersion,
    mode: Mode,
    user: &User,
    project: &Project,
    issue_type_id: i64,
    current: &Map<String, Value>,
    fields_in: Option<&Map<String, Value>>,
    update_in: Option<&Map<String, Value>>,
    screen: Screen,
    errors: &mut BTreeMap<String, String>,
) -> Changes {
    let mut out = Changes {
        values: BTreeMap::new(),
        parent: None,
        issue_type: None,
    };
    let cant_set =
        |id: &str| format!("Field '{id}' cannot be set. It is not on the appropriate screen, or unknown.");
    let resolve = |name: &str| fields::resolve_id(meta, name).unwrap_or_else(|| name.to_string());
    if let (Some(f), Some(u)) = (fields_in, update_in) {
        for k in f.keys() {
            if u.contains_key(k) {
                errors.insert(
                    k.clone(),
                    format!("Field '{k}' cannot be set in both 'fields' and 'update'."),
                );
            }
        }
    }
    for (name, value) in fields_in.into_iter().flatten() {
        let id = resolve(name);
        if errors.contains_key(name) {
            continue;
        }
        if id == "project" || id == "issuetype" && !(screen.allowed)("issuetype") {
            continue;
        }
        if id == "timetracking" {
            match crate::api::worklogs::timetracking_in(value, current) {
                Ok(pairs) => out.values.extend(pairs),
                Err(e) => {
                    errors.insert(name.clone(), e);
                }
            }
            continue;
        }
        if !(screen.allowed)(&id) {
            errors.insert(name.clone(), cant_set(name));
            continue;
        }
        match id.as_str() {
            "parent" => match check_parent(conn, meta, user, project, issue_type_id, value) {
                Ok(p) => out.parent = Some(p),
                Err(e) => {
                    errors.insert("parent".into(), e);
                }
            },
            "issuetype" => match resolve_issue_type(meta, value) {
                Ok(t) => out.issue_type = Some(t),
                Err(e) => {
                    errors.insert("issuetype".into(), e);
                }
            },
            _ => match fields::value_in(meta, v, mode, project, &id, value) {
                Ok(stored) => {
                    out.values.insert(id, stored);
                }
                Err(e) => {
                    errors.insert(name.clone(), e);
                }
            },
        }
    }
    for (name, ops) in update_in.into_iter().flatten() {
        let id = resolve(name);
        if errors.contains_key(name) {
            continue;
        }
        if id == "timetracking" {
            let operand = ops
                .as_array()
                .and_then(|a| a.first())
                .and_then(|op| op.get("edit").or_else(|| op.get("set")));
            match operand.map(|v| crate::api::worklogs::timetracking_in(v, current)) {
                Some(Ok(pairs)) => out.values.extend(pairs),
                Some(Err(e)) => {
                    errors.insert(name.clone(), e);
                }
                None => {
                    errors.insert(
                        name.clone(),
                        "Time tracking takes one operation: [{\"edit\": {\"originalEstimate\": ..., \"remainingEstimate\": ...}}].".into(),
                    );
                }
            }
            continue;
        }
        if !(screen.allowed)(&id) || id == "project" {
            errors.insert(name.clone(), cant_set(name));
            continue;
        }
        let Some(ops) = ops.as_array() else {
            errors.insert(
                name.clone(),
                format!("The update of '{name}' must be a list of operations such as [{{\"set\": ...}}]."),
            );
            continue;
        };
        let mut value = out
            .values
            .get(&id)
            .cloned()
            .unwrap_or_else(|| current.get(&id).cloned().unwrap_or(Value::Null));
        for op in ops {
            let Some((verb, operand)) =
                op.as_object()
                    .and_then(|o| if o.len() == 1 { o.iter().next() } else { None })
            else {
                errors.insert(
                    name.clone(),
                    "Each operation must be an object with one of 'set', 'add', 'remove' or 'edit'.".into(),
                );
                break;
            };
            let result = match verb.as_str() {
                "set" if id == "parent" => {
                    match check_parent(conn, meta, user, project, issue_type_id, operand) {
                        Ok(p) => {
                            out.parent = Some(p);
                            Ok(None)
                        }
                        Err(e) => Err(e),
                    }
                }
                "set" => fields::value_in(meta, v, mode, project, &id, operand).map(Some),
                "add" | "remove" if is_multi(meta, &id) => {
                    fields::value_in(meta, v, mode, project, &id, &one_element(&id, meta, operand)).map(
                        |parsed| {
                            let mut list = value.as_array().cloned().unwrap_or_default();
                            for x in parsed.as_array().into_iter().flatten() {
                                if verb == "add" {
                                    if !list.contains(x) {
                                        list.push(x.clone());
                                    }
                                } else {
                                    list.retain(|y| y != x);
                                }
                            }
                            Some(Value::Array(list))
                        },
                    )
                }
                other => Err(format!(
                    "Field '{name}' does not support the operation '{other}'."
                )),
            };
            match result {
                Ok(Some(nv)) => value = nv,
                Ok(None) => {}
                Err(e) => {
                    errors.insert(name.clone(), e);
                    break;
                }
            }
        }
        if id != "parent" && !errors.contains_key(name) {
            out.values.insert(id, value);
        }
    }
    out
}

fn resolve_issue_type(meta: &Meta, value: &Value) -> Result<i64, String> {
    let o = value
        .as_object()
        .ok_or("Specify an issue type as an object with an 'id' or a 'name'.")?;
    if let Some(id) = o.get("id").and_then(|i| {
        i.as_str()
            .map(str::to_string)
            .or_else(|| i.as_i64().map(|n| n.to_string()))
    }) {
        return meta
            .issue_types
            .iter()
            .find(|t| t.id.to_string() == id)
            .map(|t| t.id)
            .ok_or_else(|| "Specify a valid issue type".to_string());
    }
    if let Some(name) = o.get("name").and_then(Value::as_str) {
        return meta
            .issue_types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| t.id)
            .ok_or_else(|| "Specify a valid issue type".to_string());
    }
    Err("Specify an issue type as an object with an 'id' or a 'name'.".into())
}

fn opt_object<'a>(o: &'a Map<String, Value>, k: &str) -> ApiResult<Option<&'a Map<String, Value>>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ApiError::bad_request(format!("'{k}' must be a JSON object."))),
    }
}

/// Validates a property key and value against Jira's limits.
fn check_property(key: &str, value: &Value) -> ApiResult<()> {
    if key.is_empty() || key.chars().count() > 255 {
        return Err(ApiError::bad_request(
            "The property key must be between 1 and 255 characters long.",
        ));
    }
    if value.to_string().len() > 32_768 {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The property value is too large: at most 32768 bytes.",
        ));
    }
    Ok(())
}

/// Creates one issue inside a transaction; the core of `POST /issue` (and, later, bulk create).
pub fn create_in(
    tx: &Connection,
    meta: &Meta,
    v: ApiVersion,
    mode: Mode,
    user: &User,
    now: i64,
    body: &Value,
) -> ApiResult<IssueRow> {
    let o = object(body)?;
    let fields_in = opt_object(o, "fields")?;
    let update_in = opt_object(o, "update")?;
    let empty = Map::new();
    let f = fields_in.unwrap_or(&empty);
    let mut errors = BTreeMap::new();
    let project = match f.get("project").and_then(ref_key) {
        None => {
            errors.insert("project".into(), "Specify a valid project ID or key".into());
            None
        }
        Some(k) => {
            match visible_project(meta, user, &k) {
                Ok(p) => Some(p),
                Err(_) => {
                    errors.insert("project".into(), format!("Specify a valid project ID or key: '{k}' does not exist or you cannot browse it."));
                    None
                }
            }
        }
    };
    let type_id = match f.get("issuetype") {
        None | Some(Value::Null) => {
            errors.insert("issuetype".into(), "Specify an issue type".into());
            None
        }
        Some(t) => match resolve_issue_type(meta, t) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.insert("issuetype".into(), e);
                None
            }
        },
    };
    let (Some(project), Some(type_id)) = (project, type_id) else {
        return Err(ApiError::fields(errors));
    };
    let screen = fields::create_screen(meta, project, type_id);
    let allowed = |id: &str| screen.contains_key(id);
    let changes = read_changes(
        tx,
        meta,
        v,
        mode,
        user,
        project,
        type_id,
        &Map::new(),
        Some(f),
        update_in,
        Screen { allowed: &allowed },
        &mut errors,
    );
    if !changes.values.contains_key("summary") && !errors.contains_key("summary") {
        errors.insert(
            "summary".into(),
            "You must specify a summary of the issue.".into(),
        );
    }
    let itype = meta
        .issue_type(type_id)
        .ok_or_else(|| ApiError::Internal("issue type vanished".into()))?;
    if itype.subtask && changes.parent.flatten().is_none() && !errors.contains_key("parent") {
        errors.insert(
            "parent".into(),
            "Issue type is a sub-task but parent issue key or id not specified.".into(),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let mut stored: Map<String, Value> = changes.values.into_iter().filter(|(_, v)| !v.is_null()).collect();
    stored.entry("reporter").or_insert_with(|| json!(user.account_id));
    stored.insert("creator".into(), json!(user.account_id));
    if !stored.contains_key("priority") {
        if let Some(p) = meta.default_priority() {
            stored.insert("priority".into(), json!(p.id));
        }
    }
    if !stored.contains_key("assignee") && project.assignee_type == "PROJECT_LEAD" {
        if let Some(lead) = &project.lead {
            stored.insert("assignee".into(), json!(lead));
        }
    }
    stored.insert("statuscategorychangedate".into(), json!(now));
    if let Some(rank) = meta.fields.iter().find(|c| c.kind == CustomKind::Rank) {
        stored.insert(rank.id.clone(), json!(store::next_rank(tx)?));
    }
    let status = *project
        .workflow
        .first()
        .ok_or_else(|| ApiError::Internal("project without workflow".into()))?;
    let issue = store::insert_issue(
        tx,
        project.id,
        &project.key,
        type_id,
        status,
        changes.parent.flatten(),
        now,
        stored,
    )?;
    // The creator and the reporter watch a new issue.
    super::watchers::watch(tx, issue.id, &user.account_id)?;
    if let Some(reporter) = issue.get("reporter").as_str() {
        super::watchers::watch(tx, issue.id, reporter)?;
    }
    if let Some(props) = o.get("properties").and_then(Value::as_array) {
        for p in props {
            let key = p
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad_request("Each property needs a 'key'."))?;
            let value = p.get("value").cloned().unwrap_or(Value::Null);
            check_property(key, &value)?;
            store::set_property(tx, issue.id, key, &value)?;
        }
    }
    crate::webhooks::enqueue(tx, meta, user, &issue, crate::webhooks::Event::IssueCreated, now)?;
    Ok(issue)
}

pub async fn create(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mut db = state.db();
    let mode = state.mode();
    let issue = in_tx(&mut db, |tx, meta| create_in(tx, meta, v, mode, &me, now, &body))?;
    let base = state.base_url();
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "id": issue.id.to_string(), "key": issue.key, "self": format!("{base}/rest/api/{}/issue/{}", v.number(), issue.id) }),
        ),
    ))
}

/// `GET /issue/{key}`, served from the issue cache while nothing has been written since the same
/// request was last rendered (see `issue_cache`).
pub async fn get(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let me = caller(c)?;
    // Before anything is read, so that what is rendered is at least as new as the generation.
    let generation = state.generation();
    let cache_key = issue_cache::Key {
        v,
        base: state.base_url(),
        account_id: me.account_id.clone(),
        issue: key,
        query: query.unwrap_or_default(),
    };
    let cache = &state.0.issue_cache;
    if let Some(hit) = cache.get(generation, &cache_key) {
        let meta = state.meta();
        if !meta
            .project(hit.project_id)
            .is_some_and(|p| meta.can_browse(&me, p))
        {
            return Err(ApiError::issue_not_found());
        }
        return Ok(json_bytes(hit.body));
    }
    let db = state.read()?;
    // One snapshot for the issue and everything its JSON shows (comments, links, subtasks...),
    // and one lock instead of one per statement. Nothing is written; dropping it rolls back.
    let tx = db.conn.unchecked_transaction()?;
    let issue = visible_issue(&db, &me, &cache_key.issue)?;
    let cx = ctx(&state, &db.meta, &cache_key.base, v);
    let view = View::from_params(&db.meta, &parse_query(&cache_key.query), true);
    let mut body = Vec::new();
    render_issue_json(&cx, &tx, &me, &issue, &view)?.write_json(&mut body)?;
    // Kept in the cache: without the spare capacity (up to half) the serialiser's growth leaves.
    body.shrink_to_fit();
    let body = Bytes::from(body);
    let project_id = issue.project_id;
    drop(tx);
    drop(db);
    cache.put(
        generation,
        cache_key,
        issue_cache::Rendered {
            project_id,
            body: body.clone(),
        },
    );
    Ok(json_bytes(body))
}

/// A JSON body already serialised, with the content type `Json` gives.
pub(crate) fn json_bytes(body: Bytes) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

/// Applies changes to an issue and records them in the changelog; returns whether anything changed.
/// `items` are changes the caller already made to `issue` (a transition's status); they lead the
/// history entry.
pub fn apply_changes(
    tx: &Connection,
    meta: &Meta,
    user: &User,
    issue: &mut IssueRow,
    changes: Changes,
    now: i64,
    mut items: Vec<ChangeItem>,
) -> ApiResult<Vec<ChangeItem>> {
    if let Some(t) = changes.issue_type {
        if t != issue.issue_type_id {
            let name = |id: i64| meta.issue_type(id).map(|t| t.name.clone());
            items.push(ChangeItem {
                field: "issuetype".into(),
                fieldtype: "jira".into(),
                field_id: Some("issuetype".into()),
                from: Some(issue.issue_type_id.to_string()),
                from_string: name(issue.issue_type_id),
                to: Some(t.to_string()),
                to_string: name(t),
            });
            issue.issue_type_id = t;
        }
    }
    if let Some(p) = changes.parent {
        if p != issue.parent_id {
            let key = |id: Option<i64>| -> ApiResult<Option<String>> {
                Ok(match id {
                    Some(id) => store::issue_by_id(tx, id)?.map(|i| i.key),
                    None => None,
                })
            };
            items.push(ChangeItem {
                field: "IssueParentAssociation".into(),
                fieldtype: "jira".into(),
                field_id: Some("parent".into()),
                from: issue.parent_id.map(|i| i.to_string()),
                from_string: key(issue.parent_id)?,
                to: p.map(|i| i.to_string()),
                to_string: key(p)?,
            });
            issue.parent_id = p;
        }
    }
    for (id, new) in changes.values {
        let old = issue.fields.get(&id).cloned().unwrap_or(Value::Null);
        let new_items = change_items(meta, &id, &old, &new);
        if new_items.is_empty() {
            continue;
        }
        items.extend(new_items);
        if new.is_null() || new.as_array().is_some_and(Vec::is_empty) && id != "labels" {
            issue.fields.remove(&id);
        } else {
            issue.fields.insert(id, new);
        }
    }
    if !items.is_empty() {
        issue.updated = now;
        store::save_issue(tx, issue)?;
        store::add_history(tx, issue.id, Some(&user.account_id), now, &items)?;
        crate::webhooks::enqueue(
            tx,
            meta,
            user,
            issue,
            crate::webhooks::Event::IssueUpdated(&items),
            now,
        )?;
    }
    Ok(items)
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let me = caller(c)?;
    let return_issue = params.bool("returnIssue")?.unwrap_or(false);
    params.bool("notifyUsers")?;
    let now = state.clock().now_ms();
    let mode = state.mode();
    let mut db = state.db();
    let mut issue = visible_issue(&db, &me, &key)?;
    let issue = in_tx(&mut db, |tx, meta| {
        let o = object(&body)?;
        let project = meta
            .project(issue.project_id)
            .ok_or_else(ApiError::issue_not_found)?;
        let screen = fields::create_screen(meta, project, issue.issue_type_id);
        let allowed = |id: &str| (screen.contains_key(id) && id != "project") || id == "issuetype";
        let mut errors = BTreeMap::new();
        let changes = read_changes(
            tx,
            meta,
            v,
            mode,
            &me,
            project,
            issue.issue_type_id,
            &issue.fields,
            opt_object(o, "fields")?,
            opt_object(o, "update")?,
            Screen { allowed: &allowed },
            &mut errors,
        );
        if let Some(t) = changes.issue_type {
            let (from, to) = (meta.issue_type(issue.issue_type_id), meta.issue_type(t));
            if from.map(|x| x.subtask) != to.map(|x| x.subtask) {
                errors.insert("issuetype".into(), "Changing between a subtask and a standard issue type needs a move, which the sandbox does not do.".into());
            }
        }
        if changes.values.get("summary").is_some_and(Value::is_null) {
            errors.insert(
                "summary".into(),
                "You must specify a summary of the issue.".into(),
            );
        }
        if !errors.is_empty() {
            return Err(ApiError::fields(errors));
        }
        apply_changes(tx, meta, &me, &mut issue, changes, now, Vec::new())?;
        if let Some(props) = o.get("properties").and_then(Value::as_array) {
            for p in props {
                let key = p
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ApiError::bad_request("Each property needs a 'key'."))?;
                let value = p.get("value").cloned().unwrap_or(Value::Null);
                check_property(key, &value)?;
                store::set_property(tx, issue.id, key, &value)?;
            }
        }
        Ok(issue)
    })?;
    if return_issue {
        let base = state.base_url();
        let cx = ctx(&state, &db.meta, &base, v);
        let view = View::from_params(&db.meta, &params, true);
        return Ok(Json(render_issue(&cx, &db.conn, &me, &issue, &view)?).into_response());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
    params: Params,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let delete_subtasks = params.bool("deleteSubtasks")?.unwrap_or(false);
    let now = state.clock().now_ms();
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let files = in_tx(&mut db, |tx, meta| {
        let subs = store::subtasks(tx, issue.id)?;
        if !subs.is_empty() && !delete_subtasks {
            return Err(ApiError::bad_request(format!(
                "The issue '{}' has subtasks. You must specify the 'deleteSubtasks' parameter to delete this issue with subtasks.",
                issue.key
            )));
        }
        let mut ids: Vec<i64> = subs.iter().map(|s| s.id).collect();
        ids.push(issue.id);
        let files = super::attachments::Files::of_issues(tx, &ids)?;
        for s in subs {
            crate::webhooks::enqueue(tx, meta, &me, &s, crate::webhooks::Event::IssueDeleted, now)?;
            store::delete_issue(tx, s.id)?;
        }
        crate::webhooks::enqueue(tx, meta, &me, &issue, crate::webhooks::Event::IssueDeleted, now)?;
        store::delete_issue(tx, issue.id)?;
        Ok(files)
    })?;
    // The rows are gone with the issue (ON DELETE CASCADE); the bytes go now.
    state.0.files.remove(&files);
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /issue/{key}/assignee {accountId}`: `null` unassigns, `"-1"` picks the project default.
pub async fn assign(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let now = state.clock().now_ms();
    let mode = state.mode();
    let mut db = state.db();
    let mut issue = visible_issue(&db, &me, &key)?;
    in_tx(&mut db, |tx, meta| {
        let o = object(&body)?;
        let new = match (o.get("accountId"), o.get("name")) {
            (Some(Value::String(s)), _) if s == "-1" => {
                let p = meta
                    .project(issue.project_id)
                    .ok_or_else(ApiError::issue_not_found)?;
                if p.assignee_type == "PROJECT_LEAD" {
                    p.lead.clone().map(Value::String).unwrap_or(Value::Null)
                } else {
                    Value::Null
                }
            }
            (Some(Value::String(s)), _) => {
                let u = meta
                    .user(s)
                    .filter(|u| u.active)
                    .ok_or_else(|| ApiError::field("accountId", format!("User '{s}' does not exist.")))?;
                json!(u.account_id)
            }
            (Some(Value::Null), _) | (None, None) => Value::Null,
            (None, Some(Value::String(n))) if mode == Mode::DataCenter => {
                let u = meta
                    .users
                    .values()
                    .find(|u| u.name.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(n)))
                    .ok_or_else(|| ApiError::field("name", format!("User '{n}' does not exist.")))?;
                json!(u.account_id)
            }
            _ => {
                return Err(ApiError::field(
                    "accountId",
                    "Give the assignee's 'accountId' as a string, or null to unassign.",
                ))
            }
        };
        let changes = Changes {
            values: BTreeMap::from([("assignee".to_string(), new)]),
            parent: None,
            issue_type: None,
        };
        apply_changes(tx, meta, &me, &mut issue, changes, now, Vec::new())?;
        Ok(())
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn editmeta(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.read()?;
    let issue = visible_issue(&db, &me, &key)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    Ok(Json(editmeta_json(&cx, &issue)?))
}

pub async fn createmeta_types(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(project): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(50, 200)?;
    let db = state.db();
    let p = visible_project(&db.meta, &me, &project)?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let all: Vec<Value> = db.meta.issue_types.iter().map(|t| cx.issue_type(t)).collect();
    let total = all.len();
    let page: Vec<Value> = all.into_iter().skip(start as usize).take(max as usize).collect();
    let _ = p;
    Ok(Json(
        json!({ "issueTypes": page, "maxResults": max, "startAt": start, "total": total }),
    ))
}

pub async fn createmeta_fields(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path((project, type_id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let (start, max) = params.page(50, 200)?;
    let db = state.db();
    let p = visible_project(&db.meta, &me, &project)?;
    let t = db
        .meta
        .issue_types
        .iter()
        .find(|t| t.id.to_string() == type_id)
        .ok_or_else(|| ApiError::not_found(format!("Issue type with id '{type_id}' does not exist.")))?;
    let base = state.base_url();
    let cx = ctx(&state, &db.meta, &base, v);
    let screen = fields::create_screen(&db.meta, p, t.id);
    let order = |id: &str| {
        fields::CREATE_SCREEN
            .iter()
            .position(|x| *x == id)
            .unwrap_or(usize::MAX)
    };
    let mut ids: Vec<(&String, &bool)> = screen.iter().collect();
    ids.sort_by_key(|(id, _)| (order(id), (*id).clone()));
    let all: Vec<Value> = ids
        .into_iter()
        .filter_map(|(id, req)| fields::screen_field(&cx, p, id, *req, true))
        .collect();
    let total = all.len();
    let page: Vec<Value> = all.into_iter().skip(start as usize).take(max as usize).collect();
    Ok(Json(
        json!({ "fields": page, "results": page, "maxResults": max, "startAt": start, "total": total }),
    ))
}

pub async fn property_keys(
    State(state): State<AppState>,
    Extension(v): Extension<ApiVersion>,
    c: MaybeCaller,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let api = format!("{}/rest/api/{}", state.base_url(), v.number());
    let keys: Vec<Value> = store::property_keys(&db.conn, issue.id)?
        .into_iter()
        .map(|k| json!({"self": format!("{api}/issue/{}/properties/{k}", issue.id), "key": k}))
        .collect();
    Ok(Json(json!({ "keys": keys })))
}

pub async fn get_property(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((key, prop)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let me = caller(c)?;
    let db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let value = store::property(&db.conn, issue.id, &prop)?
        .ok_or_else(|| ApiError::not_found(format!("The property with key '{prop}' does not exist.")))?;
    Ok(Json(json!({ "key": prop, "value": value })))
}

pub async fn set_property(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((key, prop)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    check_property(&prop, &body)?;
    if body.is_null() {
        return Err(ApiError::bad_request(
            "The property value must be valid JSON, and not empty.",
        ));
    }
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let created = in_tx(&mut db, |tx, _| {
        Ok(store::set_property(tx, issue.id, &prop, &body)?)
    })?;
    Ok(if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

pub async fn delete_property(
    State(state): State<AppState>,
    c: MaybeCaller,
    Path((key, prop)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let me = caller(c)?;
    let mut db = state.db();
    let issue = visible_issue(&db, &me, &key)?;
    let deleted = in_tx(&mut db, |tx, _| Ok(store::delete_property(tx, issue.id, &prop)?))?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "The property with key '{prop}' does not exist."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue<'r>(stored: &'r Value, expanded: &[&str], with_fields: bool) -> IssueJson<'r> {
        let fields = vec![
            ("created", Piece::Ts(1_767_603_600_123)),
            ("customfield_10016", Piece::Stored(&stored["points"])),
            ("description", Piece::Stored(&stored["doc"])),
            ("labels", Value::Array(vec![]).into()),
            ("summary", Piece::Stored(&stored["summary"])),
        ];
        let issue = IssueJson {
            id: 10_042,
            key: "SHOP-42",
            api: "http://127.0.0.1:8080/rest/api/3",
            fields: Some(fields),
            keys: Rc::new(FieldKeys::of(&["created", "description", "labels", "summary"])),
            expanded: expanded
                .iter()
                .map(|k| (k.to_string(), json!({"what": k, "n": [1, 2.5]}).into()))
                .collect(),
        };
        if with_fields {
            issue
        } else {
            issue.without_fields()
        }
    }

    #[test]
    fn issues_written_straight_match_their_tree_byte_for_byte() {
        let stored = json!({
            "points": 3.0,
            "doc": {"type": "doc", "version": 1, "content": [{"type": "text", "text": "a \"q\" <b>"}]},
            "summary": "Ünïcode\nand\ttabs",
        });
        let expansions: [&[&str]; 4] = [
            &[],
            &["changelog", "editmeta"],
            &["names", "properties", "renderedFields", "schema"],
            &["changelog", "names", "transitions"],
        ];
        for expanded in expansions {
            for with_fields in [true, false] {
                let mut direct = Vec::new();
                issue(&stored, expanded, with_fields)
                    .write_json(&mut direct)
                    .unwrap();
                let tree = serde_json::to_vec(&issue(&stored, expanded, with_fields).into_out()).unwrap();
                assert_eq!(
                    String::from_utf8(direct).unwrap(),
                    String::from_utf8(tree).unwrap()
                );
            }
        }
    }

    #[test]
    fn fields_are_written_in_the_order_of_an_object_s_keys() {
        let view = View {
            fields: [
                "summary",
                "Zeta",
                "customfield_10016",
                "aggregateprogress",
                "summary",
                "_x",
            ]
            .map(String::from)
            .to_vec(),
            expand: vec![],
            properties: vec![],
        };
        // The order of the same ids as the keys of a `BTreeMap<String, _>`, such as `Map`.
        let keys: BTreeMap<String, ()> = view.fields.iter().map(|f| (f.clone(), ())).collect();
        let sorted: Vec<&str> = keys.keys().map(String::as_str).collect();
        assert_eq!(FieldOrder::of(&view).0, sorted);
    }
}
