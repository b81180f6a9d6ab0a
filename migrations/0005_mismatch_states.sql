-- 0005: 材料不符 counts only when not corrected in time (SPEC §8).
-- One row per item that was ever marked 材料不符, with where it stands:
--   pending    given, not corrected yet (counts if still so at the change deadline)
--   corrected  the clerk pressed 「已更正，请复核」 before the deadline; awaits re-review
--   counted    stood at the deadline, or was given after it: counts in `month`
--   withdrawn  staff gave the item another result: counts for nothing
-- Rows of 0001 were counted when given: they are kept as counted in their month.

CREATE TABLE mismatches_v5 (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    booking_id   INTEGER REFERENCES bookings(id),
    item_id      INTEGER UNIQUE REFERENCES booking_items(id),  -- NULL only for rows kept from 0001
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'corrected', 'counted', 'withdrawn')),
    given_at     TEXT    NOT NULL,                 -- the last time staff gave 材料不符
    given_by     INTEGER,
    corrected_at TEXT,                             -- the clerk's 「已更正，请复核」
    corrected_by INTEGER,
    counted_at   TEXT,                             -- the instant it counted (deadline or late giving)
    month        TEXT,                             -- 'YYYY-MM' of counted_at while counted
    withdrawn_at TEXT,
    updated_at   TEXT    NOT NULL,
    CHECK ((state = 'counted') = (month IS NOT NULL AND counted_at IS NOT NULL))
);

INSERT INTO mismatches_v5 (id, unit_id, booking_id, item_id, state, given_at, given_by, counted_at, month, updated_at)
SELECT m.id, m.unit_id, i.booking_id, m.item_id, 'counted', m.recorded_at, m.recorded_by, m.recorded_at, m.month,
       m.recorded_at
  FROM mismatches m LEFT JOIN booking_items i ON i.id = m.item_id
 WHERE m.item_id IS NULL OR m.id = (SELECT MIN(id) FROM mismatches d WHERE d.item_id = m.item_id);

DROP TABLE mismatches;
ALTER TABLE mismatches_v5 RENAME TO mismatches;
CREATE INDEX mismatches_counted ON mismatches(unit_id, month) WHERE state = 'counted';
CREATE INDEX mismatches_open ON mismatches(state) WHERE state IN ('pending', 'corrected');
CREATE INDEX mismatches_by_booking ON mismatches(booking_id);
