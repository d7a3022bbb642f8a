-- Issue links, remote links, watchers, votes, attachments and worklogs.

CREATE TABLE link_types (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  inward TEXT NOT NULL,
  outward TEXT NOT NULL
);

-- `source` is the issue a POST names as `inwardIssue`: it shows the outward text ("blocks").
CREATE TABLE issue_links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type_id INTEGER NOT NULL REFERENCES link_types(id) ON DELETE CASCADE,
  source_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  dest_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  UNIQUE (type_id, source_id, dest_id)
);
CREATE INDEX issue_links_source ON issue_links(source_id);
CREATE INDEX issue_links_dest ON issue_links(dest_id);

CREATE TABLE remote_links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  global_id TEXT,
  body TEXT NOT NULL
);
CREATE INDEX remote_links_issue ON remote_links(issue_id, global_id);

CREATE TABLE watchers (
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  PRIMARY KEY (issue_id, account_id)
);
CREATE TABLE votes (
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  PRIMARY KEY (issue_id, account_id)
);

-- Bytes live in files named by id beside the database.
CREATE TABLE attachments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  filename TEXT NOT NULL,
  author TEXT NOT NULL,
  created INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mime_type TEXT NOT NULL
);
CREATE INDEX attachments_issue ON attachments(issue_id, id);

CREATE TABLE worklogs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  author TEXT NOT NULL,
  update_author TEXT NOT NULL,
  comment TEXT,
  started INTEGER NOT NULL,
  seconds INTEGER NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  visibility TEXT
);
CREATE INDEX worklogs_issue ON worklogs(issue_id, id);
CREATE INDEX worklogs_updated ON worklogs(updated);
CREATE TABLE worklog_deletions (
  worklog_id INTEGER PRIMARY KEY,
  deleted INTEGER NOT NULL
);
CREATE INDEX worklog_deletions_deleted ON worklog_deletions(deleted);

INSERT INTO sqlite_sequence (name, seq) VALUES
  ('link_types', 9999), ('issue_links', 9999), ('remote_links', 9999),
  ('attachments', 9999), ('worklogs', 9999);

INSERT INTO link_types (name, inward, outward) VALUES
  ('Blocks', 'is blocked by', 'blocks'),
  ('Cloners', 'is cloned by', 'clones'),
  ('Duplicate', 'is duplicated by', 'duplicates'),
  ('Relates', 'relates to', 'relates to');
