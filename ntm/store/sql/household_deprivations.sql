-- Per commune and indicator: the poor and near-poor households of the current review of $year
-- and $kind deprived in it (accepted rows).
SELECT commune_code AS unit_code, indicator, CAST(count(*) AS BIGINT) AS deprived
FROM (
    SELECT commune_code, UNNEST(deprivations) AS indicator
    FROM accepted_households
    WHERE review_year = $year AND review_kind = $kind AND result IN ('poor', 'near_poor')
)
GROUP BY commune_code, indicator
