-- The stored outcome of a file with these exact bytes, if it was checked before.
SELECT submission_id, unit_code, period, version, status, reject_reason
FROM submissions
WHERE content_sha256 = $sha256
ORDER BY submission_id DESC
LIMIT 1
