-- Fleet schema, version 3: the cell observations of recordings a Rayhunter put over WebDAV.
--
-- The server analyses such a recording itself and stores the cells it saw, as it does for a
-- sensor's batches, so Rayhunter devices take part in the fleet rules. Those rows name their
-- recording: a recording put again, or its GPS file arriving later, replaces them.
ALTER TABLE observations ADD COLUMN recording TEXT;
CREATE INDEX observations_recording ON observations (sensor_id, recording)
    WHERE recording IS NOT NULL;
