-- The stored submission behind each unit's figures for a period: version, hash, arrival.
SELECT unit_code, version, content_sha256, file_name, received_at, ingested_at
FROM current_submissions
WHERE period = $period
ORDER BY unit_code
