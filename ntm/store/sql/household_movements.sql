-- Movements of the poor and near-poor lists (interfaces.md, `ntm households`): the current
-- review of $year and $kind compared, by household key across the whole province, with the
-- review of $compared_year and $compared_kind (the previous one under the same standard,
-- $standard). Accepted rows only. For each class X (poor, near_poor):
--   exited_X    X then, not X now (listed now or not): counted in the commune it was listed
--               in then, on today's map ($from_codes -> $to_codes, the communes of 31 December
--               of $compared_year -> those of 31 December of $year; a commune not mapped keeps
--               its code);
--   returned_X  X now, not X then, X in some earlier review of $standard (before $year):
--               counted in its commune now;
--   new_X       X now, not X then, never X in a review of $standard before $year: ditto.
-- A household X then and X now is no movement, whichever communes it was listed in. Rows are
-- counted, and the other side is looked up by key (EXISTS), so no household counts twice.
-- One row per commune of the current review (zeros included) and per other commune with exits.
WITH listed_now AS (
    SELECT household_key, commune_code, result
    FROM accepted_households
    WHERE review_year = $year AND review_kind = $kind
),
listed_then AS (
    SELECT household_key, commune_code, result
    FROM accepted_households
    WHERE review_year = $compared_year AND review_kind = $compared_kind
      AND result IN ('poor', 'near_poor')
),
ever AS (
    SELECT DISTINCT household_key, result
    FROM accepted_households
    WHERE standard = $standard AND review_year < $year AND result IN ('poor', 'near_poor')
),
today AS (
    SELECT UNNEST($from_codes::VARCHAR[]) AS commune_code,
           UNNEST($to_codes::VARCHAR[]) AS current_code
),
exited AS (
    SELECT coalesce(m.current_code, t.commune_code) AS unit_code, 'exited_' || t.result AS flow
    FROM listed_then AS t
    LEFT JOIN today AS m USING (commune_code)
    WHERE NOT EXISTS (
        SELECT 1 FROM listed_now AS n
        WHERE n.household_key = t.household_key AND n.result = t.result
    )
),
entered AS (
    SELECT n.commune_code AS unit_code,
           CASE WHEN e.household_key IS NULL THEN 'new_' ELSE 'returned_' END || n.result AS flow
    FROM listed_now AS n
    LEFT JOIN ever AS e ON e.household_key = n.household_key AND e.result = n.result
    WHERE n.result IN ('poor', 'near_poor')
      AND NOT EXISTS (
          SELECT 1 FROM listed_then AS t
          WHERE t.household_key = n.household_key AND t.result = n.result
      )
),
flows AS (
    SELECT unit_code, flow FROM exited
    UNION ALL
    SELECT unit_code, flow FROM entered
    UNION ALL
    SELECT DISTINCT commune_code AS unit_code, NULL AS flow FROM listed_now
)
SELECT unit_code,
       CAST(count(*) FILTER (WHERE flow = 'exited_poor') AS BIGINT) AS exited_poor,
       CAST(count(*) FILTER (WHERE flow = 'returned_poor') AS BIGINT) AS returned_poor,
       CAST(count(*) FILTER (WHERE flow = 'new_poor') AS BIGINT) AS new_poor,
       CAST(count(*) FILTER (WHERE flow = 'exited_near_poor') AS BIGINT) AS exited_near_poor,
       CAST(count(*) FILTER (WHERE flow = 'returned_near_poor') AS BIGINT) AS returned_near_poor,
       CAST(count(*) FILTER (WHERE flow = 'new_near_poor') AS BIGINT) AS new_near_poor
FROM flows
GROUP BY unit_code
ORDER BY unit_code
