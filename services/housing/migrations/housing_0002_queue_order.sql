-- The queue's indexes end with the id, the tie-breaker of every queue order,
-- so a page is read straight from the index in order rather than sorted.
-- depends: housing_0001_cases

DROP INDEX cases_queue;
CREATE INDEX cases_queue ON cases (urgency_rank, respond_by, triaged_at, id)
    WHERE status = 'open';
DROP INDEX cases_closed_queue;
CREATE INDEX cases_closed_queue ON cases (closed_at DESC, id DESC) WHERE status = 'closed';
DROP INDEX cases_assigned_to;
CREATE INDEX cases_assigned_to ON cases (assigned_to, urgency_rank, respond_by, triaged_at, id)
    WHERE status = 'open';
-- Filtering by duty would otherwise walk past every case of a more urgent
-- kind first (prevention cases sort after all relief ones).
CREATE INDEX cases_duty_queue ON cases (duty, urgency_rank, respond_by, triaged_at, id)
    WHERE status = 'open';
