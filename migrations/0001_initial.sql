-- 0001: the foundation schema.
-- Instants are ISO-8601 text with offset (Asia/Shanghai); dates are 'YYYY-MM-DD'.
-- Enumerations are the stable ASCII keys of bot.rules (BusinessType, BookingState, ...).

CREATE TABLE units (
    id                 INTEGER PRIMARY KEY,
    username           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name               TEXT    NOT NULL,
    password_hash      TEXT    NOT NULL,
    -- 1 while the password is a one-time password handed over by the centre
    password_temporary INTEGER NOT NULL DEFAULT 1 CHECK (password_temporary IN (0, 1)),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);

-- Every Telegram user who has talked to the bot; unit_id set while bound (logged in).
CREATE TABLE tg_users (
    user_id              INTEGER PRIMARY KEY,
    first_name           TEXT    NOT NULL DEFAULT '',
    unit_id              INTEGER REFERENCES units(id) ON DELETE SET NULL,
    bound_at             TEXT,
    -- 1 after logging in with a one-time password until the unit's own is chosen
    must_set_password    INTEGER NOT NULL DEFAULT 0 CHECK (must_set_password IN (0, 1)),
    notice_version       TEXT,              -- hash of the notice text last accepted
    release_notice       INTEGER NOT NULL DEFAULT 1 CHECK (release_notice IN (0, 1)),
    blocked_at           TEXT,              -- the user blocked the bot
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL
);
CREATE INDEX tg_users_unit ON tg_users(unit_id) WHERE unit_id IS NOT NULL;

-- Failed logins, counted per Telegram user ('user:<id>') and per username ('name:<u>').
CREATE TABLE login_failures (
    key          TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TEXT,
    updated_at   TEXT    NOT NULL
);

CREATE TABLE staff (
    user_id  INTEGER PRIMARY KEY,
    name     TEXT    NOT NULL DEFAULT '',
    added_by INTEGER,
    added_at TEXT    NOT NULL
);

-- One row per date x session that has been touched: minutes taken, staff overrides.
CREATE TABLE slots (
    date     TEXT    NOT NULL,
    session  TEXT    NOT NULL,
    capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),  -- NULL: default applies
    closed   INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    used     INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (date, session)
) WITHOUT ROWID;

-- Dates the centre closed entirely (office event): they drop out of the window.
CREATE TABLE closed_dates (
    date      TEXT PRIMARY KEY,
    reason    TEXT NOT NULL DEFAULT '',
    closed_by INTEGER,
    closed_at TEXT NOT NULL
);

CREATE TABLE bookings (
    id                 INTEGER PRIMARY KEY,
    code               TEXT    NOT NULL UNIQUE,      -- CY20261201-007
    code_date          TEXT    NOT NULL,
    code_seq           INTEGER NOT NULL,
    unit_id            INTEGER NOT NULL REFERENCES units(id),
    date               TEXT    NOT NULL,
    session            TEXT    NOT NULL,
    minutes            INTEGER NOT NULL CHECK (minutes > 0 AND minutes <= 60),
    state              TEXT    NOT NULL CHECK (state IN
                           ('incomplete','pending','served','no_show','cancelled','released','revoked')),
    contact_name       TEXT    NOT NULL,
    contact_phone      TEXT    NOT NULL,
    created_by         INTEGER,                      -- Telegram user id of the clerk
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    ended_reason       TEXT,                         -- why it was cancelled/released/revoked
    receipt_chat_id    INTEGER,
    receipt_message_id INTEGER,
    UNIQUE (code_date, code_seq)
);
-- At most one active booking per unit per date (our decision, against hoarding).
CREATE UNIQUE INDEX bookings_one_active_per_unit_date
    ON bookings(unit_id, date) WHERE state IN ('incomplete', 'pending');
CREATE INDEX bookings_by_date ON bookings(date, session, state);
CREATE INDEX bookings_by_unit ON bookings(unit_id, state);

-- The items of a booking, one per applicant; applicant fields NULL until filled.
CREATE TABLE booking_items (
    id                 INTEGER PRIMARY KEY,
    booking_id         INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    business           TEXT    NOT NULL CHECK (business IN
                           ('new','renew','person_change','employer_change')),
    ordinal            INTEGER NOT NULL CHECK (ordinal >= 1),
    applicant_name     TEXT,
    id_type            TEXT,
    id_number          TEXT,
    phone              TEXT,
    permit_number      TEXT,
    change_description TEXT,
    filled_at          TEXT,
    review             TEXT CHECK (review IS NULL OR review IN ('pass','fail','mismatch')),
    review_reason      TEXT,
    reviewed_by        INTEGER,
    reviewed_at        TEXT,
    UNIQUE (booking_id, business, ordinal)
);
CREATE INDEX booking_items_by_person ON booking_items(id_number, business) WHERE id_number IS NOT NULL;

CREATE TABLE calendar_overrides (
    date   TEXT PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('workday', 'off', 'holiday')),
    note   TEXT NOT NULL DEFAULT '',
    set_by INTEGER,
    set_at TEXT NOT NULL
);

CREATE TABLE confirmed_years (
    year         INTEGER PRIMARY KEY,
    confirmed_by INTEGER,
    confirmed_at TEXT NOT NULL
);

-- Each 材料不符 result: counted per calendar month towards the freeze.
CREATE TABLE mismatches (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    item_id     INTEGER REFERENCES booking_items(id),
    month       TEXT    NOT NULL,                 -- 'YYYY-MM'
    recorded_at TEXT    NOT NULL,
    recorded_by INTEGER
);
CREATE INDEX mismatches_by_unit_month ON mismatches(unit_id, month);

CREATE TABLE evaluations (
    booking_id INTEGER PRIMARY KEY REFERENCES bookings(id),
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    TEXT    NOT NULL DEFAULT '',
    rated_by   INTEGER,
    rated_at   TEXT    NOT NULL
);

-- 有号提醒: a clerk waits for minutes to free up on a date.
CREATE TABLE availability_watches (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    date        TEXT    NOT NULL,
    minutes     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    notified_at TEXT,
    UNIQUE (user_id, date)
);

-- Every notification, claimed before it is sent so that nothing is sent twice.
CREATE TABLE notifications (
    key        TEXT    PRIMARY KEY,              -- kind:target:date
    kind       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'blocked')),
    attempts   INTEGER NOT NULL DEFAULT 1,
    claimed_at TEXT    NOT NULL,
    sent_at    TEXT
);
CREATE INDEX notifications_unfinished ON notifications(status) WHERE status = 'claimed';

-- Who did what, when: before -> after as JSON (personal data masked).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL,                  -- 'tg:<user id>', 'system', 'cli'
    entity    TEXT    NOT NULL,                  -- 'booking', 'unit', 'staff', 'calendar', ...
    entity_id TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX audit_by_entity ON audit_log(entity, entity_id, id);

-- Conversation state and per-user drafts, so a conversation survives a restart.
CREATE TABLE conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;

CREATE TABLE user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);
