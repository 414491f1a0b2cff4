-- The checked household rows of a wave (registered frame incoming_rows), codes already hashed.
INSERT INTO stg_households BY NAME
SELECT $last_id + arrival AS submission_id, * EXCLUDE (arrival)
FROM incoming_rows
