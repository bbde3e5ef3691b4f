-- Triage drafts, cases, the caseworker's record, legal clocks and the audit log.
-- Answers are personal data and live only here.
-- depends: kit_0001_outbox_inbox

-- A triage in progress, reached with a resume code (only its hash is kept).
CREATE TABLE drafts (
    id                    uuid PRIMARY KEY,
    code_sha256           bytea NOT NULL UNIQUE,
    questionnaire_version integer NOT NULL,
    answers               jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL,
    -- set when submitted: submitting again returns the same case
    case_id               uuid
);
CREATE INDEX drafts_expires ON drafts (expires_at);

CREATE TABLE cases (
    id                    uuid PRIMARY KEY,
    reference             text NOT NULL UNIQUE,
    -- SHA-256 of the person's secret; the secret itself is never stored
    secret_sha256         bytea NOT NULL,
    draft_id              uuid UNIQUE,
    route                 text NOT NULL CHECK (route IN ('self', 'referral')),
    questionnaire_version integer NOT NULL,
    -- NULL once anonymised; `statistics` keeps what reporting needs
    answers               jsonb,
    statistics            jsonb,
    outcome               jsonb NOT NULL,
    urgency               text NOT NULL CHECK (urgency IN ('emergency', 'high', 'standard',
                                                           'advice')),
    urgency_rank          smallint NOT NULL,
    duty                  text NOT NULL CHECK (duty IN ('relief', 'prevention', 'none')),
    priority_need         text[] NOT NULL DEFAULT '{}',
    respond_by            date NOT NULL,
    triaged_at            timestamptz NOT NULL,
    status                text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    assigned_to           text,
    assigned_at           timestamptz,
    closed_outcome        text,
    closed_at             timestamptz,
    anonymised_at         timestamptz
);
-- The queue: open cases by urgency, then the date the council must respond by.
CREATE INDEX cases_queue ON cases (urgency_rank, respond_by, triaged_at) WHERE status = 'open';
CREATE INDEX cases_closed_queue ON cases (closed_at DESC) WHERE status = 'closed';
CREATE INDEX cases_assigned_to ON cases (assigned_to, urgency_rank, respond_by)
    WHERE status = 'open';
CREATE INDEX cases_to_anonymise ON cases (closed_at)
    WHERE status = 'closed' AND anonymised_at IS NULL;

CREATE TABLE case_notes (
    id         bigserial PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES cases (id),
    author     text NOT NULL,
    text       text CHECK (length(text) <= 5000),
    created_at timestamptz NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);

-- The personalised housing plan: steps for the council and for the person.
CREATE TABLE plan_steps (
    id         bigserial PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES cases (id),
    party      text NOT NULL CHECK (party IN ('council', 'applicant')),
    text       text CHECK (length(text) <= 1000),
    due_on     date,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    done_at    timestamptz
);
CREATE INDEX plan_steps_case ON plan_steps (case_id, id);

-- Legal clocks: events scheduled when the case is triaged, fired once by a
-- sweep (fired_at), or dropped when they no longer apply (cancelled_at).
CREATE TABLE clocks (
    case_id      uuid NOT NULL REFERENCES cases (id),
    kind         text NOT NULL CHECK (kind IN ('notice_expiring', 'duty_ending',
                                               'respond_by_passed', 'emergency_unassigned')),
    due_at       timestamptz NOT NULL,
    fired_at     timestamptz,
    cancelled_at timestamptz,
    PRIMARY KEY (case_id, kind)
);
CREATE INDEX clocks_due ON clocks (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Every staff read and change of a case: who, when, which case, why.
CREATE TABLE audit_log (
    id       bigserial PRIMARY KEY,
    staff_id text NOT NULL,
    role     text NOT NULL,
    case_id  uuid,
    action   text NOT NULL,
    reason   text CHECK (length(reason) <= 500),
    at       timestamptz NOT NULL
);
CREATE INDEX audit_log_case ON audit_log (case_id, at DESC);
CREATE INDEX audit_log_at ON audit_log (at DESC);
