"""The notify service's SQL: messages, the timeline and timeline codes."""
import psycopg2.extras

_MESSAGE_COLUMNS = """id, event_id, event_type, template_id, template_version, channel,
    recipient_hash, to_address, subject, body, attachment_name, attachment,
    fallback_address, fallback_subject, fallback_body, status, attempts, uncertain,
    due_at, fallback_of, provider, provider_id, last_error, created_at, sent_at,
    finished_at"""


def add_message(cur, message):
    """The new message's id, or None when this event already has this
    message for this address (a redelivered or replayed event)."""
    cur.execute("""INSERT INTO messages (id, event_id, event_type, template_id,
                       template_version, channel, recipient_hash, to_address, subject, body,
                       attachment_name, attachment, fallback_address, fallback_subject,
                       fallback_body, due_at, fallback_of, created_at)
                   VALUES (%(id)s, %(event_id)s, %(event_type)s, %(template_id)s,
                       %(template_version)s, %(channel)s, %(recipient_hash)s, %(to_address)s,
                       %(subject)s, %(body)s, %(attachment_name)s, %(attachment)s,
                       %(fallback_address)s, %(fallback_subject)s, %(fallback_body)s,
                       %(due_at)s, %(fallback_of)s, %(created_at)s)
                   ON CONFLICT (event_id, template_id, channel, recipient_hash) DO NOTHING
                   RETURNING id""", message)
    row = cur.fetchone()
    return row["id"] if row else None


def claim_due(cur, now, lease_until, limit, ids=None):
    """Takes up to `limit` messages that are due (or the given ones, if
    due) for one sender until `lease_until`; one that was already being
    sent (its sender died, or timed out) is marked uncertain. The claim's
    attempt number is the sender's token: every later change to the row
    names it, so a sender whose lease ran out changes nothing."""
    only = "AND id = ANY(%(ids)s)" if ids is not None else ""
    cur.execute(f"""UPDATE messages m
                       SET status = 'sending', attempts = m.attempts + 1,
                           uncertain = m.uncertain OR m.status = 'sending',
                           due_at = %(lease)s
                      FROM (SELECT id FROM messages
                             WHERE status IN ('pending', 'sending') AND due_at <= %(now)s {only}
                             ORDER BY due_at LIMIT %(limit)s
                             FOR UPDATE SKIP LOCKED) due
                     WHERE m.id = due.id
                 RETURNING {', '.join('m.' + c.strip() for c in _MESSAGE_COLUMNS.split(','))}""",
                {"now": now, "lease": lease_until, "limit": limit,
                 "ids": list(ids) if ids is not None else None})
    return cur.fetchall()


def message(cur, message_id, lock=False):
    cur.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = %s"
                + (" FOR UPDATE" if lock else ""), (message_id,))
    return cur.fetchone()


_HELD = "id = %(id)s AND status = 'sending' AND attempts = %(attempt)s"


def mark_sent(cur, claim, provider, provider_id, now):
    """Sent, if `claim` (a row claim_due returned) still holds the message:
    the address and words are no longer needed; the fallback's stay until
    the provider says it was delivered (or a forget sweep)."""
    cur.execute(f"""UPDATE messages
                       SET status = 'sent', provider = %(provider)s,
                           provider_id = %(provider_id)s, sent_at = %(now)s,
                           uncertain = false, last_error = NULL, to_address = NULL,
                           subject = NULL, body = NULL, attachment = NULL
                     WHERE {_HELD}""",
                {"provider": provider, "provider_id": provider_id, "now": now,
                 "id": claim["id"], "attempt": claim["attempts"]})
    return cur.rowcount == 1


def retry_later(cur, claim, due_at, error, uncertain):
    cur.execute(f"""UPDATE messages SET status = 'pending', due_at = %(due)s,
                           last_error = %(error)s, uncertain = %(uncertain)s
                     WHERE {_HELD}""",
                {"due": due_at, "error": error, "uncertain": uncertain, "id": claim["id"],
                 "attempt": claim["attempts"]})
    return cur.rowcount == 1


_FORGET = """, to_address = NULL, subject = NULL, body = NULL, attachment = NULL,
    fallback_address = NULL, fallback_subject = NULL, fallback_body = NULL"""


def finish(cur, claim, status, error, now, uncertain=False):
    """Failed or dead, if `claim` still holds the message. A failed message
    forgets its words; a dead one keeps them, and whether its last try may
    have gone, for an operator to replay."""
    forget = _FORGET if status == "failed" else ""
    cur.execute(f"""UPDATE messages SET status = %(status)s, last_error = %(error)s,
                           finished_at = %(now)s, uncertain = %(uncertain)s {forget}
                     WHERE {_HELD}""",
                {"status": status, "error": error, "now": now,
                 "uncertain": uncertain and status == "dead", "id": claim["id"],
                 "attempt": claim["attempts"]})
    return cur.rowcount == 1


