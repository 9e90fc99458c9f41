-- PostgreSQL has kept document_link_counts since 0001; this number keeps both dialects'
-- schema versions in step with SQLite's 0004, which adds them there.
SELECT 1;
