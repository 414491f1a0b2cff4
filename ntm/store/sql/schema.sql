-- The warehouse. Layers by name:
--   raw_*   what arrived, byte for byte and cell for cell, never changed
--   stg_*   typed and checked rows, one set per stored submission version
--   the views current_* and accepted_*: what every query reads (latest version wins)
-- Nothing is updated in place or deleted: a new version is new rows.

CREATE TABLE IF NOT EXISTS raw_files (
    content_sha256   VARCHAR PRIMARY KEY,
    file_type        VARCHAR NOT NULL,
    size_bytes       BIGINT NOT NULL,
    content          BLOB NOT NULL,
    first_seen_at    TIMESTAMPTZ NOT NULL
);

-- Every file that was checked, accepted or rejected. version is null for rejected files.
-- submission_id follows arrival order (last_submission_id.sql).
CREATE TABLE IF NOT EXISTS submissions (
    submission_id     BIGINT PRIMARY KEY,
    content_sha256    VARCHAR NOT NULL REFERENCES raw_files (content_sha256),
    file_name         VARCHAR NOT NULL,
    unit_code         VARCHAR,
    period            VARCHAR,
    version           INTEGER,
    status            VARCHAR NOT NULL
        CHECK (status IN ('accepted', 'accepted_with_issues', 'rejected')),
    reject_reason     VARCHAR,
    received_at       TIMESTAMPTZ NOT NULL,
    ingested_at       TIMESTAMPTZ NOT NULL,
    prepared_on       DATE,
    prepared_by       VARCHAR,
    template_version  VARCHAR,
    rows_read         INTEGER NOT NULL,
    rows_accepted     INTEGER NOT NULL,
    rows_quarantined  INTEGER NOT NULL,
    file_errors       INTEGER NOT NULL,
    row_errors        INTEGER NOT NULL,
    warnings          INTEGER NOT NULL,
    CHECK ((status = 'rejected') = (version IS NULL))
);

-- The commune rows exactly as found in the file (text), for provenance.
CREATE TABLE IF NOT EXISTS raw_submission_rows (
    submission_id          BIGINT NOT NULL REFERENCES submissions (submission_id),
    excel_row              INTEGER NOT NULL,
    commune_code           VARCHAR,
    commune_name           VARCHAR,
    households             VARCHAR,
    poor_start             VARCHAR,
    poor_exited            VARCHAR,
    poor_returned          VARCHAR,
    poor_new               VARCHAR,
    poor_end               VARCHAR,
    near_poor_start        VARCHAR,
    near_poor_exited       VARCHAR,
    near_poor_returned     VARCHAR,
    near_poor_new          VARCHAR,
    near_poor_end          VARCHAR,
    workers                VARCHAR,
    workers_trained        VARCHAR,
    workers_certified      VARCHAR,
    coop_members           VARCHAR,
    coop_members_women     VARCHAR,
    child_abuse_cases      VARCHAR,
    child_abuse_supported  VARCHAR,
    child_abuse_handled    VARCHAR,
    PRIMARY KEY (submission_id, excel_row)
);

-- Typed rows. Figures are null only where the cell could not be read (the row is quarantined).
CREATE TABLE IF NOT EXISTS stg_commune_figures (
    submission_id          BIGINT NOT NULL REFERENCES submissions (submission_id),
    excel_row              INTEGER NOT NULL,
    unit_code              VARCHAR NOT NULL,
    period                 VARCHAR NOT NULL,
    commune_code           VARCHAR,
    commune_name           VARCHAR,
    row_status             VARCHAR NOT NULL CHECK (row_status IN ('accepted', 'quarantined')),
    households             BIGINT,
    poor_start             BIGINT,
    poor_exited            BIGINT,
    poor_returned          BIGINT,
    poor_new               BIGINT,
    poor_end               BIGINT,
    near_poor_start        BIGINT,
    near_poor_exited       BIGINT,
    near_poor_returned     BIGINT,
    near_poor_new          BIGINT,
    near_poor_end          BIGINT,
    workers                BIGINT,
    workers_trained        BIGINT,
    workers_certified      BIGINT,
    coop_members           BIGINT,
    coop_members_women     BIGINT,
    child_abuse_cases      BIGINT,
    child_abuse_supported  BIGINT,
    child_abuse_handled    BIGINT,
    PRIMARY KEY (submission_id, excel_row)
);

CREATE TABLE IF NOT EXISTS findings (
    submission_id  BIGINT NOT NULL REFERENCES submissions (submission_id),
    file_name      VARCHAR NOT NULL,
    sheet          VARCHAR,
    excel_row      INTEGER,
    column_label   VARCHAR,
    value_found    VARCHAR,
    rule_id        VARCHAR NOT NULL,
    severity       VARCHAR NOT NULL,
    problem        VARCHAR NOT NULL,  -- what is wrong (the report quotes this)
    message        VARCHAR NOT NULL   -- what is wrong and how to fix it (the feedback shows this)
);

-- One row per figure whose accepted value changed from one version of a unit-period to the next.
CREATE TABLE IF NOT EXISTS audit_value_changes (
    unit_code          VARCHAR NOT NULL,
    period             VARCHAR NOT NULL,
    commune_code       VARCHAR NOT NULL,
    figure             VARCHAR NOT NULL,
    old_value          BIGINT,
    new_value          BIGINT,
    old_submission_id  BIGINT NOT NULL,
    new_submission_id  BIGINT NOT NULL,
    recorded_at        TIMESTAMPTZ NOT NULL
);

CREATE OR REPLACE VIEW current_submissions AS
SELECT *
FROM submissions
WHERE status <> 'rejected'
QUALIFY version = max(version) OVER (PARTITION BY unit_code, period);

