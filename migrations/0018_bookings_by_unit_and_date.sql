-- 0018: the index of a unit's bookings by state also holds their date and session, so a
-- page of 已办理预约 (newest first, five at a time) is picked from the index alone and
-- only its five rows are read. Before, the page read every finished booking of the unit
-- — each a random page of a table of years of bookings — to sort them.

DROP INDEX bookings_by_unit;
CREATE INDEX bookings_by_unit ON bookings(unit_id, state, date, session);
