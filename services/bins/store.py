"""The bins service's SQL, and only here. Every function takes a cursor
(a RealDictCursor from a unit of work or a read, or a plain one from the
command-line loaders) and returns plain rows.

Timestamps are timestamptz (UTC in, aware datetimes out); dates are the
council's local dates.
"""
import csv
import io

from psycopg2 import sql
from psycopg2.extras import execute_values

from services.bins.domain.model import Frequency, Round, Service
from services.kit.db import OUTBOX_INSERT, execute_prepared

# -- the borough --------------------------------------------------------------


def addresses_by_postcode(cur, postcode):
    cur.execute("SELECT uprn, address_lines FROM properties WHERE postcode = %s", (postcode,))
    return cur.fetchall()


def property_by_uprn(cur, uprn):
    cur.execute("""SELECT uprn, address_lines, postcode, ward, latitude, longitude
                     FROM properties WHERE uprn = %s""", (uprn,))
    return cur.fetchone()


_SERVICE_ROWS = """
    SELECT ps.uprn, ps.service, ps.round_id, ps.assisted, ps.subscribed_until,
           r.weekday, r.frequency, r.week, r.crew_id
      FROM property_services ps JOIN rounds r ON r.id = ps.round_id
     WHERE ps.uprn = %s"""


def services_of(cur, uprn, service=None):
    """The property's services with their rounds, as rows."""
    if service is None:
        cur.execute(_SERVICE_ROWS, (uprn,))
    else:
        cur.execute(_SERVICE_ROWS + " AND ps.service = %s", (uprn, service))
    return cur.fetchall()


_FILING_FACTS = """
    SELECT p.uprn, p.address_lines, p.postcode,
           ps.service, ps.round_id, ps.assisted, ps.subscribed_until,
           r.weekday, r.frequency, r.week, r.crew_id,
           (SELECT coalesce(jsonb_object_agg(d.day, d.completed_at), '{}')
              FROM round_days d WHERE d.round_id = ps.round_id AND d.day >= %(since)s)
             AS completions,
           (SELECT coalesce(jsonb_object_agg(e.day, e.kind), '{}')
              FROM crew_exceptions e
             WHERE e.uprn = p.uprn AND e.round_id = ps.round_id AND e.day >= %(since)s)
             AS exceptions,
           (SELECT coalesce(jsonb_object_agg(o.collection_date, o.id), '{}')
              FROM reports o
             WHERE o.uprn = p.uprn AND o.service = %(service)s AND o.status = 'open'
               AND o.collection_date >= %(since)s) AS open_reports
      FROM properties p
      LEFT JOIN property_services ps ON ps.uprn = p.uprn AND ps.service = %(service)s
      LEFT JOIN rounds r ON r.id = ps.round_id
     WHERE p.uprn = %(uprn)s"""


def property_with_service(cur, uprn, service, since):
    """The property (or None) and, on the same row, its round for `service`
    (NULL columns when it does not receive it) and what happened on that
    round since `since`: completions {day: completed_at}, this property's
    exceptions {day: kind} and its open reports {day: id}. One round trip
    for the busiest write residents make, prepared: planning it costs more
    than running it."""
    execute_prepared(cur, "bins_filing_facts", _FILING_FACTS,
                     {"uprn": uprn, "service": service, "since": since})
    return cur.fetchone()


def round_from_row(row, id_key="round_id"):
    return Round(row[id_key], Service(row["service"]), row["weekday"],
                 Frequency(row["frequency"]), row["week"], row["crew_id"])


def round_by_id(cur, round_id):
    cur.execute("SELECT id, service, weekday, frequency, week, crew_id FROM rounds WHERE id = %s",
                (round_id,))
    return cur.fetchone()


def is_on_round(cur, uprn, round_id):
    cur.execute("SELECT 1 FROM property_services WHERE uprn = %s AND round_id = %s",
                (uprn, round_id))
    return cur.fetchone() is not None


def has_properties(cur):
    cur.execute("SELECT EXISTS (SELECT 1 FROM properties) AS found")
    row = cur.fetchone()
    return bool(row["found"] if isinstance(row, dict) else row[0])


