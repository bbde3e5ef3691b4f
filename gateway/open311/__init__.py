"""Open311 GeoReport v2 for missed bins: its routes (routes.py) and its
parsing and rendering (format.py)."""
