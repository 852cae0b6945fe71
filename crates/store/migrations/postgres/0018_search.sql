-- Search by name, code or staff number from an index (teachers and schools); see
-- migrations/sqlite/0018_search.sql for search_text. Here a GIN index over the single-character
-- words of search_text: a query is the phrase of its characters (phraseto_tsquery), so substrings
-- of any length are found from the index. Kept column-for-column in step with the SQLite migration.

ALTER TABLE teachers ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE schools ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE INDEX teachers_search ON teachers USING gin (to_tsvector('simple', search_text));
CREATE INDEX schools_search ON schools USING gin (to_tsvector('simple', search_text));
