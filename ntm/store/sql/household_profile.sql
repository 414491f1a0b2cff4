-- Per commune and class (poor, near_poor) of the current review of $year and $kind (accepted
-- rows): the households of the class, and of them those of an ethnic minority and those in
-- each policy group. One scan of the review's rows.
SELECT commune_code AS unit_code,
       result AS class,
       CAST(count(*) AS BIGINT) AS households,
       CAST(count(*) FILTER (WHERE ethnic_minority) AS BIGINT) AS ethnic_minority,
       CAST(count(*) FILTER (WHERE merit_person) AS BIGINT) AS merit_person,
       CAST(count(*) FILTER (WHERE social_assistance) AS BIGINT) AS social_assistance,
       CAST(count(*) FILTER (WHERE no_labour) AS BIGINT) AS no_labour
FROM accepted_households
WHERE review_year = $year AND review_kind = $kind AND result IN ('poor', 'near_poor')
GROUP BY commune_code, result
ORDER BY commune_code, result