def known_rounds(cur):
    """{round id: service} for every round."""
    cur.execute("SELECT id, service FROM rounds")
    return {(r["id"] if isinstance(r, dict) else r[0]): (r["service"] if isinstance(r, dict)
                                                         else r[1]) for r in cur.fetchall()}


# -- what crews record ----------------------------------------------------------


def completed_at(cur, round_id, day):
    cur.execute("SELECT completed_at FROM round_days WHERE round_id = %s AND day = %s",
                (round_id, day))
    row = cur.fetchone()
    return row["completed_at"] if row else None


def completions(cur, pairs):
    """{(round id, day): completed_at} for the given (round id, day) pairs."""
    if not pairs:
        return {}
    cur.execute("""SELECT round_id, day, completed_at FROM round_days
                    WHERE (round_id, day) IN %s""", (tuple(pairs),))
    return {(r["round_id"], r["day"]): r["completed_at"] for r in cur.fetchall()}


def mark_round_completed(cur, round_id, day, crew_id, completed_at):
    """The new round day, or None if it was already marked complete."""
    cur.execute("""INSERT INTO round_days (round_id, day, crew_id, completed_at)
                   VALUES (%s, %s, %s, %s)
                   ON CONFLICT (round_id, day) DO NOTHING
                   RETURNING round_id, day, crew_id, completed_at""",
                (round_id, day, crew_id, completed_at))
    return cur.fetchone()


def round_day(cur, round_id, day):
    cur.execute("""SELECT round_id, day, crew_id, completed_at FROM round_days
                    WHERE round_id = %s AND day = %s""", (round_id, day))
    return cur.fetchone()


def exception_for(cur, uprn, round_id, day):
    cur.execute("""SELECT kind, note FROM crew_exceptions
                    WHERE uprn = %s AND round_id = %s AND day = %s""", (uprn, round_id, day))
    return cur.fetchone()


def exceptions_for(cur, uprn, pairs):
    """{(round id, day): kind} for one property."""
    if not pairs:
        return {}
    cur.execute("""SELECT round_id, day, kind FROM crew_exceptions
                    WHERE uprn = %s AND (round_id, day) IN %s""", (uprn, tuple(pairs)))
    return {(r["round_id"], r["day"]): r["kind"] for r in cur.fetchall()}


def record_exception(cur, round_id, uprn, day, kind, note, crew_id, recorded_at):
    # A crew may correct what they logged: the latest entry stands.
    cur.execute("""INSERT INTO crew_exceptions
                       (round_id, uprn, day, kind, note, crew_id, recorded_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (uprn, round_id, day) DO UPDATE
                      SET kind = EXCLUDED.kind, note = EXCLUDED.note,
                          crew_id = EXCLUDED.crew_id, recorded_at = EXCLUDED.recorded_at
                   RETURNING round_id, uprn, day, kind, note, crew_id, recorded_at""",
                (round_id, uprn, day, kind, note, crew_id, recorded_at))
    return cur.fetchone()


# -- reports ------------------------------------------------------------------------

_REPORT = """
    SELECT r.id, r.reference, r.secret_sha256, r.idempotency_key, r.uprn, r.service,
           r.collection_date, r.round_id, r.crew_id, r.channel, r.status, r.outcome,
           r.outcome_reason, r.filed_at, r.due_by, r.resolved_at, r.overdue_announced_at,
           p.address_lines, p.postcode, p.latitude, p.longitude
      FROM reports r JOIN properties p ON p.uprn = r.uprn"""


def report_by_id(cur, report_id, lock=False):
    cur.execute(_REPORT + " WHERE r.id = %s" + (" FOR UPDATE OF r" if lock else ""),
                (report_id,))
    return cur.fetchone()


def report_by_reference(cur, reference):
    cur.execute(_REPORT + " WHERE r.reference = %s", (reference,))
    return cur.fetchone()


def report_by_idempotency_key(cur, key):
    cur.execute(_REPORT + " WHERE r.idempotency_key = %s", (key,))
    return cur.fetchone()


def open_report_for(cur, uprn, service, collection_date):
    cur.execute(_REPORT + """ WHERE r.uprn = %s AND r.service = %s
                                AND r.collection_date = %s AND r.status = 'open'""",
                (uprn, service, collection_date))
    return cur.fetchone()


