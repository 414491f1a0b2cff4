-- The submissions a close signed, by their unit and version within the period.
INSERT INTO closed_submissions
SELECT $closure_id, s.unit_code, s.submission_id
FROM submissions AS s
JOIN (SELECT UNNEST($units::VARCHAR[]) AS unit_code, UNNEST($versions::INTEGER[]) AS version)
    AS w USING (unit_code, version)
WHERE s.period = $period AND s.status <> 'rejected'
RETURNING submission_id
