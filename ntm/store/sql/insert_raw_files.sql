-- The bytes of every file of a batch (registered frame incoming_files); known bytes are kept.
INSERT INTO raw_files BY NAME
SELECT content_sha256, file_type, size_bytes, content, first_seen_at
FROM incoming_files
ON CONFLICT DO NOTHING
