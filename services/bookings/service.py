"""Office appointments with real capacity.

nameko entrypoints only: parse, call the domain, return.
"""
from services.kit import base
from services.kit.providers import DatabaseProvider

from services.bookings.events import CATALOGUE


class BookingsService(base.ServiceBase):
    name = "bookings"

    db = DatabaseProvider(CATALOGUE)


SERVICE = BookingsService
