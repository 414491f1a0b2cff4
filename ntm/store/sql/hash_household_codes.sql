-- HMAC-SHA256 of each household code (registered frame households, column household_code)
-- under the data dir's key, given as its inner and outer padded blocks (RFC 2104): one
-- vectorised statement for a whole wave, and the code does not survive it.
SELECT * EXCLUDE (household_code),
       CASE WHEN household_code IS NOT NULL THEN
           sha256($outer::BLOB || unhex(sha256($inner::BLOB || encode(household_code))))
       END AS household_key
FROM households
