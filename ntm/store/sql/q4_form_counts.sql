-- The Q4 quarterly form's year-end counts ($period, e.g. 2025-Q4) of these communes, as
-- accepted: what a periodic household review of the same year is reconciled with.
SELECT commune_code, poor_end, near_poor_end
FROM accepted_commune_figures
WHERE period = $period
  AND commune_code IN (SELECT UNNEST($communes::VARCHAR[]))
