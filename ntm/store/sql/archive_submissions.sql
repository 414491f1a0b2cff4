-- The submissions a report version read (by unit and version within the period), for its archive.
SELECT s.*
FROM submissions AS s
JOIN (SELECT UNNEST($units::VARCHAR[]) AS unit_code, UNNEST($versions::INTEGER[]) AS version)
    AS w USING (unit_code, version)
WHERE s.period = $period AND s.status <> 'rejected'
ORDER BY s.unit_code
