"""What an RPC reply carries: plain JSON values, so that every caller (the
gateway, another service, a test) reads the same text nameko's serialiser
would otherwise choke on."""
import datetime as dt
import uuid
from typing import Any


def wire_value(value: Any) -> Any:
    """Dates and times as ISO 8601 text, UUIDs as text, anything else as it is."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
