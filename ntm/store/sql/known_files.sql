-- The latest stored outcome of each of these exact contents ($sha256s), if checked before,
-- with what its feedback workbook says of it: quarterly files, and household files (form HN,
-- whose period is "<year> <kind>": they keep no bytes, only their sha256).
SELECT submission_id, content_sha256, unit_code, period, version, status,
       rows_read AS rows_checked, rows_quarantined, file_errors, row_errors, warnings,
       '01' AS form
FROM submissions
WHERE content_sha256 IN (SELECT UNNEST($sha256s::VARCHAR[]))
QUALIFY row_number() OVER (PARTITION BY content_sha256 ORDER BY submission_id DESC) = 1
UNION ALL BY NAME
SELECT submission_id, content_sha256, unit_code,
       CAST(review_year AS VARCHAR) || ' ' || review_kind AS period, version, status,
       rows_read AS rows_checked, rows_quarantined, file_errors, row_errors, warnings,
       'HN' AS form
FROM household_submissions
WHERE content_sha256 IN (SELECT UNNEST($sha256s::VARCHAR[]))
QUALIFY row_number() OVER (PARTITION BY content_sha256 ORDER BY submission_id DESC) = 1
