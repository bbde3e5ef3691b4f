"""How a resident who reported a missed bin asked to be told what happens.

All of it is optional: a report with no contact details gets no messages.
A UK mobile number is kept in one form, +447700900123, however it was typed;
`normalise_mobile(" 07700 900 123 ")` gives "+447700900123" and anything that
is not a UK mobile number gives None.
"""
from services.council.contact import CHANNELS, EMAIL, SMS
from services.council.contact import normalise_mobile  # noqa: F401 (the bins schemas use it)


def preferred_channel(email, phone, preferred=None):
    """The channel to use: the one asked for, else email when there is an
    address, else a text message when there is a number, else None."""
    if preferred in CHANNELS:
        return preferred
    if email:
        return EMAIL
    if phone:
        return SMS
    return None


def missing_for(preferred, email, phone):
    """Which detail (`"email"` or `"phone"`) the chosen channel lacks, or None."""
    if preferred == EMAIL and not email:
        return "email"
    if preferred == SMS and not phone:
        return "phone"
    return None
