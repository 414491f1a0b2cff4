-- Every stored submission, rejected ones included, of the periods whose rows a period's tables
-- read: the period itself and every year-end before it, with what identifies its content (ids
-- alone would repeat in a rebuilt warehouse); and every household review of those years (the
-- review tables and the trend's bridge across a change of standard read them).
SELECT 'quarterly' AS form, submission_id, content_sha256, status, coalesce(version, 0) AS version
FROM submissions
WHERE period <= $period
UNION ALL
SELECT 'household' AS form, submission_id, content_sha256, status, coalesce(version, 0) AS version
FROM household_submissions
WHERE review_year <= CAST(left($period, 4) AS INTEGER)
ORDER BY form, submission_id
