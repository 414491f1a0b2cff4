-- The latest stored outcome of each of these exact contents ($sha256s), if checked before,
-- with what its feedback workbook says of it.
SELECT submission_id, content_sha256, unit_code, period, version, status,
       rows_read AS rows_checked, rows_quarantined, file_errors, row_errors, warnings
FROM submissions
WHERE content_sha256 IN (SELECT UNNEST($sha256s::VARCHAR[]))
QUALIFY row_number() OVER (PARTITION BY content_sha256 ORDER BY submission_id DESC) = 1
