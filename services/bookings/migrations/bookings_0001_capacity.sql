-- Offices, appointment types and advisers; slots as capacity rows; bookings
-- (holds and confirmed), what each triaged case may book, the waiting list
-- and reminders.
-- depends: kit_0001_outbox_inbox

CREATE TABLE offices (
    id        text PRIMARY KEY,
    name      text NOT NULL,
    address   text NOT NULL,
    step_free boolean NOT NULL,
    -- {"0": [["09:00", "12:30"], ["13:30", "17:00"]], ...} by weekday, Monday 0
    hours     jsonb NOT NULL,
    closures  date[] NOT NULL DEFAULT '{}'
);

CREATE TABLE appointment_types (
    id               text PRIMARY KEY,
    name             text NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    buffer_minutes   integer NOT NULL CHECK (buffer_minutes BETWEEN 0 AND 120),
    advisers_at_once integer NOT NULL CHECK (advisers_at_once >= 1),
    needs_case       boolean NOT NULL,
    -- the urgencies of a triaged case that may book it (empty: anyone)
    urgencies        text[] NOT NULL DEFAULT '{}',
    office_ids       text[] NOT NULL
);

CREATE TABLE advisers (
    id        text PRIMARY KEY,
    office_id text NOT NULL REFERENCES offices (id),
    type_ids  text[] NOT NULL,
    -- working pattern, as office hours
    pattern   jsonb NOT NULL
);

-- One row per slot anyone has asked for a place in. The CHECK is what makes
-- overbooking impossible: every hold and booking adds one to `taken` under
-- this row's lock, and PostgreSQL refuses a `taken` above `capacity`.
CREATE TABLE slots (
    id        bigserial PRIMARY KEY,
    office_id text NOT NULL REFERENCES offices (id),
    type_id   text NOT NULL REFERENCES appointment_types (id),
    starts_at timestamptz NOT NULL,
    ends_at   timestamptz NOT NULL,
    capacity  integer NOT NULL CHECK (capacity >= 0),
    taken     integer NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= capacity),
    UNIQUE (office_id, type_id, starts_at)
);
CREATE INDEX slots_office_time ON slots (office_id, starts_at);

-- Emergency cases' same-day places, ring-fenced per office and day.
CREATE TABLE ring_fences (
    office_id text NOT NULL REFERENCES offices (id),
    day       date NOT NULL,
    capacity  integer NOT NULL CHECK (capacity >= 0),
    taken     integer NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= capacity),
    PRIMARY KEY (office_id, day)
);

-- What each triaged housing case may book, from housing's CaseTriaged.
CREATE TABLE cases (
    case_id          uuid PRIMARY KEY,
    reference        text NOT NULL UNIQUE,
    urgency          text NOT NULL,
    appointment_type text,
    triaged_on       date NOT NULL,
    triaged_at       timestamptz NOT NULL
);

CREATE TABLE bookings (
    id              uuid PRIMARY KEY,
    reference       text NOT NULL UNIQUE,
    secret_sha256   bytea NOT NULL,
    slot_id         bigint NOT NULL REFERENCES slots (id),
    status          text NOT NULL CHECK (status IN ('held', 'confirmed', 'cancelled',
                                                    'expired')),
    hold_expires_at timestamptz,
    case_id         uuid REFERENCES cases (case_id),
    ring_fenced     boolean NOT NULL DEFAULT false,
    -- personal data: the person's contact details and needs, kept here only
    name            text,
    email           text,
    phone           text,
    step_free       boolean NOT NULL DEFAULT false,
    interpreter     text,
    booked_by       text NOT NULL DEFAULT 'resident',
    sequence        integer NOT NULL DEFAULT 0,
    waitlist_id     bigint,
    idempotency_key text UNIQUE,
    created_at      timestamptz NOT NULL,
    confirmed_at    timestamptz,
    cancelled_at    timestamptz
);
-- A case holds at most one live housing appointment.
CREATE UNIQUE INDEX bookings_one_per_case ON bookings (case_id)
    WHERE status IN ('held', 'confirmed') AND case_id IS NOT NULL;
CREATE INDEX bookings_holds_expiring ON bookings (hold_expires_at) WHERE status = 'held';
CREATE INDEX bookings_slot_live ON bookings (slot_id) WHERE status IN ('held', 'confirmed');

CREATE TABLE waitlist (
    id          bigserial PRIMARY KEY,
    case_id     uuid REFERENCES cases (case_id),
    type_id     text NOT NULL REFERENCES appointment_types (id),
    office_id   text REFERENCES offices (id),
    first_day   date NOT NULL,
    last_day    date NOT NULL,
    step_free   boolean NOT NULL DEFAULT false,
    status      text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'offered',
                                                              'booked', 'lapsed',
                                                              'left')),
    joined_at   timestamptz NOT NULL,
    offered_booking_id uuid
);
CREATE INDEX waitlist_waiting ON waitlist (type_id, joined_at) WHERE status = 'waiting';
CREATE UNIQUE INDEX waitlist_one_per_case ON waitlist (case_id)
    WHERE status IN ('waiting', 'offered') AND case_id IS NOT NULL;

-- BookingReminderDue, scheduled with the booking and sent once.
CREATE TABLE reminders (
    booking_id   uuid PRIMARY KEY REFERENCES bookings (id),
    due_at       timestamptz NOT NULL,
    sent_at      timestamptz,
    cancelled_at timestamptz
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE sent_at IS NULL AND cancelled_at IS NULL;
