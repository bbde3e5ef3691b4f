-- Tables of the small services the kit's tests run.
CREATE TABLE entries (
    id     serial PRIMARY KEY,
    amount integer NOT NULL
);

CREATE TABLE tallied (
    id             serial PRIMARY KEY,
    event_id       uuid NOT NULL,
    amount         integer NOT NULL,
    correlation_id text NOT NULL
);
