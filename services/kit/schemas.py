"""Shared marshmallow plumbing, and the one reply part every owner of
contact details shares."""
import functools

from marshmallow import EXCLUDE, Schema, fields, validate

from services.council.contact import PREFERENCES
from services.council.links import LINK_KINDS


@functools.cache
def instance(schema_cls):
    """One reusable instance per schema class.

    Building a Schema deep-copies every declared field, which costs more than
    most loads; instances keep no per-call state, so one serves every call.
    """
    return schema_cls()


class Reply(Schema):
    """An RPC reply another part consumes: it ignores fields it does not
    know, so the service may add optional ones."""

    class Meta:
        unknown = EXCLUDE


class ContactFacts(Reply):
    """The `contact` in an owner's `notification_facts` reply: where a
    person asked to be told, and whether only their chosen channel is safe."""

    email = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    preferred = fields.String(required=True, validate=validate.OneOf(PREFERENCES))
    safe_channel_only = fields.Boolean(required=True)


class LinkFacts(Reply):
    """A page a message may link to: what it is for (services.council.links)
    and what it is about. `code`, the secret the page asks for, only when
    the owner can give it; the notify service makes the address."""

    kind = fields.String(required=True, validate=validate.OneOf(LINK_KINDS))
    reference = fields.String(required=True)
    code = fields.String(required=True, allow_none=True)


class OwnerFacts(Reply):
    """What every `notification_facts` reply starts with: the person's
    contact (None when they gave none), the subject's reference and the
    pages a message about it may link to. An owner adds its own facts; a
    consumer ignores those it does not know."""

    contact = fields.Nested(ContactFacts, required=True, allow_none=True)
    reference = fields.String(required=True)
    links = fields.List(fields.Nested(LinkFacts), required=True)
