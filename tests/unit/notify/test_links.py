"""The pages messages link to: their shapes live in notify's settings; the
owners of what a message is about name the kind of link and the reference."""
import pathlib

from services.council import links as kinds
from services.notify.domain.links import BOOKING_START, SHAPES, TIMELINE, Links
from services.notify.settings import NotifySettings

ROOT = pathlib.Path(__file__).resolve().parents[3]
LINKS = Links("https://council.example/")


def test_each_kind_an_owner_names_has_a_shape():
    assert set(kinds.LINK_KINDS) <= set(SHAPES)
    assert NotifySettings().link_shapes is SHAPES


def test_a_link_carries_the_code_when_the_owner_gives_one():
    facts = {"links": [kinds.link(kinds.REPORT_TRACKING, "MB-7K3Q-92", "a-b_C")]}
    assert LINKS.from_facts(facts, kinds.REPORT_TRACKING) == \
        "https://council.example/bins/track/MB-7K3Q-92?secret=a-b_C"
    facts = {"links": [kinds.link(kinds.REPORT_TRACKING, "MB-7K3Q-92")]}
    assert LINKS.from_facts(facts, kinds.REPORT_TRACKING) == \
        "https://council.example/bins/track/MB-7K3Q-92"
    assert LINKS.from_facts(facts, kinds.WAITLIST_OFFER) is None


def test_the_shapes_give_the_pages_the_gateway_serves():
    assert LINKS.url(kinds.BOOKING_MANAGEMENT, "BK-2XQ9-41", "XYZ") == \
        "https://council.example/bookings/manage/BK-2XQ9-41?code=XYZ"
    assert LINKS.url(kinds.WAITLIST_OFFER, "BK-2XQ9-41", "XYZ") == \
        "https://council.example/bookings/offer/BK-2XQ9-41?code=XYZ"
    assert LINKS.url(kinds.CASE_STATUS, "HL-4M7P-28") == "https://council.example/housing/case"
    assert LINKS.url(BOOKING_START) == "https://council.example/bookings"
    assert LINKS.url(TIMELINE, code="ABCD-EFGH") == "https://council.example/timeline/ABCD-EFGH"
    assert NotifySettings(public_url="https://x.example").links().url(BOOKING_START) == \
        "https://x.example/bookings"


def test_no_owner_writes_a_gateway_address():
    for service in ("bins", "bookings", "housing"):
        for path in (ROOT / "services" / service).rglob("*.py"):
            text = path.read_text()
            for shape in ("/bins/track", "/bookings/manage", "/bookings/offer",
                          "/housing/case"):
                assert shape not in text, f"{path} writes {shape}"
