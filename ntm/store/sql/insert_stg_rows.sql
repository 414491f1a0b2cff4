-- The typed rows of a batch's files (registered frame incoming_rows, with unit and period).
INSERT INTO stg_commune_figures BY NAME
SELECT $last_id + arrival AS submission_id, * EXCLUDE (arrival)
FROM incoming_rows
