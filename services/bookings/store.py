"""The bookings service's SQL, and only here. Every function takes a cursor
(a RealDictCursor from a unit of work or a read) and returns plain rows."""
from psycopg2.extras import Json

# -- what can be booked ---------------------------------------------------------


def offices(cur):
    cur.execute("SELECT id, name, address, step_free, hours, closures FROM offices ORDER BY id")
    return cur.fetchall()


def appointment_types(cur):
    cur.execute("""SELECT id, name, duration_minutes, buffer_minutes, advisers_at_once,
                          needs_case, urgencies, office_ids
                     FROM appointment_types ORDER BY id""")
    return cur.fetchall()


def advisers(cur):
    cur.execute("SELECT id, office_id, type_ids, pattern FROM advisers ORDER BY id")
    return cur.fetchall()


def upsert_office(cur, office):
    cur.execute("""INSERT INTO offices (id, name, address, step_free, hours, closures)
                   VALUES (%(id)s, %(name)s, %(address)s, %(step_free)s, %(hours)s,
                           %(closures)s)
                   ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
                       address = EXCLUDED.address, step_free = EXCLUDED.step_free,
                       hours = EXCLUDED.hours, closures = EXCLUDED.closures""",
                {**office, "hours": Json(office["hours"]),
                 "closures": list(office.get("closures") or [])})


def upsert_type(cur, appt_type):
    cur.execute("""INSERT INTO appointment_types (id, name, duration_minutes, buffer_minutes,
                                                  advisers_at_once, needs_case, urgencies,
                                                  office_ids)
                   VALUES (%(id)s, %(name)s, %(duration_minutes)s, %(buffer_minutes)s,
                           %(advisers_at_once)s, %(needs_case)s, %(urgencies)s,
                           %(office_ids)s)
                   ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,
                       duration_minutes = EXCLUDED.duration_minutes,
                       buffer_minutes = EXCLUDED.buffer_minutes,
                       advisers_at_once = EXCLUDED.advisers_at_once,
                       needs_case = EXCLUDED.needs_case, urgencies = EXCLUDED.urgencies,
                       office_ids = EXCLUDED.office_ids""",
                {**appt_type, "urgencies": list(appt_type.get("urgencies") or []),
                 "office_ids": list(appt_type["office_ids"])})


def upsert_adviser(cur, adviser):
    cur.execute("""INSERT INTO advisers (id, office_id, type_ids, pattern)
                   VALUES (%(id)s, %(office_id)s, %(type_ids)s, %(pattern)s)
                   ON CONFLICT (id) DO UPDATE SET office_id = EXCLUDED.office_id,
                       type_ids = EXCLUDED.type_ids, pattern = EXCLUDED.pattern""",
                {**adviser, "type_ids": list(adviser["type_ids"]),
                 "pattern": Json(adviser["pattern"])})

# -- places in slots --------------------------------------------------------------


def live_places(cur, type_id, office_ids, starts_from, starts_before, now):
    """{(office_id, starts_at): places taken by bookings and unexpired holds}."""
    cur.execute("""SELECT s.office_id, s.starts_at,
                          s.taken - (SELECT count(*) FROM bookings b
                                      WHERE b.slot_id = s.id AND b.status = 'held'
                                        AND b.hold_expires_at <= %s) AS live
                     FROM slots s
                    WHERE s.type_id = %s AND s.office_id = ANY(%s)
                      AND s.starts_at >= %s AND s.starts_at < %s""",
                (now, type_id, list(office_ids), starts_from, starts_before))
    return {(r["office_id"], r["starts_at"]): r["live"] for r in cur.fetchall()}


def ensure_slot(cur, slot):
    """The id of the slot's capacity row, made if nobody asked for it before.
    Takes no lock on an existing row (an upsert would, out of id order, and
    two people swapping times would deadlock): call follow_staffing once the
    row is locked."""
    cur.execute("""INSERT INTO slots (office_id, type_id, starts_at, ends_at, capacity)
                   VALUES (%s, %s, %s, %s, %s)
                   ON CONFLICT (office_id, type_id, starts_at) DO NOTHING
                   RETURNING id""",
                (slot.office_id, slot.type_id, slot.start, slot.end, slot.capacity))
    made = cur.fetchone()
    if made:
        return made["id"]
    cur.execute("""SELECT id FROM slots
                    WHERE office_id = %s AND type_id = %s AND starts_at = %s""",
                (slot.office_id, slot.type_id, slot.start))
    return cur.fetchone()["id"]


def follow_staffing(cur, slot_id, capacity):
    """The locked slot's capacity follows today's staffing, but never drops
    below the places already taken: those people keep their appointments."""
    cur.execute("""UPDATE slots SET capacity = GREATEST(%s, taken)
                    WHERE id = %s AND capacity <> GREATEST(%s, taken)""",
                (capacity, slot_id, capacity))


