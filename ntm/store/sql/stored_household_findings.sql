-- The findings stored for these household submissions ($ids), in the order they were stored.
SELECT submission_id, file_name, sheet, excel_row, column_label, value_found, rule_id,
       severity, problem, message
FROM household_findings
WHERE submission_id IN (SELECT UNNEST($ids::BIGINT[]))
