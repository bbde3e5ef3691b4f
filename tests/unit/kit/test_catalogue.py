from services.kit import catalogue


def test_committed_event_catalogue_matches_the_code():
    # The catalogue is generated; a contract change without regenerating it
    # would leave subscribers reading a stale description.
    for path, text in catalogue.render().items():
        assert path.read_text() == text, \
            f"{path.name} is stale: run python -m services.kit.catalogue"


def test_catalogue_describes_an_event_its_fields_and_subscribers():
    from tests.unit.kit.test_envelope import CATALOGUE

    contract = CATALOGUE.contract("ThingDone")
    found = [("things", contract, "ThingDone", ["evt-things-ThingDone--audit.on_done"])]
    doc = catalogue.asyncapi(found)
    channel = doc["channels"]["things.events/ThingDone"]
    assert channel["x-subscriber-queues"] == ["evt-things-ThingDone--audit.on_done"]
    data = doc["components"]["schemas"]["ThingDoneV1Data"]
    assert data["required"] == ["thing_id"]
    text = catalogue.markdown(found)
    assert "## ThingDone (v1)" in text
    assert "| `thing_id` | integer | yes |" in text
    assert "`evt-things-ThingDone--audit.on_done`" in text
