"""Bin days as an RFC 5545 calendar a phone can subscribe to.

Each collection is one all-day event. Its UID is built from the property,
the service and the date the collection was *scheduled* for, so when a bank
holiday moves it the subscribed calendar updates that event instead of
adding a second one.
"""
import datetime as dt

import icalendar
from icalendar import vDuration

from services.bins.domain.model import Service

PRODID = "-//Townhall//Bin days//EN"
UID_DOMAIN = "bins.townhall"
# Phones poll subscribed calendars; once a day is plenty for bin days.
REFRESH = dt.timedelta(days=1)


def event_uid(uprn, collection):
    return f"{uprn}-{collection.service.value}-{collection.scheduled_for:%Y%m%d}@{UID_DOMAIN}"


def build(uprn, address, collections, generated_at, name=None):
    """The .ics text for `collections` (model.Collection) at one property."""
    cal = icalendar.Calendar()
    title = name or f"Bin days: {address}"
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", title)
    cal.add("x-wr-calname", title)
    cal.add("x-wr-caldesc", f"Waste collections at {address}")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    # An X- property has no declared type, so give the duration's text.
    cal.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())
    for c in sorted(collections, key=lambda c: (c.date, c.service.value)):
        label = Service(c.service).label
        event = icalendar.Event()
        event.add("uid", event_uid(uprn, c))
        event.add("dtstamp", generated_at)
        event.add("dtstart", c.date)
        event.add("dtend", c.date + dt.timedelta(days=1))
        event.add("summary", f"{label} collection")
        description = f"{label} collection at {address}. Put your bin out by 7am."
        if c.moved:
            description += (f" Moved from {c.scheduled_for:%A} {c.scheduled_for.day} "
                            f"{c.scheduled_for:%B} because of a bank holiday.")
        event.add("description", description)
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["Bin day"])
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
