-- Value changes between the version each new submission of a batch (submission_id > $last_id)
-- replaces and the new one: every accepted figure that differs, appears or disappears.
WITH replaced AS (
    SELECT unit_code, period, submission_id AS old_id
    FROM submissions
    WHERE submission_id <= $last_id AND status <> 'rejected'
    QUALIFY version = max(version) OVER (PARTITION BY unit_code, period)
),
pairs AS (
    SELECT n.unit_code, n.period, r.old_id, n.submission_id AS new_id
    FROM submissions AS n
    JOIN replaced AS r USING (unit_code, period)
    WHERE n.submission_id > $last_id AND n.status <> 'rejected'
),
figures AS (
    UNPIVOT (
        SELECT submission_id, commune_code,
               COLUMNS(* EXCLUDE (submission_id, excel_row, unit_code, period, commune_code,
                                  commune_name, row_status))
        FROM stg_commune_figures
        WHERE row_status = 'accepted'
          AND submission_id IN (SELECT old_id FROM pairs UNION ALL SELECT new_id FROM pairs)
    ) ON COLUMNS(* EXCLUDE (submission_id, commune_code)) INTO NAME figure VALUE value
),
old AS (
    SELECT p.new_id, f.commune_code, f.figure, f.value
    FROM pairs AS p JOIN figures AS f ON f.submission_id = p.old_id
),
new AS (
    SELECT p.new_id, f.commune_code, f.figure, f.value
    FROM pairs AS p JOIN figures AS f ON f.submission_id = p.new_id
),
changed AS (
    SELECT
        coalesce(n.new_id, o.new_id) AS new_id,
        coalesce(n.commune_code, o.commune_code) AS commune_code,
        coalesce(n.figure, o.figure) AS figure,
        o.value AS old_value,
        n.value AS new_value
    FROM old AS o
    FULL OUTER JOIN new AS n
        ON n.new_id = o.new_id AND n.commune_code = o.commune_code AND n.figure = o.figure
    WHERE o.value IS DISTINCT FROM n.value
)
INSERT INTO audit_value_changes
SELECT p.unit_code, p.period, c.commune_code, c.figure, c.old_value, c.new_value,
       p.old_id, p.new_id, $recorded_at
FROM changed AS c
JOIN pairs AS p USING (new_id)
