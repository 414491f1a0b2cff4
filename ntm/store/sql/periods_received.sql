-- Every period for which at least one file was stored, oldest first.
SELECT DISTINCT period FROM current_submissions ORDER BY period