def open_reports_for(cur, uprn):
    """{(service, collection date): reference} of a property's open reports."""
    cur.execute("""SELECT service, collection_date, reference FROM reports
                    WHERE uprn = %s AND status = 'open'""", (uprn,))
    return {(r["service"], r["collection_date"]): r["reference"] for r in cur.fetchall()}


_INSERT_REPORT = f"""
    WITH report AS (
        INSERT INTO reports
            (id, reference, secret_sha256, idempotency_key, uprn, service,
             collection_date, round_id, crew_id, channel, filed_at, due_by,
             contact_email, contact_phone, contact_preferred)
        VALUES (%(id)s, %(reference)s, %(secret_sha256)s, %(idempotency_key)s,
                %(uprn)s, %(service)s, %(collection_date)s, %(round_id)s,
                %(crew_id)s, %(channel)s, %(filed_at)s, %(due_by)s,
                %(contact_email)s, %(contact_phone)s, %(contact_preferred)s)
        ON CONFLICT DO NOTHING
        RETURNING id, status, outcome, outcome_reason, resolved_at),
    event AS ({OUTBOX_INSERT.format(source="report")})
    SELECT report.*, event.id AS outbox_id FROM report, event"""


def insert_report(cur, report, event):
    """Inserts the report and, in the same statement, its event's outbox
    row (`event` from UnitOfWork.event), unless the report clashes with an
    open report for the same bin and collection, an idempotency key or a
    reference. Returns the new report's columns and `outbox_id`, or None on
    any clash (the caller looks up which), when no event is written either.
    Prepared, as the facts are."""
    execute_prepared(cur, "bins_insert_report", _INSERT_REPORT, {**report, **event})
    return cur.fetchone()


def notification_facts(cur, report_id):
    """What a message about one report needs, the resident's contact details
    included: read only here, never by the other report queries."""
    cur.execute("""SELECT id, reference, secret_sha256, idempotency_key, service,
                          collection_date, status, outcome, outcome_reason, due_by,
                          contact_email, contact_phone, contact_preferred
                     FROM reports WHERE id = %s""", (report_id,))
    return cur.fetchone()


def close_report(cur, report_id, outcome, reason, resolved_at):
    cur.execute("""UPDATE reports SET status = 'closed', outcome = %s, outcome_reason = %s,
                                      resolved_at = %s
                    WHERE id = %s AND status = 'open'""",
                (outcome, reason, resolved_at, report_id))
    return cur.rowcount == 1


def open_reports_for_crew(cur, crew_id, day=None):
    """Open reports on the rounds `crew_id` works (every round if None)."""
    query = """
        SELECT r.id, r.reference, r.uprn, r.service, r.collection_date, r.round_id,
               r.filed_at, r.due_by, p.address_lines, p.postcode, p.latitude, p.longitude,
               coalesce(ps.assisted, false) AS assisted
          FROM reports r
          JOIN rounds ro ON ro.id = r.round_id
          JOIN properties p ON p.uprn = r.uprn
          LEFT JOIN property_services ps ON ps.uprn = r.uprn AND ps.service = r.service
         WHERE r.status = 'open'"""
    args = []
    if crew_id is not None:
        query += " AND ro.crew_id = %s"
        args.append(crew_id)
    if day is not None:
        query += " AND r.collection_date = %s"
        args.append(day)
    cur.execute(query + " ORDER BY r.due_by, r.filed_at", args)
    return cur.fetchall()


def claim_overdue(cur, now, limit=500):
    """Marks open reports past their due time as announced and returns them.

    SKIP LOCKED lets several instances sweep at once; the UPDATE re-checks
    `overdue_announced_at IS NULL` on the latest row version, so each report
    is claimed by exactly one transaction.
    """
    cur.execute("""UPDATE reports SET overdue_announced_at = %(now)s
                    WHERE id IN (SELECT id FROM reports
                                  WHERE status = 'open' AND overdue_announced_at IS NULL
                                    AND due_by < %(now)s
                                  ORDER BY due_by LIMIT %(limit)s
                                    FOR UPDATE SKIP LOCKED)
                      AND overdue_announced_at IS NULL
                   RETURNING id, reference, round_id, crew_id, due_by""",
                {"now": now, "limit": limit})
    return cur.fetchall()


