-- Registry: regions, schools, teachers, communities, accounts and the audit log.
-- Kept column-for-column in step with migrations/sqlite/0001_registry.sql (a test compares them).
-- Portable types only: BIGINT, DOUBLE PRECISION, TEXT (dates as ISO text), 0/1 BIGINT flags.

CREATE TABLE regions (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id BIGINT REFERENCES regions(id),
    path TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX regions_path ON regions (path);
CREATE INDEX regions_parent ON regions (parent_id);

CREATE TABLE schools (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    stage TEXT NOT NULL,
    locality TEXT NOT NULL,
    ownership TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    longitude DOUBLE PRECISION,
    latitude DOUBLE PRECISION,
    primary_enrolment BIGINT NOT NULL DEFAULT 0,
    junior_enrolment BIGINT NOT NULL DEFAULT 0,
    class_count BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX schools_region ON schools (region_id);

CREATE TABLE teachers (
    id BIGSERIAL PRIMARY KEY,
    staff_number TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_year BIGINT,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    subjects TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    backbone_level TEXT NOT NULL,
    years_at_school BIGINT NOT NULL DEFAULT 0,
    phone TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (region_id, staff_number)
);
CREATE INDEX teachers_school ON teachers (school_id);

CREATE TABLE community_kinds (
    id BIGSERIAL PRIMARY KEY,
    region_id BIGINT REFERENCES regions(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE communities (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    kind TEXT NOT NULL,
    core_school_id BIGINT NOT NULL REFERENCES schools(id),
    pilot_level TEXT NOT NULL,
    cross_region BIGINT NOT NULL DEFAULT 0,
    first_responsible TEXT NOT NULL DEFAULT '',
    second_responsible TEXT NOT NULL DEFAULT '',
    bureau_leader TEXT NOT NULL DEFAULT '',
    founded_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (region_id, name)
);

CREATE TABLE memberships (
    id BIGSERIAL PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    role TEXT NOT NULL,
    batch BIGINT NOT NULL DEFAULT 1,
    joined_on TEXT NOT NULL,
    left_on TEXT,
    school_leader TEXT NOT NULL DEFAULT ''
);
-- A school belongs to at most one community at a time; ended memberships stay as history.
CREATE UNIQUE INDEX memberships_current ON memberships (school_id) WHERE left_on IS NULL;
CREATE INDEX memberships_community ON memberships (community_id);

CREATE TABLE council_seats (
    id BIGSERIAL PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    school_id BIGINT REFERENCES schools(id)
);

CREATE TABLE documents (
    id BIGSERIAL PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    kind TEXT NOT NULL,
    original_name TEXT NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_by BIGINT,
    uploaded_at TEXT NOT NULL
);

CREATE TABLE coverage_targets (
    id BIGSERIAL PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    due_on TEXT NOT NULL,
    share DOUBLE PRECISION NOT NULL,
    UNIQUE (region_id, due_on)
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_id BIGINT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    region_path TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_region ON audit_log (region_path);

INSERT INTO community_kinds (region_id, key, name) VALUES
    (NULL, 'merged', '融合型'),
    (NULL, 'co_built', '共建型'),
    (NULL, 'collaborative', '协作型'),
    (NULL, 'tight', '紧密型'),
    (NULL, 'assisted', '帮扶型');
