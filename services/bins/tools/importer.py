"""Load a council's own property and round data from CSV.

    python -m services.bins.tools.importer PROPERTIES.csv [--rounds ROUNDS.csv]
                                     [--database-url URL]

Columns are described in docs/bins.md. Every row is checked before anything
is written; if any row is bad, each bad row is reported with its row number
(the header is row 1, as a spreadsheet shows it) and the reason, and nothing
is loaded. A good file loads in one transaction: imported properties replace
what was known about them, services included.
"""
import argparse
import csv
import dataclasses
import datetime as dt
import re
import sys

import psycopg2

from services.bins import store
from services.bins.domain import postcodes
from services.bins.domain.model import Frequency, Service
from services.kit import config, migrate

PROPERTY_COLUMNS = ("uprn", "address_line_1", "address_line_2", "address_line_3", "town",
                    "postcode", "ward", "latitude", "longitude", "refuse_round",
                    "recycling_round", "food_round", "garden_round",
                    "garden_subscribed_until", "assisted")
REQUIRED_PROPERTY_COLUMNS = ("uprn", "address_line_1", "postcode", "ward")
ROUND_COLUMNS = ("round_id", "service", "weekday", "frequency", "week", "crew_id")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
MAX_TEXT = 200
ROUND_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
CREW_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")


class ImportFailed(Exception):
    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s); nothing was loaded")
        self.problems = problems  # [(row number or None, reason)]


@dataclasses.dataclass(frozen=True)
class PropertyRecord:
    property: tuple  # in store.PROPERTY_COLUMNS order
    services: list  # tuples in store.SERVICE_COLUMNS order


def _text(row, column):
    return (row.get(column) or "").strip()


def missing_columns(header, required):
    have = {h.strip().lower() for h in (header or []) if h}
    return [c for c in required if c not in have]


def _coordinate(value, column, low, high, errors):
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        errors.append(f"{column} must be a number between {low} and {high}, not {value!r}")
        return None
    return number


def parse_property_row(row, rounds):
    """(PropertyRecord or None, [reasons]) for one CSV row.

    `rounds` maps every known round id to its service name.
    """
    errors = []
    row = {(k or "").strip().lower(): v for k, v in row.items()}
    uprn = _text(row, "uprn")
    if not re.fullmatch(r"\d{1,12}", uprn):
        errors.append(f"uprn must be up to 12 digits, not {uprn!r}" if uprn
                      else "uprn is missing")
    else:
        uprn = uprn.zfill(12)
    lines = [_text(row, c) for c in ("address_line_1", "address_line_2", "address_line_3",
                                     "town")]
    if not lines[0]:
        errors.append("address_line_1 is missing")
    for column, value in zip(("address_line_1", "address_line_2", "address_line_3", "town"),
                             lines):
        if len(value) > MAX_TEXT:
            errors.append(f"{column} is longer than {MAX_TEXT} characters")
    raw_postcode = _text(row, "postcode")
    postcode = postcodes.normalise(raw_postcode)
    if postcode is None:
        errors.append(f"postcode {raw_postcode!r} is not a UK postcode" if raw_postcode
                      else "postcode is missing")
    ward = _text(row, "ward")
    if not ward:
        errors.append("ward is missing")
    elif len(ward) > MAX_TEXT:
        errors.append(f"ward is longer than {MAX_TEXT} characters")
    lat = _coordinate(_text(row, "latitude"), "latitude", -90, 90, errors)
    lon = _coordinate(_text(row, "longitude"), "longitude", -180, 180, errors)
    if (lat is None) != (lon is None) and not errors:
        errors.append("give both latitude and longitude, or neither")

    assisted_text = _text(row, "assisted").lower()
    if assisted_text not in YES | NO:
        errors.append(f"assisted must be yes or no, not {_text(row, 'assisted')!r}")
    assisted = assisted_text in YES

    until_text = _text(row, "garden_subscribed_until")
    until = None
    if until_text:
        try:
            until = dt.date.fromisoformat(until_text)
        except ValueError:
            errors.append(f"garden_subscribed_until must be a date like 2027-03-31, "
                          f"not {until_text!r}")

    services = []
    for service in Service:
        column = f"{service.value}_round"
        round_id = _text(row, column)
        if not round_id:
            continue
        if round_id not in rounds:
            errors.append(f"{column} {round_id!r} is not a known round")
        elif rounds[round_id] != service.value:
            errors.append(f"{column} {round_id!r} is a {rounds[round_id]} round, "
                          f"not {service.value}")
        services.append((uprn, service.value, round_id, assisted,
                         until if service is Service.GARDEN else None))
    if not services:
        errors.append("the property has no rounds: give at least one of "
                      + ", ".join(f"{s.value}_round" for s in Service))
    if until_text and not _text(row, "garden_round"):
        errors.append("garden_subscribed_until is given but garden_round is empty")
    if errors:
        return None, errors
    record = (uprn, [line for line in lines if line], postcode, ward, lat, lon)
    return PropertyRecord(record, services), []


