-- 0004: delivery you can trust (SPEC §13, bot/delivery).
--
-- outbox: what a clerk must be told of a change, written in the same transaction as
-- the change and delivered from there until Telegram accepts it (across restarts).
-- A row is one message made of ordered parts (the receipt text, then its .ics file,
-- later perhaps a QR photo); parts_done counts the parts Telegram accepted, so a
-- retry never repeats an accepted part. What a part says is rendered when it is sent
-- (from 'render' and booking_id through the texts layer) or taken from 'payload'.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    render     TEXT    NOT NULL,                -- the renderer: 'receipt', 'receipt_edit', 'calendar', 'text', …
    chat_id    INTEGER NOT NULL,
    booking_id INTEGER REFERENCES bookings(id) ON DELETE CASCADE,
    payload    TEXT    NOT NULL DEFAULT '{}',   -- JSON: rendered text, buttons, caption, …
    status     TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sent', 'blocked', 'failed')),
    parts_done INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    sent_at    TEXT,
    message_id INTEGER                           -- the first part's Telegram message id
);
CREATE INDEX outbox_pending ON outbox(id) WHERE status = 'pending';
CREATE INDEX outbox_by_booking ON outbox(booking_id);

-- The confirmation dialogue a booking was made from: a second 「确定」 of the same
-- dialogue (its answer was lost) is shown that booking instead of an error.
ALTER TABLE bookings ADD COLUMN dialogue TEXT;
CREATE UNIQUE INDEX bookings_by_dialogue ON bookings(created_by, dialogue) WHERE dialogue IS NOT NULL;

-- Reminders and broadcasts are sent at most once: an ambiguous answer (a timeout, a
-- 5xx after the request left) is recorded 'uncertain' and never resent. A broadcast
-- recipient is a notification like any other (key broadcast:<id>:<user>), so the
-- broadcasts' own claim (0003) goes.
CREATE TABLE notifications_new (
    key        TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'blocked', 'uncertain')),
    attempts   INTEGER NOT NULL DEFAULT 1,
    claimed_at TEXT    NOT NULL,
    sent_at    TEXT
);
INSERT INTO notifications_new SELECT key, kind, user_id, status, attempts, claimed_at, sent_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_unfinished ON notifications(status) WHERE status = 'claimed';

CREATE TABLE broadcast_recipients_new (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sent', 'failed', 'blocked', 'uncertain')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    sent_at      TEXT,
    PRIMARY KEY (broadcast_id, user_id)
) WITHOUT ROWID;
INSERT INTO broadcast_recipients_new SELECT broadcast_id, user_id, status, attempts, sent_at FROM broadcast_recipients;
DROP TABLE broadcast_recipients;
ALTER TABLE broadcast_recipients_new RENAME TO broadcast_recipients;
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients(broadcast_id, user_id) WHERE status = 'pending';

ALTER TABLE broadcasts DROP COLUMN claimed_by;
ALTER TABLE broadcasts DROP COLUMN lease_until;
