-- Mentoring (师徒结对): pairs, tasks with due dates and completion, staged evaluations.
-- Kept column-for-column in step with migrations/postgres/0004_mentorships.sql.

CREATE TABLE mentorships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mentor_id BIGINT NOT NULL REFERENCES teachers(id),
    apprentice_id BIGINT NOT NULL REFERENCES teachers(id),
    signed_on TEXT NOT NULL,
    goals TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX mentorships_mentor ON mentorships (mentor_id);
CREATE INDEX mentorships_apprentice ON mentorships (apprentice_id);

CREATE TABLE mentorship_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mentorship_id BIGINT NOT NULL REFERENCES mentorships(id),
    title TEXT NOT NULL,
    due_on TEXT,
    done_on TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mentorship_tasks_mentorship ON mentorship_tasks (mentorship_id);

CREATE TABLE mentorship_evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mentorship_id BIGINT NOT NULL REFERENCES mentorships(id),
    stage TEXT NOT NULL,
    evaluator_role TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    evaluated_on TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mentorship_evaluations_mentorship ON mentorship_evaluations (mentorship_id);
