"""Golden pages: every kind of resident and staff page, and the OpenAPI
document, compared byte for byte with the copies in golden/, so that a change
meant to move code and not behaviour shows any page it alters.

The services are stand-ins answering from golden/services.json (replies of
the real services, their dates moved far into the future so that nothing on
a page turns overdue as days go by); bins is the fake of fake_bins.py.
Only what differs on every run is masked: CSP nonces, CSRF tokens, the
bins form's submission key, a new report's reference, secret and time, the
gateway's address and the inbox's folder.

    GOLDEN_RECORD=1 pytest tests/integration/gateway/test_golden_pages.py

writes the copies afresh; a normal run only compares.
"""
import datetime as dt
import json
import os
import pathlib
import re
import urllib.parse
from datetime import datetime, timezone
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
import requests
from marshmallow import ValidationError
from nameko.rpc import rpc

from tools import devmail
from tests.integration.gateway.conftest import Scenario, _token
from tests.integration.gateway.fake_bins import UPRN, BinsState, make_fake_bins
from tests.support.pages import csrf

LONDON = ZoneInfo("Europe/London")
GOLDEN = pathlib.Path(__file__).parent / "golden"
RECORD = os.environ.get("GOLDEN_RECORD") == "1"
REPLIES = json.loads((GOLDEN / "services.json").read_text())
CASE_ID = REPLIES["get_case"]["case_id"]
TRIAGE_CODE = "ABCD-EFGH-JKMN"
TIMELINE_CODE = "timeline-code-that-works"


class NotFound(Exception):
    pass


class CaseNotFound(Exception):
    pass


class BookingNotFound(Exception):
    pass


class TriageNotFound(Exception):
    pass


def make_housing():
    class FakeHousing:
        name = "housing"

        @rpc
        def questionnaire(self, version=None):
            return REPLIES["questionnaire"]

        @rpc
        def start_triage(self):
            return {"code": TRIAGE_CODE, "triage": REPLIES["triage_partial"]}

        @rpc
        def get_triage(self, code):
            if code != TRIAGE_CODE:
                raise TriageNotFound("We could not find a saved form with that code")
            # kept for 30 days from now, as the service does: "30 days" on the page
            expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)
            return {**REPLIES["triage_partial"], "expires_at": expires.isoformat()}

        @rpc
        def answer_triage(self, code, question_id, value):
            if not value:
                raise ValidationError({question_id: ["Select where you will sleep tonight"]})
            return REPLIES["triage_partial"]

        @rpc
        def case_status(self, reference, secret):
            if (reference, secret) != (REPLIES["case_reference"], REPLIES["case_secret"]):
                raise CaseNotFound("No case matches that reference and code")
            return REPLIES["case_status"]

        @rpc
        def list_queue(self, staff_id, role="caseworker", **filters):
            return REPLIES["list_queue"]

        @rpc
        def get_case(self, staff_id, role, case_id, reason=None):
            if case_id != CASE_ID:
                raise CaseNotFound("There is no case with that id")
            return REPLIES["get_case"]

    return FakeHousing


def make_bookings():
    class FakeBookings:
        name = "bookings"

        @rpc
        def setup(self):
            return REPLIES["setup"]

        @rpc
        def get_booking(self, reference, secret):
            booking = REPLIES["booking"]
            if (reference, secret) != (booking["reference"], REPLIES["booking_secret"]):
                raise BookingNotFound("No booking matches that reference and code")
            return booking

        @rpc
        def search(self, type_id, first_day, last_day, office_id=None, step_free=False,
                   case_reference=None):
            return REPLIES["search"]

    return FakeBookings


def make_notify():
    class FakeNotify:
        name = "notify"

        @rpc
        def timeline(self, code):
            if code != TIMELINE_CODE:
                raise NotFound("There is no timeline for that code")
            return REPLIES["timeline"]

    return FakeNotify


def email(to, subject, body, message_id):
    msg = EmailMessage()
    msg["From"] = "noreply@townhall.example"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}@townhall.example>"
    msg.set_content(body)
    return msg.as_bytes()


@pytest.fixture(scope="module")
def maildir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("golden-mail")
    devmail.store(folder, email("resident@example.com", "Your appointment is booked",
                                "Dear resident,\n\nYour appointment is at 10:30am.\n",
                                "33333333-3333-4333-8333-333333333333"),
                  rcpt_tos=["resident@example.com"],
                  received_at=datetime(2025, 3, 5, 14, 5, 9, tzinfo=timezone.utc))
    return folder


