//! The site's configuration, cached in memory: users, groups, statuses, issue types, priorities,
//! resolutions, custom fields, projects, components and versions. Reloaded whole after any change
//! to them (they are small); issues are never cached.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

#[derive(Debug, Clone)]
pub struct User {
    pub account_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub display_name: String,
    pub active: bool,
    pub time_zone: String,
    pub password: Option<String>,
    pub api_token: Option<String>,
    pub pat: Option<String>,
    pub site_admin: bool,
    pub account_type: String,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub group_id: String,
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct Status {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub category: String,
}

#[derive(Debug, Clone)]
pub struct IssueType {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub subtask: bool,
    pub hierarchy_level: i64,
    pub avatar_id: i64,
}

#[derive(Debug, Clone)]
pub struct Priority {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub color: String,
    pub sequence: i64,
    pub is_default: bool,
}

#[derive(Debug, Clone)]
pub struct Resolution {
    pub id: i64,
    pub name: String,
    pub description: String,
}

/// The kinds of custom field the sandbox understands, by Jira's type key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomKind {
    Text,
    Paragraph,
    Number,
    Date,
    DateTime,
    Select,
    MultiSelect,
    Labels,
    User,
    MultiUser,
    Url,
    Rank,
    Sprint,
}

pub const CUSTOM_PREFIX: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";

impl CustomKind {
    pub fn from_type_key(key: &str) -> Option<CustomKind> {
        if key == "com.pyxis.greenhopper.jira:gh-lexo-rank" {
            return Some(CustomKind::Rank);
        }
        if key == "com.pyxis.greenhopper.jira:gh-sprint" {
            return Some(CustomKind::Sprint);
        }
        Some(match key.strip_prefix(CUSTOM_PREFIX)? {
            "textfield" => CustomKind::Text,
            "textarea" => CustomKind::Paragraph,
            "float" => CustomKind::Number,
            "datepicker" => CustomKind::Date,
            "datetime" => CustomKind::DateTime,
            "select" | "radiobuttons" => CustomKind::Select,
            "multiselect" | "multicheckboxes" => CustomKind::MultiSelect,
            "labels" => CustomKind::Labels,
            "userpicker" => CustomKind::User,
            "multiuserpicker" => CustomKind::MultiUser,
            "url" => CustomKind::Url,
            _ => return None,
        })
    }

    /// `(type, items)` of the field's schema.
    pub fn schema_type(self) -> (&'static str, Option<&'static str>) {
        match self {
            CustomKind::Text | CustomKind::Paragraph | CustomKind::Url => ("string", None),
            CustomKind::Number => ("number", None),
            CustomKind::Date => ("date", None),
            CustomKind::DateTime => ("datetime", None),
            CustomKind::Select => ("option", None),
            CustomKind::MultiSelect => ("array", Some("option")),
            CustomKind::Labels => ("array", Some("string")),
            CustomKind::User => ("user", None),
            CustomKind::MultiUser => ("array", Some("user")),
            CustomKind::Rank => ("any", None),
            CustomKind::Sprint => ("array", Some("json")),
        }
    }

