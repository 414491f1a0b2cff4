-- Per period of a programme: every file refused whole (each rejected file counts, even when a
-- later version was accepted: the review counts what districts got wrong), and the commune
-- rows of the current versions not taken in.
WITH rejected AS (
    SELECT period, count(*)::BIGINT AS files_rejected
    FROM submissions
    WHERE status = 'rejected' AND period BETWEEN $first AND $last
    GROUP BY period
),
quarantined AS (
    SELECT s.period, count(*)::BIGINT AS rows_quarantined
    FROM stg_commune_figures AS f
    JOIN current_submissions AS s USING (submission_id)
    WHERE f.row_status = 'quarantined' AND s.period BETWEEN $first AND $last
    GROUP BY s.period
)
SELECT period,
       coalesce(r.files_rejected, 0)::BIGINT AS files_rejected,
       coalesce(q.rows_quarantined, 0)::BIGINT AS rows_quarantined
FROM rejected AS r
FULL OUTER JOIN quarantined AS q USING (period)
ORDER BY period
