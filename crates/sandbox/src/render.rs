//! JSON shapes of Jira's REST API, as the official OpenAPI document gives them.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::api::ApiVersion;
use crate::clock::{format_ts, JiraTs};
use crate::generation::{Generational, Kept};
use crate::meta::{Component, IssueType, Meta, Priority, Project, Resolution, Status, User, Version};
use crate::write_json::WriteJson;
use crate::Mode;

/// What every renderer needs: the site's configuration, the base URL, the API version and mode,
/// and the sub-objects rendered so far (see [`Out`]). One per request: the memo holds only what
/// follows from the configuration it was made with, so it cannot go stale.
pub struct Ctx<'a> {
    pub meta: &'a Meta,
    pub base: &'a str,
    pub v: ApiVersion,
    pub mode: Mode,
    api: String,
    memo: Memo,
    users: Option<Users<'a>>,
}

/// Users written out as JSON, kept across requests while nothing is written (see
/// `crate::generation`): a user shows only what the site's configuration holds of them, and
/// publishing a new configuration moves the generation on. A page of issues shows a hundred users
/// or more, mostly the same ones as the page before. Kept by what else their JSON shows (API
/// version, mode, base URL), then by account id.
#[derive(Default)]
pub struct UserCache {
    inner: Kept<ByFlavour>,
}

/// What a user's JSON shows besides the user: API version, mode and base URL.
type Flavour = (ApiVersion, Mode, String);

/// Users' JSON by flavour, then account id.
type ByFlavour = Vec<(Flavour, HashMap<String, Arc<RawValue>>)>;

/// Users kept at most, over all flavours; beyond it the cache starts over.
const MAX_USERS: usize = 50_000;

impl UserCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Generational<ByFlavour>> {
        self.inner.lock()
    }

    fn get(
        &self,
        generation: u64,
        flavour: (ApiVersion, Mode, &str),
        account_id: &str,
    ) -> Option<Arc<RawValue>> {
        let mut g = self.lock();
        let kept = g.at(generation)?;
        let (_, users) = kept
            .iter()
            .find(|((v, m, b), _)| (*v, *m, b.as_str()) == flavour)?;
        users.get(account_id).cloned()
    }

    fn put(&self, generation: u64, flavour: (ApiVersion, Mode, &str), account_id: &str, json: Arc<RawValue>) {
        let mut g = self.lock();
        let Some(kept) = g.at(generation) else {
            return;
        };
        if kept.iter().map(|(_, u)| u.len()).sum::<usize>() >= MAX_USERS {
            kept.clear();
        }
        let at = match kept
            .iter()
            .position(|((v, m, b), _)| (*v, *m, b.as_str()) == flavour)
        {
            Some(at) => at,
            None => {
                let (v, m, b) = flavour;
                kept.push(((v, m, b.to_string()), HashMap::new()));
                kept.len() - 1
            }
        };
        kept[at].1.insert(account_id.to_string(), json);
    }

    /// Drops what a write made stale at once, rather than at the next read.
    pub fn advance(&self, generation: u64) {
        self.inner.advance(generation);
    }
}

/// The user cache a request reads through, with the generation read before anything else.
#[derive(Clone, Copy)]
pub struct Users<'a> {
    pub cache: &'a UserCache,
    pub generation: u64,
}

/// The configuration objects an issue shows, by what they are and their id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Status,
    IssueType,
    Priority,
    Resolution,
    Project,
    Version,
    Component,
    Option,
}

#[derive(Default)]
struct Memo {
    users: RefCell<HashMap<String, Rc<Shared>>>,
    objects: RefCell<HashMap<(Kind, i64), Rc<Shared>>>,
}

/// A sub-object that many places of one response show alike (a user, a status, a project): built
/// once per request and written out once; every later use copies its bytes. It is made as a
/// `Value` or straight as bytes, and either form from the other when first asked for.
pub struct Shared {
    value: OnceCell<Value>,
    raw: OnceCell<Arc<RawValue>>,
}

/// JSON on its way into a response: plain values, and shared sub-objects kept whole until they are
/// written out. Objects keep their keys sorted, as `serde_json::Map` does, so the bytes written are
/// those of the same tree built as a `Value`.
#[derive(Clone)]
pub enum Out {
    Plain(Value),
    Shared(Rc<Shared>),
    Object(BTreeMap<String, Out>),
    Array(Vec<Out>),
    /// Compact JSON text written here (see [`Out::written`]): for the small objects every issue of
    /// a page shows (`watches`, `votes`, `progress`), one buffer instead of a map of `Value`s.
    Written(Vec<u8>),
}

