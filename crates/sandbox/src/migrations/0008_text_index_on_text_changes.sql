-- Migration 0007 rebuilt an issue's word index row (every comment's words included) on every
-- change to its `fields`, even when only a status, an assignee or the `updated` stamp changed.
-- The row only needs rebuilding when a field the row is made of changed: the summary, the
-- description, the environment or a text custom field (the same list as `issue_text_source`).
-- Comments have triggers of their own.
DROP TRIGGER issue_text_issue_update;

CREATE TRIGGER issue_text_issue_update AFTER UPDATE OF fields ON issues
WHEN NOT EXISTS (SELECT 1 FROM kv WHERE key = 'fts_paused')
  AND (old.fields -> '$.summary' IS NOT new.fields -> '$.summary'
    OR old.fields -> '$.description' IS NOT new.fields -> '$.description'
    OR old.fields -> '$.environment' IS NOT new.fields -> '$.environment'
    OR EXISTS (
      SELECT 1 FROM fields f
      WHERE f.type_key IN ('com.atlassian.jira.plugin.system.customfieldtypes:textfield',
                           'com.atlassian.jira.plugin.system.customfieldtypes:textarea')
        AND old.fields -> ('$.' || f.id) IS NOT new.fields -> ('$.' || f.id)))
BEGIN
  DELETE FROM issue_text WHERE rowid = old.id;
  INSERT INTO issue_text (rowid, summary, description, environment, comment, other)
  SELECT id, summary, description, environment, comment, other FROM issue_text_source WHERE id = new.id;
END;
