-- Scene-aware eligibility: a story's detected subjects (warnings detected across much of
-- its text, or the centre of a one-shot) are kept out of channels that block them, as if
-- declared. Passages already carry them in warn_mask; this mask says why (for no-match
-- answers and /warnings story). Stories stored before this are re-analysed when their
-- index version changes (bundled) or keep 0 (uploads stored before scene rules existed).
ALTER TABLE stories ADD COLUMN subject_mask INTEGER NOT NULL DEFAULT 0;
