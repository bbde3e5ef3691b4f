"""RabbitMQ stopped and started while events are flowing: services
reconnect, and every committed event is delivered and handled once."""
import shutil
import subprocess
import threading
import time

import psycopg2
import pytest

from services.kit.db import Pool, unit_of_work
from tests.support.waiting import wait_until
from tests.integration.kit.services import LEDGER_EVENTS, Ledger, Tally

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("rabbitmqctl") is None,
                       reason="needs rabbitmqctl on this machine to restart the broker"),
]


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def handled(url):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT event_id::text FROM tallied")
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def test_events_survive_a_broker_restart(container_factory, ledger_config, tally_config):
    container_factory(Ledger, ledger_config).start()
    container_factory(Tally, tally_config).start()

    committed = []
    stop = threading.Event()
    pool = Pool(ledger_config["DATABASE_URL"], 1, 2, "restart-test")

    def commit_events():
        # Commits straight to the ledger's database: the broker being away
        # must not stop the business from recording what happened.
        n = 0
        while not stop.is_set():
            n += 1
            with unit_of_work(pool, LEDGER_EVENTS, f"req-{n}") as uow:
                uow.cursor.execute("INSERT INTO entries (amount) VALUES (%s) RETURNING id", (n,))
                envelope = uow.publish(
                    "EntryRecorded", {"entry_id": uow.cursor.fetchone()["id"], "amount": n})
            committed.append(envelope["event_id"])
            time.sleep(0.02)

    writer = threading.Thread(target=commit_events)
    writer.start()
    try:
        time.sleep(1.5)
        before_outage = len(committed)
        rabbitmqctl("stop_app")
        time.sleep(2.0)
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
        time.sleep(1.5)
    finally:
        stop.set()
        writer.join()
        pool.close()

    assert before_outage > 10 and len(committed) > before_outage + 10
    url = tally_config["DATABASE_URL"]
    assert wait_until(lambda: len(handled(url)) >= len(committed), timeout=90, every=0.5), \
        f"{len(handled(url))} of {len(committed)} events handled"
    got = handled(url)
    assert sorted(got) == sorted(committed)  # every one, and each once
