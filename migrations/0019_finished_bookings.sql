-- 0019: 已办理预约 reads a page of a unit's finished bookings from one table kept together
-- per unit.
--
-- A page shows five finished bookings with each item's applicant and review result and
-- the rating. Read from bookings, booking_items and evaluations, that was some twenty
-- pages of the file (each booking of a unit lies elsewhere in years of bookings, and so do
-- its items and its rating): on 300,000 past bookings the page cost twice what an empty
-- one does. Here a unit's finished bookings are adjacent in one B-tree (WITHOUT ROWID,
-- keyed by unit, date, session, booking): a page and the count are one short range.
--
-- The triggers below keep it equal to what the three tables say, in the transaction of
-- every write that finishes a booking (已办理 / 未到), changes a finished one, its items or
-- its rating; no code writes it. (A migration that rebuilds one of the three tables must
-- recreate these triggers.) items: a JSON array of [business, ordinal, applicant_name,
-- review, review_reason], one per item, in no particular order.

CREATE TABLE finished_bookings (
    unit_id    INTEGER NOT NULL,
    date       TEXT    NOT NULL,
    session    TEXT    NOT NULL,
    booking_id INTEGER NOT NULL,
    code       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    items      TEXT    NOT NULL,
    rating     INTEGER,
    comment    TEXT,
    PRIMARY KEY (unit_id, date, session, booking_id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX finished_bookings_by_booking ON finished_bookings(booking_id);

INSERT INTO finished_bookings (unit_id, date, session, booking_id, code, state, items, rating, comment)
SELECT b.unit_id, b.date, b.session, b.id, b.code, b.state,
       (SELECT json_group_array(json_array(i.business, i.ordinal, i.applicant_name, i.review, i.review_reason))
          FROM booking_items i WHERE i.booking_id = b.id),
       e.rating, e.comment
  FROM bookings b LEFT JOIN evaluations e ON e.booking_id = b.id
 WHERE b.state IN ('served', 'no_show');

CREATE TRIGGER finished_bookings_on_insert AFTER INSERT ON bookings
WHEN NEW.state IN ('served', 'no_show')
BEGIN
    INSERT INTO finished_bookings (unit_id, date, session, booking_id, code, state, items, rating, comment)
    SELECT NEW.unit_id, NEW.date, NEW.session, NEW.id, NEW.code, NEW.state,
           (SELECT json_group_array(json_array(i.business, i.ordinal, i.applicant_name, i.review, i.review_reason))
              FROM booking_items i WHERE i.booking_id = NEW.id),
           (SELECT rating FROM evaluations WHERE booking_id = NEW.id),
           (SELECT comment FROM evaluations WHERE booking_id = NEW.id);
END;

CREATE TRIGGER finished_bookings_on_update AFTER UPDATE OF unit_id, date, session, code, state ON bookings
WHEN OLD.state IN ('served', 'no_show') OR NEW.state IN ('served', 'no_show')
BEGIN
    DELETE FROM finished_bookings WHERE booking_id = OLD.id;
    INSERT INTO finished_bookings (unit_id, date, session, booking_id, code, state, items, rating, comment)
    SELECT NEW.unit_id, NEW.date, NEW.session, NEW.id, NEW.code, NEW.state,
           (SELECT json_group_array(json_array(i.business, i.ordinal, i.applicant_name, i.review, i.review_reason))
              FROM booking_items i WHERE i.booking_id = NEW.id),
           (SELECT rating FROM evaluations WHERE booking_id = NEW.id),
           (SELECT comment FROM evaluations WHERE booking_id = NEW.id)
     WHERE NEW.state IN ('served', 'no_show');
END;

CREATE TRIGGER finished_bookings_on_delete AFTER DELETE ON bookings
WHEN OLD.state IN ('served', 'no_show')
BEGIN
    DELETE FROM finished_bookings WHERE booking_id = OLD.id;
END;

CREATE TRIGGER finished_items_on_insert AFTER INSERT ON booking_items
BEGIN
    UPDATE finished_bookings
       SET items = (SELECT json_group_array(json_array(i.business, i.ordinal, i.applicant_name, i.review,
                                                       i.review_reason))
                      FROM booking_items i WHERE i.booking_id = NEW.booking_id)
     WHERE booking_id = NEW.booking_id;
END;

CREATE TRIGGER finished_items_on_update
AFTER UPDATE OF booking_id, business, ordinal, applicant_name, review, review_reason ON booking_items
BEGIN
    UPDATE finished_bookings
       SET items = (SELECT json_group_array(json_array(i.business, i.ordinal, i.applicant_name, i.review,
                                                       i.review_reason))
                      FROM booking_items i WHERE i.booking_id = finished_bookings.booking_id)
     WHERE booking_id IN (OLD.booking_id, NEW.booking_id);
END;

CREATE TRIGGER finished_items_on_delete AFTER DELETE ON booking_items
BEGIN
    UPDATE finished_bookings
       SET items = (SELECT json_group_array(json_array(i.business, i.ordinal, i.applicant_name, i.review,
                                                       i.review_reason))
                      FROM booking_items i WHERE i.booking_id = OLD.booking_id)
     WHERE booking_id = OLD.booking_id;
END;

CREATE TRIGGER finished_rating_on_insert AFTER INSERT ON evaluations
BEGIN
    UPDATE finished_bookings SET rating = NEW.rating, comment = NEW.comment WHERE booking_id = NEW.booking_id;
END;

CREATE TRIGGER finished_rating_on_update AFTER UPDATE ON evaluations
BEGIN
    UPDATE finished_bookings SET rating = NULL, comment = NULL WHERE booking_id = OLD.booking_id;
    UPDATE finished_bookings SET rating = NEW.rating, comment = NEW.comment WHERE booking_id = NEW.booking_id;
END;

CREATE TRIGGER finished_rating_on_delete AFTER DELETE ON evaluations
BEGIN
    UPDATE finished_bookings SET rating = NULL, comment = NULL WHERE booking_id = OLD.booking_id;
END;
