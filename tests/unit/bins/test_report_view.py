import datetime as dt
import uuid

from services.bins.app import report_view
from services.bins.settings import BinsSettings


def test_report_times_are_given_in_the_councils_time_zone():
    utc = dt.timezone.utc
    row = {"id": uuid.uuid4(), "reference": "MB-7K3Q-92", "service": "refuse",
           "collection_date": dt.date(2026, 6, 29), "status": "open", "outcome": None,
           "outcome_reason": None, "due_by": dt.datetime(2026, 6, 30, 23, 0, tzinfo=utc),
           "filed_at": dt.datetime(2026, 6, 30, 8, 30, tzinfo=utc), "resolved_at": None,
           "address_lines": ["1 Cedar Lane"], "postcode": "ZZ1 0AA"}
    view = report_view(row, BinsSettings.from_config({}))
    assert view["filed_at"] == "2026-06-30T09:30:00+01:00"  # 9:30am BST, as residents read it
    assert view["due_by"] == "2026-07-01T00:00:00+01:00"    # the end of Tuesday 30 June