    pub fn searcher_key(self) -> Option<&'static str> {
        Some(match self {
            CustomKind::Text | CustomKind::Paragraph => {
                "com.atlassian.jira.plugin.system.customfieldtypes:textsearcher"
            }
            CustomKind::Number => "com.atlassian.jira.plugin.system.customfieldtypes:exactnumber",
            CustomKind::Date => "com.atlassian.jira.plugin.system.customfieldtypes:daterange",
            CustomKind::DateTime => "com.atlassian.jira.plugin.system.customfieldtypes:datetimerange",
            CustomKind::Select | CustomKind::MultiSelect => {
                "com.atlassian.jira.plugin.system.customfieldtypes:multiselectsearcher"
            }
            CustomKind::Labels => "com.atlassian.jira.plugin.system.customfieldtypes:labelsearcher",
            CustomKind::User | CustomKind::MultiUser => {
                "com.atlassian.jira.plugin.system.customfieldtypes:userpickergroupsearcher"
            }
            CustomKind::Url => "com.atlassian.jira.plugin.system.customfieldtypes:exacttextsearcher",
            CustomKind::Rank | CustomKind::Sprint => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct CustomField {
    pub id: String,
    pub num: i64,
    pub name: String,
    pub type_key: String,
    pub kind: CustomKind,
}

#[derive(Debug, Clone)]
pub struct FieldContext {
    pub id: i64,
    pub field_id: String,
    pub name: String,
    pub description: String,
    pub project_ids: Vec<i64>,
    pub issue_type_ids: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct FieldOption {
    pub id: i64,
    pub field_id: String,
    pub context_id: i64,
    pub value: String,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub description: String,
    pub lead: Option<String>,
    pub type_key: String,
    pub assignee_type: String,
    pub url: Option<String>,
    /// Groups whose members may browse the project; `None` means every licensed user.
    pub browse_groups: Option<Vec<String>>,
    /// The statuses of the project's simplified workflow, in order.
    pub workflow: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Component {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub description: String,
    pub lead: Option<String>,
    pub assignee_type: String,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub description: String,
    pub archived: bool,
    pub released: bool,
    pub start_date: Option<String>,
    pub release_date: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Sprint {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub start_date: Option<i64>,
    pub end_date: Option<i64>,
    pub complete_date: Option<i64>,
    pub created_date: i64,
    pub goal: String,
    pub board_id: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub users: BTreeMap<String, User>,
    pub groups: BTreeMap<String, Group>,
    pub statuses: Vec<Status>,
    pub issue_types: Vec<IssueType>,
    pub priorities: Vec<Priority>,
    pub resolutions: Vec<Resolution>,
    pub fields: Vec<CustomField>,
    pub contexts: Vec<FieldContext>,
    pub options: Vec<FieldOption>,
    pub projects: Vec<Project>,
    pub components: Vec<Component>,
    pub versions: Vec<Version>,
    pub sprints: Vec<Sprint>,
}

fn json_ids(text: &str) -> Vec<i64> {
    serde_json::from_str(text).unwrap_or_default()
}

impl Meta {
    pub fn load(conn: &Connection) -> rusqlite::Result<Meta> {
        let mut m = Meta::default();
        let mut st = conn.prepare(
            "SELECT account_id, email, name, display_name, active, time_zone, password, api_token, pat, site_admin, account_type FROM users",
        )?;
        for u in st.query_map([], |r| {
            Ok(User {
                account_id: r.get(0)?,
                email: r.get(1)?,
                name: r.get(2)?,
                display_name: r.get(3)?,
                active: r.get(4)?,
                time_zone: r.get(5)?,
                password: r.get(6)?,
                api_token: r.get(7)?,
                pat: r.get(8)?,
                site_admin: r.get(9)?,
                account_type: r.get(10)?,
            })
        })? {
            let u = u?;
            m.users.insert(u.account_id.clone(), u);
        }
        let mut st = conn.prepare("SELECT name, group_id FROM groups")?;
        for g in st.query_map([], |r| {
            Ok(Group {
                name: r.get(0)?,
                group_id: r.get(1)?,
                members: BTreeSet::new(),
            })
        })? {
            let g = g?;
            m.groups.insert(g.name.to_lowercase(), g);
        }
        let mut st = conn.prepare("SELECT group_name, account_id FROM group_members")?;
        let rows: Vec<(String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (g, a) in rows {
            if let Some(g) = m.groups.get_mut(&g.to_lowercase()) {
                g.members.insert(a);
            }
        }
        let mut st = conn.prepare("SELECT id, name, description, category FROM statuses ORDER BY id")?;
        m.statuses = st
            .query_map([], |r| {
                Ok(Status {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    description: r.get(2)?,
                    category: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare(
            "SELECT id, name, description, subtask, hierarchy_level, avatar_id FROM issue_types ORDER BY id",
        )?;
        m.issue_types = st
            .query_map([], |r| {
                Ok(IssueType {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    description: r.get(2)?,
                    subtask: r.get(3)?,
                    hierarchy_level: r.get(4)?,
                    avatar_id: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare(
            "SELECT id, name, description, color, sequence, is_default FROM priorities ORDER BY sequence",
        )?;
        m.priorities = st
            .query_map([], |r| {
                Ok(Priority {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    description: r.get(2)?,
                    color: r.get(3)?,
                    sequence: r.get(4)?,
                    is_default: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare("SELECT id, name, description FROM resolutions ORDER BY id")?;
        m.resolutions = st
            .query_map([], |r| {
                Ok(Resolution {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    description: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare("SELECT id, num, name, type_key FROM fields ORDER BY num")?;
        let fields: Vec<(String, i64, String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        m.fields = fields
            .into_iter()
            .filter_map(|(id, num, name, type_key)| {
                let kind = CustomKind::from_type_key(&type_key)?;
                Some(CustomField {
                    id,
                    num,
                    name,
                    type_key,
                    kind,
                })
            })
            .collect();
        let mut st = conn.prepare(
            "SELECT id, field_id, name, description, project_ids, issue_type_ids FROM field_contexts ORDER BY id",
        )?;
        m.contexts = st
            .query_map([], |r| {
                Ok(FieldContext {
                    id: r.get(0)?,
                    field_id: r.get(1)?,
                    name: r.get(2)?,
                    description: r.get(3)?,
                    project_ids: json_ids(&r.get::<_, String>(4)?),
                    issue_type_ids: json_ids(&r.get::<_, String>(5)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare(
            "SELECT id, field_id, context_id, value, disabled FROM field_options ORDER BY position, id",
        )?;
        m.options = st
            .query_map([], |r| {
                Ok(FieldOption {
                    id: r.get(0)?,
                    field_id: r.get(1)?,
                    context_id: r.get(2)?,
                    value: r.get(3)?,
                    disabled: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare(
            "SELECT id, key, name, description, lead, type_key, assignee_type, url, browse_groups, workflow FROM projects ORDER BY id",
        )?;
        m.projects = st
            .query_map([], |r| {
                let browse: Option<String> = r.get(8)?;
                Ok(Project {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    name: r.get(2)?,
                    description: r.get(3)?,
                    lead: r.get(4)?,
                    type_key: r.get(5)?,
                    assignee_type: r.get(6)?,
                    url: r.get(7)?,
                    browse_groups: browse.and_then(|b| serde_json::from_str(&b).ok()),
                    workflow: json_ids(&r.get::<_, String>(9)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare(
            "SELECT id, project_id, name, description, lead, assignee_type FROM components ORDER BY name COLLATE NOCASE",
        )?;
        m.components = st
            .query_map([], |r| {
                Ok(Component {
                    id: r.get(0)?,
                    project_id: r.get(1)?,
                    name: r.get(2)?,
                    description: r.get(3)?,
                    lead: r.get(4)?,
                    assignee_type: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare(
            "SELECT id, project_id, name, description, archived, released, start_date, release_date FROM versions ORDER BY id",
        )?;
        m.versions = st
            .query_map([], |r| {
                Ok(Version {
                    id: r.get(0)?,
                    project_id: r.get(1)?,
                    name: r.get(2)?,
                    description: r.get(3)?,
                    archived: r.get(4)?,
                    released: r.get(5)?,
                    start_date: r.get(6)?,
                    release_date: r.get(7)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = conn.prepare(
            "SELECT id, name, state, start_date, end_date, complete_date, created_date, goal, board_id FROM sprints ORDER BY id",
        )?;
        m.sprints = st
            .query_map([], |r| {
                Ok(Sprint {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    state: r.get(2)?,
                    start_date: r.get(3)?,
                    end_date: r.get(4)?,
                    complete_date: r.get(5)?,
                    created_date: r.get(6)?,
                    goal: r.get(7)?,
                    board_id: r.get(8)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(m)
    }

    pub fn sprint(&self, id: i64) -> Option<&Sprint> {
        self.sprints.iter().find(|s| s.id == id)
    }

    pub fn user(&self, account_id: &str) -> Option<&User> {
        self.users.get(account_id)
    }
    pub fn status(&self, id: i64) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }
    pub fn issue_type(&self, id: i64) -> Option<&IssueType> {
        self.issue_types.iter().find(|t| t.id == id)
    }
    pub fn priority(&self, id: i64) -> Option<&Priority> {
        self.priorities.iter().find(|p| p.id == id)
    }
    pub fn default_priority(&self) -> Option<&Priority> {
        self.priorities
            .iter()
            .find(|p| p.is_default)
            .or_else(|| self.priorities.get(self.priorities.len() / 2))
    }
    pub fn resolution(&self, id: i64) -> Option<&Resolution> {
        self.resolutions.iter().find(|r| r.id == id)
    }
    pub fn project(&self, id: i64) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }
    /// A project by key (case-insensitive) or numeric id.
    pub fn project_by_key_or_id(&self, key_or_id: &str) -> Option<&Project> {
        if let Ok(id) = key_or_id.parse::<i64>() {
            if let Some(p) = self.project(id) {
                return Some(p);
            }
        }
        self.projects
            .iter()
            .find(|p| p.key.eq_ignore_ascii_case(key_or_id))
    }
    pub fn custom_field(&self, id: &str) -> Option<&CustomField> {
        self.fields.iter().find(|f| f.id == id)
    }
    pub fn custom_field_by_name(&self, name: &str) -> Option<&CustomField> {
        self.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }
    pub fn option(&self, id: i64) -> Option<&FieldOption> {
        self.options.iter().find(|o| o.id == id)
    }
    pub fn component(&self, id: i64) -> Option<&Component> {
        self.components.iter().find(|c| c.id == id)
    }
    pub fn version(&self, id: i64) -> Option<&Version> {
        self.versions.iter().find(|v| v.id == id)
    }
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(&name.to_lowercase())
    }
    pub fn groups_of(&self, account_id: &str) -> impl Iterator<Item = &Group> {
        let id = account_id.to_string();
        self.groups.values().filter(move |g| g.members.contains(&id))
    }
    /// Whether a user may browse a project (site admins see everything).
    pub fn can_browse(&self, user: &User, project: &Project) -> bool {
        if user.site_admin {
            return true;
        }
        match &project.browse_groups {
            None => true,
            Some(groups) => groups.iter().any(|g| {
                self.group(g)
                    .is_some_and(|g| g.members.contains(&user.account_id))
            }),
        }
    }
    pub fn status_category_of(&self, status_id: i64) -> &str {
        self.status(status_id)
            .map(|s| s.category.as_str())
            .unwrap_or("new")
    }
}
