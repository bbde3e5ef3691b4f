-- Messages to residents, and each resident's timeline.
-- Addresses are kept only until a message has gone; after that a message is
-- known by keyed hashes of its address, never the address itself.
-- depends: kit_0001_outbox_inbox

-- One row per event, template, channel and address: the unique key is what
-- makes a redelivered or replayed event send nothing new.
CREATE TABLE messages (
    id                uuid PRIMARY KEY,
    event_id          uuid NOT NULL,
    event_type        text NOT NULL,
    template_id       text NOT NULL,
    template_version  integer NOT NULL,
    channel           text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient_hash    bytea NOT NULL,
    -- Kept until sent (or given up), then cleared.
    to_address        text,
    subject           text,
    body              text,
    attachment_name   text,
    attachment        bytea,
    -- Where the resident gave both, the other channel to try if this one
    -- fails for good; cleared with the address.
    fallback_address  text,
    fallback_subject  text,
    fallback_body     text,
    -- pending: waiting for its due time; sending: a sender has it until
    -- due_at (a crashed sender's message is picked up again after that);
    -- sent, delivered: done; failed: a permanent failure; dead: out of
    -- attempts, for an operator to replay.
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sending', 'sent', 'delivered',
                                        'failed', 'dead')),
    attempts          integer NOT NULL DEFAULT 0,
    -- The last try may have reached the provider: ask before sending again.
    uncertain         boolean NOT NULL DEFAULT false,
    due_at            timestamptz NOT NULL,
    fallback_of       uuid REFERENCES messages (id),
    provider          text,
    provider_id       text,
    last_error        text,
    created_at        timestamptz NOT NULL,
    sent_at           timestamptz,
    finished_at       timestamptz,
    UNIQUE (event_id, template_id, channel, recipient_hash)
);

CREATE INDEX messages_due ON messages (due_at) WHERE status IN ('pending', 'sending');
CREATE INDEX messages_dead ON messages (finished_at) WHERE status = 'dead';
CREATE INDEX messages_provider_id ON messages (provider_id) WHERE provider_id IS NOT NULL;

-- What happened to a resident, one row per address they gave (a keyed
-- hash), written as each event arrives so a timeline is read from here alone.
CREATE TABLE timeline (
    id              bigserial PRIMARY KEY,
    resident_hash   bytea NOT NULL,
    entry_key       text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    kind            text NOT NULL,
    title           text NOT NULL,
    detail          text,
    reference       text,
    message_id      uuid REFERENCES messages (id),
    UNIQUE (resident_hash, entry_key)
);

CREATE INDEX timeline_by_resident ON timeline (resident_hash, occurred_at, id);

-- A resident's timeline is reached with a code sent to one of their
-- addresses; only the code's hash is kept.
CREATE TABLE timeline_codes (
    code_hash      bytea PRIMARY KEY,
    resident_hash  bytea NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL
);
