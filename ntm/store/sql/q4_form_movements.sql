-- Every commune's accepted Q4 movements of $period (e.g. 2025-Q4): what the movements counted
-- from the household lists of that year's periodic review are set beside.
SELECT commune_code AS unit_code,
       CAST(poor_exited AS BIGINT) AS poor_exited,
       CAST(poor_returned AS BIGINT) AS poor_returned,
       CAST(poor_new AS BIGINT) AS poor_new,
       CAST(near_poor_exited AS BIGINT) AS near_poor_exited,
       CAST(near_poor_returned AS BIGINT) AS near_poor_returned,
       CAST(near_poor_new AS BIGINT) AS near_poor_new
FROM accepted_commune_figures
WHERE period = $period
ORDER BY commune_code
