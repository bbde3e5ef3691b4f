"""Bin days and missed bins: the resident pages."""
