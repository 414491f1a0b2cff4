-- For every period from $first to $last: the current version of each unit-period, and when its
-- first accepted version arrived (timeliness is judged on that, not on later corrections).
-- One query for a period, a programme's quarters or a follow-up list's look-back alike.
WITH first_accepted AS (
    SELECT unit_code, period, min(received_at) AS first_received_at
    FROM submissions
    WHERE status <> 'rejected' AND period BETWEEN $first AND $last
    GROUP BY ALL
)
SELECT c.period, c.unit_code, c.version, c.rows_accepted, c.rows_quarantined,
       a.first_received_at
FROM current_submissions AS c
JOIN first_accepted AS a USING (unit_code, period)
WHERE c.period BETWEEN $first AND $last
ORDER BY c.period, c.unit_code
