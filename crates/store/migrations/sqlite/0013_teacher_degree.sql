-- 高于规定学历: the teacher holds a degree above the standard for the stage (1 yes, 0 no).
-- Kept column-for-column in step with the other backend's 0013_teacher_degree.sql.
ALTER TABLE teachers ADD COLUMN degree_above_standard BIGINT NOT NULL DEFAULT 0;
