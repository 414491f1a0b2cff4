INSERT INTO raw_files
VALUES ($sha256, $file_type, $size_bytes, $content, $first_seen_at)
ON CONFLICT DO NOTHING
