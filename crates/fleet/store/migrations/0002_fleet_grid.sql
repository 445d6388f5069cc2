-- Fleet schema, version 2: one grid for the whole fleet, and the age of each routine fix.
--
-- Version 1 binned positions into a grid of the store's own (flat-top hexagons of 100 m
-- circumradius on a per-band projection). The fleet now has one grid, that of
-- stingwatch-fleet-correlate (pointy-top hexagons of 100 m circumradius, 180 one-degree bands,
-- ids band << 48 | row << 32 | column), which the correlation code also uses to merge
-- sightings. Old ids mean nothing in it: they are cleared here, and the store re-bins every
-- stored centre into the new grid right after this migration, in the same transaction
-- (an old centre is within 100 m of the fix, so a re-binned row may be one cell off).
UPDATE observations SET hex = NULL WHERE hex IS NOT NULL;
UPDATE findings SET hex = NULL WHERE hex IS NOT NULL;

-- Age of the fix a routine position came from, milliseconds: the correlation code leaves out
-- sightings placed by a stale fix and widens the place's uncertainty with the fix's age.
ALTER TABLE observations ADD COLUMN position_age_ms INTEGER;
