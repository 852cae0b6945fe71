-- Joint teaching research and activities (教研活动), recurring series ("周周有约"), participating
-- schools, invited and present teachers, uploaded materials and photos, participants' reflections,
-- and the configurable list of activity kinds.
-- Kept column-for-column in step with migrations/postgres/0005_activities.sql.

CREATE TABLE activity_kinds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL: a preset shared by every region; else the region that added it (and its subregions).
    region_id BIGINT REFERENCES regions(id),
    key TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    sort BIGINT NOT NULL DEFAULT 100
);
CREATE UNIQUE INDEX activity_kinds_key ON activity_kinds (key);

CREATE TABLE activity_series (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    weekday BIGINT NOT NULL,
    start_time TEXT,
    first_date TEXT NOT NULL,
    last_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    series_id BIGINT REFERENCES activity_series(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    organiser_school_id BIGINT NOT NULL REFERENCES schools(id),
    organiser_studio TEXT NOT NULL DEFAULT '',
    host_school_id BIGINT NOT NULL REFERENCES schools(id),
    held_on TEXT NOT NULL,
    start_time TEXT,
    duration_minutes BIGINT NOT NULL,
    mode TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    student_count BIGINT NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '',
    stage_before TEXT NOT NULL DEFAULT '',
    stage_during TEXT NOT NULL DEFAULT '',
    stage_after TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX activities_community ON activities (community_id, held_on);
CREATE INDEX activities_host ON activities (host_school_id);
CREATE INDEX activities_series ON activities (series_id);

CREATE TABLE activity_schools (
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    PRIMARY KEY (activity_id, school_id)
);
CREATE INDEX activity_schools_school ON activity_schools (school_id);

CREATE TABLE activity_participants (
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    teacher_id BIGINT NOT NULL REFERENCES teachers(id),
    present BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (activity_id, teacher_id)
);
CREATE INDEX activity_participants_teacher ON activity_participants (teacher_id);

CREATE TABLE activity_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    original_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    is_photo BIGINT NOT NULL DEFAULT 0,
    uploaded_by TEXT NOT NULL DEFAULT '',
    uploaded_at TEXT NOT NULL
);
CREATE INDEX activity_files_activity ON activity_files (activity_id);

CREATE TABLE activity_reflections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    teacher_id BIGINT NOT NULL REFERENCES teachers(id),
    body TEXT NOT NULL,
    written_at TEXT NOT NULL,
    UNIQUE (activity_id, teacher_id)
);

INSERT INTO activity_kinds (region_id, key, name_zh, name_en, active, sort) VALUES
    (NULL, 'lesson_prep', '集体备课', 'Collective lesson preparation', 1, 10),
    (NULL, 'same_topic', '同课异构', 'Same topic, different designs', 1, 20),
    (NULL, 'same_design', '同课同构', 'Same topic, same design', 1, 30),
    (NULL, 'observation', '听课评课', 'Lesson observation and critique', 1, 40),
    (NULL, 'open_class', '公开课/示范课', 'Open or demonstration class', 1, 50),
    (NULL, 'lecture', '专题讲座', 'Lecture', 1, 60),
    (NULL, 'lesson_explaining', '说课', 'Lesson explaining', 1, 70),
    (NULL, 'test_item', '试题研制', 'Test-item development', 1, 80),
    (NULL, 'competition', '教学竞赛', 'Teaching competition', 1, 90),
    (NULL, 'studio', '名师工作室活动', 'Famous-teacher studio activity', 1, 100),
    (NULL, 'touring_lecture', '名师巡讲', 'Touring lecture', 1, 110),
    (NULL, 'online_research', '网络教研', 'Online research', 1, 120),
    (NULL, 'student_activity', '学生活动', 'Student activity', 1, 130),
    (NULL, 'culture', '文化/党建活动', 'Culture or party-building activity', 1, 140),
    (NULL, 'visit', '校际走访', 'Visit', 1, 150);