def search_reports(cur, *, references=None, services=None, start=None, end=None,
                   status=None, limit=1000):
    """Reports for Open311, newest first."""
    where, args = [], []
    if references:
        where.append("r.reference = ANY(%s)")
        args.append(list(references))
    if services:
        where.append("r.service = ANY(%s)")
        args.append(list(services))
    if start is not None:
        where.append("r.filed_at >= %s")
        args.append(start)
    if end is not None:
        where.append("r.filed_at <= %s")
        args.append(end)
    if status is not None:
        where.append("r.status = %s")
        args.append(status)
    query = _REPORT + (" WHERE " + " AND ".join(where) if where else "")
    cur.execute(query + " ORDER BY r.filed_at DESC LIMIT %s", args + [limit])
    return cur.fetchall()


# -- bulk loading (command-line tools only: COPY fails under eventlet) ------------------

PROPERTY_COLUMNS = ("uprn", "address_lines", "postcode", "ward", "latitude", "longitude")
SERVICE_COLUMNS = ("uprn", "service", "round_id", "assisted", "subscribed_until")
ROUND_COLUMNS = ("id", "service", "weekday", "frequency", "week", "crew_id")


def pg_array(items):
    """A text[] literal, for COPY."""
    quoted = ('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in items)
    return "{" + ",".join(quoted) + "}"


def copy_rows(cur, table, columns, rows):
    """COPY rows (tuples in `columns` order; None is NULL) into `table`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow(pg_array(v) if isinstance(v, (list, tuple)) else v for v in row)
    buf.seek(0)
    cur.copy_expert(
        sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))),
        buf)


def upsert_crews(cur, crews):
    execute_values(cur, """INSERT INTO crews (id, name) VALUES %s
                           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name""",
                   list(crews))


def ensure_crews(cur, crew_ids):
    execute_values(cur, "INSERT INTO crews (id, name) VALUES %s ON CONFLICT (id) DO NOTHING",
                   [(c, c) for c in sorted(set(crew_ids))])


def upsert_rounds(cur, rounds):
    execute_values(cur, """INSERT INTO rounds (id, service, weekday, frequency, week, crew_id)
                           VALUES %s
                           ON CONFLICT (id) DO UPDATE
                              SET service = EXCLUDED.service, weekday = EXCLUDED.weekday,
                                  frequency = EXCLUDED.frequency, week = EXCLUDED.week,
                                  crew_id = EXCLUDED.crew_id""",
                   list(rounds), page_size=1000)


def clear_borough(cur):
    cur.execute("""TRUNCATE reports, crew_exceptions, round_days, property_services,
                            properties, rounds, crews""")


def start_import(cur):
    """Staging tables for one import; they vanish when the transaction ends."""
    cur.execute("""CREATE TEMP TABLE import_properties (LIKE properties INCLUDING DEFAULTS)
                       ON COMMIT DROP;
                   CREATE TEMP TABLE import_services (LIKE property_services INCLUDING DEFAULTS)
                       ON COMMIT DROP""")


def finish_import(cur):
    """Merges the staging tables: imported properties replace what was known
    about them, services included. Returns (properties, services) counts."""
    cur.execute("""INSERT INTO properties SELECT * FROM import_properties
                   ON CONFLICT (uprn) DO UPDATE
                      SET address_lines = EXCLUDED.address_lines,
                          postcode = EXCLUDED.postcode, ward = EXCLUDED.ward,
                          latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude""")
    properties = cur.rowcount
    cur.execute("""DELETE FROM property_services
                    WHERE uprn IN (SELECT uprn FROM import_properties)""")
    cur.execute("INSERT INTO property_services SELECT * FROM import_services")
    return properties, cur.rowcount


def analyse(cur):
    # Fresh statistics after a bulk load, so the planner uses the indexes.
    cur.execute("ANALYZE properties; ANALYZE property_services; ANALYZE rounds")
