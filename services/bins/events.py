"""Events the bins service publishes: its public contract.

Other services may import this module to validate what they receive.
"""
from services.kit.envelope import EventCatalogue

CATALOGUE = EventCatalogue("bins")
