INSERT INTO findings BY NAME
SELECT $submission_id AS submission_id, * FROM incoming_findings
