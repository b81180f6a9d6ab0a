-- 0002: broadcasts (SPEC §11) — stored with every recipient before the first message goes out.
-- A broadcast is 'queued' when stored, 'sending' once its sender runs, 'done' when no
-- recipient is pending. A restart resumes every broadcast not 'done' with its pending
-- recipients only, so nobody gets it twice.

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    created_by          INTEGER NOT NULL,          -- Telegram user id of the staff member
    text                TEXT    NOT NULL,
    audience            TEXT    NOT NULL CHECK (audience IN ('all', 'date')),
    audience_date       TEXT,                      -- 'YYYY-MM-DD' for audience 'date'
    status              TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'done')),
    created_at          TEXT    NOT NULL,
    finished_at         TEXT,
    progress_chat_id    INTEGER,                   -- the staff message edited with the progress
    progress_message_id INTEGER,
    CHECK ((audience = 'date') = (audience_date IS NOT NULL))
);
CREATE INDEX broadcasts_unfinished ON broadcasts(status) WHERE status != 'done';

CREATE TABLE broadcast_recipients (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'blocked')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    sent_at      TEXT,                             -- when Telegram accepted it (or it was given up)
    PRIMARY KEY (broadcast_id, user_id)
) WITHOUT ROWID;
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients(broadcast_id, user_id) WHERE status = 'pending';
