-- School conditions (办学条件) for balance monitoring (优质均衡): one row per school, school year
-- (by its first calendar year, 2025 = 2025–2026) and stage part (primary / junior; nine- and
-- twelve-year schools have one row per part). Imported from the bureau's sheet, re-import updates.
-- Kept column-for-column in step with migrations/sqlite/0012_conditions.sql.

CREATE TABLE school_conditions (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    year BIGINT NOT NULL,
    stage TEXT NOT NULL,
    enrolment BIGINT NOT NULL,
    degree_teachers BIGINT NOT NULL,
    backbone_teachers BIGINT NOT NULL,
    pe_art_teachers BIGINT NOT NULL,
    teaching_space_m2 DOUBLE PRECISION NOT NULL,
    sports_space_m2 DOUBLE PRECISION NOT NULL,
    equipment_value_yuan DOUBLE PRECISION NOT NULL,
    multimedia_classrooms BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX school_conditions_part ON school_conditions (school_id, year, stage);
CREATE INDEX school_conditions_year ON school_conditions (year);
