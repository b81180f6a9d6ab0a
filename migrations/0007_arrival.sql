-- 0007: suggested arrival times and check-in at the counter (SPEC §4 "Arrival time").
-- One row per booking, created with it (trigger below), so every booking has a queue
-- place and a check-in token whatever code path inserted it.
--
-- queue_seq      the order in which bookings entered their date's session: a new
--                booking, or one moved there by 改约, joins at the end
-- promised_at    'HH:MM', the arrival time the clerk was last told; it may only move
--                earlier (bot.rules.arrival), NULL until first computed
-- checkin_token  the secret of the receipt's QR code (t.me/<bot>?start=ci_<token>):
--                128 random bits from SQLite's randomblob (a CSPRNG seeded by the OS)
-- checked_in_at  when staff checked the clerk in at the counter (once)
-- served_at      when the booking became 已办理 (trigger below), for the average wait
-- receipt_stale  1 when the time moved earlier and the clerk's receipt still shows
--                the old one (dropped by 0017: the outbox edits the receipt now)

CREATE TABLE booking_arrivals (
    booking_id    INTEGER PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    queue_seq     INTEGER NOT NULL UNIQUE,
    promised_at   TEXT CHECK (promised_at IS NULL OR promised_at GLOB '[0-2][0-9]:[0-5][0-9]'),
    checkin_token TEXT    NOT NULL UNIQUE,
    checked_in_at TEXT,
    checked_in_by INTEGER,
    served_at     TEXT,
    receipt_stale INTEGER NOT NULL DEFAULT 0 CHECK (receipt_stale IN (0, 1))
);
CREATE INDEX booking_arrivals_stale ON booking_arrivals(booking_id) WHERE receipt_stale = 1;

-- Bookings made before this migration: queued in the order they were made.
INSERT INTO booking_arrivals (booking_id, queue_seq, checkin_token, served_at)
SELECT id, id, lower(hex(randomblob(16))), CASE WHEN state = 'served' THEN updated_at END
FROM bookings;

CREATE TRIGGER booking_arrival_on_insert AFTER INSERT ON bookings
BEGIN
    INSERT INTO booking_arrivals (booking_id, queue_seq, checkin_token)
    VALUES (NEW.id, (SELECT COALESCE(MAX(queue_seq), 0) + 1 FROM booking_arrivals),
            lower(hex(randomblob(16))));
END;

-- 改约 into another session: the booking joins that session's queue at the end and its
-- old promise (a time in another session) no longer applies.
CREATE TRIGGER booking_arrival_on_move AFTER UPDATE OF date, session ON bookings
WHEN OLD.date IS NOT NEW.date OR OLD.session IS NOT NEW.session
BEGIN
    UPDATE booking_arrivals
       SET queue_seq = (SELECT MAX(queue_seq) + 1 FROM booking_arrivals),
           promised_at = NULL, receipt_stale = 0
     WHERE booking_id = NEW.id;
END;

CREATE TRIGGER booking_arrival_on_served AFTER UPDATE OF state ON bookings
WHEN NEW.state = 'served' AND OLD.state IS NOT 'served'
BEGIN
    UPDATE booking_arrivals SET served_at = NEW.updated_at WHERE booking_id = NEW.id;
END;
