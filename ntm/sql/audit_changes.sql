-- Value changes between the version being replaced ($old_id) and the new one ($new_id):
-- every accepted figure that differs, appears or disappears.
WITH old AS (
    UNPIVOT (
        SELECT commune_code, COLUMNS(* EXCLUDE (submission_id, excel_row, unit_code, period,
                                               commune_code, commune_name, row_status))
        FROM stg_commune_figures
        WHERE submission_id = $old_id AND row_status = 'accepted'
    ) ON COLUMNS(* EXCLUDE (commune_code)) INTO NAME figure VALUE value
),
new AS (
    UNPIVOT (
        SELECT commune_code, COLUMNS(* EXCLUDE (submission_id, excel_row, unit_code, period,
                                               commune_code, commune_name, row_status))
        FROM stg_commune_figures
        WHERE submission_id = $new_id AND row_status = 'accepted'
    ) ON COLUMNS(* EXCLUDE (commune_code)) INTO NAME figure VALUE value
)
INSERT INTO audit_value_changes
SELECT
    $unit_code, $period,
    coalesce(n.commune_code, o.commune_code),
    coalesce(n.figure, o.figure),
    o.value, n.value, $old_id, $new_id, $recorded_at
FROM old AS o
FULL OUTER JOIN new AS n USING (commune_code, figure)
WHERE o.value IS DISTINCT FROM n.value
