INSERT INTO submissions BY NAME
SELECT
    nextval('submission_id_seq') AS submission_id,
    $content_sha256 AS content_sha256, $file_name AS file_name, $unit_code AS unit_code,
    $period AS period, $version AS version, $status AS status, $reject_reason AS reject_reason,
    $received_at AS received_at, $ingested_at AS ingested_at, $prepared_on AS prepared_on,
    $prepared_by AS prepared_by, $template_version AS template_version,
    $rows_read AS rows_read, $rows_accepted AS rows_accepted,
    $rows_quarantined AS rows_quarantined, $file_errors AS file_errors,
    $row_errors AS row_errors, $warnings AS warnings
RETURNING submission_id
