-- The fingerprint of the key that hashed the stored household codes (null before any), and
-- whether any household row is stored.
SELECT (SELECT max(fingerprint) FROM household_key_check),
       EXISTS (SELECT 1 FROM stg_households)
