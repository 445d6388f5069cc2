-- Fleet schema, version 1. Applied once, in a transaction, by stingwatch-fleet-store; the
-- version is recorded in fleet_migrations.

-- A sensor is known by name; only the SHA-256 of its (random, 256-bit) token is kept.
CREATE TABLE sensors (
    id                   BIGSERIAL PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    token_hash           BYTEA NOT NULL UNIQUE,
    revoked              BOOLEAN NOT NULL DEFAULT FALSE,
    -- Exact positions are kept on this sensor's findings only when its owner opted in.
    share_exact_position BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per applied upload: the primary key is what makes a retried batch a no-op.
CREATE TABLE batches (
    sensor_id    BIGINT NOT NULL REFERENCES sensors (id),
    batch_id     TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_ms   BIGINT NOT NULL,
    observations INTEGER NOT NULL,
    findings     INTEGER NOT NULL,
    PRIMARY KEY (sensor_id, batch_id)
);
CREATE INDEX batches_received ON batches (received_at);

-- Routine cell sightings. Positions are never exact here: only the grid cell (hex) and its
-- centre. Partitioned by day; partitions are created when a batch needs one and dropped
-- whole by the retention purge.
CREATE TABLE observations (
    time               TIMESTAMPTZ NOT NULL,
    sensor_id          BIGINT NOT NULL,
    rat                SMALLINT,
    mcc                SMALLINT,
    mnc                SMALLINT,
    area               BIGINT,
    cell               BIGINT,
    channel            BIGINT,
    pci                INTEGER,
    serving            BOOLEAN NOT NULL,
    rsrp_dbm           REAL,
    rsrq_db            REAL,
    timing_advance     BIGINT,
    hex                BIGINT,
    hex_lat            DOUBLE PRECISION,
    hex_lon            DOUBLE PRECISION,
    identity_exposures INTEGER NOT NULL,
    connections        INTEGER NOT NULL
) PARTITION BY RANGE (time);
CREATE INDEX observations_cell ON observations (mcc, mnc, area, cell);
CREATE INDEX observations_sensor_time ON observations (sensor_id, time);

-- Raw capture bytes behind findings: sent only on request, or a Rayhunter recording.
CREATE TABLE evidence (
    id          BIGSERIAL PRIMARY KEY,
    sensor_id   BIGINT NOT NULL REFERENCES sensors (id),
    format      TEXT NOT NULL,
    data        BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX evidence_received ON evidence (received_at);

CREATE TABLE findings (
    id          BIGSERIAL PRIMARY KEY,
    sensor_id   BIGINT NOT NULL REFERENCES sensors (id),
    -- The sensor's own id for the finding: a finding sent again in a later batch is kept once.
    finding_id  TEXT NOT NULL,
    batch_id    TEXT,
    -- Rayhunter recording name, for findings of a WebDAV upload.
    recording   TEXT,
    kind        TEXT NOT NULL,
    severity    SMALLINT NOT NULL,
    rat         SMALLINT,
    title       TEXT NOT NULL,
    explanation TEXT NOT NULL,
    time        TIMESTAMPTZ NOT NULL,
    mcc         SMALLINT,
    mnc         SMALLINT,
    area        BIGINT,
    cell        BIGINT,
    channel     BIGINT,
    pci         INTEGER,
    hex         BIGINT,
    hex_lat     DOUBLE PRECISION,
    hex_lon     DOUBLE PRECISION,
    exact_lat   DOUBLE PRECISION,
    exact_lon   DOUBLE PRECISION,
    accuracy_m  DOUBLE PRECISION,
    evidence_id BIGINT REFERENCES evidence (id) ON DELETE SET NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (sensor_id, finding_id)
);
CREATE INDEX findings_time ON findings (time);
CREATE INDEX findings_received ON findings (received_at);
CREATE INDEX findings_recording ON findings (sensor_id, recording);

-- Files a Rayhunter put over WebDAV. The recording itself is kept as evidence; its GPS
-- track and its own analysis as they came (bounded in size by the server).
CREATE TABLE rayhunter_uploads (
    sensor_id   BIGINT NOT NULL REFERENCES sensors (id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    bytes       BIGINT NOT NULL,
    sha256      BYTEA NOT NULL,
    content     BYTEA,
    evidence_id BIGINT REFERENCES evidence (id) ON DELETE SET NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (sensor_id, name, kind)
);
CREATE INDEX rayhunter_received ON rayhunter_uploads (received_at);
