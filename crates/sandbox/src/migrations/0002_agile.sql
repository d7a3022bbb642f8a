CREATE TABLE filters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  jql TEXT NOT NULL DEFAULT '',
  owner TEXT NOT NULL,
  favourite INTEGER NOT NULL DEFAULT 0,
  UNIQUE (owner, name)
);
CREATE TABLE boards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('scrum', 'kanban', 'simple')),
  filter_id INTEGER NOT NULL REFERENCES filters(id),
  project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE
);
CREATE TABLE sprints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('future', 'active', 'closed')),
  start_date INTEGER,
  end_date INTEGER,
  complete_date INTEGER,
  created_date INTEGER NOT NULL,
  goal TEXT NOT NULL DEFAULT '',
  board_id INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE
);
INSERT INTO sqlite_sequence (name, seq) VALUES ('filters', 9999), ('boards', 0), ('sprints', 0);