impl Out {
    pub fn null() -> Out {
        Out::Plain(Value::Null)
    }

    /// Valid JSON that `write` puts into an empty buffer; its objects' keys sorted as a `Value`'s
    /// are, so that it writes as the same tree built as a `Value` would.
    pub fn written(capacity: usize, write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>) -> Out {
        let mut text = Vec::with_capacity(capacity);
        match write(&mut text) {
            Ok(()) => Out::Written(text),
            Err(_) => Out::null(),
        }
    }

    /// The same tree as a `Value`, for callers that take one apart or pass it on.
    pub fn into_value(self) -> Value {
        match self {
            Out::Written(text) => serde_json::from_slice(&text).unwrap_or(Value::Null),
            Out::Plain(v) => v,
            Out::Shared(s) => s.value().clone(),
            Out::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, v.into_value())).collect()),
            Out::Array(a) => Value::Array(a.into_iter().map(Out::into_value).collect()),
        }
    }
}

/// One value of an issue's fields on its way out. A page of issues writes its fields straight
/// from the stored values: what shows as stored is borrowed rather than copied, and a timestamp
/// is written without making its text first; the rest is built as [`Out`].
#[derive(Clone)]
pub enum Piece<'a> {
    Stored(&'a Value),
    Ts(i64),
    Out(Out),
}

impl Piece<'_> {
    /// The same JSON as an owned [`Out`], for the callers that keep it.
    pub fn into_out(self) -> Out {
        match self {
            Piece::Stored(v) => Out::Plain(v.clone()),
            Piece::Ts(ms) => Out::Plain(Value::String(format_ts(ms))),
            Piece::Out(o) => o,
        }
    }
}

impl From<Out> for Piece<'_> {
    fn from(o: Out) -> Self {
        Piece::Out(o)
    }
}

impl From<Value> for Piece<'_> {
    fn from(v: Value) -> Self {
        Piece::Out(Out::Plain(v))
    }
}

impl Serialize for Piece<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Piece::Stored(v) => v.serialize(s),
            Piece::Ts(ms) => match JiraTs(*ms).ascii() {
                Some(text) => s.serialize_str(std::str::from_utf8(&text).map_err(S::Error::custom)?),
                None => s.collect_str(&JiraTs(*ms)),
            },
            Piece::Out(o) => o.serialize(s),
        }
    }
}

impl From<Value> for Out {
    fn from(v: Value) -> Out {
        Out::Plain(v)
    }
}

impl Serialize for Out {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Out::Plain(v) => v.serialize(s),
            Out::Shared(shared) => match shared.raw() {
                Some(raw) => raw.serialize(s),
                None => shared.value().serialize(s),
            },
            Out::Written(text) => {
                let raw: &RawValue = serde_json::from_slice(text).map_err(S::Error::custom)?;
                raw.serialize(s)
            }
            Out::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Out::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
        }
    }
}

impl WriteJson for Piece<'_> {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match self {
            Piece::Stored(v) => v.write_json(out),
            Piece::Ts(ms) => match JiraTs(*ms).ascii() {
                Some(text) => {
                    out.push(b'"');
                    out.extend_from_slice(&text);
                    out.push(b'"');
                    Ok(())
                }
                None => serde_json::to_writer(out, self),
            },
            Piece::Out(o) => o.write_json(out),
        }
    }
}

impl WriteJson for Out {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match self {
            Out::Plain(v) => v.write_json(out),
            Out::Shared(shared) => match shared.raw() {
                Some(raw) => {
                    out.extend_from_slice(raw.get().as_bytes());
                    Ok(())
                }
                None => shared.value().write_json(out),
            },
            Out::Object(m) => crate::write_json::object(out, m.iter()),
            Out::Array(a) => crate::write_json::array(out, a),
            Out::Written(text) => {
                out.extend_from_slice(text);
                Ok(())
            }
        }
    }
}

impl Shared {
    fn from_value(value: Value) -> Rc<Shared> {
        Rc::new(Shared {
            value: OnceCell::from(value),
            raw: OnceCell::new(),
        })
    }

    fn from_raw(raw: Arc<RawValue>) -> Rc<Shared> {
        Rc::new(Shared {
            value: OnceCell::new(),
            raw: OnceCell::from(raw),
        })
    }

