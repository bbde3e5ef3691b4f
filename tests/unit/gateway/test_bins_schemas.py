import datetime as dt

import pytest

from gateway.api.schemas import bins
from gateway.pages.bins import forms, words


def test_file_report_loads_and_refuses_in_plain_words():
    assert bins.FileReportSchema().load({"uprn": 100090000001, "service": "refuse"}) == {
        "uprn": "100090000001", "service": "refuse", "collection_date": None}
    assert bins.FileReportSchema().validate({"uprn": "x", "service": "paper",
                                             "collection_date": "31/03/2026"}) == {
        "uprn": ["Enter a UPRN: up to 12 digits"],
        "service": ["Choose one of: refuse, recycling, garden, food"],
        "collection_date": ["Enter a date like 2026-03-31"]}
    assert bins.FileReportSchema().validate({"uprn": "1", "service": "refuse",
                                             "crew_id": "crew-7"}) == {
        "crew_id": ["This field is not recognised"]}


def test_resolving_as_not_collected_needs_a_reason():
    schema = bins.ResolveReportSchema()
    assert schema.validate({"outcome": "not_collected"}) == {
        "reason": ["Say why the bin was not collected"]}
    assert schema.load({"outcome": "collected"}) == {"outcome": "collected", "reason": None}


def test_completed_at_needs_an_offset():
    schema = bins.CompleteRoundSchema()
    assert "completed_at" in schema.validate({"day": "2026-11-23",
                                              "completed_at": "2026-11-23T14:00:00"})
    loaded = schema.load({"day": "2026-11-23", "completed_at": "2026-11-23T14:00:00+00:00"})
    assert loaded["day"] == dt.date(2026, 11, 23)


def test_postcode_form_says_what_is_missing():
    schema = forms.PostcodeFormSchema()
    assert schema.validate({"postcode": "  "}) == {"postcode": ["Enter a postcode"]}
    assert schema.validate({"postcode": "SW1"}) == {
        "postcode": ["Enter a full postcode, like SW1A 1AA"]}
    assert schema.load({"postcode": "sw1a1aa"}) == {"postcode": "SW1A 1AA"}


def test_address_and_service_forms():
    assert forms.AddressFormSchema().validate({"postcode": "SW1A 1AA"}) == {
        "uprn": ["Select your address"]}
    assert forms.MissedServiceFormSchema().validate({}) == {
        "service": ["Select which bin was not collected"]}
    assert forms.MissedServiceFormSchema().validate({"service": "x"}) == {
        "service": ["Select which bin was not collected"]}


@pytest.mark.parametrize("given, expected", [
    ("MB-7K3Q-92", "MB-7K3Q-92"), ("mb 7k3q 92", "MB-7K3Q-92"), ("mb7k3q92", "MB-7K3Q-92"),
])
def test_references_are_normalised(given, expected):
    assert forms.TrackFormSchema().load({"reference": given, "secret": " s "}) == {
        "reference": expected, "secret": "s"}


def test_track_form_errors():
    assert forms.TrackFormSchema().validate({"reference": "", "secret": ""}) == {
        "reference": ["Enter your reference"], "secret": ["Enter your tracking code"]}
    assert forms.TrackFormSchema().validate({"reference": "MB-0000-00", "secret": "s"}) == {
        "reference": ["Enter your reference as it is shown, like MB-7K3Q-92"]}


def test_words_for_days_and_times():
    assert words.day_text("2026-03-31") == "Tuesday 31 March 2026"
    assert words.time_text("2026-03-31T17:00:00+01:00") == "5pm on Tuesday 31 March 2026"
    assert words.time_text("2026-04-01T00:00:00+01:00") == "the end of Tuesday 31 March 2026"


def test_words_for_the_last_collection():
    assert words.last_visit_words({"status": "completed"}) == "The crew finished this round"
    assert words.last_visit_words({"status": "still_out"}) == \
        "The crew are still working on this round"
    assert words.last_visit_words({"status": "exception", "exception": {
        "kind": "no_access", "reason": "The crew recorded that they could not get to your bin."
    }}) == "The crew recorded that they could not get to your bin."
    assert words.last_visit_words(None) == ""


def test_words_for_a_reports_status():
    assert words.report_status_words({"status": "open", "due_by": "2026-11-26T00:00:00+00:00"})[2] \
        == "We have asked the crew to go back by the end of Wednesday 25 November 2026."
    assert words.report_status_words({"status": "closed", "outcome": "collected"})[0] == \
        "Collected"
    text = words.report_status_words({"status": "closed", "outcome": "not_collected",
                                     "outcome_reason": "Road closed"})
    assert text[:2] == ("Not collected", "red") and text[2].endswith(": Road closed")
