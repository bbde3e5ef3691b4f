"""Homelessness triage and the caseworker queue.

nameko entrypoints only: parse, call the domain, return.
"""
from services.kit import base
from services.kit.providers import DatabaseProvider

from services.housing.events import CATALOGUE


class HousingService(base.ServiceBase):
    name = "housing"

    db = DatabaseProvider(CATALOGUE)


SERVICE = HousingService
