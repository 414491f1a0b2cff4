-- The typed rows of one submission (registered frame incoming_rows).
INSERT INTO stg_commune_figures BY NAME
SELECT $submission_id AS submission_id, $unit_code AS unit_code, $period AS period, *
FROM incoming_rows