def lock_slots(cur, *slot_ids):
    """Locks capacity rows, lowest id first, so two transactions that need
    the same two slots queue rather than deadlock. Rows by id."""
    cur.execute("""SELECT id, office_id, type_id, starts_at, ends_at, capacity, taken
                     FROM slots WHERE id = ANY(%s) ORDER BY id FOR UPDATE""",
                (sorted(set(slot_ids)),))
    return {r["id"]: r for r in cur.fetchall()}


def lock_slot(cur, slot_id):
    return lock_slots(cur, slot_id)[slot_id]


def expire_holds_in(cur, slot_id, now):
    """Ends the slot's lapsed holds and gives their places back: the ids of
    the holds ended (the caller holds the slot's lock)."""
    cur.execute("""UPDATE bookings b SET status = 'expired'
                     FROM slots s
                    WHERE b.slot_id = %s AND s.id = b.slot_id AND b.status = 'held'
                      AND b.hold_expires_at <= %s
                   RETURNING b.id, b.ring_fenced, b.waitlist_id, s.office_id, s.starts_at""",
                (slot_id, now))
    ended = cur.fetchall()
    if ended:
        cur.execute("UPDATE slots SET taken = taken - %s WHERE id = %s",
                    (len(ended), slot_id))
    return ended


def take(cur, slot_id):
    """One more place taken, if there is one: False when the slot is full."""
    cur.execute("""UPDATE slots SET taken = taken + 1 WHERE id = %s AND taken < capacity
                   RETURNING taken""", (slot_id,))
    return cur.fetchone() is not None


def give_back(cur, slot_id):
    cur.execute("UPDATE slots SET taken = taken - 1 WHERE id = %s", (slot_id,))


def take_ring_fenced(cur, office_id, day, capacity):
    cur.execute("""INSERT INTO ring_fences (office_id, day, capacity) VALUES (%s, %s, %s)
                   ON CONFLICT DO NOTHING""", (office_id, day, capacity))
    cur.execute("""UPDATE ring_fences SET taken = taken + 1
                    WHERE office_id = %s AND day = %s AND taken < capacity
                   RETURNING taken""", (office_id, day))
    return cur.fetchone() is not None


def give_back_ring_fenced(cur, office_id, day):
    cur.execute("UPDATE ring_fences SET taken = taken - 1 WHERE office_id = %s AND day = %s",
                (office_id, day))

# -- bookings ---------------------------------------------------------------------


_BOOKING = """SELECT b.*, s.office_id, s.type_id, s.starts_at, s.ends_at
                FROM bookings b JOIN slots s ON s.id = b.slot_id"""


def savepoint(cur, name):
    cur.execute(f"SAVEPOINT {name}")


def rollback_to(cur, name):
    cur.execute(f"ROLLBACK TO SAVEPOINT {name}")


def release(cur, name):
    cur.execute(f"RELEASE SAVEPOINT {name}")


def insert_booking(cur, booking):
    cur.execute("""INSERT INTO bookings (id, reference, secret_sha256, slot_id, status,
                                         hold_expires_at, case_id, ring_fenced, step_free,
                                         booked_by, waitlist_id, idempotency_key, created_at)
                   VALUES (%(id)s, %(reference)s, %(secret_sha256)s, %(slot_id)s, 'held',
                           %(hold_expires_at)s, %(case_id)s, %(ring_fenced)s, %(step_free)s,
                           %(booked_by)s, %(waitlist_id)s, %(idempotency_key)s,
                           %(created_at)s)
                   ON CONFLICT (reference) DO NOTHING""", booking)
    return cur.rowcount == 1


def booking_by_reference(cur, reference, lock=False):
    cur.execute(_BOOKING + " WHERE b.reference = %s" + (" FOR UPDATE OF b" if lock else ""),
                (reference,))
    return cur.fetchone()


def booking_by_id(cur, booking_id, lock=False):
    cur.execute(_BOOKING + " WHERE b.id = %s" + (" FOR UPDATE OF b" if lock else ""),
                (booking_id,))
    return cur.fetchone()


def booking_by_idempotency_key(cur, key):
    cur.execute(_BOOKING + " WHERE b.idempotency_key = %s", (key,))
    return cur.fetchone()


def live_booking_for_case(cur, case_id):
    cur.execute(_BOOKING + " WHERE b.case_id = %s AND b.status IN ('held', 'confirmed')",
                (case_id,))
    return cur.fetchone()


def confirm(cur, booking_id, details, now):
    cur.execute("""UPDATE bookings SET status = 'confirmed', hold_expires_at = NULL,
                          name = %(name)s, email = %(email)s, phone = %(phone)s,
                          step_free = %(step_free)s, interpreter = %(interpreter)s,
                          confirmed_at = %(now)s
                    WHERE id = %(id)s""", {**details, "id": booking_id, "now": now})


def set_status(cur, booking_id, status, now):
    cur.execute("""UPDATE bookings SET status = %s, sequence = sequence + 1,
                          cancelled_at = CASE WHEN %s = 'cancelled' THEN %s END
                    WHERE id = %s""", (status, status, now, booking_id))


