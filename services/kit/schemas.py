"""Shared marshmallow plumbing."""
import functools


@functools.cache
def instance(schema_cls):
    """One reusable instance per schema class.

    Building a Schema deep-copies every declared field, which costs more than
    most loads; instances keep no per-call state, so one serves every call.
    """
    return schema_cls()
