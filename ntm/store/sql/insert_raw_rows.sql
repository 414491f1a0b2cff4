-- The commune rows of a batch's files as found in them (registered frame incoming_raw_rows).
INSERT INTO raw_submission_rows BY NAME
SELECT $last_id + arrival AS submission_id, * EXCLUDE (arrival)
FROM incoming_raw_rows
