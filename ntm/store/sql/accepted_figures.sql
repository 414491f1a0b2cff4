-- The accepted commune rows of one period (current versions only).
SELECT * EXCLUDE (submission_id, excel_row, unit_code, period, commune_name, row_status)
FROM accepted_commune_figures
WHERE period = $period
ORDER BY commune_code
