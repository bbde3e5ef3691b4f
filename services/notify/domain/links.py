"""The addresses of the pages messages link to: one shape per kind of link
(services.council.links names the kinds owners use), filled with the
reference and secret code an owner's facts carry. A shape's query (after
"?") is left out when there is no code: the page then asks for it."""
import types
from collections.abc import Mapping
from urllib.parse import quote

from services.council.links import (BOOKING_MANAGEMENT, CASE_STATUS, REPORT_TRACKING,
                                     WAITLIST_OFFER)

BOOKING_START = "booking_start"  # the start of booking an appointment
TIMELINE = "timeline"            # a resident's timeline, by its code

SHAPES: Mapping[str, str] = types.MappingProxyType({
    REPORT_TRACKING: "/bins/track/{reference}?secret={code}",
    BOOKING_MANAGEMENT: "/bookings/manage/{reference}?code={code}",
    WAITLIST_OFFER: "/bookings/offer/{reference}?code={code}",
    CASE_STATUS: "/housing/case",
    BOOKING_START: "/bookings",
    TIMELINE: "/timeline/{code}",
})


class Links:
    """Full addresses under `base_url` (the gateway as residents reach it)."""

    def __init__(self, base_url, shapes=SHAPES):
        self.base_url = base_url.rstrip("/")
        self.shapes = shapes

    def url(self, kind, reference=None, code=None):
        path, _, query = self.shapes[kind].partition("?")
        text = path.format(reference=quote(reference or ""), code=quote(code or ""))
        if query and code:
            text += "?" + query.format(reference=quote(reference or ""),
                                       code=quote(code, safe=""))
        return self.base_url + "/" + text.lstrip("/")

    def from_facts(self, facts, kind):
        """The address of the link of this kind an owner's facts carry, or
        None when they carry none."""
        for found in (facts or {}).get("links") or ():
            if found.get("kind") == kind:
                return self.url(kind, found.get("reference"), found.get("code"))
        return None
