-- Accepted Q4 rows (the official annual review) of every year up to $period.
SELECT CAST(left(period, 4) AS BIGINT) AS year, commune_code, households, poor_end,
       near_poor_end
FROM accepted_commune_figures
WHERE period LIKE '%-Q4' AND period <= $period
ORDER BY year, commune_code
