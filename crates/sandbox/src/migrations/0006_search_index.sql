-- Search by index (issue 4). The fields JQL filters and sorts on most, read out of the JSON
-- `fields` column as virtual columns: computed from the row, so every write path keeps them
-- right without knowing they exist. Each is NULL unless the JSON holds the type the in-memory
-- evaluator reads (a number for ids and instants, a string for users and dates), so SQL and the
-- evaluator see the same values.
ALTER TABLE issues ADD COLUMN s_priority INTEGER GENERATED ALWAYS AS
  (CASE json_type(fields, '$.priority') WHEN 'integer' THEN json_extract(fields, '$.priority') END) VIRTUAL;
ALTER TABLE issues ADD COLUMN s_resolution INTEGER GENERATED ALWAYS AS
  (CASE json_type(fields, '$.resolution') WHEN 'integer' THEN json_extract(fields, '$.resolution') END) VIRTUAL;
ALTER TABLE issues ADD COLUMN s_resolved INTEGER GENERATED ALWAYS AS
  (CASE json_type(fields, '$.resolutiondate') WHEN 'integer' THEN json_extract(fields, '$.resolutiondate') END) VIRTUAL;
ALTER TABLE issues ADD COLUMN s_due TEXT GENERATED ALWAYS AS
  (CASE json_type(fields, '$.duedate') WHEN 'text' THEN json_extract(fields, '$.duedate') END) VIRTUAL;
ALTER TABLE issues ADD COLUMN s_assignee TEXT COLLATE NOCASE GENERATED ALWAYS AS
  (CASE json_type(fields, '$.assignee') WHEN 'text' THEN json_extract(fields, '$.assignee') END) VIRTUAL;
ALTER TABLE issues ADD COLUMN s_reporter TEXT COLLATE NOCASE GENERATED ALWAYS AS
  (CASE json_type(fields, '$.reporter') WHEN 'text' THEN json_extract(fields, '$.reporter') END) VIRTUAL;

-- Default order (created DESC, id DESC) within a project, a project and status, or everything
-- browsable; the rowid closes every index, so the id tie break needs no sort either.
DROP INDEX issues_project_status;
CREATE INDEX issues_project_status_created ON issues(project_id, status_id, created);
CREATE INDEX issues_project_created ON issues(project_id, created);
CREATE INDEX issues_project_updated ON issues(project_id, updated);
CREATE INDEX issues_created ON issues(created);
-- An assignee's issues by updated range, and newest first; the other columns ride along
-- so that ordering and the browse filter need not read the row.
CREATE INDEX issues_assignee_updated ON issues(s_assignee, updated, created, project_id);
CREATE INDEX issues_assignee_created ON issues(s_assignee, created, updated, project_id);
CREATE INDEX issues_reporter ON issues(s_reporter);
CREATE INDEX issues_priority ON issues(s_priority);
CREATE INDEX issues_resolution ON issues(s_resolution);
CREATE INDEX issues_resolved ON issues(s_resolved);
CREATE INDEX issues_due ON issues(s_due);

-- Labels are many per issue: one row each, kept by triggers on every insert, change of `fields`
-- and delete, whichever path writes. NOCASE as JQL compares labels.
CREATE TABLE issue_labels (
  issue_id INTEGER NOT NULL,
  label TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (issue_id, label)
) WITHOUT ROWID;
CREATE INDEX issue_labels_label ON issue_labels(label, issue_id);

CREATE TRIGGER issue_labels_insert AFTER INSERT ON issues BEGIN
  INSERT OR IGNORE INTO issue_labels (issue_id, label)
  SELECT NEW.id, value FROM json_each(NEW.fields, '$.labels')
  WHERE json_type(NEW.fields, '$.labels') = 'array' AND type = 'text';
END;

CREATE TRIGGER issue_labels_update AFTER UPDATE OF fields ON issues
WHEN json_extract(OLD.fields, '$.labels') IS NOT json_extract(NEW.fields, '$.labels')
  OR json_type(OLD.fields, '$.labels') IS NOT json_type(NEW.fields, '$.labels') BEGIN
  DELETE FROM issue_labels WHERE issue_id = OLD.id;
  INSERT OR IGNORE INTO issue_labels (issue_id, label)
  SELECT NEW.id, value FROM json_each(NEW.fields, '$.labels')
  WHERE json_type(NEW.fields, '$.labels') = 'array' AND type = 'text';
END;

CREATE TRIGGER issue_labels_delete AFTER DELETE ON issues BEGIN
  DELETE FROM issue_labels WHERE issue_id = OLD.id;
END;

INSERT OR IGNORE INTO issue_labels (issue_id, label)
SELECT issues.id, j.value FROM issues, json_each(issues.fields, '$.labels') AS j
WHERE json_type(issues.fields, '$.labels') = 'array' AND j.type = 'text';
