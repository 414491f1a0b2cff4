-- Per unit and period up to $period, the latest rejected file that no accepted version of the
-- unit-period came after (as period_problems.sql counts them), with its reason. Files whose unit
-- or period could not be read belong to no unit-period and are left out.
SELECT s.period, s.unit_code, s.file_name, s.reject_reason, s.received_at
FROM submissions AS s
WHERE s.status = 'rejected' AND s.unit_code IS NOT NULL
  AND regexp_full_match(s.period, '\d{4}-Q[1-4]') AND s.period <= $period
  AND NOT EXISTS (
      SELECT 1 FROM submissions AS later
      WHERE later.unit_code = s.unit_code AND later.period = s.period
        AND later.status <> 'rejected' AND later.submission_id > s.submission_id
  )
QUALIFY row_number() OVER (PARTITION BY s.unit_code, s.period ORDER BY s.submission_id DESC) = 1
ORDER BY s.period, s.unit_code
