-- What the checks found in a wave's household files (registered frame incoming_findings).
INSERT INTO household_findings BY NAME
SELECT $last_id + arrival AS submission_id, * EXCLUDE (arrival)
FROM incoming_findings
