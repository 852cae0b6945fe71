-- Exchanges (交流轮岗), their hours ledger and feedback forms, and per-region quota rules.
-- Kept column-for-column in step with migrations/postgres/0002_exchanges.sql.

CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    teacher_id BIGINT NOT NULL REFERENCES teachers(id),
    from_school_id BIGINT NOT NULL REFERENCES schools(id),
    to_school_id BIGINT NOT NULL REFERENCES schools(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    weekly_pattern TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX exchanges_teacher ON exchanges (teacher_id);
CREATE INDEX exchanges_from ON exchanges (from_school_id);
CREATE INDEX exchanges_to ON exchanges (to_school_id);

CREATE TABLE exchange_hours (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exchange_id BIGINT NOT NULL REFERENCES exchanges(id),
    on_date TEXT NOT NULL,
    hours DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    entered_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX exchange_hours_exchange ON exchange_hours (exchange_id);

CREATE TABLE exchange_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exchange_id BIGINT NOT NULL REFERENCES exchanges(id),
    author_role TEXT NOT NULL,
    rating TEXT NOT NULL,
    attendance TEXT NOT NULL DEFAULT '',
    work_summary TEXT NOT NULL DEFAULT '',
    comments TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (exchange_id, author_role)
);

CREATE TABLE quota_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    long_term_per_community BIGINT NOT NULL,
    shadowing_share DOUBLE PRECISION NOT NULL,
    exchanged_share DOUBLE PRECISION NOT NULL,
    eligible_years BIGINT NOT NULL,
    backbone_share DOUBLE PRECISION NOT NULL,
    UNIQUE (region_id)
);
