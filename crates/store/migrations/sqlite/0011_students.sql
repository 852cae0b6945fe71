-- Students (学生共育): pairings across a community's schools (手拉手), joint student events, the
-- hardship fund (帮困基金: one balance row per community, movements never edited or deleted, a
-- reversal is a counter-entry referencing the original, at most once), and "两帮一" groups with
-- dated progress notes.
-- Kept column-for-column in step with migrations/postgres/0011_students.sql.

CREATE TABLE student_pairings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    kind TEXT NOT NULL,
    school_a_id BIGINT NOT NULL REFERENCES schools(id),
    party_a TEXT NOT NULL,
    school_b_id BIGINT NOT NULL REFERENCES schools(id),
    party_b TEXT NOT NULL,
    paired_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX student_pairings_community ON student_pairings (community_id);

CREATE TABLE student_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    host_school_id BIGINT NOT NULL REFERENCES schools(id),
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    students BIGINT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX student_events_community ON student_events (community_id);

CREATE TABLE student_event_schools (
    event_id BIGINT NOT NULL REFERENCES student_events(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    PRIMARY KEY (event_id, school_id)
);

CREATE TABLE hardship_funds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL UNIQUE REFERENCES communities(id),
    balance_fen BIGINT NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
    updated_at TEXT NOT NULL
);

CREATE TABLE fund_movements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fund_id BIGINT NOT NULL REFERENCES hardship_funds(id),
    kind TEXT NOT NULL,
    delta_fen BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    donor TEXT NOT NULL DEFAULT '',
    student_name TEXT NOT NULL DEFAULT '',
    school_id BIGINT REFERENCES schools(id),
    note TEXT NOT NULL DEFAULT '',
    reverses_id BIGINT REFERENCES fund_movements(id),
    balance_after_fen BIGINT NOT NULL,
    entered_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX fund_movements_fund ON fund_movements (fund_id);
CREATE UNIQUE INDEX fund_movements_reversed_once ON fund_movements (reverses_id) WHERE reverses_id IS NOT NULL;

CREATE TABLE help_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    student_name TEXT NOT NULL,
    teacher_id BIGINT NOT NULL REFERENCES teachers(id),
    helper_student TEXT NOT NULL,
    grade TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    started_on TEXT NOT NULL,
    goals TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX help_groups_community ON help_groups (community_id);

CREATE TABLE help_group_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES help_groups(id),
    noted_on TEXT NOT NULL,
    note TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX help_group_notes_group ON help_group_notes (group_id);
