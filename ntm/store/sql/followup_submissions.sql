-- submissions_for_period.sql for every period up to $period at once (the follow-up list looks
-- back over them all): the current version of each unit-period, and when its first accepted
-- version arrived (timeliness is judged on that, not on later corrections).
WITH first_accepted AS (
    SELECT unit_code, period, min(received_at) AS first_received_at
    FROM submissions
    WHERE status <> 'rejected' AND period <= $period
    GROUP BY ALL
)
SELECT c.period, c.unit_code, c.version, c.rows_accepted, c.rows_quarantined,
       a.first_received_at
FROM current_submissions AS c
JOIN first_accepted AS a USING (unit_code, period)
WHERE c.period <= $period
ORDER BY c.period, c.unit_code