def move(cur, booking_id, slot_id, ring_fenced):
    cur.execute("""UPDATE bookings SET slot_id = %s, ring_fenced = %s, sequence = sequence + 1
                    WHERE id = %s""", (slot_id, ring_fenced, booking_id))


def slots_with_lapsed_holds(cur, now, limit):
    cur.execute("""SELECT DISTINCT slot_id FROM bookings
                    WHERE status = 'held' AND hold_expires_at <= %s LIMIT %s""", (now, limit))
    return [r["slot_id"] for r in cur.fetchall()]


def bookings_for_office_day(cur, office_id, starts_from, starts_before):
    cur.execute(_BOOKING + """ WHERE s.office_id = %s AND s.starts_at >= %s
                                 AND s.starts_at < %s AND b.status = 'confirmed'
                               ORDER BY s.starts_at, b.reference""",
                (office_id, starts_from, starts_before))
    return cur.fetchall()

# -- cases ------------------------------------------------------------------------


def record_case(cur, case):
    cur.execute("""INSERT INTO cases (case_id, reference, urgency, appointment_type,
                                      triaged_on, triaged_at)
                   VALUES (%(case_id)s, %(reference)s, %(urgency)s, %(appointment_type)s,
                           %(triaged_on)s, %(triaged_at)s)
                   ON CONFLICT (case_id) DO NOTHING""", case)


def case_by_id(cur, case_id):
    cur.execute("SELECT * FROM cases WHERE case_id = %s", (case_id,))
    return cur.fetchone()


def case_by_reference(cur, reference):
    cur.execute("SELECT * FROM cases WHERE reference = %s", (reference,))
    return cur.fetchone()

# -- the waiting list -------------------------------------------------------------


def join_waitlist(cur, entry):
    """The new entry; or None when the case is already waiting."""
    cur.execute("""INSERT INTO waitlist (case_id, type_id, office_id, first_day, last_day,
                                         step_free, joined_at, code_sha256)
                   VALUES (%(case_id)s, %(type_id)s, %(office_id)s, %(first_day)s,
                           %(last_day)s, %(step_free)s, %(joined_at)s, %(code_sha256)s)
                   ON CONFLICT DO NOTHING
                   RETURNING id, status""", entry)
    return cur.fetchone()


def first_waiting(cur, type_id, office_id, day, step_free_office, skip=()):
    """The longest-waiting entry that could take a place of this type, at
    this office, on this day; locked, skipping any another offer is taking."""
    cur.execute("""SELECT * FROM waitlist
                    WHERE status = 'waiting' AND type_id = %s
                      AND (office_id IS NULL OR office_id = %s)
                      AND %s BETWEEN first_day AND last_day
                      AND (%s OR NOT step_free) AND NOT (id = ANY(%s))
                    ORDER BY joined_at, id LIMIT 1 FOR UPDATE SKIP LOCKED""",
                (type_id, office_id, day, step_free_office, list(skip)))
    return cur.fetchone()


def leave_waitlist_for_case(cur, case_id):
    """A case that has booked no longer waits."""
    cur.execute("""UPDATE waitlist SET status = 'left'
                    WHERE case_id = %s AND status = 'waiting'""", (case_id,))


def waitlist_by_code(cur, entry_id, code_sha256):
    cur.execute("SELECT * FROM waitlist WHERE id = %s AND code_sha256 = %s",
                (entry_id, code_sha256))
    return cur.fetchone()


def set_waitlist(cur, entry_id, status, booking_id=None):
    cur.execute("""UPDATE waitlist SET status = %s,
                          offered_booking_id = coalesce(%s, offered_booking_id)
                    WHERE id = %s""", (status, booking_id, entry_id))

# -- reminders --------------------------------------------------------------------


def schedule_reminder(cur, booking_id, due_at):
    cur.execute("""INSERT INTO reminders (booking_id, due_at) VALUES (%s, %s)
                   ON CONFLICT (booking_id) DO UPDATE SET due_at = EXCLUDED.due_at,
                       sent_at = NULL, cancelled_at = NULL""", (booking_id, due_at))


def cancel_reminder(cur, booking_id, now):
    cur.execute("""UPDATE reminders SET cancelled_at = %s
                    WHERE booking_id = %s AND sent_at IS NULL""", (now, booking_id))


def due_reminders(cur, now, limit):
    """The bookings whose reminders are due, each reminder locked."""
    cur.execute(_BOOKING + """ JOIN reminders r ON r.booking_id = b.id
                    WHERE r.sent_at IS NULL AND r.cancelled_at IS NULL AND r.due_at <= %s
                    ORDER BY r.due_at LIMIT %s FOR UPDATE OF r SKIP LOCKED""", (now, limit))
    return cur.fetchall()


def mark_reminder_sent(cur, booking_id, now):
    cur.execute("UPDATE reminders SET sent_at = %s WHERE booking_id = %s", (now, booking_id))
