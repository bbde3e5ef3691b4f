"""Loading templates from YAML: what a file may say, what it may not, and
looking templates up by id, version, channel and event."""
import copy

import pytest
import yaml

from services.notify.domain.templates import (
    TemplateError, TemplateFile, TemplateSet, UnknownTemplate, load, parse_file)

FILED = {
    "id": "report-filed",
    "event": "ReportFiled",
    "versions": [
        {"version": 1,
         "email": {"subject": "Reported: ((reference))", "body": "Reference ((reference))."},
         "sms": {"body": "Reference ((reference))."}},
        {"version": 2,
         "email": {"subject": "We have your report: ((reference))",
                   "body": "Your reference is ((reference))."},
         "sms": None},
    ],
}
COLLECTED = {"id": "report-collected", "event": "ReportResolved", "variant": "collected",
             "versions": [{"version": 1, "email": None, "sms": {"body": "Collected ((ref))."}}]}
NOT_COLLECTED = {"id": "report-not-collected", "event": "ReportResolved",
                 "variant": "not_collected",
                 "versions": [{"version": 1, "email": None, "sms": {"body": "Not ((ref))."}}]}
BOOKINGS = {"id": "booking-changed", "events": ["BookingRescheduled", "BookingCancelled"],
            "versions": [{"version": 1, "email": None, "sms": {"body": "Changed ((ref))."}}]}
LINK = {"id": "timeline-link",
        "versions": [{"version": 1, "email": None, "sms": {"body": "((link))"}}]}


