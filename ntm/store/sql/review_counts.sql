-- Per commune: the households its current periodic review of $year classified poor and
-- near-poor (accepted rows): what the Q4 quarterly form of that year is reconciled with.
SELECT commune_code,
       CAST(count(*) FILTER (WHERE result = 'poor') AS BIGINT) AS review_poor,
       CAST(count(*) FILTER (WHERE result = 'near_poor') AS BIGINT) AS review_near_poor
FROM accepted_households
WHERE review_year = $year AND review_kind = 'dinh-ky'
  AND commune_code IN (SELECT UNNEST($communes::VARCHAR[]))
GROUP BY commune_code
