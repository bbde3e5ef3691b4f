"""The generator and the CSV importer, run as an operator runs them."""
import csv

import pytest

from services.bins.tools import generator
from tests.conftest import database_url_for
from tests.integration.bins.conftest import (AS_OF, ROUND_SIZE, SEED, SIZE, load_borough,
                                             query, run_module)
from services.kit import migrate

FINGERPRINT = """
    SELECT (SELECT md5(string_agg(p::text, '|' ORDER BY uprn)) FROM properties p) AS properties,
           (SELECT md5(string_agg(s::text, '|' ORDER BY uprn, service))
              FROM property_services s) AS services,
           (SELECT md5(string_agg(r::text, '|' ORDER BY id)) FROM rounds r) AS rounds"""


def test_the_generator_is_deterministic(bins_db):
    again = database_url_for("bins_again")
    migrate.create_database(again, drop_first=True)
    load_borough(again)
    assert query(again, FINGERPRINT) == query(bins_db, FINGERPRINT)
    assert query(again, "SELECT count(*) AS n FROM properties")[0]["n"] == SIZE

    def rows(seed):
        made = generator.generate(SIZE, seed, ROUND_SIZE, AS_OF)
        return list(made.properties)
    assert rows(SEED) == rows(SEED)
    assert rows(SEED) != rows(SEED + 1)
    # a second run does not load over what is there
    done = run_module("services.bins.tools.generator", "--size", "10", "--database-url", again)
    assert done.returncode == 1 and "--replace" in done.stderr


HEADER = ["uprn", "address_line_1", "address_line_2", "address_line_3", "town", "postcode",
          "ward", "latitude", "longitude", "refuse_round", "recycling_round", "food_round",
          "garden_round", "garden_subscribed_until", "assisted"]


def good(uprn, **changes):
    row = {"uprn": uprn, "address_line_1": f"{uprn[-2:]} Quay Street", "address_line_2": "",
           "address_line_3": "", "town": "Fernley", "postcode": "zz9 9zz", "ward": "Harbour",
           "latitude": "52.91", "longitude": "-1.16", "refuse_round": "REF-0001",
           "recycling_round": "REC-0001", "food_round": "QUAY-FOOD", "garden_round": "",
           "garden_subscribed_until": "", "assisted": "no"}
    row.update(changes)
    return row


def write(path, rows, header=HEADER):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def rounds_file(tmp_path):
    return write(tmp_path / "rounds.csv",
                 [{"round_id": "QUAY-FOOD", "service": "food", "weekday": "Friday",
                   "frequency": "weekly", "week": "", "crew_id": "crew-99"}],
                 header=["round_id", "service", "weekday", "frequency", "week", "crew_id"])


@pytest.fixture
def cleanup(bins_db):
    yield
    query(bins_db, """DELETE FROM properties WHERE postcode = 'ZZ9 9ZZ';
                      DELETE FROM rounds WHERE id = 'QUAY-FOOD';
                      DELETE FROM crews WHERE id = 'crew-99'""")


def test_a_good_file_loads(bins_db, tmp_path, rounds_file, cleanup):
    path = write(tmp_path / "good.csv", [good("900000000001"), good("900000000002",
                                                                     assisted="yes")])
    done = run_module("services.bins.tools.importer", path, "--rounds", rounds_file,
                      "--database-url", bins_db)
    assert done.returncode == 0, done.stderr
    assert "imported 2 properties with 6 services" in done.stdout
    rows = query(bins_db, """SELECT p.uprn, p.postcode, ps.service, ps.round_id, ps.assisted
                               FROM properties p JOIN property_services ps USING (uprn)
                              WHERE p.postcode = 'ZZ9 9ZZ' ORDER BY 1, 3""")
    assert [(r["uprn"], r["service"], r["round_id"]) for r in rows][:3] == [
        ("900000000001", "food", "QUAY-FOOD"), ("900000000001", "recycling", "REC-0001"),
        ("900000000001", "refuse", "REF-0001")]
    assert [r["assisted"] for r in rows if r["uprn"] == "900000000002"] == [True] * 3
    assert query(bins_db, "SELECT crew_id FROM rounds WHERE id = 'QUAY-FOOD'") == [
        {"crew_id": "crew-99"}]


def test_a_file_with_bad_rows_loads_nothing_and_names_them(bins_db, tmp_path, rounds_file,
                                                           cleanup):
    rows = [good("900000000001"), good("900000000002", postcode="QUAYSIDE"),
            good("900000000003"), good("900000000004", food_round="FOOD-9999"),
            good("900000000005")]
    path = write(tmp_path / "bad.csv", rows)
    done = run_module("services.bins.tools.importer", path, "--rounds", rounds_file,
                      "--database-url", bins_db)
    assert done.returncode == 1
    assert "row 3: postcode 'QUAYSIDE' is not a UK postcode" in done.stderr
    assert "row 5: food_round 'FOOD-9999' is not a known round" in done.stderr
    assert "Nothing was loaded: 2 problem(s)." in done.stderr
    assert query(bins_db, "SELECT count(*) AS n FROM properties WHERE uprn LIKE '9000%'") == [
        {"n": 0}]
    assert query(bins_db, "SELECT count(*) AS n FROM rounds WHERE id = 'QUAY-FOOD'") == [
        {"n": 0}]


def test_row_numbers_count_blank_lines_and_bad_encoding_is_explained(bins_db, tmp_path,
                                                                    rounds_file, cleanup):
    path = write(tmp_path / "gaps.csv", [good("900000000001"), good("900000000002")])
    text = open(path).read().splitlines()
    # A blank line after the header, as spreadsheets often leave one.
    with open(path, "w") as f:
        f.write("\n".join([text[0], "", text[1], text[2].replace("zz9 9zz", "nowhere")]) + "\n")
    done = run_module("services.bins.tools.importer", path, "--rounds", rounds_file,
                      "--database-url", bins_db)
    assert done.returncode == 1
    assert "row 4: postcode 'nowhere' is not a UK postcode" in done.stderr

    latin = tmp_path / "latin1.csv"
    latin.write_bytes(open(write(tmp_path / "ok.csv", [good("900000000003")]), "rb").read()
                      .replace(b"Harbour", "Harbour Caf\u00e9".encode("latin-1")))
    done = run_module("services.bins.tools.importer", str(latin), "--rounds", rounds_file,
                      "--database-url", bins_db)
    assert done.returncode == 1
    assert "not UTF-8 text" in done.stderr and "Traceback" not in done.stderr
    assert query(bins_db, "SELECT count(*) AS n FROM properties WHERE uprn LIKE '9000%'") == [
        {"n": 0}]
