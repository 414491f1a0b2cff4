-- What kept figures of a period out: rejected files and quarantined rows, with the reason.
-- Rejected files count only when no accepted version of the unit-period came after them.
SELECT s.unit_code, s.file_name, 'rejected' AS kind, NULL AS commune_code,
       s.reject_reason AS reason
FROM submissions AS s
WHERE s.period = $period AND s.status = 'rejected'
  AND NOT EXISTS (
      SELECT 1 FROM submissions AS later
      WHERE later.unit_code = s.unit_code AND later.period = s.period
        AND later.status <> 'rejected' AND later.submission_id > s.submission_id
  )
UNION ALL
SELECT s.unit_code, s.file_name, 'quarantined' AS kind, f.commune_code,
       string_agg(DISTINCT x.problem, ' ' ORDER BY x.problem) AS reason
FROM stg_commune_figures AS f
JOIN current_submissions AS s USING (submission_id)
JOIN findings AS x ON x.submission_id = f.submission_id AND x.excel_row = f.excel_row
WHERE s.period = $period AND f.row_status = 'quarantined' AND x.severity = 'row_error'
GROUP BY ALL
ORDER BY unit_code, kind, commune_code
