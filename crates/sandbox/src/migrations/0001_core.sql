CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE users (
  account_id TEXT PRIMARY KEY,
  email TEXT UNIQUE COLLATE NOCASE,
  name TEXT UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  time_zone TEXT NOT NULL DEFAULT 'UTC',
  password TEXT,
  api_token TEXT,
  pat TEXT,
  site_admin INTEGER NOT NULL DEFAULT 0,
  account_type TEXT NOT NULL DEFAULT 'atlassian'
);

CREATE TABLE groups (name TEXT PRIMARY KEY COLLATE NOCASE, group_id TEXT NOT NULL UNIQUE);
CREATE TABLE group_members (
  group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES users(account_id) ON DELETE CASCADE,
  PRIMARY KEY (group_name, account_id)
);

CREATE TABLE statuses (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL CHECK (category IN ('new', 'indeterminate', 'done'))
);
CREATE TABLE issue_types (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  subtask INTEGER NOT NULL DEFAULT 0,
  hierarchy_level INTEGER NOT NULL DEFAULT 0,
  avatar_id INTEGER NOT NULL DEFAULT 10318
);
CREATE TABLE priorities (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  color TEXT NOT NULL DEFAULT '#000000',
  sequence INTEGER NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE resolutions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE fields (
  id TEXT PRIMARY KEY,
  num INTEGER NOT NULL UNIQUE,
  name TEXT NOT NULL,
  type_key TEXT NOT NULL,
  searcher_key TEXT,
  description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE field_contexts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  field_id TEXT NOT NULL REFERENCES fields(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  project_ids TEXT NOT NULL DEFAULT '[]',
  issue_type_ids TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE field_options (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  field_id TEXT NOT NULL REFERENCES fields(id) ON DELETE CASCADE,
  context_id INTEGER NOT NULL REFERENCES field_contexts(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  lead TEXT REFERENCES users(account_id),
  type_key TEXT NOT NULL,
  template_key TEXT,
  assignee_type TEXT NOT NULL DEFAULT 'UNASSIGNED',
  url TEXT,
  next_num INTEGER NOT NULL DEFAULT 1,
  browse_groups TEXT,
  workflow TEXT NOT NULL
);
CREATE TABLE components (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  lead TEXT,
  assignee_type TEXT NOT NULL DEFAULT 'PROJECT_DEFAULT',
  UNIQUE (project_id, name)
);
CREATE TABLE versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  archived INTEGER NOT NULL DEFAULT 0,
  released INTEGER NOT NULL DEFAULT 0,
  start_date TEXT,
  release_date TEXT,
  UNIQUE (project_id, name)
);

CREATE TABLE issues (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  num INTEGER NOT NULL,
  key TEXT NOT NULL UNIQUE COLLATE NOCASE,
  issue_type_id INTEGER NOT NULL,
  status_id INTEGER NOT NULL,
  parent_id INTEGER REFERENCES issues(id),
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  fields TEXT NOT NULL,
  UNIQUE (project_id, num)
);
CREATE INDEX issues_parent ON issues(parent_id);
CREATE INDEX issues_project_status ON issues(project_id, status_id);
CREATE INDEX issues_updated ON issues(updated);

CREATE TABLE comments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  author TEXT NOT NULL,
  update_author TEXT NOT NULL,
  body TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  visibility TEXT
);
CREATE INDEX comments_issue ON comments(issue_id, id);

CREATE TABLE issue_properties (
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (issue_id, key)
);

CREATE TABLE histories (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  author TEXT,
  created INTEGER NOT NULL
);
CREATE INDEX histories_issue ON histories(issue_id, id);
CREATE TABLE changelog_items (
  history_id INTEGER NOT NULL REFERENCES histories(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  field TEXT NOT NULL,
  fieldtype TEXT NOT NULL,
  field_id TEXT,
  from_value TEXT,
  from_string TEXT,
  to_value TEXT,
  to_string TEXT,
  PRIMARY KEY (history_id, seq)
);
CREATE INDEX changelog_items_field ON changelog_items(field_id);

-- Jira's ids start at 10000.
INSERT INTO sqlite_sequence (name, seq) VALUES
  ('projects', 9999), ('components', 9999), ('versions', 9999), ('issues', 9999),
  ('comments', 9999), ('histories', 9999), ('field_contexts', 9999), ('field_options', 9999);
