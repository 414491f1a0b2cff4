-- The Q4 quarterly form's year-end counts, as accepted, of these (commune, period) pairs
-- ($communes, $periods: e.g. 2025-Q4): what periodic household reviews are reconciled with.
WITH wanted AS (
    SELECT UNNEST($communes::VARCHAR[]) AS commune_code, UNNEST($periods::VARCHAR[]) AS period
)
SELECT a.commune_code, a.period, a.poor_end, a.near_poor_end
FROM accepted_commune_figures AS a
JOIN wanted AS w USING (commune_code, period)
