-- The accepted commune rows of a closed period as the committee signed them: those of the
-- submissions its close recorded (accepted_figures.sql, for the signed versions).
SELECT f.* EXCLUDE (submission_id, excel_row, unit_code, period, commune_name, row_status)
FROM stg_commune_figures AS f
JOIN signed_submissions AS s USING (submission_id)
WHERE s.period = $period AND f.row_status = 'accepted'
ORDER BY f.commune_code
