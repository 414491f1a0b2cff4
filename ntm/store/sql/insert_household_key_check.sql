-- Record the key's fingerprint with the first household rows stored.
INSERT INTO household_key_check
SELECT $fingerprint, $recorded_at
WHERE NOT EXISTS (SELECT 1 FROM household_key_check)
