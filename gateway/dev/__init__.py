"""Tools for a developer's machine only: the development inbox."""
