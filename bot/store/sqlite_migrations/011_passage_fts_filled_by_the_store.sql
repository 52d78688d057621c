-- The store fills passage_fts itself, one statement per saved batch of stories
-- (LibraryStore.save_many), instead of this trigger firing once per passage. Fed a passage
-- at a time through the trigger, FTS5 wrote its pending terms out far more often: the
-- insert cost three times as much (bench/index.py). Deletions still go through passages_ad.
DROP TRIGGER IF EXISTS passages_ai;
