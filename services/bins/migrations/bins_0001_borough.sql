-- The borough: crews, rounds, properties and the waste services each receives.
-- depends: kit_0001_outbox_inbox

CREATE TABLE crews (
    id   text PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE rounds (
    id        text PRIMARY KEY,
    service   text NOT NULL CHECK (service IN ('refuse', 'recycling', 'garden', 'food')),
    weekday   smallint NOT NULL CHECK (weekday BETWEEN 0 AND 5),
    frequency text NOT NULL CHECK (frequency IN ('weekly', 'fortnightly')),
    week      text CHECK (week IN ('A', 'B')),
    crew_id   text NOT NULL REFERENCES crews (id),
    CHECK ((frequency = 'weekly') = (week IS NULL))
);
CREATE INDEX rounds_crew ON rounds (crew_id);

CREATE TABLE properties (
    uprn          text PRIMARY KEY CHECK (uprn ~ '^[0-9]{12}$'),
    address_lines text[] NOT NULL CHECK (cardinality(address_lines) BETWEEN 1 AND 5),
    postcode      text NOT NULL,
    ward          text NOT NULL,
    latitude      double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude     double precision CHECK (longitude BETWEEN -180 AND 180)
);
-- find_addresses looks up by normalised postcode ("AB1 2CD").
CREATE INDEX properties_postcode ON properties (postcode);

CREATE TABLE property_services (
    uprn             text NOT NULL REFERENCES properties (uprn) ON DELETE CASCADE,
    service          text NOT NULL CHECK (service IN ('refuse', 'recycling', 'garden', 'food')),
    round_id         text NOT NULL REFERENCES rounds (id),
    assisted         boolean NOT NULL DEFAULT false,
    -- garden waste only: the last day of the paid subscription
    subscribed_until date,
    PRIMARY KEY (uprn, service)
);
-- record_exception checks a property is on a round.
CREATE INDEX property_services_round ON property_services (round_id, uprn);
