-- Every stored submission, rejected ones included, of the periods whose rows a period's tables
-- read: the period itself and every year-end before it. Submissions are only ever appended,
-- so this list of ids names those inputs exactly.
SELECT submission_id
FROM submissions
WHERE period <= $period
ORDER BY submission_id
