-- Synchronous lessons (同步课堂/专递课堂): host teacher and class, receiving schools and classes,
-- the lesson design form and the before / during / after record; the yearly target per region.
-- Kept column-for-column in step with migrations/sqlite/0006_sync_lessons.sql.

CREATE TABLE sync_lessons (
    id BIGSERIAL PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    host_teacher_id BIGINT NOT NULL REFERENCES teachers(id),
    host_school_id BIGINT NOT NULL REFERENCES schools(id),
    host_class TEXT NOT NULL,
    subject TEXT NOT NULL,
    held_on TEXT NOT NULL,
    period BIGINT NOT NULL,
    live_url TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL,
    goals TEXT NOT NULL DEFAULT '',
    key_points TEXT NOT NULL DEFAULT '',
    process TEXT NOT NULL DEFAULT '',
    division TEXT NOT NULL DEFAULT '',
    before_notes TEXT NOT NULL DEFAULT '',
    during_notes TEXT NOT NULL DEFAULT '',
    after_notes TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sync_lessons_community ON sync_lessons (community_id, held_on);

CREATE TABLE sync_lesson_receivers (
    id BIGSERIAL PRIMARY KEY,
    sync_lesson_id BIGINT NOT NULL REFERENCES sync_lessons(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    class_label TEXT NOT NULL
);
CREATE INDEX sync_lesson_receivers_lesson ON sync_lesson_receivers (sync_lesson_id);
CREATE INDEX sync_lesson_receivers_school ON sync_lesson_receivers (school_id);

ALTER TABLE quota_rules ADD COLUMN sync_lessons_per_year BIGINT NOT NULL DEFAULT 20;
ALTER TABLE quota_rules ADD COLUMN sync_subjects_per_year BIGINT NOT NULL DEFAULT 2;
