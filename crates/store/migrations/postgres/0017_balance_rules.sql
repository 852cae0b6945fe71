-- Balance monitoring rules (优质均衡认定规则) per region, inherited by the regions below it: a school part
-- meets the standard when at least min_met of the seven indicators reach the national threshold and each
-- other one reaches floor_share of it; parts with fewer than min_enrolment students are excluded; the
-- county's enrolment-weighted CV of each indicator must stay within the stage's threshold.
-- A region without a row (and without an ancestor's) uses the national defaults (6, 0.85, 50, 0.50, 0.45).
-- Kept column-for-column in step with migrations/sqlite/0017_balance_rules.sql.

CREATE TABLE balance_rules (
    id BIGSERIAL PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    min_met BIGINT NOT NULL,
    floor_share DOUBLE PRECISION NOT NULL,
    min_enrolment BIGINT NOT NULL,
    cv_threshold_primary DOUBLE PRECISION NOT NULL,
    cv_threshold_junior DOUBLE PRECISION NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (region_id)
);
