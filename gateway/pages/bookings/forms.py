"""The booking pages' forms: what, which case, a time, your details, finding
a booking, the waiting list."""
from marshmallow import (EXCLUDE, ValidationError, fields, post_load, validate, validates,
                         validates_schema)

from gateway.api.schemas.bookings import (CONTACT_MESSAGE, EMAIL_MESSAGE, PHONE_PATTERN,
                                          name_field, normalise_language,
                                          normalise_reference)
from gateway.pages.bins.forms import Reference
from gateway.pages.bookings.words import parse_slot_value
from gateway.pages.housing.forms import CaseReference, LookupCode
from gateway.web.schemas import GatewaySchema


class _Form(GatewaySchema):
    class Meta:
        unknown = EXCLUDE


class StartForm(_Form):
    type = fields.String(required=True, validate=validate.Length(max=40), error_messages={
        "required": "Choose what your appointment is about",
        "null": "Choose what your appointment is about"})


class _CaseReference(CaseReference):
    what = "case reference"


class BookingReference(Reference):
    what = "booking reference"
    example = "BK-7K3Q-92"
    normalise = staticmethod(normalise_reference)


class CaseForm(_Form):
    reference = _CaseReference(required=True)
    secret = LookupCode(required=True)
    next = fields.String(load_default=None)

    @post_load
    def _next(self, data, **kwargs):
        return {**data, "next": safe_next(data.get("next"))}


def safe_next(path):
    """Where to go after the case form: only back to a booking's own pages."""
    if not isinstance(path, str) or len(path) > 300:
        return None
    if not path.startswith("/bookings/manage/") or "//" in path or "\\" in path:
        return None
    if any(c.isspace() or ord(c) < 32 for c in path):
        return None
    return path


class HoldForm(_Form):
    slot = fields.String(required=True, error_messages={
        "required": "Choose a time", "null": "Choose a time"})
    submission = fields.String(load_default="", validate=validate.Length(max=64))

    @validates("slot")
    def _slot(self, value, **kwargs):
        if parse_slot_value(value) is None:
            raise ValidationError("Choose a time")

    @post_load
    def _parse(self, data, **kwargs):
        office_id, start = parse_slot_value(data["slot"])
        return {**data, "office_id": office_id, "start": start}


class DetailsForm(_Form):
    name = name_field()
    email = fields.String(load_default="")
    phone = fields.String(load_default="")
    step_free = fields.String(load_default="")
    interpreter = fields.String(load_default="")
    language = fields.String(data_key="interpreter-language", load_default="")

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **kwargs):
        problems = {}
        email, phone = (data.get("email") or "").strip(), (data.get("phone") or "").strip()
        if email:
            try:
                fields.Email().deserialize(email)
            except ValidationError:
                problems["email"] = [EMAIL_MESSAGE]
            if len(email) > 254:
                problems["email"] = [EMAIL_MESSAGE]
        if phone and not PHONE_PATTERN.match(phone):
            problems["phone"] = ["Enter a telephone number, like 01632 960 001 or "
                                 "07700 900 982"]
        if not email and not phone:
            problems["email"] = [CONTACT_MESSAGE]
        interpreter = data.get("interpreter")
        if interpreter not in ("yes", "no"):
            problems["interpreter"] = ["Say whether you need an interpreter"]
        elif interpreter == "yes":
            language = (data.get("language") or "").strip()
            if not language:
                problems["interpreter-language"] = ["Enter the language you need an "
                                                    "interpreter for"]
            elif normalise_language(language) is None:
                problems["interpreter-language"] = ["Enter the language, like Polish"]
        if problems:
            raise ValidationError(problems)

    @post_load
    def _tidy(self, data, **kwargs):
        return {"name": data["name"], "email": data["email"].strip() or None,
                "phone": data["phone"].strip() or None,
                "step_free": data.get("step_free") == "yes",
                "interpreter": normalise_language(data["language"])
                if data["interpreter"] == "yes" else None}


class ManageForm(_Form):
    reference = BookingReference(required=True)
    secret = LookupCode(required=True)


class WaitlistForm(_Form):
    type = fields.String(required=True)
    office = fields.String(load_default="any")
    step_free = fields.String(load_default="no")
