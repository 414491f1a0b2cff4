-- Whether each period with a close or reopen on record is closed now, by whom, when, which version.
SELECT period, action, report_version, input_snapshot, archive_path, archive_sha256, by_name,
       note, recorded_at, closure_id
FROM period_state
ORDER BY period
