-- The Q4 quarterly form's year-end counts that had arrived when each household file arrived:
-- per wanted (key, commune, period, before), the commune's row in the latest version of its
-- unit's form for the period received at or before `before`, if accepted. A form that arrives
-- after the household file is reconciled from its own side (review_counts).
WITH wanted AS (
    SELECT UNNEST($keys::BIGINT[]) AS key,
           UNNEST($communes::VARCHAR[]) AS commune_code,
           UNNEST($periods::VARCHAR[]) AS period,
           UNNEST($before::TIMESTAMPTZ[]) AS before
),
candidates AS (
    SELECT w.key, f.commune_code, f.period, f.row_status, f.poor_end, f.near_poor_end
    FROM wanted AS w
    JOIN stg_commune_figures AS f USING (commune_code, period)
    JOIN submissions AS s ON s.submission_id = f.submission_id
    WHERE s.status <> 'rejected' AND s.received_at <= w.before
    QUALIFY row_number() OVER (PARTITION BY w.key, f.commune_code ORDER BY s.version DESC) = 1
)
SELECT key, commune_code, period, poor_end, near_poor_end
FROM candidates
WHERE row_status = 'accepted'
