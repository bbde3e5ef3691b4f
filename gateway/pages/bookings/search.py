"""Choosing where and when: the query string of the times pages."""
import datetime as dt
import re
from urllib.parse import urlencode

from gateway.api.schemas.bookings import FIRST_AVAILABLE_DAYS, MAX_PAGE_RANGE_DAYS
from gateway.web.words import local_today as today

DATE_PARTS = ("day", "month", "year")
WHEN_CHOICES = ("first", "dates")


def _typed_date(args, prefix, label):
    parts = {p: (args.get(f"{prefix}-{p}") or "").strip() for p in DATE_PARTS}
    if not any(parts.values()):
        raise ValueError(f"Enter the {label}")
    missing = [p for p in DATE_PARTS if not parts[p]]
    if missing:
        raise ValueError(f"The {label} must include a " + " and a ".join(missing))
    if not all(re.fullmatch(r"\d{1,4}", parts[p]) for p in DATE_PARTS) \
            or len(parts["year"]) != 4:
        raise ValueError(f"The {label} must be a real date")
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise ValueError(f"The {label} must be a real date")


def search_choices(args, offices, now=None):
    """What the person chose on the "where and when" page, from its query
    string: ({type, office, step_free, when, first_day, last_day, dates},
    errors or None). `offices` are the ids that offer the type."""
    first_today = today(now)
    choices = {"type": (args.get("type") or "").strip(),
               "office": (args.get("office") or "any").strip(),
               "step_free": (args.get("step_free") or "").strip(),
               "when": (args.get("when") or "first").strip(),
               "dates": {f"{prefix}-{p}": (args.get(f"{prefix}-{p}") or "").strip()[:4]
                         for prefix in ("from", "to") for p in DATE_PARTS}}
    problems = {}
    if choices["office"] != "any" and choices["office"] not in offices:
        problems["office"] = ["Choose an office from the list"]
    if choices["step_free"] not in ("yes", "no"):
        problems["step_free"] = ["Say whether you need step-free access"]
    if choices["when"] not in WHEN_CHOICES:
        problems["when"] = ["Choose when you would like to come"]
    first, last = first_today, first_today + dt.timedelta(days=FIRST_AVAILABLE_DAYS - 1)
    if choices["when"] == "dates":
        try:
            first = _typed_date(args, "from", "first date")
            if first < first_today:
                raise ValueError("The first date must be today or in the future")
        except ValueError as exc:
            problems["from"] = [str(exc)]
        try:
            last = _typed_date(args, "to", "last date")
        except ValueError as exc:
            problems["to"] = [str(exc)]
        if "from" not in problems and "to" not in problems:
            if last < first:
                problems["to"] = ["The last date must be the same as or after the first date"]
            elif (last - first).days >= MAX_PAGE_RANGE_DAYS:
                problems["to"] = [f"Choose dates up to {MAX_PAGE_RANGE_DAYS // 7} weeks apart"]
    choices["first_day"], choices["last_day"] = first, last
    return choices, problems or None


def search_query(choices, **changes):
    """The times page's query string for these choices."""
    merged = {**choices, **changes}
    query = [("type", merged["type"]), ("office", merged.get("office") or "any"),
             ("step_free", merged.get("step_free") or "no"),
             ("when", merged.get("when") or "first")]
    if merged.get("when") == "dates":
        query += [(k, v) for k, v in (merged.get("dates") or {}).items()]
    return urlencode(query)
