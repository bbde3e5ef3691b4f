"""Answers never reach a log: a triage full of marker values, through the
real gateway and housing processes logging at DEBUG, and a caseworker
reading the case; then every log line is searched for the markers."""
import datetime as dt
import uuid

import pytest

from services.kit.migrate import create_database, migrate_service
from tests.conftest import database_url_for
from tests.support.housing_stack import (SIGNING_KEY, answer_all, call, date_parts,
                                         emergency_answers, renter_answers, secret_header,
                                         start)
from tests.support.stack import running

MARKER = "Qx7Marker"
NOTICE_DAY = dt.date(2024, 2, 29)


@pytest.fixture(scope="module")
def debug_stack(broker, tmp_path_factory):
    url = database_url_for("e2e_housing_privacy")
    create_database(url, drop_first=True)
    migrate_service("housing", url)
    with running(broker.uri, {"housing": url}, tmp_path_factory.mktemp("privacy-logs"),
                 ready=["/api/v1/housing/questionnaire"],
                 LOG_LEVEL="DEBUG", AUTH_DEV_SIGNING_KEY=SIGNING_KEY,
                 GATEWAY_SECRET_KEY="e2e-privacy-secret",
                 GATEWAY_REDIS_PREFIX=f"townhall:e2e-privacy:{uuid.uuid4().hex[:6]}",
                 RATE_LIMIT_ANONYMOUS_WRITES="1000/minute") as s:
        yield s


def test_no_answer_reaches_any_log(debug_stack):
    answers = {**emergency_answers(), "contact_phone": "07700 900111",
               "safe_contact": f"{MARKER} only after six, never voicemail"}
    code, view = start(debug_stack)
    answer_all(debug_stack, code, answers, view)
    # a bad answer too: error paths log more than happy ones
    bad = call(debug_stack, "PUT", "/api/v1/housing/triage/answers/safe_contact",
               json={"value": f"{MARKER}\x00"}, headers=secret_header(code))
    assert bad.status_code == 400
    sent = call(debug_stack, "POST", "/api/v1/housing/triage/submit",
                headers=secret_header(code))
    assert sent.status_code == 201, sent.text
    # answers that contradict each other: the refusal repeats a date they gave
    contradicting = {**renter_answers(), "notice_served_on": date_parts(NOTICE_DAY),
                     "leave_date": date_parts(NOTICE_DAY - dt.timedelta(days=3))}
    other_code, other_view = start(debug_stack)
    answer_all(debug_stack, other_code, contradicting, other_view)
    refused = call(debug_stack, "POST", "/api/v1/housing/triage/submit",
                   headers=secret_header(other_code))
    assert refused.status_code == 400 and "29 February 2024" in refused.text
    caseworker = debug_stack.bearer("cw-privacy", ["caseworker"])
    queue = call(debug_stack, "GET", "/api/v1/housing/staff/queue", headers=caseworker).json()
    case_id = queue["cases"][0]["case_id"]
    detail = call(debug_stack, "GET", f"/api/v1/housing/staff/cases/{case_id}",
                  headers=caseworker)
    assert MARKER in detail.text  # the caseworker does see it

    debug_stack.stop_all()  # flush
    logs = {p.name: p.read_text(errors="replace") for p in debug_stack.log_dir.iterdir()}
    assert logs["housing.log"].count("\n") > 20 and logs["gateway.log"].count("\n") > 20
    for name, text in logs.items():
        for secret in (MARKER, MARKER.lower(), "07700 900111", "07700900111", code,
                       "29 February 2024", other_code):
            assert secret not in text, f"{secret!r} found in {name}"
