-- Word search for JQL's `~` (see fts.rs). The index holds no text of its own (content = ''):
-- each issue's words are computed by `jk_words`, a function the writer's connection registers,
-- through the view below, which is the one definition of "the text of an issue".
CREATE VIRTUAL TABLE issue_text USING fts5(
  summary, description, environment, comment, other,
  content = '', contentless_delete = 1,
  tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);

-- Comments and text custom fields are separated by a lone `_`, a token no query word encodes to,
-- so that a phrase never spans two of them.
CREATE VIEW issue_text_source AS
SELECT
  i.id AS id,
  jk_words(i.fields -> '$.summary', 1) AS summary,
  jk_words(i.fields -> '$.description', 0) AS description,
  jk_words(i.fields -> '$.environment', 0) AS environment,
  coalesce(
    (SELECT group_concat(jk_words(c.body, 0), ' _ ') FROM comments c WHERE c.issue_id = i.id),
    ''
  ) AS comment,
  coalesce(
    (SELECT group_concat(jk_words(i.fields -> ('$.' || f.id), 0), ' _ ')
     FROM fields f
     WHERE f.type_key IN ('com.atlassian.jira.plugin.system.customfieldtypes:textfield',
                          'com.atlassian.jira.plugin.system.customfieldtypes:textarea')),
    ''
  ) AS other
FROM issues i;

-- A bulk writer (the scale seed, reset) sets kv 'fts_paused' and rebuilds the index at the end.
CREATE TRIGGER issue_text_issue_insert AFTER INSERT ON issues
WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'fts_paused')
BEGIN
  INSERT INTO issue_text (rowid, summary, description, environment, comment, other)
  SELECT id, summary, description, environment, comment, other FROM issue_text_source WHERE id = new.id;
END;

CREATE TRIGGER issue_text_issue_update AFTER UPDATE OF fields ON issues
WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'fts_paused')
BEGIN
  DELETE FROM issue_text WHERE rowid = old.id;
  INSERT INTO issue_text (rowid, summary, description, environment, comment, other)
  SELECT id, summary, description, environment, comment, other FROM issue_text_source WHERE id = new.id;
END;

CREATE TRIGGER issue_text_issue_delete AFTER DELETE ON issues
WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'fts_paused')
BEGIN
  DELETE FROM issue_text WHERE rowid = old.id;
END;

CREATE TRIGGER issue_text_comment_insert AFTER INSERT ON comments
WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'fts_paused')
BEGIN
  DELETE FROM issue_text WHERE rowid = new.issue_id;
  INSERT INTO issue_text (rowid, summary, description, environment, comment, other)
  SELECT id, summary, description, environment, comment, other FROM issue_text_source WHERE id = new.issue_id;
END;

CREATE TRIGGER issue_text_comment_update AFTER UPDATE OF body ON comments
WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'fts_paused')
BEGIN
  DELETE FROM issue_text WHERE rowid = new.issue_id;
  INSERT INTO issue_text (rowid, summary, description, environment, comment, other)
  SELECT id, summary, description, environment, comment, other FROM issue_text_source WHERE id = new.issue_id;
END;

CREATE TRIGGER issue_text_comment_delete AFTER DELETE ON comments
WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'fts_paused')
BEGIN
  DELETE FROM issue_text WHERE rowid = old.issue_id;
  INSERT INTO issue_text (rowid, summary, description, environment, comment, other)
  SELECT id, summary, description, environment, comment, other FROM issue_text_source WHERE id = old.issue_id;
END;

INSERT INTO issue_text (rowid, summary, description, environment, comment, other)
SELECT id, summary, description, environment, comment, other FROM issue_text_source;
