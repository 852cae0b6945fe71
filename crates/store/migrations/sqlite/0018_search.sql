-- Search by name, code or staff number from an index (teachers and schools).
-- search_text is the record's name and code (school) or staff number (teacher), lower-cased, with
-- every character separated by a space (`gongjin_store::search::spaced`), so that a full-text index
-- of single characters answers a substring query of any length — two-character Chinese names
-- included, which trigram indexes cannot — as a phrase query. The application writes search_text
-- with the record (and fills rows older than this migration on start). Here an FTS5 index kept by
-- triggers; on PostgreSQL a GIN index over to_tsvector('simple', search_text).
-- The columns are kept in step with migrations/postgres/0018_search.sql; the FTS5 tables are
-- SQLite's own.

ALTER TABLE teachers ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE schools ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE VIRTUAL TABLE teacher_search USING fts5(search_text, content='teachers', content_rowid='id', tokenize='unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE school_search USING fts5(search_text, content='schools', content_rowid='id', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER teachers_search_ai AFTER INSERT ON teachers BEGIN
  INSERT INTO teacher_search(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER teachers_search_ad AFTER DELETE ON teachers BEGIN
  INSERT INTO teacher_search(teacher_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER teachers_search_au AFTER UPDATE OF search_text ON teachers BEGIN
  INSERT INTO teacher_search(teacher_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO teacher_search(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER schools_search_ai AFTER INSERT ON schools BEGIN
  INSERT INTO school_search(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER schools_search_ad AFTER DELETE ON schools BEGIN
  INSERT INTO school_search(school_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER schools_search_au AFTER UPDATE OF search_text ON schools BEGIN
  INSERT INTO school_search(school_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO school_search(rowid, search_text) VALUES (new.id, new.search_text);
END;
