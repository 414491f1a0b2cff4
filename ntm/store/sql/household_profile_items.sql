-- Per commune and class (poor, near_poor) of the current review of $year and $kind (accepted
-- rows): the households deprived in each indicator (what = 'indicator') and those with each
-- cause of poverty (what = 'cause'). Items nobody has are absent (the caller fills zeros).
WITH listed AS (
    SELECT commune_code, result, deprivations, causes
    FROM accepted_households
    WHERE review_year = $year AND review_kind = $kind AND result IN ('poor', 'near_poor')
),
items AS (
    SELECT commune_code, result, 'indicator' AS what, UNNEST(deprivations) AS item FROM listed
    UNION ALL
    SELECT commune_code, result, 'cause' AS what, UNNEST(causes) AS item FROM listed
)
SELECT commune_code AS unit_code, result AS class, what, item,
       CAST(count(*) AS BIGINT) AS households
FROM items
GROUP BY commune_code, result, what, item
ORDER BY commune_code, result, what, item
