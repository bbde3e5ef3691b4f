"""The housing pages' forms: a saved form's code, and a case to track."""
from marshmallow import fields

from gateway.api.schemas.housing import normalise_code, normalise_reference
from gateway.pages.bins.forms import Reference
from gateway.web.schemas import GatewaySchema


class ResumeCode(fields.String):
    default_error_messages = {
        "invalid": "Enter the code as it is shown, like 7K3Q-M2XA-9PRT",
        "required": "Enter the code you were given",
        "null": "Enter the code you were given",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            raise self.make_error("required")
        code = normalise_code(value)
        if code is None:
            raise self.make_error("invalid")
        return code


class LookupCode(ResumeCode):
    """The code given with a case (or a booking), on a form that finds it."""
    default_error_messages = {
        "required": "Enter your code", "null": "Enter your code",
        "invalid": "Enter your code as it is shown, like 7K3Q-M2XA-9PRT"}


class CaseReference(Reference):
    example = "HL-7K3Q-92"
    normalise = staticmethod(normalise_reference)


class ResumeFormSchema(GatewaySchema):
    code = ResumeCode(required=True)


class TrackFormSchema(GatewaySchema):
    reference = CaseReference(required=True)
    secret = LookupCode(required=True)
