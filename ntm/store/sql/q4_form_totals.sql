-- Every commune's accepted Q4 year-end counts of $period (e.g. 2025-Q4): what the periodic
-- household review of that year is set beside.
SELECT commune_code AS unit_code, CAST(poor_end AS BIGINT) AS form_poor,
       CAST(near_poor_end AS BIGINT) AS form_near_poor
FROM accepted_commune_figures
WHERE period = $period