    fn value(&self) -> &Value {
        self.value.get_or_init(|| {
            self.raw
                .get()
                .and_then(|raw| serde_json::from_str(raw.get()).ok())
                .unwrap_or(Value::Null)
        })
    }

    /// The compact JSON of the value, made on first use.
    fn raw(&self) -> Option<&RawValue> {
        if self.raw.get().is_none() {
            let raw = serde_json::value::to_raw_value(self.value()).ok()?;
            let _ = self.raw.set(raw.into());
        }
        self.raw.get().map(|r| &**r)
    }
}

/// [`Ctx::user`] written straight as JSON, without a `Value` first: a page of issues shows up to a
/// few hundred different users. The keys are in `Value`'s (sorted) order; a test holds the two
/// byte for byte.
struct UserJson<'a> {
    cx: &'a Ctx<'a>,
    u: &'a User,
}

impl Serialize for UserJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (cx, u) = (self.cx, self.u);
        let dc_name = match cx.mode {
            Mode::DataCenter => u.name.as_deref(),
            Mode::Cloud => None,
        };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("accountId", &u.account_id)?;
        m.serialize_entry("accountType", &u.account_type)?;
        m.serialize_entry("active", &u.active)?;
        m.serialize_entry(
            "avatarUrls",
            &AvatarUrls {
                cx,
                kind: "user",
                id: &u.account_id,
            },
        )?;
        m.serialize_entry("displayName", &u.display_name)?;
        if let Some(email) = &u.email {
            m.serialize_entry("emailAddress", email)?;
        }
        match dc_name {
            Some(name) => {
                m.serialize_entry("key", name)?;
                m.serialize_entry("name", name)?;
                m.serialize_entry("self", &format_args!("{}/user?username={name}", cx.api()))?;
            }
            None => {
                let id = &u.account_id;
                m.serialize_entry("self", &format_args!("{}/user?accountId={id}", cx.api()))?;
            }
        }
        m.serialize_entry("timeZone", &u.time_zone)?;
        m.end()
    }
}

/// [`Ctx::avatar_urls`] written straight as JSON.
struct AvatarUrls<'a> {
    cx: &'a Ctx<'a>,
    kind: &'a str,
    id: &'a str,
}

impl Serialize for AvatarUrls<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use std::fmt::Write;
        let (base, kind, id) = (self.cx.base, self.kind, self.id);
        // Each URL made whole and written as one string: cheaper than through `format_args!`,
        // whose pieces are written (and escaped) one by one.
        let mut url = String::with_capacity(base.len() + kind.len() + id.len() + 40);
        let mut m = s.serialize_map(Some(4))?;
        for (key, size) in [("16x16", 16), ("24x24", 24), ("32x32", 32), ("48x48", 48)] {
            url.clear();
            write!(url, "{base}/secure/{kind}avatar?size={size}&avatarId={id}").map_err(S::Error::custom)?;
            m.serialize_entry(key, url.as_str())?;
        }
        m.end()
    }
}

impl<'a> Ctx<'a> {
    pub fn new(meta: &'a Meta, base: &'a str, v: ApiVersion, mode: Mode) -> Ctx<'a> {
        Ctx {
            meta,
            base,
            v,
            mode,
            api: format!("{base}/rest/api/{}", v.number()),
            memo: Memo::default(),
            users: None,
        }
    }

    /// The same context, reading users through `users` (see [`UserCache`]).
    pub fn with_users(self, users: Users<'a>) -> Ctx<'a> {
        Ctx {
            users: Some(users),
            ..self
        }
    }
}

