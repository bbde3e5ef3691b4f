-- A person on the waiting list gets a code to see and take an offer; only
-- its hash is kept. Entries made before have none (staff act for them).
-- depends: bookings_0001_capacity

ALTER TABLE waitlist ADD COLUMN code_sha256 bytea;
