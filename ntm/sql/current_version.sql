-- The version of a unit-period that queries read now, and the next version number.
SELECT
    max(submission_id) FILTER (WHERE is_current) AS current_id,
    coalesce(max(version), 0) + 1 AS next_version
FROM (
    SELECT submission_id, version,
           version = max(version) OVER () AS is_current
    FROM submissions
    WHERE unit_code = $unit_code AND period = $period AND status <> 'rejected'
)
