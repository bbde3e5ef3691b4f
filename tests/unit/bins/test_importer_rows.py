import datetime as dt

import pytest

from services.bins.tools.importer import (check_properties, check_rounds, missing_columns,
                                    parse_property_row, parse_round_row)

ROUNDS = {"REF-1": "refuse", "REC-1": "recycling", "GDN-1": "garden", "FOOD-1": "food"}


def row(**changes):
    base = {"uprn": "100023336956", "address_line_1": "12 Mill Lane", "address_line_2": "",
            "address_line_3": "", "town": "Fernley", "postcode": "zz1 0aa", "ward": "Abbey",
            "latitude": "52.9", "longitude": "-1.15", "refuse_round": "REF-1",
            "recycling_round": "REC-1", "food_round": "FOOD-1", "garden_round": "GDN-1",
            "garden_subscribed_until": "2027-03-31", "assisted": "yes"}
    base.update(changes)
    return base


def test_a_good_row_becomes_a_property_and_its_services():
    record, errors = parse_property_row(row(), ROUNDS)
    assert errors == []
    assert record.property == ("100023336956", ["12 Mill Lane", "Fernley"], "ZZ1 0AA",
                               "Abbey", 52.9, -1.15)
    by_service = {s[1]: s for s in record.services}
    assert set(by_service) == {"refuse", "recycling", "garden", "food"}
    assert by_service["garden"][4] == dt.date(2027, 3, 31)
    assert by_service["refuse"][4] is None
    assert all(s[3] is True for s in record.services)


def test_short_uprns_are_padded_and_garden_is_optional():
    record, errors = parse_property_row(
        row(uprn="10023", garden_round="", garden_subscribed_until="", assisted=""), ROUNDS)
    assert errors == []
    assert record.property[0] == "000000010023"
    assert {s[1] for s in record.services} == {"refuse", "recycling", "food"}


@pytest.mark.parametrize("changes, reason", [
    ({"uprn": "12A"}, "uprn must be up to 12 digits, not '12A'"),
    ({"uprn": ""}, "uprn is missing"),
    ({"postcode": "NOWHERE"}, "postcode 'NOWHERE' is not a UK postcode"),
    ({"address_line_1": ""}, "address_line_1 is missing"),
    ({"ward": ""}, "ward is missing"),
    ({"ward": "W" * 100_000}, "ward is longer than"),
    ({"latitude": "north"}, "latitude must be a number between -90 and 90, not 'north'"),
    ({"refuse_round": "REF-9"}, "refuse_round 'REF-9' is not a known round"),
    ({"refuse_round": "REC-1"}, "refuse_round 'REC-1' is a recycling round, not refuse"),
    ({"garden_subscribed_until": "31/03/2027"},
     "garden_subscribed_until must be a date like 2027-03-31, not '31/03/2027'"),
    ({"assisted": "maybe"}, "assisted must be yes or no, not 'maybe'"),
    ({"refuse_round": "", "recycling_round": "", "food_round": "", "garden_round": "",
      "garden_subscribed_until": ""},
     "the property has no rounds: give at least one of refuse_round, recycling_round, "
     "garden_round, food_round"),
])
def test_each_bad_value_is_named_in_plain_words(changes, reason):
    record, errors = parse_property_row(row(**changes), ROUNDS)
    assert record is None
    assert any(e.startswith(reason) for e in errors), errors


def test_problems_carry_spreadsheet_row_numbers_and_duplicates_are_caught():
    rows = [row(), row(uprn="100023336957", postcode="bad"), row(), row(uprn="1", ward="")]
    records, problems = check_properties(rows, ROUNDS)
    assert problems == [
        (3, "postcode 'bad' is not a UK postcode"),
        (4, "uprn 100023336956 is already on row 2"),
        (5, "ward is missing"),
    ]
    assert len(records) == 2


def test_a_row_with_extra_values_is_refused():
    records, problems = check_properties([{**row(), None: ["spare"]}], ROUNDS)
    assert records == []
    assert problems == [(2, "the row has more values than the header has columns")]


def test_missing_columns_are_named():
    assert missing_columns(["UPRN", "address_line_1"], ("uprn", "postcode", "ward")) == [
        "postcode", "ward"]


def test_round_rows():
    good = {"round_id": "REF-1", "service": "refuse", "weekday": "Tuesday",
            "frequency": "fortnightly", "week": "b", "crew_id": "crew-7"}
    assert parse_round_row(good) == (("REF-1", "refuse", 1, "fortnightly", "B", "crew-7"), [])
    record, errors = parse_round_row(dict(good, week="", weekday="Sunday"))
    assert record is None
    assert "week must be A or B for a fortnightly round" in errors
    assert "weekday must be a day name from Monday to Saturday, not 'sunday'" in errors
    _, problems = check_rounds([good, good])
    assert problems == [(3, "round_id REF-1 is already on row 2")]