CREATE OR REPLACE VIEW accepted_commune_figures AS
SELECT f.*
FROM stg_commune_figures AS f
JOIN current_submissions AS s USING (submission_id)
WHERE f.row_status = 'accepted';

-- Every close and reopen of a period, in order: the audit. The latest row of a period says
-- whether it is closed. A close names the report version the committee signed, that version's
-- input snapshot and the sha256 of the archive of what it read.
CREATE TABLE IF NOT EXISTS period_closures (
    closure_id      BIGINT PRIMARY KEY,
    period          VARCHAR NOT NULL,
    action          VARCHAR NOT NULL CHECK (action IN ('close', 'reopen')),
    report_version  INTEGER,
    input_snapshot  VARCHAR,
    archive_path    VARCHAR,
    archive_sha256  VARCHAR,
    by_name         VARCHAR NOT NULL,
    note            VARCHAR,
    recorded_at     TIMESTAMPTZ NOT NULL,
    CHECK ((action = 'close') = (report_version IS NOT NULL AND archive_sha256 IS NOT NULL))
);

-- The submissions a close signed: exactly those its report version read.
CREATE TABLE IF NOT EXISTS closed_submissions (
    closure_id     BIGINT NOT NULL REFERENCES period_closures (closure_id),
    unit_code      VARCHAR NOT NULL,
    submission_id  BIGINT NOT NULL REFERENCES submissions (submission_id)
);

CREATE OR REPLACE VIEW period_state AS
SELECT *
FROM period_closures
QUALIFY closure_id = max(closure_id) OVER (PARTITION BY period);

-- The signed submissions of every period that is closed now.
CREATE OR REPLACE VIEW signed_submissions AS
SELECT s.*
FROM period_state AS p
JOIN closed_submissions AS c USING (closure_id)
JOIN submissions AS s ON s.submission_id = c.submission_id
WHERE p.action = 'close';

-- ---------------------------------------------------------------- household review (form HN)
-- A household file's bytes are never kept (they hold the households' own codes): its sha256
-- recognises the same file again. Versions are per unit, review year and kind.
CREATE TABLE IF NOT EXISTS household_submissions (
    submission_id     BIGINT PRIMARY KEY,
    content_sha256    VARCHAR NOT NULL,
    file_type         VARCHAR NOT NULL,
    size_bytes        BIGINT NOT NULL,
    file_name         VARCHAR NOT NULL,
    unit_code         VARCHAR,
    review_year       INTEGER,
    review_kind       VARCHAR CHECK (review_kind IN ('dinh-ky', 'dau-ky')),
    standard          VARCHAR,
    version           INTEGER,
    status            VARCHAR NOT NULL
        CHECK (status IN ('accepted', 'accepted_with_issues', 'rejected')),
    reject_reason     VARCHAR,
    received_at       TIMESTAMPTZ NOT NULL,
    ingested_at       TIMESTAMPTZ NOT NULL,
    prepared_on       DATE,
    prepared_by       VARCHAR,
    template_version  VARCHAR,
    rows_read         INTEGER NOT NULL,
    rows_accepted     INTEGER NOT NULL,
    rows_quarantined  INTEGER NOT NULL,
    file_errors       INTEGER NOT NULL,
    row_errors        INTEGER NOT NULL,
    warnings          INTEGER NOT NULL,
    CHECK ((status = 'rejected') = (version IS NULL))
);

-- One row per household row checked. household_key is the keyed hash (HMAC-SHA256 under the
-- data dir's household.key) of the household code: the code itself is never stored.
CREATE TABLE IF NOT EXISTS stg_households (
    submission_id      BIGINT NOT NULL REFERENCES household_submissions (submission_id),
    excel_row          INTEGER NOT NULL,
    row_status         VARCHAR NOT NULL CHECK (row_status IN ('accepted', 'quarantined')),
    commune_code       VARCHAR,
    household_key      VARCHAR,
    village            VARCHAR,
    area               VARCHAR,
    members            INTEGER,
    income_score       INTEGER,
    below_line         BOOLEAN,
    deprivations       VARCHAR[],  -- the indicator ids of the file's standard it is deprived in
    deprivation_count  INTEGER,
    result             VARCHAR CHECK (result IN ('poor', 'near_poor', 'not_poor')),
    ethnic_minority    BOOLEAN,
    merit_person       BOOLEAN,
    social_assistance  BOOLEAN,
    no_labour          BOOLEAN,
    causes             VARCHAR[],
    PRIMARY KEY (submission_id, excel_row)
);

CREATE TABLE IF NOT EXISTS household_findings (
    submission_id  BIGINT NOT NULL REFERENCES household_submissions (submission_id),
    file_name      VARCHAR NOT NULL,
    sheet          VARCHAR,
    excel_row      INTEGER,
    column_label   VARCHAR,
    value_found    VARCHAR,  -- never a household code or a personal value
    rule_id        VARCHAR NOT NULL,
    severity       VARCHAR NOT NULL,
    problem        VARCHAR NOT NULL,
    message        VARCHAR NOT NULL
);

-- Which key hashed the stored household codes (a hash of the key, not the key): a data dir
-- whose key file went missing or was swapped is refused rather than hashed anew.
CREATE TABLE IF NOT EXISTS household_key_check (
    fingerprint  VARCHAR NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);

CREATE OR REPLACE VIEW current_household_submissions AS
SELECT *
FROM household_submissions
WHERE status <> 'rejected'
QUALIFY version = max(version) OVER (PARTITION BY unit_code, review_year, review_kind);

CREATE OR REPLACE VIEW accepted_households AS
SELECT s.unit_code, s.review_year, s.review_kind, s.standard, h.*
FROM stg_households AS h
JOIN current_household_submissions AS s USING (submission_id)
WHERE h.row_status = 'accepted';
