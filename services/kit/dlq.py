"""List, replay and discard parked (dead-lettered) messages.

    townhall-dlq list [--queue Q] [--json]
    townhall-dlq replay ID... | --all [--queue Q]
    townhall-dlq discard ID... | --all [--queue Q]

ID is the parked id `list` shows (one per parked copy: the same event parked
by two consumers has two). Messages are read with basic.get and left
unacknowledged; closing the channel hands back everything not replayed or
discarded, in its original place. A pass reads only as many messages as were
parked when it began, so a replayed message that fails and is parked again
is not replayed again in the same pass.
"""
import argparse
import json
import os
import sys

import kombu
import kombu.exceptions

from services.kit import topology
from services.kit.messaging import ATTEMPT_HEADER, PARKED_ID_HEADER

PARKING_HEADERS = (PARKED_ID_HEADER, "x-original-queue", "x-error", "x-attempts",
                   "x-parked-at")


def amqp_uri():
    return os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def _describe(message):
    headers = message.headers or {}
    try:
        body = message.payload
    except Exception:  # parked because it could not be decoded
        body = None
    body = body if isinstance(body, dict) else {}
    return {
        "id": headers.get(PARKED_ID_HEADER) or message.properties.get("message_id"),
        "event_id": body.get("event_id"),
        "queue": headers.get("x-original-queue"),
        "event_type": body.get("event_type"),
        "source": body.get("source"),
        "correlation_id": body.get("correlation_id"),
        "error": headers.get("x-error"),
        "attempts": headers.get("x-attempts"),
        "parked_at": headers.get("x-parked-at"),
    }


def _walk(conn, limit=None):
    """Yields the messages parked when the walk began, once each, unacked."""
    channel = conn.channel()
    queue = kombu.Queue(topology.PARKED_QUEUE, durable=True, channel=channel)
    _, count, _ = queue.queue_declare()
    limit = count if limit is None else min(limit, count)
    seen = 0
    while seen < limit:
        message = queue.get(no_ack=False, accept=["json"])
        if message is None:
            break
        seen += 1
        yield channel, message


def list_parked(uri=None, limit=100, queue=None):
    with kombu.Connection(uri or amqp_uri(), connect_timeout=5) as conn:
        found = [_describe(m) for _, m in _walk(conn, limit)]
    return [f for f in found if queue is None or f["queue"] == queue]


def _select(conn, ids, everything, queue):
    for channel, message in _walk(conn):
        info = _describe(message)
        if queue and info["queue"] != queue:
            continue
        if everything or info["id"] in ids:
            yield channel, message, info


def _queue_exists(conn, name):
    # A passive declare on a missing queue closes its channel: use a spare one.
    channel = conn.channel()
    try:
        channel.queue_declare(queue=name, passive=True)
        return True
    except kombu.exceptions.ChannelError:
        return False
    finally:
        try:
            channel.close()
        except Exception:
            pass


def replay(ids=(), everything=False, queue=None, uri=None):
    """Puts messages back on the queue they failed on, with a fresh set of
    attempts. Returns the descriptions of what was replayed; a message whose
    queue no longer exists stays parked (its description says so)."""
    done = []
    with kombu.Connection(uri or amqp_uri(), connect_timeout=5,
                          transport_options={"confirm_publish": True}) as conn:
        producer = kombu.Producer(conn.channel())
        for _, message, info in _select(conn, set(ids), everything, queue):
            if not info["queue"] or not _queue_exists(conn, info["queue"]):
                info["kept"] = "its queue no longer exists"
                done.append(info)
                continue
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k not in PARKING_HEADERS and k != ATTEMPT_HEADER}
            producer.publish(
                message.body, exchange="", routing_key=info["queue"],
                headers=headers, content_type=message.content_type,
                content_encoding=message.content_encoding, delivery_mode=2,
                message_id=message.properties.get("message_id"), retry=False)
            message.ack()
            done.append(info)
    return done


def discard(ids=(), everything=False, queue=None, uri=None):
    done = []
    with kombu.Connection(uri or amqp_uri(), connect_timeout=5) as conn:
        for _, message, info in _select(conn, set(ids), everything, queue):
            message.ack()
            done.append(info)
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(prog="townhall-dlq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="show parked messages and why they failed")
    ls.add_argument("--queue")
    ls.add_argument("--limit", type=int, default=1000)
    ls.add_argument("--json", action="store_true")
    for name in ("replay", "discard"):
        p = sub.add_parser(name)
        p.add_argument("ids", nargs="*")
        p.add_argument("--all", action="store_true")
        p.add_argument("--queue")
    args = parser.parse_args(argv)

    if args.command == "list":
        rows = list_parked(limit=args.limit, queue=args.queue)
        if args.json:
            json.dump(rows, sys.stdout, indent=2, default=str)
            print()
        elif not rows:
            print("No parked messages.")
        else:
            for r in rows:
                print(f"{r['id']}  {r['event_type'] or '?'} from {r['source'] or '?'}"
                      f"  event={r['event_id']}  queue={r['queue']}"
                      f"  attempts={r['attempts']}  parked_at={r['parked_at']}"
                      f"\n    error: {r['error']}")
        return 0
    if not args.ids and not args.all:
        parser.error("name message ids, or --all")
    action = replay if args.command == "replay" else discard
    rows = action(args.ids, args.all, args.queue)
    kept = [r for r in rows if r.get("kept")]
    moved = [r for r in rows if not r.get("kept")]
    verb = "Replayed" if args.command == "replay" else "Discarded"
    print(f"{verb} {len(moved)} message(s).")
    for r in moved:
        print(f"  {r['id']} -> {r['queue']}")
    for r in kept:
        print(f"  {r['id']} kept parked: {r['kept']} ({r['queue']})")
    return 0 if (moved or args.all) and not kept else 1


if __name__ == "__main__":
    sys.exit(main())
