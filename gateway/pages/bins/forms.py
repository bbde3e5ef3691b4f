"""The bins pages' forms: a postcode, an address, the missed bin with the
resident's contact details, and a report to track."""
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from services.council.contact import CHANNELS, PREFERENCES

from gateway.api.schemas.bins import (EMAIL_MESSAGE, MOBILE_MESSAGE, SERVICES,
                                      UPRN_PATTERN, check_email, normalise_mobile,
                                      normalise_reference)
from gateway.web.schemas import GatewaySchema, PlainText, Postcode


def _required(message):
    return {"required": message, "null": message}


class FormPostcode(Postcode):
    """A blank box is a missing answer, not a malformed one."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not value.strip():
            raise self.make_error("required")
        return super()._deserialize(value, attr, data, **kwargs)


class PostcodeFormSchema(GatewaySchema):
    postcode = FormPostcode(required=True)


class AddressFormSchema(GatewaySchema):
    postcode = FormPostcode(required=True)
    uprn = fields.String(required=True, validate=validate.Regexp(
        UPRN_PATTERN, error="Select your address"), error_messages=_required(
        "Select your address"))


class MissedServiceFormSchema(GatewaySchema):
    service = fields.String(required=True, validate=validate.OneOf(
        SERVICES, error="Select which bin was not collected"),
        error_messages=_required("Select which bin was not collected"))
    # random per rendered form: a double click sends the same value twice
    submission = fields.String(load_default=None, validate=validate.Length(max=64))
    # "How should we tell you what happens?": optional radios (email, sms or
    # none), each revealing its own box; only the chosen one's box is used.
    preferred = fields.String(load_default="")
    email = fields.String(load_default="")
    phone = fields.String(load_default="")

    @validates_schema(skip_on_field_errors=False)
    def _check_contact(self, data, **kwargs):
        problems = {}
        _contact_from_form(data, problems)
        if problems:
            raise ValidationError(problems)

    @post_load
    def _contact(self, data, **kwargs):
        email, phone = _contact_from_form(data, {})
        preferred = (data.get("preferred") or "").strip()
        return {"service": data["service"], "submission": data["submission"],
                "email": email, "phone": phone,
                # with no choice made, the bins service chooses from what was given
                "preferred": preferred if preferred in CHANNELS else None}


FORM_PREFERRED = PREFERENCES


def _contact_from_form(data, problems):
    """(email, phone) the form asks to be told at, only the chosen channel's
    (or, with no choice made, whatever was typed); problems gets each error."""
    preferred = (data.get("preferred") or "").strip()
    email = (data.get("email") or "").strip()
    phone = (data.get("phone") or "").strip()
    if preferred and preferred not in FORM_PREFERRED:
        problems["preferred"] = ["Select how we should tell you what happens"]
        return None, None
    if preferred == "none":
        return None, None
    if preferred == "email":
        phone = ""
        if not email:
            problems["email"] = ["Enter your email address"]
    if preferred == "sms":
        email = ""
        if not phone:
            problems["phone"] = ["Enter your UK mobile number"]
    if email:
        try:
            email = check_email(email)
        except ValidationError:
            problems["email"] = [EMAIL_MESSAGE]
    if phone:
        phone = normalise_mobile(phone)
        if phone is None:
            problems["phone"] = [MOBILE_MESSAGE]
    return email or None, phone or None


class Reference(fields.String):
    """A reference a person typed; subclasses name their own example and
    normaliser (housing's cases, bookings), and what the form calls it."""
    what = "reference"
    example = "MB-7K3Q-92"
    normalise = staticmethod(normalise_reference)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.error_messages = {
            **self.error_messages,
            "invalid": f"Enter your {self.what} as it is shown, like {self.example}",
            "required": f"Enter your {self.what}", "null": f"Enter your {self.what}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            raise self.make_error("required")
        reference = self.normalise(value)
        if reference is None:
            raise self.make_error("invalid")
        return reference


class TrackFormSchema(GatewaySchema):
    reference = Reference(required=True)
    secret = PlainText(required=True, missing_message="Enter your tracking code",
                       validate=validate.Length(
                           max=256, error="Enter the tracking code as it is shown"))
