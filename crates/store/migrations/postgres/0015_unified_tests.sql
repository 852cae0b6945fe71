-- Unified tests (统一检测) of a community and the students' scores.
-- Kept column-for-column in step with migrations/sqlite/0015_unified_tests.sql.

CREATE TABLE unified_tests (
    id BIGSERIAL PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    title TEXT NOT NULL,
    subject TEXT NOT NULL,
    grade TEXT NOT NULL,
    held_on TEXT NOT NULL,
    full_marks DOUBLE PRECISION NOT NULL,
    pass_line DOUBLE PRECISION NOT NULL,
    excellent_line DOUBLE PRECISION NOT NULL,
    low_line DOUBLE PRECISION,
    created_at TEXT NOT NULL
);
CREATE INDEX unified_tests_community ON unified_tests (community_id);

CREATE TABLE test_scores (
    id BIGSERIAL PRIMARY KEY,
    test_id BIGINT NOT NULL REFERENCES unified_tests(id),
    student_number TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    school_id BIGINT NOT NULL REFERENCES schools(id),
    class_label TEXT NOT NULL DEFAULT '',
    score DOUBLE PRECISION,
    UNIQUE (test_id, student_number)
);
