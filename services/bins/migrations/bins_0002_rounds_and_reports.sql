-- What crews record on each round day, and residents' missed-collection reports.
-- depends: bins_0001_borough

CREATE TABLE round_days (
    round_id     text NOT NULL REFERENCES rounds (id),
    day          date NOT NULL,
    crew_id      text NOT NULL,
    completed_at timestamptz NOT NULL,
    PRIMARY KEY (round_id, day)
);

CREATE TABLE crew_exceptions (
    round_id    text NOT NULL REFERENCES rounds (id),
    uprn        text NOT NULL REFERENCES properties (uprn) ON DELETE CASCADE,
    day         date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('bin_not_out', 'contaminated', 'no_access',
                                              'excess_waste')),
    note        text CHECK (length(note) <= 500),
    crew_id     text NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (uprn, round_id, day)
);

CREATE TABLE reports (
    id                   uuid PRIMARY KEY,
    reference            text NOT NULL UNIQUE,
    -- SHA-256 of the resident's secret; the secret itself is never stored
    secret_sha256        bytea NOT NULL,
    idempotency_key      text UNIQUE,
    uprn                 text NOT NULL REFERENCES properties (uprn),
    service              text NOT NULL,
    collection_date      date NOT NULL,
    round_id             text NOT NULL REFERENCES rounds (id),
    crew_id              text NOT NULL,
    channel              text NOT NULL,
    status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    outcome              text CHECK (outcome IN ('collected', 'not_collected')),
    outcome_reason       text,
    filed_at             timestamptz NOT NULL,
    due_by               timestamptz NOT NULL,
    resolved_at          timestamptz,
    overdue_announced_at timestamptz
);
-- At most one open report per bin and collection, whatever races: filing
-- inserts with ON CONFLICT DO NOTHING against this index.
CREATE UNIQUE INDEX reports_one_open ON reports (uprn, service, collection_date)
    WHERE status = 'open';
CREATE INDEX reports_overdue ON reports (due_by)
    WHERE status = 'open' AND overdue_announced_at IS NULL;
CREATE INDEX reports_round_open ON reports (round_id, collection_date) WHERE status = 'open';
CREATE INDEX reports_filed_at ON reports (filed_at DESC);
