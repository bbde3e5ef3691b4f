"""The housing service and a gateway in their own processes, over a private
vhost, with an empty housing database: shared by the gateway integration,
end-to-end and browser tests of the housing journeys (registered in
tests/conftest.py). Also the answers a person gives, and helpers to give
them over the JSON API."""
import datetime as dt
import uuid

import pytest

from services.kit.migrate import create_database, migrate_service
from services.council.words import local_today
from tests.conftest import database_url_for
from tests.support.stack import call, running  # noqa: F401

SIGNING_KEY = "e2e-housing-signing-key-long-enough-for-hs256-tokens"


@pytest.fixture(scope="module")
def housing_db():
    url = database_url_for("e2e_housing")
    # a fresh database per module: the queue tests count what is in it
    create_database(url, drop_first=True)
    migrate_service("housing", url)
    return url


@pytest.fixture(scope="module")
def housing_stack(broker, housing_db, tmp_path_factory):
    # only housing runs here, so /healthz (which asks all four) would say 503
    with running(broker.uri, {"housing": housing_db}, tmp_path_factory.mktemp("housing-logs"),
                 ready=["/api/v1/housing/questionnaire"],
                 GATEWAY_REDIS_PREFIX=(f"townhall:e2e-housing:{broker.vhost}:"
                                       f"{uuid.uuid4().hex[:6]}"),
                 AUTH_DEV_SIGNING_KEY=SIGNING_KEY,
                 GATEWAY_SECRET_KEY="e2e-housing-secret",
                 HOUSING_SECRET_KEY="e2e-housing-case-secret",
                 RATE_LIMIT_ANONYMOUS_WRITES="1000/minute") as s:
        yield s



def date_parts(day):
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def today():
    return local_today()


def renter_answers():
    """Someone whose landlord gave them a section 21 notice: prevention duty."""
    return {
        "route": "self", "sleep_tonight": "own_home", "risk_of_violence": "no",
        "asked_to_leave": "yes", "how_asked": "section_21",
        "notice_served_on": date_parts(today() - dt.timedelta(days=10)),
        "leave_date": date_parts(today() + dt.timedelta(days=40)),
        "reason": "end_of_private_tenancy", "applicant_age": "34", "other_adults": "1",
        "pregnant": "no", "dependent_children": "2", "children_ages": "3, 7",
        "health": ["none"], "background": ["none"], "local_connection": ["live", "work"],
        "consent_to_share": "yes", "contact_channel": "email",
        "contact_email": "sam@example.com",
    }


def emergency_answers():
    """Someone with nowhere to stay tonight, at risk of abuse."""
    return {
        "route": "self", "sleep_tonight": "nowhere", "risk_of_violence": "yes",
        "reason": "domestic_abuse", "applicant_age": "27", "other_adults": "0",
        "pregnant": "no", "dependent_children": "1", "children_ages": "4",
        "health": ["mental_health"], "background": ["none"], "local_connection": ["live"],
        "consent_to_share": "yes", "contact_channel": "phone",
        "contact_phone": "07700 900982", "safe_contact": "Weekday mornings. No voicemail.",
    }


def advice_answers():
    """Someone not at risk: advice only."""
    return {
        "route": "self", "sleep_tonight": "own_home", "risk_of_violence": "no",
        "asked_to_leave": "no", "reason": "other", "applicant_age": "45",
        "other_adults": "0", "pregnant": "no", "dependent_children": "0",
        "health": ["none"], "background": ["none"], "local_connection": ["live"],
        "consent_to_share": "no", "contact_channel": "none",
    }


def secret_header(code):
    return {"X-Resident-Secret": code}


def start(stack):
    started = call(stack, "POST", "/api/v1/housing/triages")
    assert started.status_code == 201, started.text
    return started.json()["code"], started.json()["triage"]


def answer_all(stack, code, answers, view=None):
    """Answers each question the service asks next, until none is left."""
    view = view or call(stack, "GET", "/api/v1/housing/triage",
                        headers=secret_header(code)).json()
    for _ in range(60):
        qid = view["next_question"]
        if qid is None:
            return view
        assert qid in answers, f"the service asked {qid}, which this person has no answer for"
        put = call(stack, "PUT", f"/api/v1/housing/triage/answers/{qid}",
                   json={"value": answers[qid]}, headers=secret_header(code))
        assert put.status_code == 200, put.text
        view = put.json()
    raise AssertionError("the triage never completed")


def file_case(stack, answers):
    """A person's whole triage over the JSON API: (code, submitted body)."""
    code, view = start(stack)
    answer_all(stack, code, answers, view)
    sent = call(stack, "POST", "/api/v1/housing/triage/submit", headers=secret_header(code))
    assert sent.status_code == 201, sent.text
    return code, sent.json()
