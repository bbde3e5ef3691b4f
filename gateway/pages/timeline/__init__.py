"""A resident's timeline: the pages."""
