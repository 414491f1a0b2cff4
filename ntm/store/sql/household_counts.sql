-- Per commune and standard: the accepted rows of the current review of $year and $kind, and
-- their classes. One scan of the review's rows.
SELECT commune_code AS unit_code,
       standard,
       CAST(count(*) AS BIGINT) AS households,
       CAST(count(*) FILTER (WHERE result = 'poor') AS BIGINT) AS poor,
       CAST(count(*) FILTER (WHERE result = 'near_poor') AS BIGINT) AS near_poor,
       CAST(coalesce(sum(members) FILTER (WHERE result = 'poor'), 0) AS BIGINT) AS poor_members,
       CAST(coalesce(sum(members) FILTER (WHERE result = 'near_poor'), 0) AS BIGINT)
           AS near_poor_members
FROM accepted_households
WHERE review_year = $year AND review_kind = $kind
GROUP BY commune_code, standard
ORDER BY commune_code