def write(directory, *files):
    for data in files:
        (directory / f"{data['id']}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return directory


@pytest.fixture
def templates(tmp_path):
    return TemplateSet.load(write(tmp_path, FILED, COLLECTED, NOT_COLLECTED, BOOKINGS, LINK))


def test_lookups(templates):
    assert templates.ids == ("booking-changed", "report-collected", "report-filed",
                             "report-not-collected", "timeline-link")
    assert templates.versions("report-filed") == (1, 2)
    assert templates.channels("report-filed") == ("email",)
    assert templates.channels("report-filed", 1) == ("email", "sms")
    latest = templates.latest("report-filed", "email")
    assert (latest.id, latest.version, latest.channel) == ("report-filed", 2, "email")
    assert latest.subject == "We have your report: ((reference))"
    old = templates.get("report-filed", 1, "sms")
    assert (old.version, old.channel, old.body) == (1, "sms", "Reference ((reference)).")


@pytest.mark.parametrize("call, message", [
    (lambda t: t.latest("report-filed", "sms"), "report-filed version 2 has no sms template"),
    (lambda t: t.latest("nothing", "sms"), "There is no template 'nothing'"),
    (lambda t: t.get("report-filed", 3, "email"), "report-filed has no version 3"),
    (lambda t: t.get("report-filed", 1, "letter"), "'letter' is not a channel"),
    (lambda t: t.versions(None), "There is no template None"),
    (lambda t: t.for_event("RoundCompleted"), "No template is sent for 'RoundCompleted'"),
    (lambda t: t.for_event("ReportResolved"),
     "ReportResolved has no template for variant None; it has: collected, not_collected"),
    (lambda t: t.for_event("ReportFiled", "safe"),
     "ReportFiled has no template for variant 'safe'; it has: no variant"),
])
def test_unknown_lookups_say_what_is_missing(templates, call, message):
    with pytest.raises(UnknownTemplate) as caught:
        call(templates)
    assert str(caught.value).startswith(message)


def test_events(templates):
    assert templates.event_types == ("BookingCancelled", "BookingRescheduled", "ReportFiled",
                                     "ReportResolved")
    assert templates.for_event("ReportFiled") == "report-filed"
    assert templates.for_event("ReportResolved", "collected") == "report-collected"
    assert templates.for_event("ReportResolved", "not_collected") == "report-not-collected"
    assert templates.for_event("BookingCancelled") == "booking-changed"
    assert templates.for_event("BookingRescheduled") == "booking-changed"
    assert templates.variants("ReportResolved") == ("collected", "not_collected")
    assert templates.variants("ReportFiled") == (None,)
    assert templates.variants("Nothing") == ()


def test_parse_file():
    parsed = parse_file(FILED, "report-filed.yaml")
    assert isinstance(parsed, TemplateFile)
    assert (parsed.id, parsed.events, parsed.variant) == ("report-filed", ("ReportFiled",), None)
    assert [n for n, _ in parsed.versions] == [1, 2]
    assert parsed.versions[1][1]["sms"] is None


def test_versions_are_sorted_whatever_order_they_are_written_in():
    data = copy.deepcopy(FILED)
    data["versions"].reverse()
    assert [n for n, _ in parse_file(data).versions] == [1, 2]


def changed(path, value, base=FILED):
    """`base` with one key changed (value ... deletes it); path is a tuple of
    keys and list indexes."""
    data = copy.deepcopy(base)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize("data, message", [
    ([], "a template file must be a mapping"),
    (changed(("id",), "Report Filed"), "id must be lower-case words joined by hyphens"),
    (changed(("id",), ...), "id must be lower-case words"),
    (changed(("colour",), "blue"), "unknown keys: colour"),
    (changed(("events",), ["ReportFiled"]), "give event or events, not both"),
    (changed(("event",), "report_filed"), "'report_filed' is not an event type"),
    (changed(("events",), [], base=BOOKINGS), "events must be a non-empty list"),
    (changed(("events",), "SlotBooked", base=BOOKINGS), "events must be a non-empty list"),
    (changed(("events",), ["SlotBooked", "SlotBooked"], base=BOOKINGS), "listed twice"),
    (changed(("variant",), "Safe"), "variant must be lower-case"),
    (changed(("variant",), "safe", base=LINK), "a variant is a variant of an event"),
    (changed(("versions",), []), "versions must be a non-empty list"),
    (changed(("versions",), ...), "versions must be a non-empty list"),
    (changed(("versions", 0), "one"), "version entry 1 must be a mapping"),
    (changed(("versions", 1, "version"), 1), "version 1 is given twice"),
    (changed(("versions", 1, "version"), 0), "version entry 2: version must be a positive"),
    (changed(("versions", 1, "version"), "2"), "version must be a positive whole number"),
    (changed(("versions", 1, "version"), True), "version must be a positive whole number"),
    (changed(("versions", 0, "sms"), ...),
     "version 1: no sms: give one, or write `sms: null`"),
    (changed(("versions", 0, "email"), ...),
     "version 1: no email: give one, or write `email: null`"),
    (changed(("versions", 0, "sms"), None, base=changed(("versions", 0, "email"), None)),
     "version 1: has neither email nor sms"),
    (changed(("versions", 0, "sms"), "Hello"), "sms must be a mapping or null"),
    (changed(("versions", 0, "letter"), {"body": "x"}), "unknown keys: letter"),
    (changed(("versions", 0, "sms", "subject"), "Hi"), "version 1 sms: unknown keys: subject"),
    (changed(("versions", 0, "email", "subject"), ...), "an email needs a subject"),
    (changed(("versions", 0, "email", "body"), ...), "the body must be some text"),
    (changed(("versions", 0, "sms", "body"), "Ref ((reference)"), "a (( is not closed by ))"),
    (changed(("versions", 0, "sms", "body"), "Ref ((ref.no))"),
     "((ref.no)) is not a placeholder name"),
])
def test_what_a_file_may_not_say(data, message):
    with pytest.raises(TemplateError) as caught:
        parse_file(data, "report-filed.yaml")
    assert str(caught.value).startswith("report-filed.yaml")
    assert message in str(caught.value)


def test_ids_and_events_are_unique_across_files():
    with pytest.raises(TemplateError) as caught:
        TemplateSet([parse_file(FILED), parse_file(changed(("event",), "SlotBooked"))])
    assert str(caught.value) == "template id report-filed is defined twice; ids must be unique"
    with pytest.raises(TemplateError) as caught:
        TemplateSet([parse_file(FILED), parse_file(changed(("id",), "report-filed-2"))])
    assert str(caught.value) == ("ReportFiled is sent with both report-filed and "
                                 "report-filed-2; choose one")
    with pytest.raises(TemplateError) as caught:
        TemplateSet([parse_file(COLLECTED), parse_file(changed(("id",), "collected-2",
                                                               base=COLLECTED))])
    assert "ReportResolved variant collected is sent with both" in str(caught.value)


def test_a_variant_and_a_plain_template_for_one_event():
    safe = {"id": "case-triaged-safe", "event": "CaseTriaged", "variant": "safe",
            "versions": [{"version": 1, "email": None, "sms": {"body": "Ref ((reference))."}}]}
    plain = {**safe, "id": "case-triaged"}
    del plain["variant"]
    templates = TemplateSet([parse_file(safe), parse_file(plain)])
    assert templates.variants("CaseTriaged") == (None, "safe")
    assert templates.for_event("CaseTriaged") == "case-triaged"
    assert templates.for_event("CaseTriaged", "safe") == "case-triaged-safe"


def test_files(tmp_path):
    (tmp_path / "report-filed.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load(tmp_path / "report-filed.yaml")
    assert str(caught.value).startswith("report-filed.yaml: not valid YAML")

    (tmp_path / "wrong-name.yaml").write_text(yaml.safe_dump(FILED), encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load(tmp_path / "wrong-name.yaml")
    assert str(caught.value) == ("wrong-name.yaml: holds report-filed; name the file "
                                 "report-filed.yaml")

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TemplateError) as caught:
        TemplateSet.load(empty)
    assert str(caught.value).startswith("no templates in")


def test_a_bad_file_stops_the_whole_set_loading(tmp_path):
    write(tmp_path, FILED, changed(("versions", 0, "sms", "body"), "((x", base=LINK))
    with pytest.raises(TemplateError) as caught:
        TemplateSet.load(tmp_path)
    assert str(caught.value).startswith("timeline-link.yaml: timeline-link version 1 sms body")
