"""The housing service's SQL, and only here. Every function takes a cursor
(a RealDictCursor from a unit of work or a read) and returns plain rows.
Answers and outcomes are jsonb; dates are the council's local dates."""
from psycopg2.extras import Json

# -- drafts ---------------------------------------------------------------------


def insert_draft(cur, draft):
    cur.execute("""INSERT INTO drafts (id, code_sha256, questionnaire_version, answers,
                                       created_at, updated_at, expires_at)
                   VALUES (%(id)s, %(code_sha256)s, %(questionnaire_version)s, %(answers)s,
                           %(created_at)s, %(created_at)s, %(expires_at)s)""",
                {**draft, "answers": Json(draft["answers"])})


def draft_by_code(cur, code_sha256, now, lock=False):
    cur.execute(f"""SELECT id, questionnaire_version, answers, created_at, updated_at,
                           expires_at, case_id
                      FROM drafts WHERE code_sha256 = %s AND expires_at > %s
                      {'FOR UPDATE' if lock else ''}""", (code_sha256, now))
    return cur.fetchone()


def save_answers(cur, draft_id, answers, now, expires_at):
    cur.execute("""UPDATE drafts SET answers = %s, updated_at = %s, expires_at = %s
                    WHERE id = %s""", (Json(answers), now, expires_at, draft_id))


def mark_draft_submitted(cur, draft_id, case_id, now):
    # The answers move to the case; the draft keeps only the link to it.
    cur.execute("""UPDATE drafts SET case_id = %s, answers = '{}'::jsonb, updated_at = %s
                    WHERE id = %s""", (case_id, now, draft_id))


def delete_expired_drafts(cur, now):
    cur.execute("DELETE FROM drafts WHERE expires_at <= %s", (now,))
    return cur.rowcount

# -- cases ----------------------------------------------------------------------


_QUEUE_COLUMNS = """c.id AS case_id, c.reference, c.urgency, c.duty, c.priority_need,
    c.respond_by, c.triaged_at, c.status, c.assigned_to, c.route,
    ARRAY(SELECT k.kind FROM clocks k
           WHERE k.case_id = c.id AND k.fired_at IS NOT NULL ORDER BY k.fired_at)
      AS escalations"""


def insert_case(cur, case):
    cur.execute("""INSERT INTO cases (id, reference, secret_sha256, draft_id, route,
                                      questionnaire_version, answers, outcome, urgency,
                                      urgency_rank, duty, priority_need, respond_by,
                                      triaged_at)
                   VALUES (%(id)s, %(reference)s, %(secret_sha256)s, %(draft_id)s, %(route)s,
                           %(questionnaire_version)s, %(answers)s, %(outcome)s, %(urgency)s,
                           %(urgency_rank)s, %(duty)s, %(priority_need)s, %(respond_by)s,
                           %(triaged_at)s)
                   ON CONFLICT (reference) DO NOTHING""",
                {**case, "answers": Json(case["answers"]), "outcome": Json(case["outcome"]),
                 "priority_need": list(case["priority_need"])})
    return cur.rowcount == 1


def case_by_id(cur, case_id, lock=False):
    cur.execute(f"""SELECT c.*, {_QUEUE_COLUMNS} FROM cases c WHERE c.id = %s
                    {'FOR UPDATE OF c' if lock else ''}""", (case_id,))
    return cur.fetchone()


def case_by_reference(cur, reference):
    cur.execute(f"SELECT c.*, {_QUEUE_COLUMNS} FROM cases c WHERE c.reference = %s",
                (reference,))
    return cur.fetchone()


def queue(cur, staff_id, urgency_rank=None, duty=None, status="open", limit=50, offset=0,
          count_cap=1000):
    """One page of the queue, and how many cases match, counted up to
    `count_cap` (counting every open case would cost more than the page)."""
    where, args = [], {"staff_id": staff_id, "limit": limit, "offset": offset,
                       "urgency_rank": urgency_rank, "duty": duty, "cap": count_cap}
    if status == "closed":
        where.append("c.status = 'closed'")
        order = "c.closed_at DESC, c.id DESC"
    else:
        where.append("c.status = 'open'")
        order = "c.urgency_rank, c.respond_by, c.triaged_at, c.id"
        if status == "unassigned":
            where.append("c.assigned_to IS NULL")
        elif status == "assigned":
            where.append("c.assigned_to IS NOT NULL")
        elif status == "mine":
            where.append("c.assigned_to = %(staff_id)s")
    if urgency_rank is not None:
        where.append("c.urgency_rank = %(urgency_rank)s")
    if duty:
        where.append("c.duty = %(duty)s")
    condition = " AND ".join(where)
    cur.execute(f"""SELECT {_QUEUE_COLUMNS} FROM cases c WHERE {condition}
                    ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s""", args)
    rows = cur.fetchall()
    cur.execute(f"""SELECT count(*) AS total FROM
                      (SELECT 1 FROM cases c WHERE {condition} LIMIT %(cap)s + 1) AS matching""",
                args)
    return rows, cur.fetchone()["total"]


def assign(cur, case_id, staff_id, now):
    cur.execute("UPDATE cases SET assigned_to = %s, assigned_at = %s WHERE id = %s",
                (staff_id, now, case_id))