@pytest.fixture(scope="module")
def golden_gateway(gw_broker, gw_containers, echo_log, redis_client, maildir):
    scenario = Scenario(gw_broker, gw_containers, echo_log)
    config = {"AMQP_URI": scenario.amqp_uri, "rpc_exchange": scenario.exchange,
              "max_workers": 10}
    state = BinsState()
    for service in (make_fake_bins(state), make_housing(), make_bookings(), make_notify()):
        gw_containers.start(service, config)
    gateway = scenario.gateway(DEV_INBOX_DIR=str(maildir))
    gateway.bins_state = state
    return gateway


def normalise(text, masked=()):
    """The page with what differs on every request masked."""
    text = re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', text)
    text = re.sub(r'(name="(?:csrf_token|submission)" value=")[^"]+"', r'\1MASKED"', text)
    for value, mask in masked:
        text = text.replace(value, mask)
    return text


def snapshot(response, masked=()):
    gateway = urllib.parse.urlsplit(response.url).netloc
    masked = [(gateway, "GATEWAY"), *masked]
    headers = "".join(f"{name}: {response.headers[name]}\n"
                      for name in ("Content-Type", "Location") if name in response.headers)
    return normalise(f"{response.status_code}\n{headers}\n{response.text}", masked)


def check(name, text):
    # a recorded page (status, headers, body) is kept as a .page file
    path = GOLDEN / (f"{name.removesuffix('.html')}.page" if name.endswith(".html") else name)
    if RECORD:
        path.write_text(text)
        return
    assert path.exists(), f"no golden copy of {name}: record with GOLDEN_RECORD=1"
    assert text == path.read_text(), f"{name} differs from its golden copy"


class Visit:
    """A browser: keeps cookies, and posts forms with the token of the page
    it is on; redirects are not followed, so each answer is seen as sent."""

    def __init__(self, gateway, headers=None):
        self.gateway = gateway
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.page = None

    def get(self, path, **kwargs):
        self.page = self.session.get(self.gateway.url + path, timeout=10,
                                     allow_redirects=False, **kwargs)
        return self.page

    def post(self, path, data=()):
        pairs = [("csrf_token", csrf(self.page.text))] + list(data)
        return self.session.post(self.gateway.url + path, data=pairs, timeout=10,
                                 allow_redirects=False)


HTML = {"Accept": "text/html"}
STAFF = {"Authorization": "Bearer " + _token(["caseworker"], sub="cw-alice",
                                              exp=2 ** 40)}
BOOKING = REPLIES["booking"]
MANAGE = f"/bookings/manage/{BOOKING['reference']}?code={REPLIES['booking_secret']}"

# (golden file, path): pages a plain GET shows
GETS = [
    ("home", "/"),
    ("start", "/start"),
    ("api-docs", "/api/v1/docs"),
    ("not-found", "/no/such/page"),
    ("bins-start", "/bins"),
    ("bins-address", "/bins/address?postcode=SW1A1AA"),
    ("bins-address-unknown", "/bins/address?postcode=E1%206AN"),
    ("bins-days", f"/bins/property/{UPRN}"),
    ("bins-days-unknown", "/bins/property/999999999999"),
    ("bins-missed-start", "/bins/missed"),
    ("bins-missed-service", f"/bins/missed/property/{UPRN}"),
    ("bins-track", "/bins/track"),
    ("bins-track-wrong-code", "/bins/track/MB-2222-10?secret=nope"),
    ("housing-start", "/housing"),
    ("housing-resume", "/housing/triage/resume"),
    ("housing-track", "/housing/case"),
    ("housing-check-no-cookie", "/housing/triage/check"),
    ("bookings-start", "/bookings"),
    ("bookings-case", "/bookings/housing"),
    ("bookings-where", "/bookings/where?type=council-tax"),
    ("bookings-manage-start", "/bookings/manage"),
    ("bookings-manage", MANAGE),
    ("bookings-cancel", MANAGE.replace("?", "/cancel?")),
    ("bookings-manage-wrong-code", f"/bookings/manage/{BOOKING['reference']}?code=NOPE"),
    ("timeline-start", "/timeline"),
    ("timeline", f"/timeline/{TIMELINE_CODE}"),
    ("timeline-expired", "/timeline/no-such-code-at-all"),
]

