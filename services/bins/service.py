"""Missed bin collections: bin days, reports, crews.

nameko entrypoints only: parse, call the domain, return.
"""
from services.kit import base
from services.kit.providers import DatabaseProvider

from services.bins.events import CATALOGUE


class BinsService(base.ServiceBase):
    name = "bins"

    db = DatabaseProvider(CATALOGUE)


SERVICE = BinsService