impl Ctx<'_> {
    pub fn api(&self) -> &str {
        &self.api
    }

    /// The configuration object `kind` `id`, rendered by `build` on first use in this request.
    pub fn shared(&self, kind: Kind, id: i64, build: impl FnOnce(&Self) -> Value) -> Out {
        if let Some(s) = self.memo.objects.borrow().get(&(kind, id)) {
            return Out::Shared(s.clone());
        }
        let s = Shared::from_value(build(self));
        self.memo.objects.borrow_mut().insert((kind, id), s.clone());
        Out::Shared(s)
    }

    /// [`Ctx::user_ref`], rendered once per request.
    pub fn user_out(&self, account_id: &str) -> Out {
        if let Some(s) = self.memo.users.borrow().get(account_id) {
            return Out::Shared(s.clone());
        }
        let s = match self.meta.user(account_id) {
            Some(u) => {
                let flavour = (self.v, self.mode, self.base);
                let kept = self
                    .users
                    .and_then(|c| c.cache.get(c.generation, flavour, account_id));
                match kept {
                    Some(raw) => Shared::from_raw(raw),
                    None => match serde_json::value::to_raw_value(&UserJson { cx: self, u }) {
                        Ok(raw) => {
                            let raw: Arc<RawValue> = raw.into();
                            if let Some(c) = self.users {
                                c.cache.put(c.generation, flavour, account_id, raw.clone());
                            }
                            Shared::from_raw(raw)
                        }
                        Err(_) => Shared::from_value(self.user(u)),
                    },
                }
            }
            None => Shared::from_value(self.user_ref(account_id)),
        };
        self.memo
            .users
            .borrow_mut()
            .insert(account_id.to_string(), s.clone());
        Out::Shared(s)
    }

    pub fn status_out(&self, id: i64) -> Out {
        self.shared(Kind::Status, id, |cx| cx.status_id(id))
    }

    pub fn issue_type_out(&self, id: i64) -> Out {
        self.shared(Kind::IssueType, id, |cx| {
            cx.meta
                .issue_type(id)
                .map(|t| cx.issue_type(t))
                .unwrap_or(Value::Null)
        })
    }

    pub fn project_out(&self, id: i64) -> Out {
        self.shared(Kind::Project, id, |cx| {
            cx.meta
                .project(id)
                .map(|p| cx.project_ref(p))
                .unwrap_or(Value::Null)
        })
    }

    pub fn avatar_urls(&self, kind: &str, id: &str) -> Value {
        let u = |size: u32| format!("{}/secure/{kind}avatar?size={size}&avatarId={id}", self.base);
        json!({ "48x48": u(48), "24x24": u(24), "16x16": u(16), "32x32": u(32) })
    }

    pub fn user(&self, u: &User) -> Value {
        let mut o = json!({
            "self": format!("{}/user?accountId={}", self.api(), u.account_id),
            "accountId": u.account_id,
            "accountType": u.account_type,
            "avatarUrls": self.avatar_urls("user", &u.account_id),
            "displayName": u.display_name,
            "active": u.active,
            "timeZone": u.time_zone,
        });
        if let Some(email) = &u.email {
            o["emailAddress"] = json!(email);
        }
        if self.mode == Mode::DataCenter {
            if let Some(name) = &u.name {
                o["name"] = json!(name);
                o["key"] = json!(name);
                o["self"] = json!(format!("{}/user?username={}", self.api(), name));
            }
        }
        o
    }

    /// A user by account id; a deleted account renders as Jira's "former user".
    pub fn user_ref(&self, account_id: &str) -> Value {
        match self.meta.user(account_id) {
            Some(u) => self.user(u),
            None => json!({
                "accountId": account_id,
                "accountType": "unknown",
                "displayName": "Former user",
                "active": false,
            }),
        }
    }

    pub fn status_category(&self, key: &str) -> Value {
        let (id, color, name) = match key {
            "new" => (2, "blue-gray", "To Do"),
            "indeterminate" => (4, "yellow", "In Progress"),
            "done" => (3, "green", "Done"),
            _ => (1, "medium-gray", "No Category"),
        };
        json!({ "self": format!("{}/statuscategory/{id}", self.api()), "id": id, "key": key, "colorName": color, "name": name })
    }

    pub fn status(&self, s: &Status) -> Value {
        json!({
            "self": format!("{}/status/{}", self.api(), s.id),
            "description": s.description,
            "iconUrl": format!("{}/images/icons/statuses/generic.png", self.base),
            "name": s.name,
            "untranslatedName": s.name,
            "id": s.id.to_string(),
            "statusCategory": self.status_category(&s.category),
        })
    }

    pub fn status_id(&self, id: i64) -> Value {
        self.meta
            .status(id)
            .map(|s| self.status(s))
            .unwrap_or(Value::Null)
    }

    pub fn issue_type(&self, t: &IssueType) -> Value {
        json!({
            "self": format!("{}/issuetype/{}", self.api(), t.id),
            "id": t.id.to_string(),
            "description": t.description,
            "iconUrl": format!("{}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{}?size=medium", self.base, t.avatar_id),
            "name": t.name,
            "subtask": t.subtask,
            "avatarId": t.avatar_id,
            "hierarchyLevel": t.hierarchy_level,
        })
    }

    pub fn priority(&self, p: &Priority) -> Value {
        json!({
            "self": format!("{}/priority/{}", self.api(), p.id),
            "iconUrl": format!("{}/images/icons/priorities/{}.svg", self.base, p.name.to_lowercase()),
            "name": p.name,
            "id": p.id.to_string(),
            "statusColor": p.color,
            "description": p.description,
            "isDefault": p.is_default,
        })
    }

    pub fn resolution(&self, r: &Resolution) -> Value {
        json!({
            "self": format!("{}/resolution/{}", self.api(), r.id),
            "id": r.id.to_string(),
            "description": r.description,
            "name": r.name,
        })
    }

    /// The short project form used inside issues.
    pub fn project_ref(&self, p: &Project) -> Value {
        json!({
            "self": format!("{}/project/{}", self.api(), p.id),
            "id": p.id.to_string(),
            "key": p.key,
            "name": p.name,
            "projectTypeKey": p.type_key,
            "simplified": false,
            "avatarUrls": self.avatar_urls("project", &p.id.to_string()),
        })
    }

    pub fn project(&self, p: &Project, expand: &[String]) -> Value {
        let mut o = self.project_ref(p);
        let o_map = o.as_object_mut().expect("object");
        o_map.insert(
            "expand".into(),
            json!("description,lead,issueTypes,url,projectKeys,permissions,insight"),
        );
        o_map.insert("description".into(), json!(p.description));
        if let Some(lead) = &p.lead {
            o_map.insert("lead".into(), self.user_ref(lead));
        }
        o_map.insert(
            "components".into(),
            Value::Array(
                self.meta
                    .components
                    .iter()
                    .filter(|c| c.project_id == p.id)
                    .map(|c| self.component(c, p))
                    .collect(),
            ),
        );
        o_map.insert(
            "issueTypes".into(),
            Value::Array(self.meta.issue_types.iter().map(|t| self.issue_type(t)).collect()),
        );
        o_map.insert("assigneeType".into(), json!(p.assignee_type));
        o_map.insert(
            "versions".into(),
            Value::Array(
                self.meta
                    .versions
                    .iter()
                    .filter(|v| v.project_id == p.id)
                    .map(|v| self.version(v))
                    .collect(),
            ),
        );
        o_map.insert("roles".into(), json!({}));
        o_map.insert("style".into(), json!("classic"));
        o_map.insert("isPrivate".into(), json!(p.browse_groups.is_some()));
        o_map.insert("properties".into(), json!({}));
        if let Some(url) = &p.url {
            o_map.insert("url".into(), json!(url));
        }
        if expand.iter().any(|e| e == "projectKeys") {
            o_map.insert("projectKeys".into(), json!([p.key]));
        }
        o
    }

    pub fn component(&self, c: &Component, p: &Project) -> Value {
        let mut o = json!({
            "self": format!("{}/component/{}", self.api(), c.id),
            "id": c.id.to_string(),
            "name": c.name,
            "description": c.description,
            "assigneeType": c.assignee_type,
            "realAssigneeType": c.assignee_type,
            "isAssigneeTypeValid": true,
            "project": p.key,
            "projectId": p.id,
        });
        if let Some(lead) = &c.lead {
            o["lead"] = self.user_ref(lead);
        }
        o
    }

    pub fn version(&self, v: &Version) -> Value {
        let mut o = json!({
            "self": format!("{}/version/{}", self.api(), v.id),
            "id": v.id.to_string(),
            "name": v.name,
            "description": v.description,
            "archived": v.archived,
            "released": v.released,
            "projectId": v.project_id,
        });
        if let Some(d) = &v.start_date {
            o["startDate"] = json!(d);
        }
        if let Some(d) = &v.release_date {
            o["releaseDate"] = json!(d);
        }
        o
    }

    /// Rich text as the API version shows it: ADF in v3, wiki markup in v2.
    pub fn rich_text(&self, stored: &Value) -> Value {
        if stored.is_null() {
            return Value::Null;
        }
        if let Value::String(wiki) = stored {
            // Data Center's verbatim wiki markup.
            return match self.v {
                ApiVersion::V2 => stored.clone(),
                ApiVersion::V3 => jirakit_adf::Doc::from_wiki(wiki).to_json(),
            };
        }
        match self.v {
            // Stored documents were validated when they were written: v3 shows them as they are.
            ApiVersion::V3 => stored.clone(),
            ApiVersion::V2 => jirakit_adf::Doc::from_json(stored.clone())
                .map(|doc| Value::String(doc.to_wiki()))
                .unwrap_or(Value::Null),
        }
    }

    /// [`Ctx::rich_text`], borrowing the stored value where it shows as it is.
    pub fn rich_text_piece<'v>(&self, stored: &'v Value) -> Piece<'v> {
        let as_stored = match stored {
            Value::Null => true,
            Value::String(_) => self.v == ApiVersion::V2,
            _ => self.v == ApiVersion::V3,
        };
        if as_stored {
            Piece::Stored(stored)
        } else {
            self.rich_text(stored).into()
        }
    }

    pub fn ts(&self, ms: i64) -> Value {
        json!(format_ts(ms))
    }
}

