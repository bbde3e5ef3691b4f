"""The gateway takes every code it checks from the contract of the service
that owns it: a copy written in the gateway fails here."""
import ast
import pathlib

from services.bins import contract as bins
from services.bookings import contract as bookings
from services.council import contact
from services.housing import contract as housing
from services.notify import contract as notify

from gateway.api.schemas import bins as bins_schemas
from gateway.api.schemas import bookings as bookings_schemas
from gateway.api.schemas import housing as housing_schemas
from gateway.api.schemas import notify as notify_schemas
from gateway.open311 import format as open311_format
from gateway.pages.bins import forms as bins_forms
from gateway.pages.bins import routes as bins_pages
from gateway.pages.bookings import words as booking_words
from gateway.pages.housing import words as housing_words
from gateway.staff import forms as staff_forms
from gateway.staff import words as staff_words

GATEWAY = pathlib.Path(__file__).resolve().parents[2] / "gateway"


def _choices(schema, name):
    return schema._declared_fields[name].validate.choices


def _inner_choices(schema, name):
    return schema._declared_fields[name].inner.validate.choices


def test_the_housing_api_checks_housing_codes():
    assert _choices(housing_schemas.QueueQuerySchema, "urgency") is housing.URGENCIES
    assert _choices(housing_schemas.QueueQuerySchema, "duty") is housing.DUTIES
    assert _choices(housing_schemas.QueueQuerySchema, "status") is housing.QUEUE_STATUSES
    assert _choices(housing_schemas.PlanBodySchema, "party") is housing.PLAN_PARTIES
    assert _choices(housing_schemas.CloseBodySchema, "outcome") == list(housing.CLOSE_OUTCOMES)
    assert set(housing_schemas.CLOSE_OUTCOME_SENTENCES) == set(housing.CLOSE_OUTCOMES)


def test_the_staff_pages_check_housing_codes_and_use_its_labels():
    filters = staff_words.StaffQueueFilters
    assert _choices(filters, "urgency") is housing.URGENCIES
    assert _choices(filters, "duty") is housing.DUTIES
    assert _choices(filters, "status") is housing.QUEUE_STATUSES
    assert staff_words.STAFF_CLOSE_OUTCOMES is housing.CLOSE_OUTCOMES
    assert staff_forms.PLAN_PARTIES is housing.PLAN_PARTIES
    # the gateway's own labels cover exactly the service's codes
    assert set(staff_words.STAFF_URGENCY) == set(housing.URGENCIES)
    assert set(staff_words.STAFF_DUTY) == set(housing.DUTIES)
    assert {code for code, _ in staff_words.STAFF_QUEUE_STATUSES} == set(housing.QUEUE_STATUSES)
    assert {code for code, _ in staff_words.STAFF_PARTIES} == set(housing.PLAN_PARTIES)


def test_bins_codes_come_from_the_bins_contract():
    assert bins_schemas.SERVICES is bins.SERVICES
    assert open311_format.SERVICE_NAMES is bins_pages.SERVICE_NAMES is bins.SERVICE_NAMES
    assert bins_schemas.EXCEPTION_KINDS is bins.EXCEPTION_KINDS
    assert bins_schemas.OUTCOMES is bins.OUTCOMES
    assert bins_schemas.CHANNELS is contact.CHANNELS
    assert bins_forms.FORM_PREFERRED is contact.PREFERENCES
    assert _choices(bins_forms.MissedServiceFormSchema, "service") is bins.SERVICES


def test_bookings_and_notify_codes_come_from_their_contracts():
    assert bookings_schemas.REFERENCE_PREFIX is bookings.REFERENCE_PREFIX
    assert bookings_schemas.TYPE_URGENCIES is bookings.TYPE_URGENCIES
    assert bookings_schemas.MAX_SEARCH_DAYS is bookings.MAX_SEARCH_DAYS
    assert _inner_choices(bookings_schemas.TypeBodySchema, "urgencies") is bookings.TYPE_URGENCIES
    assert _choices(notify_schemas.ReceiptSchema, "status") is notify.RECEIPT_STATUSES
    # the language a person needs an interpreter for is read by bookings' rule
    assert bookings_schemas.contract_language is bookings.normalise_language


def _code_tuples(tree):
    """Every literal tuple or list of two or more snake_case strings."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) >= 2 and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            yield tuple(e.value for e in node.elts)


def test_no_service_vocabulary_is_written_out_in_the_gateway():
    owned = {tuple(v) for v in (
        housing.URGENCIES, housing.DUTIES, housing.QUEUE_STATUSES, housing.PLAN_PARTIES,
        tuple(housing.CLOSE_OUTCOMES), bins.SERVICES, bins.EXCEPTION_KINDS, bins.OUTCOMES,
        bins.REPORT_CHANNELS, bins.REPORT_STATUSES, bookings.TYPE_URGENCIES,
        bookings.BOOKING_STATUSES, notify.RECEIPT_STATUSES, contact.CHANNELS, contact.PREFERENCES)}
    found = [(str(path.relative_to(GATEWAY)), codes)
             for path in sorted(GATEWAY.rglob("*.py"))
             for codes in _code_tuples(ast.parse(path.read_text()))
             if codes in owned]
    assert found == []


def test_the_gateways_own_words_cover_exactly_the_services_codes():
    assert set(booking_words.STATUS_WORDS) == set(bookings.BOOKING_STATUSES)
    assert set(housing_words.STATUS_WORDS) == set(housing.CASE_STATUSES)
    assert set(staff_words.STAFF_STATUS) == set(housing.CASE_STATUSES)
    assert set(staff_words.STAFF_PRIORITY_NEED) == set(housing.PRIORITY_NEED)
    assert set(staff_words.STAFF_CLOCKS) == set(housing.CLOCKS)
    assert set(staff_words.STAFF_ROUTE) == set(housing.ROUTES)