def close(cur, case_id, outcome, now):
    cur.execute("""UPDATE cases SET status = 'closed', closed_outcome = %s, closed_at = %s
                    WHERE id = %s""", (outcome, now, case_id))


def cases_to_anonymise(cur, closed_before, limit):
    cur.execute("""SELECT id, answers, outcome FROM cases
                    WHERE status = 'closed' AND anonymised_at IS NULL AND closed_at < %s
                    ORDER BY closed_at LIMIT %s FOR UPDATE SKIP LOCKED""",
                (closed_before, limit))
    return cur.fetchall()


def anonymise(cur, case_id, statistics, outcome, now):
    """Keeps the codes and dates statistics need; drops every answer, the
    outcome's wording (it repeats answers), note and plan step text, and
    the reasons staff gave for reading the case."""
    cur.execute("""UPDATE cases SET answers = NULL, statistics = %s, outcome = %s,
                          anonymised_at = %s
                    WHERE id = %s""", (Json(statistics), Json(outcome), now, case_id))
    cur.execute("UPDATE case_notes SET text = NULL WHERE case_id = %s", (case_id,))
    cur.execute("UPDATE plan_steps SET text = NULL WHERE case_id = %s", (case_id,))
    cur.execute("UPDATE audit_log SET reason = NULL WHERE case_id = %s", (case_id,))

# -- notes and the plan -----------------------------------------------------------


def add_note(cur, case_id, author, text, now):
    cur.execute("""INSERT INTO case_notes (case_id, author, text, created_at)
                   VALUES (%s, %s, %s, %s) RETURNING id, author, text, created_at""",
                (case_id, author, text, now))
    return cur.fetchone()


def notes(cur, case_id):
    cur.execute("""SELECT id, author, text, created_at FROM case_notes
                    WHERE case_id = %s ORDER BY id""", (case_id,))
    return cur.fetchall()


def add_plan_step(cur, case_id, party, text, due_on, author, now):
    cur.execute("""INSERT INTO plan_steps (case_id, party, text, due_on, created_by,
                                           created_at)
                   VALUES (%s, %s, %s, %s, %s, %s)
                   RETURNING id, party, text, due_on, done_at""",
                (case_id, party, text, due_on, author, now))
    return cur.fetchone()


def complete_plan_step(cur, case_id, step_id, now):
    cur.execute("""UPDATE plan_steps SET done_at = coalesce(done_at, %s)
                    WHERE case_id = %s AND id = %s
                    RETURNING id, party, text, due_on, done_at""", (now, case_id, step_id))
    return cur.fetchone()


def plan(cur, case_id):
    cur.execute("""SELECT id, party, text, due_on, done_at FROM plan_steps
                    WHERE case_id = %s ORDER BY id""", (case_id,))
    return cur.fetchall()

# -- clocks -----------------------------------------------------------------------


def schedule_clocks(cur, case_id, clocks):
    for clock in clocks:
        cur.execute("""INSERT INTO clocks (case_id, kind, due_at) VALUES (%s, %s, %s)
                       ON CONFLICT DO NOTHING""", (case_id, clock.kind, clock.due_at))


def due_clocks(cur, now, limit):
    """Due clocks with their case, locked so two instances never fire the same."""
    cur.execute("""SELECT k.case_id, k.kind, k.due_at, c.reference, c.status,
                          c.assigned_to, c.urgency
                     FROM clocks k JOIN cases c ON c.id = k.case_id
                    WHERE k.fired_at IS NULL AND k.cancelled_at IS NULL AND k.due_at <= %s
                    ORDER BY k.due_at LIMIT %s
                      FOR UPDATE OF k SKIP LOCKED""", (now, limit))
    return cur.fetchall()


def mark_clock(cur, case_id, kind, now, fired):
    column = "fired_at" if fired else "cancelled_at"
    cur.execute(f"UPDATE clocks SET {column} = %s WHERE case_id = %s AND kind = %s",
                (now, case_id, kind))


def cancel_clocks(cur, case_id, now, kinds=None):
    cur.execute("""UPDATE clocks SET cancelled_at = %s
                    WHERE case_id = %s AND fired_at IS NULL AND cancelled_at IS NULL
                      AND (%s::text[] IS NULL OR kind = ANY(%s::text[]))""",
                (now, case_id, kinds, kinds))


def clocks_of(cur, case_id):
    cur.execute("""SELECT kind, due_at, fired_at, cancelled_at FROM clocks
                    WHERE case_id = %s ORDER BY due_at""", (case_id,))
    return cur.fetchall()

# -- the audit log ----------------------------------------------------------------


def audit(cur, staff_id, role, case_id, action, reason, now):
    cur.execute("""INSERT INTO audit_log (staff_id, role, case_id, action, reason, at)
                   VALUES (%s, %s, %s, %s, %s, %s)""",
                (staff_id, role, case_id, action, reason, now))


def audit_entries(cur, case_id=None, limit=100):
    cur.execute("""SELECT staff_id, role, case_id, action, reason, at FROM audit_log
                    WHERE (%(case_id)s::uuid IS NULL OR case_id = %(case_id)s::uuid)
                    ORDER BY at DESC, id DESC LIMIT %(limit)s""",
                {"case_id": case_id, "limit": limit})
    return cur.fetchall()
