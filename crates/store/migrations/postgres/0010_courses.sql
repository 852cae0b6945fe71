-- Shared courses (校本特色课程共享) with their deliveries to other schools, and the teaching
-- resource library (导学单, 教学设计, 课件, 练习, 试卷) with download counts.
-- Kept column-for-column in step with migrations/sqlite/0010_courses.sql.

CREATE TABLE courses (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    community_id BIGINT REFERENCES communities(id),
    title TEXT NOT NULL,
    subject TEXT NOT NULL,
    grades TEXT NOT NULL DEFAULT '',
    class_hours BIGINT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX courses_school ON courses (school_id);
CREATE INDEX courses_community ON courses (community_id);

CREATE TABLE course_deliveries (
    id BIGSERIAL PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES courses(id),
    delivered_on TEXT NOT NULL,
    to_school_id BIGINT NOT NULL REFERENCES schools(id),
    hours BIGINT NOT NULL,
    students BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX course_deliveries_course ON course_deliveries (course_id);

CREATE TABLE resources (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    community_id BIGINT REFERENCES communities(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    grades TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    original_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    downloads BIGINT NOT NULL DEFAULT 0,
    uploaded_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX resources_school ON resources (school_id);
