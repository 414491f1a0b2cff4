-- The household reviews stored for $years: each year and kind whose current version holds
-- accepted rows, with its standard and their number. What the household tables are computed
-- for, and which earlier review a review's movements can be counted against.
SELECT CAST(review_year AS BIGINT) AS review_year, review_kind, standard,
       CAST(sum(rows_accepted) AS BIGINT) AS households
FROM current_household_submissions
WHERE review_year IN (SELECT UNNEST($years::INTEGER[]))
GROUP BY review_year, review_kind, standard
HAVING sum(rows_accepted) > 0
ORDER BY review_year, review_kind, standard
