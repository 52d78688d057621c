-- The store fills passage_fts itself, one statement per saved story (LibraryStore._save_in),
-- instead of this trigger firing once per passage. FTS5 writes its pending terms out at the
-- end of every statement, and a trigger's insert is a statement of its own: per-row
-- segments cost three times the insert. Deletions still go through passages_ad.
DROP TRIGGER IF EXISTS passages_ai;
