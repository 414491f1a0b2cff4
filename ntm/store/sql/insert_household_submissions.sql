-- One row per stored household file of a wave (registered frame incoming_submissions, arrival
-- numbering the files from 1). A file that is not rejected becomes the next version of its
-- unit, review year and kind; a wave holds each of those at most once.
WITH stored AS (
    SELECT unit_code, review_year, review_kind, max(version) AS last_version
    FROM household_submissions
    WHERE status <> 'rejected'
    GROUP BY unit_code, review_year, review_kind
)
INSERT INTO household_submissions BY NAME
SELECT
    $last_id + i.arrival AS submission_id,
    i.* EXCLUDE (arrival),
    CASE WHEN i.status <> 'rejected' THEN CAST(coalesce(s.last_version, 0) + 1 AS INTEGER) END
        AS version
FROM incoming_submissions AS i
LEFT JOIN stored AS s
    ON s.unit_code = i.unit_code AND s.review_year = i.review_year
    AND s.review_kind = i.review_kind
RETURNING submission_id, version
