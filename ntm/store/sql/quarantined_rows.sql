-- The quarantined commune rows of a period's current submissions, with the rules they broke.
SELECT DISTINCT f.commune_code, x.rule_id
FROM stg_commune_figures AS f
JOIN current_submissions AS s USING (submission_id)
JOIN findings AS x ON x.submission_id = f.submission_id AND x.excel_row = f.excel_row
WHERE s.period = $period AND f.row_status = 'quarantined' AND x.severity = 'row_error'
  AND f.commune_code IS NOT NULL
ORDER BY f.commune_code, x.rule_id
