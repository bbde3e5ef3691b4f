"""A resident's UK mobile number, kept in one form however it was typed:
`normalise_mobile(" 07700 900 123 ")` gives "+447700900123", and anything
that is not a UK mobile number gives None. Every service and the gateway
read numbers this way, so one number is one resident everywhere.

Also the channels a resident can be told by, and the preferences an owner of
contact details answers with (`none`: tell them nothing)."""
import re

EMAIL, SMS, NONE = "email", "sms", "none"
CHANNELS: tuple[str, ...] = (EMAIL, SMS)
PREFERENCES: tuple[str, ...] = (EMAIL, SMS, NONE)

# Spaces, dashes, dots and brackets are how people group digits; "(0)" is the
# trunk 0 written after +44, as in "+44 (0)7700 900123".
_GROUPING = re.compile(r"[\s\-.()]")
# +44, 0044 or 0, then a mobile number: 7 and nine more digits (Ofcom's 07
# range, the numbers GOV.UK Notify sends text messages to).
_MOBILE = re.compile(r"^(?:(?:\+|00)440?|0)(7[0-9]{9})$")


def normalise_mobile(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    match = _MOBILE.match(_GROUPING.sub("", text))
    return f"+44{match[1]}" if match else None
