-- The store fills passage_fts itself, one statement per saved batch of stories
-- (LibraryStore.save_many), instead of this trigger firing once per passage: through the
-- trigger the passages insert cost three to four times what the same rows cost when
-- passage_fts is filled in one statement (bench/index.py). Deletions still go through
-- passages_ad.
DROP TRIGGER IF EXISTS passages_ai;
