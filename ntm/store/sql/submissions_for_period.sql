-- The current version of every unit's submission for a period, with when its first accepted
-- version arrived (timeliness is judged on that, not on later corrections).
SELECT c.unit_code, c.version, c.status, c.received_at, c.rows_accepted, c.rows_quarantined,
       c.submission_id, c.content_sha256, c.file_name,
       (SELECT min(s.received_at) FROM submissions AS s
        WHERE s.unit_code = c.unit_code AND s.period = c.period AND s.status <> 'rejected')
           AS first_received_at
FROM current_submissions AS c
WHERE c.period = $period
ORDER BY c.unit_code
