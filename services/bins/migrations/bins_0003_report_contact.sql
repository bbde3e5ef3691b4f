-- How a resident who reported a missed bin asked to be told what happens:
-- optional, so reports filed before have none. Personal data: read only by
-- the notification_facts RPC, never put in an event or a log.
-- depends: bins_0002_rounds_and_reports

ALTER TABLE reports
    ADD COLUMN contact_email     text CHECK (length(contact_email) <= 254),
    -- a UK mobile number, always as +447700900123
    ADD COLUMN contact_phone     text CHECK (contact_phone ~ '^\+447[0-9]{9}$'),
    ADD COLUMN contact_preferred text CHECK (contact_preferred IN ('email', 'sms')),
    -- a channel exactly when there is somewhere to send to, and never one
    -- whose address is missing
    ADD CONSTRAINT reports_contact_preferred CHECK (
        CASE contact_preferred
            WHEN 'email' THEN contact_email IS NOT NULL
            WHEN 'sms' THEN contact_phone IS NOT NULL
            ELSE contact_email IS NULL AND contact_phone IS NULL
        END);