/// `{startAt, maxResults, total, isLast, values}` with `self` and `nextPage`.
pub fn page_bean(self_url: String, start: i64, max: i64, total: i64, values: Vec<Value>) -> Value {
    let is_last = start + (values.len() as i64) >= total;
    let mut o = Map::new();
    o.insert("self".into(), json!(self_url));
    if !is_last {
        let sep = if self_url.contains('?') { '&' } else { '?' };
        o.insert(
            "nextPage".into(),
            json!(format!("{self_url}{sep}startAt={}", start + max)),
        );
    }
    o.insert("maxResults".into(), json!(max));
    o.insert("startAt".into(), json!(start));
    o.insert("total".into(), json!(total));
    o.insert("isLast".into(), json!(is_last));
    o.insert("values".into(), Value::Array(values));
    Value::Object(o)
}

/// One page of `all`, as a page bean.
pub fn page_of(self_url: String, start: i64, max: i64, all: Vec<Value>) -> Value {
    let total = all.len() as i64;
    let values = all.into_iter().skip(start as usize).take(max as usize).collect();
    page_bean(self_url, start, max, total, values)
}

/// HTML for `renderedFields`: paragraphs and line breaks of the plain text, escaped.
pub fn html_of(stored: &Value) -> Value {
    let doc = match stored {
        Value::String(wiki) => jirakit_adf::Doc::from_wiki(wiki),
        other => match jirakit_adf::Doc::from_json(other.clone()) {
            Ok(d) => d,
            Err(_) => return Value::Null,
        },
    };
    let text = doc.to_plain_text();
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let html: Vec<String> = escaped
        .split("\n\n")
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br/>\n")))
        .collect();
    json!(html.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: Option<&str>, name: Option<&str>) -> User {
        User {
            account_id: "5d9e8a7b6c5d4e3f2a1b0001".into(),
            email: email.map(str::to_string),
            name: name.map(str::to_string),
            display_name: "Ana \"Q\" Lima <ops>".into(),
            active: true,
            time_zone: "Europe/Lisbon".into(),
            password: None,
            api_token: None,
            pat: None,
            site_admin: false,
            account_type: "atlassian".into(),
        }
    }

    #[test]
    fn users_written_straight_match_their_value_byte_for_byte() {
        let meta = Meta::default();
        for mode in [Mode::Cloud, Mode::DataCenter] {
            for v in [ApiVersion::V2, ApiVersion::V3] {
                let cx = Ctx::new(&meta, "http://127.0.0.1:8080", v, mode);
                for u in [
                    user(None, None),
                    user(Some("ana@example.com"), None),
                    user(Some("ana@example.com"), Some("ana")),
                    user(None, Some("ana")),
                ] {
                    let direct = serde_json::to_string(&UserJson { cx: &cx, u: &u }).unwrap();
                    assert_eq!(direct, serde_json::to_string(&cx.user(&u)).unwrap());
                }
            }
        }
    }

    #[test]
    fn shared_objects_write_and_convert_as_the_value_they_stand_for() {
        let value = json!({"b": [1, "two", null], "a": {"z": true, "y": 1.5}});
        let from_value = Out::Shared(Shared::from_value(value.clone()));
        let raw = serde_json::value::to_raw_value(&value).unwrap();
        let from_raw = Out::Shared(Shared::from_raw(raw.into()));
        for out in [from_value, from_raw] {
            assert_eq!(serde_json::to_string(&out).unwrap(), value.to_string());
            assert_eq!(out.into_value(), value);
        }
    }
}
