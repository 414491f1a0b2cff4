-- What the checks found in a batch's files (registered frame incoming_findings).
INSERT INTO findings BY NAME
SELECT $last_id + arrival AS submission_id, * EXCLUDE (arrival)
FROM incoming_findings