def parse_round_row(row):
    """(round row in store.ROUND_COLUMNS order or None, [reasons])."""
    errors = []
    row = {(k or "").strip().lower(): v for k, v in row.items()}
    round_id = _text(row, "round_id")
    if not ROUND_ID.match(round_id):
        errors.append(f"round_id must be 1 to 40 letters, digits, dots, dashes or "
                      f"underscores, not {round_id!r}")
    service = _text(row, "service").lower()
    if service not in {s.value for s in Service}:
        errors.append(f"service must be one of {', '.join(s.value for s in Service)}, "
                      f"not {service!r}")
    weekday = _text(row, "weekday").lower()
    if weekday not in WEEKDAYS:
        errors.append(f"weekday must be a day name from Monday to Saturday, not {weekday!r}")
    frequency = _text(row, "frequency").lower()
    if frequency not in {f.value for f in Frequency}:
        errors.append(f"frequency must be weekly or fortnightly, not {frequency!r}")
    week = _text(row, "week").upper() or None
    if frequency == Frequency.FORTNIGHTLY.value and week not in ("A", "B"):
        errors.append("week must be A or B for a fortnightly round")
    if frequency == Frequency.WEEKLY.value and week is not None:
        errors.append("week must be empty for a weekly round")
    crew_id = _text(row, "crew_id")
    if not CREW_ID.match(crew_id):
        errors.append(f"crew_id must be like crew-7 (lower case letters, digits, dashes), "
                      f"not {crew_id!r}")
    if errors:
        return None, errors
    return (round_id, service, WEEKDAYS.index(weekday), frequency, week, crew_id), []


class NumberedRow(dict):
    """A CSV row that knows its line in the file."""
    line = None


def _numbered(rows):
    # Rows read from a file carry their own line (blank lines are skipped by
    # the csv reader, but still count in a spreadsheet); others count from 2.
    for index, row in enumerate(rows, start=2):
        yield (getattr(row, "line", None) or index), row


def check_rows(rows, parse):
    """Parses every row; returns (records, problems) with row numbers
    counted as a spreadsheet does (the header is row 1)."""
    records, problems = [], []
    for number, row in _numbered(rows):
        if None in row:
            problems.append((number, "the row has more values than the header has columns"))
            continue
        record, errors = parse(row)
        problems.extend((number, reason) for reason in errors)
        if record is not None:
            records.append((number, record))
    return records, problems


def check_properties(rows, rounds):
    records, problems = check_rows(rows, lambda row: parse_property_row(row, rounds))
    first_seen = {}
    for number, record in records:
        uprn = record.property[0]
        if uprn in first_seen:
            problems.append((number, f"uprn {uprn} is already on row {first_seen[uprn]}"))
        else:
            first_seen[uprn] = number
    problems.sort(key=lambda p: p[0] or 0)
    return [r for _, r in records], problems


def check_rounds(rows):
    records, problems = check_rows(rows, parse_round_row)
    first_seen = {}
    for number, record in records:
        if record[0] in first_seen:
            problems.append((number, f"round_id {record[0]} is already on row "
                                     f"{first_seen[record[0]]}"))
        else:
            first_seen[record[0]] = number
    return [r for _, r in records], problems


def _read(path, required):
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        try:
            missing = missing_columns(reader.fieldnames, required)
            if missing:
                raise ImportFailed([(1, "the header lacks the column(s) " + ", ".join(missing))])
            rows = []
            for row in reader:
                numbered = NumberedRow(row)
                numbered.line = reader.line_num
                rows.append(numbered)
            return rows
        except UnicodeDecodeError as exc:
            # Tell which line, as a spreadsheet counts them.
            line = reader.line_num + 1
            raise ImportFailed([(line, "the file is not UTF-8 text: save it as "
                                       "\"CSV UTF-8\" and try again")]) from exc


def import_files(url, properties_path, rounds_path=None):
    """Checks and loads; returns (properties, services) loaded, or raises
    ImportFailed with every problem found."""
    property_rows = _read(properties_path, REQUIRED_PROPERTY_COLUMNS)
    round_rows = _read(rounds_path, ROUND_COLUMNS) if rounds_path else []
    conn = psycopg2.connect(url, application_name="bins-importer")
    try:
        with conn.cursor() as cur:
            new_rounds, round_problems = check_rounds(round_rows)
            if round_problems:
                raise ImportFailed([(n, f"rounds file: {why}") for n, why in round_problems])
            known = store.known_rounds(cur)
            known.update({r[0]: r[1] for r in new_rounds})
            records, problems = check_properties(property_rows, known)
            if problems:
                raise ImportFailed(problems)
            if new_rounds:
                store.ensure_crews(cur, [r[5] for r in new_rounds])
                store.upsert_rounds(cur, new_rounds)
            store.start_import(cur)
            store.copy_rows(cur, "import_properties", store.PROPERTY_COLUMNS,
                            (r.property for r in records))
            store.copy_rows(cur, "import_services", store.SERVICE_COLUMNS,
                            (s for r in records for s in r.services))
            counts = store.finish_import(cur)
            store.analyse(cur)
        conn.commit()
        return counts
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.bins.tools.importer",
                                     description="Import properties (and rounds) from CSV.")
    parser.add_argument("file", help="properties CSV (columns in docs/bins.md)")
    parser.add_argument("--rounds", help="rounds CSV, when the rounds are new or changed")
    parser.add_argument("--database-url", default=None,
                        help="default: BINS_DATABASE_URL or the local bins database")
    args = parser.parse_args(argv)
    url = args.database_url or config.database_url("bins")
    migrate.create_database(url)
    migrate.apply_migrations(url, migrate.migration_dirs("bins"))
    try:
        properties, services = import_files(url, args.file, args.rounds)
    except ImportFailed as exc:
        for number, reason in exc.problems:
            print(f"row {number}: {reason}", file=sys.stderr)
        print(f"Nothing was loaded: {len(exc.problems)} problem(s).", file=sys.stderr)
        return 1
    except psycopg2.Error as exc:
        print(f"Nothing was loaded: the database refused the data: "
              f"{exc.pgerror or exc}", file=sys.stderr)
        return 1
    print(f"bins: imported {properties:,} properties with {services:,} services")
    return 0


if __name__ == "__main__":
    sys.exit(main())
