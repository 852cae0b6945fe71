-- Assessment (考核评价): a region's versioned standard per school year (stored as the engine's
-- JSON), and reviewers' manual scores per community, year and indicator.
-- Kept column-for-column in step with migrations/sqlite/0014_assessment.sql.

CREATE TABLE standards (
    id BIGSERIAL PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    year BIGINT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (region_id, year, version)
);

CREATE TABLE manual_scores (
    id BIGSERIAL PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    year BIGINT NOT NULL,
    indicator TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (community_id, year, indicator)
);
