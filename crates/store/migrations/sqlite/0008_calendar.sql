-- Calendar feeds (iCal, a revocable token in the URL) and the periods each teacher teaches
-- (for finding common free time).
-- Kept column-for-column in step with migrations/postgres/0008_calendar.sql.

CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    -- community, school or teacher
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token_hash);

CREATE TABLE teacher_periods (
    teacher_id BIGINT NOT NULL REFERENCES teachers(id),
    weekday BIGINT NOT NULL,
    period BIGINT NOT NULL,
    PRIMARY KEY (teacher_id, weekday, period)
);
