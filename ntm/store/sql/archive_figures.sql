-- Every accepted commune row of the submissions a report version read, for its archive.
SELECT f.*
FROM stg_commune_figures AS f
JOIN submissions AS s USING (submission_id)
JOIN (SELECT UNNEST($units::VARCHAR[]) AS unit_code, UNNEST($versions::INTEGER[]) AS version)
    AS w ON w.unit_code = s.unit_code AND w.version = s.version
WHERE s.period = $period AND s.status <> 'rejected' AND f.row_status = 'accepted'
ORDER BY f.commune_code
