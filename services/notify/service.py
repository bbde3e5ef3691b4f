"""Telling residents what happened, by email and SMS.

nameko entrypoints only: parse, call the domain, return.
"""
from services.kit import base
from services.kit.providers import DatabaseProvider

from services.notify.events import CATALOGUE


class NotifyService(base.ServiceBase):
    name = "notify"

    db = DatabaseProvider(CATALOGUE)


SERVICE = NotifyService
