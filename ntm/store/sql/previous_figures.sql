-- For each commune of a submission: its latest accepted figures before the period ($period)
-- as prev_* columns with that period as prev_period, and its accepted figures at Q4 of the
-- previous year ($year_end) as prev_year_q4_* columns.
-- Only periods that end on or after the unit's own valid_from count: a reused code that named
-- another unit before a reorganisation has no history of its own yet.
WITH wanted AS (
    SELECT UNNEST($communes::VARCHAR[]) AS commune_code,
           UNNEST($valid_from::DATE[]) AS valid_from
),
own AS (
    SELECT a.*
    FROM accepted_commune_figures AS a
    JOIN wanted AS w USING (commune_code)
    WHERE last_day(make_date(CAST(left(a.period, 4) AS INTEGER),
                             CAST(right(a.period, 1) AS INTEGER) * 3, 1)) >= w.valid_from
),
previous AS (
    SELECT * FROM own
    WHERE period < $period
    QUALIFY row_number() OVER (PARTITION BY commune_code ORDER BY period DESC) = 1
),
year_end AS (
    SELECT * FROM own WHERE period = $year_end
)
SELECT
    w.commune_code,
    p.period AS prev_period,
    COLUMNS(p.* EXCLUDE (submission_id, excel_row, unit_code, period, commune_code,
                         commune_name, row_status)) AS 'prev_\0',
    COLUMNS(y.* EXCLUDE (submission_id, excel_row, unit_code, period, commune_code,
                         commune_name, row_status)) AS 'prev_year_q4_\0'
FROM wanted AS w
LEFT JOIN previous AS p USING (commune_code)
LEFT JOIN year_end AS y USING (commune_code)
