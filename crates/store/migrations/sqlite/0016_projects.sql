-- Project review (项目评估): a core school's project with its goal, period, member schools,
-- evidence and claimed improvement, moving draft → submitted → under_review → returned | approved,
-- and every review step with its comment.
-- Kept column-for-column in step with migrations/postgres/0016_projects.sql.

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    title TEXT NOT NULL,
    goal TEXT NOT NULL DEFAULT '',
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    member_schools TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    claimed_improvement TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    score DOUBLE PRECISION,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX projects_community ON projects (community_id);

CREATE TABLE project_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    action TEXT NOT NULL,
    score DOUBLE PRECISION,
    comment TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX project_reviews_project ON project_reviews (project_id);
