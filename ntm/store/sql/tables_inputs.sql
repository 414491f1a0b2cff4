-- Every stored submission, rejected ones included, of the periods whose rows a period's tables
-- read: the period itself and every year-end before it, with what identifies its content (ids
-- alone would repeat in a rebuilt warehouse).
SELECT submission_id, content_sha256, status, coalesce(version, 0) AS version
FROM submissions
WHERE period <= $period
ORDER BY submission_id