# (golden file, page with the form, path posted to, fields): forms sent
POSTS = [
    ("start-no-choice", "/start", "/start", []),
    ("bins-start-no-postcode", "/bins", "/bins", [("postcode", "")]),
    ("bins-address-none-chosen", "/bins/address?postcode=SW1A1AA", "/bins/address",
     [("postcode", "SW1A 1AA")]),
    ("bins-missed-refused", f"/bins/missed/property/{UPRN}",
     f"/bins/missed/property/{UPRN}", [("service", "garden")]),
    ("bins-missed-no-choice", f"/bins/missed/property/{UPRN}",
     f"/bins/missed/property/{UPRN}", []),
    ("bins-track-empty", "/bins/track", "/bins/track", []),
    ("housing-resume-wrong-code", "/housing/triage/resume", "/housing/triage/resume",
     [("code", "WXYZ-WXYZ-WXYZ")]),
    ("housing-track-empty", "/housing/case", "/housing/case", []),
    ("housing-track-found", "/housing/case", "/housing/case",
     [("reference", REPLIES["case_reference"]), ("secret", REPLIES["case_secret"])]),
    ("bookings-start-no-choice", "/bookings", "/bookings", []),
    ("bookings-case-wrong", "/bookings/housing", "/bookings/housing",
     [("reference", "HL-2222-10"), ("secret", "ABCD-EFGH-JKLM")]),
    ("bookings-manage-start-empty", "/bookings/manage", "/bookings/manage", []),
    ("timeline-start-empty", "/timeline", "/timeline", [("address", "")]),
]


@pytest.mark.parametrize("name,path", GETS, ids=[g[0] for g in GETS])
def test_a_page_is_as_recorded(golden_gateway, name, path):
    check(f"{name}.html", snapshot(Visit(golden_gateway, HTML).get(path)))


@pytest.mark.parametrize("name,form,path,fields", POSTS, ids=[p[0] for p in POSTS])
def test_a_form_answer_is_as_recorded(golden_gateway, name, form, path, fields):
    visit = Visit(golden_gateway, HTML)
    visit.get(form)
    check(f"{name}.html", snapshot(visit.post(path, fields)))


def test_the_dev_inbox_is_as_recorded(golden_gateway, maildir):
    check("dev-inbox.html", snapshot(Visit(golden_gateway, HTML).get("/dev/inbox"),
                                     [(str(maildir), "MAILDIR")]))


def test_the_dev_inbox_message_page_is_as_recorded(golden_gateway, maildir):
    name = next(maildir.glob("*.eml")).name
    check("dev-inbox-message.html", snapshot(
        Visit(golden_gateway, HTML).get(f"/dev/inbox/{name}"), [(str(maildir), "MAILDIR")]))


def test_a_missed_bin_report_and_its_tracking_page_are_as_recorded(golden_gateway):
    visit = Visit(golden_gateway, HTML)
    visit.get(f"/bins/missed/property/{UPRN}")
    sent = visit.post(f"/bins/missed/property/{UPRN}", [("service", "refuse")])
    report = next(iter(golden_gateway.bins_state.reports.values()))
    filed = dt.datetime.fromisoformat(report["filed_at"]).astimezone(LONDON)
    masked = [(report["secret"], "SECRET"), (report["reference"], "REFERENCE"),
              (f"{filed:%-I:%M%p}".lower() + f" on {filed:%A %-d %B %Y}", "FILED AT")]
    check("bins-missed-sent.html", snapshot(sent, masked))
    check("bins-missed-confirmation.html", snapshot(visit.get(sent.headers["Location"]),
                                                   masked))
    check("bins-track-report.html", snapshot(visit.get(
        f"/bins/track/{report['reference']}?secret={report['secret']}"), masked))


def test_the_housing_questions_are_as_recorded(golden_gateway):
    visit = Visit(golden_gateway, HTML)
    visit.get("/housing")
    check("housing-started.html", snapshot(visit.post("/housing")))
    check("housing-question.html",
          snapshot(visit.get("/housing/triage/question/sleep_tonight")))
    check("housing-question-unanswered.html",
          snapshot(visit.post("/housing/triage/question/sleep_tonight")))
    check("housing-question-change.html",
          snapshot(visit.get("/housing/triage/question/route?change=1")))
    check("housing-save.html", snapshot(visit.get("/housing/triage/save")))
    check("housing-check-incomplete.html", snapshot(visit.get("/housing/triage/check")))


def test_the_caseworker_pages_are_as_recorded(golden_gateway):
    visit = Visit(golden_gateway, {**HTML, **STAFF})
    check("staff-queue.html", snapshot(visit.get("/staff/housing")))
    check("staff-queue-bad-filter.html", snapshot(visit.get("/staff/housing?urgency=nope")))
    check("staff-case.html", snapshot(visit.get(f"/staff/housing/cases/{CASE_ID}")))
    check("staff-case-empty-note.html", snapshot(visit.post(
        f"/staff/housing/cases/{CASE_ID}/notes", [("text", "")])))
    check("staff-case-unknown.html", snapshot(visit.get(
        "/staff/housing/cases/00000000-0000-4000-8000-000000000000")))
    check("staff-queue-no-token.html",
          snapshot(Visit(golden_gateway, HTML).get("/staff/housing")))


def test_the_openapi_document_is_as_recorded(golden_gateway):
    got = requests.get(golden_gateway.url + "/api/v1/openapi.json", timeout=10)
    assert got.status_code == 200
    # byte for byte, as served
    check("openapi.json", got.text)
