-- Reserved: another branch adds the real migration 007. This placeholder keeps the
-- numbering contiguous until it lands (replace this file with theirs when merging).
SELECT 1;
