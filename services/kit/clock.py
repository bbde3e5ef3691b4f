"""The time a service believes it is: real, or pinned for tests and demos."""
import datetime as dt
import importlib


def utc_now():
    return dt.datetime.now(dt.timezone.utc)


def load_clock(path):
    """`module:attribute` naming a callable that returns an aware datetime;
    empty means the real clock. Lets tests and demos pin "now"."""
    if not path:
        return utc_now
    module, _, attr = path.partition(":")
    target = importlib.import_module(module)
    for part in attr.split("."):
        target = getattr(target, part)
    return target
