-- For each commune of a submission: its latest accepted figures before the period ($period),
-- and its accepted figures at Q4 of the previous year ($year_end), both as prev_* columns.
WITH wanted AS (
    SELECT UNNEST($communes::VARCHAR[]) AS commune_code
),
previous AS (
    SELECT a.*
    FROM accepted_commune_figures AS a
    JOIN wanted USING (commune_code)
    WHERE a.period < $period
    QUALIFY row_number() OVER (PARTITION BY a.commune_code ORDER BY a.period DESC) = 1
),
year_end AS (
    SELECT a.*
    FROM accepted_commune_figures AS a
    JOIN wanted USING (commune_code)
    WHERE a.period = $year_end
)
SELECT
    w.commune_code,
    COLUMNS(p.* EXCLUDE (submission_id, excel_row, unit_code, period, commune_code,
                         commune_name, row_status)) AS 'prev_\0',
    COLUMNS(y.* EXCLUDE (submission_id, excel_row, unit_code, period, commune_code,
                         commune_name, row_status)) AS 'prev_year_q4_\0'
FROM wanted AS w
LEFT JOIN previous AS p USING (commune_code)
LEFT JOIN year_end AS y USING (commune_code)
