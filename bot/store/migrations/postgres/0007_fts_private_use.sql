-- The PostgreSQL twin of sqlite/0007_fts_private_use.sql, kept so both folders stay numbered
-- alike: nothing to change here. search_words (0001) already makes private-use characters
-- (Unicode category Co) spaces, so they never were part of an indexed word.
SELECT 1;
