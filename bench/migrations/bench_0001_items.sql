-- The business row each benchmarked event stands for.
CREATE TABLE items (
    seq        bigint PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