def failed_by_receipt(cur, message_id, error, now):
    """The provider says a message it took failed: whoever is sending it."""
    cur.execute(f"""UPDATE messages SET status = 'failed', last_error = %s,
                           finished_at = %s, uncertain = false {_FORGET}
                     WHERE id = %s AND status IN ('sending', 'sent')""",
                (error, now, message_id))
    return cur.rowcount == 1


def delivered(cur, message_id, now):
    """Delivered; a receipt can come before the sender has recorded the send."""
    cur.execute(f"""UPDATE messages SET status = 'delivered', finished_at = %s {_FORGET}
                     WHERE id = %s AND status IN ('sending', 'sent')""", (now, message_id))
    return cur.rowcount == 1


def dead(cur, limit):
    cur.execute("""SELECT id, event_id, event_type, template_id, template_version, channel,
                          attempts, last_error, created_at, finished_at
                     FROM messages WHERE status = 'dead'
                    ORDER BY finished_at DESC LIMIT %s""", (limit,))
    return cur.fetchall()


def replay(cur, message_id, now):
    cur.execute("""UPDATE messages SET status = 'pending', attempts = 0, due_at = %s,
                          finished_at = NULL
                    WHERE id = %s AND status = 'dead' AND to_address IS NOT NULL""",
                (now, message_id))
    return cur.rowcount == 1


def forget_old(cur, before):
    """Addresses and words still kept on messages finished or sent before
    `before`: a delivery receipt that never came, a dead message nobody
    replayed."""
    cur.execute("""UPDATE messages
                      SET to_address = NULL, subject = NULL, body = NULL, attachment = NULL,
                          fallback_address = NULL, fallback_subject = NULL,
                          fallback_body = NULL
                    WHERE COALESCE(finished_at, sent_at) < %s
                      AND (to_address IS NOT NULL OR fallback_address IS NOT NULL)""",
                (before,))
    return cur.rowcount


def add_entries(cur, rows):
    """Timeline entries; one already there (the same event again) is kept."""
    psycopg2.extras.execute_values(
        cur, """INSERT INTO timeline (resident_hash, entry_key, occurred_at, kind, title,
                                      detail, reference, message_id)
                VALUES %s ON CONFLICT (resident_hash, entry_key) DO NOTHING""",
        [(r["resident_hash"], r["entry_key"], r["occurred_at"], r["kind"], r["title"],
          r["detail"], r["reference"], r.get("message_id")) for r in rows])


def resident_of_message(cur, message_id):
    cur.execute("SELECT DISTINCT resident_hash FROM timeline WHERE message_id = %s",
                (message_id,))
    return [r["resident_hash"] for r in cur.fetchall()]


def has_timeline(cur, resident_hash):
    cur.execute("SELECT 1 FROM timeline WHERE resident_hash = %s LIMIT 1", (resident_hash,))
    return cur.fetchone() is not None


def entries(cur, resident_hash, limit):
    """The newest `limit` entries, oldest first."""
    cur.execute("""SELECT t.occurred_at, t.kind, t.title, t.detail, t.reference,
                          m.status AS message_status, m.channel
                     FROM timeline t LEFT JOIN messages m ON m.id = t.message_id
                    WHERE t.resident_hash = %s
                    ORDER BY t.occurred_at DESC, t.id DESC LIMIT %s""",
                (resident_hash, limit))
    return cur.fetchall()[::-1]


def lock_resident(cur, resident_hash):
    """Serialises this transaction with others about the same resident."""
    cur.execute("SELECT pg_advisory_xact_lock(%s)",
                (int.from_bytes(resident_hash[:8], "big", signed=True),))


def add_code(cur, code_hash, resident_hash, now, expires_at):
    cur.execute("""INSERT INTO timeline_codes (code_hash, resident_hash, created_at, expires_at)
                   VALUES (%s, %s, %s, %s)""", (code_hash, resident_hash, now, expires_at))


def code_since(cur, resident_hash, since):
    cur.execute("""SELECT 1 FROM timeline_codes WHERE resident_hash = %s AND created_at > %s
                    LIMIT 1""", (resident_hash, since))
    return cur.fetchone() is not None


def drop_expired_codes(cur, now):
    cur.execute("DELETE FROM timeline_codes WHERE expires_at <= %s", (now,))
    return cur.rowcount


def drop_old_entries(cur, before):
    cur.execute("DELETE FROM timeline WHERE occurred_at < %s", (before,))
    return cur.rowcount


def resident_for_code(cur, code_hash, now):
    cur.execute("""SELECT resident_hash FROM timeline_codes
                    WHERE code_hash = %s AND expires_at > %s""", (code_hash, now))
    row = cur.fetchone()
    return bytes(row["resident_hash"]) if row else None
