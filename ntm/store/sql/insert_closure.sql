-- One close or reopen, numbered after the last; returns its id.
INSERT INTO period_closures
SELECT coalesce((SELECT max(closure_id) FROM period_closures), 0) + 1,
       $period, $action, $report_version, $input_snapshot, $archive_path, $archive_sha256,
       $by_name, $note, $recorded_at
RETURNING closure_id
