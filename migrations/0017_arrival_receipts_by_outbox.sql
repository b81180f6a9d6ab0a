-- 0017: a receipt whose arrival time moved earlier is edited through the outbox (0004's
-- delivery path, written in the change's own transaction), so 0007's own flag for it
-- (receipt_stale) is no longer needed: the flag goes, and the 改约 trigger without it.

DROP TRIGGER booking_arrival_on_move;
DROP INDEX booking_arrivals_stale;
ALTER TABLE booking_arrivals DROP COLUMN receipt_stale;

-- 改约 into another session: the booking joins that session's queue at the end and its
-- old promise (a time in another session) no longer applies.
CREATE TRIGGER booking_arrival_on_move AFTER UPDATE OF date, session ON bookings
WHEN OLD.date IS NOT NEW.date OR OLD.session IS NOT NEW.session
BEGIN
    UPDATE booking_arrivals
       SET queue_seq = (SELECT MAX(queue_seq) + 1 FROM booking_arrivals), promised_at = NULL
     WHERE booking_id = NEW.id;
END;
