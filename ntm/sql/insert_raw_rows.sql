-- The commune rows of one submission as found in the file (registered frame incoming_raw_rows).
INSERT INTO raw_submission_rows BY NAME
SELECT $submission_id AS submission_id, * FROM incoming_raw_rows
