-- Household submission ids follow arrival order, like the quarterly ones (read inside the
-- wave's transaction; one process writes the warehouse at a time).
SELECT CAST(coalesce(max(submission_id), 0) AS BIGINT) FROM household_submissions
