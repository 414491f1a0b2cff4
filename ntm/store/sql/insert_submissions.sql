-- One row per stored file of a batch (registered frame incoming_submissions, whose arrival
-- column numbers the files from 1 in arrival order). A file that is not rejected becomes the
-- next version of its unit-period; a batch holds each unit-period at most once.
WITH stored AS (
    SELECT unit_code, period, max(version) AS last_version
    FROM submissions
    WHERE status <> 'rejected'
    GROUP BY unit_code, period
)
INSERT INTO submissions BY NAME
SELECT
    $last_id + i.arrival AS submission_id,
    i.* EXCLUDE (arrival),
    CASE WHEN i.status <> 'rejected' THEN CAST(coalesce(s.last_version, 0) + 1 AS INTEGER) END
        AS version
FROM incoming_submissions AS i
LEFT JOIN stored AS s ON s.unit_code = i.unit_code AND s.period = i.period
RETURNING submission_id, version
