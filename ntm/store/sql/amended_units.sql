-- The units of a closed period whose current submission is not the one the close signed: the
-- amendments stored since, with the signed and the current version.
SELECT c.unit_code, g.version AS signed_version, c.version AS current_version,
       c.received_at, c.file_name
FROM current_submissions AS c
LEFT JOIN signed_submissions AS g USING (unit_code, period)
WHERE c.period = $period AND c.submission_id IS DISTINCT FROM g.submission_id
ORDER BY c.unit_code
