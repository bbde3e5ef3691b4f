"""How a resident who reported a missed bin asked to be told what happens.

All of it is optional: a report with no contact details gets no messages.
A UK mobile number is kept in one form, +447700900123, however it was typed;
`normalise_mobile(" 07700 900 123 ")` gives "+447700900123" and anything that
is not a UK mobile number gives None.
"""
import re

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)

# Spaces, dashes, dots and brackets are how people group digits; "(0)" is the
# trunk 0 written after +44, as in "+44 (0)7700 900123".
_GROUPING = re.compile(r"[\s\-.()]")
# +44, 0044 or 0, then a mobile number: 7 and nine more digits (Ofcom's 07
# range, the numbers GOV.UK Notify sends text messages to).
_MOBILE = re.compile(r"^(?:(?:\+|00)440?|0)(7[0-9]{9})$")


def normalise_mobile(text):
    if not isinstance(text, str):
        return None
    match = _MOBILE.match(_GROUPING.sub("", text))
    return f"+44{match[1]}" if match else None


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
