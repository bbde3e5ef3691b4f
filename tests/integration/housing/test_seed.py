"""`make up`'s demo cases: made through the use cases, once."""
from services.housing import seed
from services.kit import migrate
from tests.conftest import database_url_for
from tests.integration.housing.conftest import query


def test_the_demo_cases_cover_every_urgency_and_are_made_once(capsys):
    url = database_url_for("housing_seed")
    migrate.create_database(url, drop_first=True)

    assert seed.main(url) == 0
    assert seed.main(url) == 0

    counts = {r["urgency"]: r["n"] for r in query(
        url, "SELECT urgency, count(*) AS n FROM cases GROUP BY urgency")}
    assert set(counts) == {"emergency", "high", "standard", "advice"}
    assert sum(counts.values()) == len(seed.demo_answer_sets(seed.dt.date.today()))
    # each announced through the outbox, for the relay to send when housing starts
    assert query(url, "SELECT count(*) AS n FROM outbox")[0]["n"] == sum(counts.values())
    assert "already there" in capsys.readouterr().out
