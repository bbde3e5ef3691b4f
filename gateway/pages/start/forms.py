"""The start page's one question: what do you need to do?"""
from marshmallow import fields, validate

from gateway.web.schemas import GatewaySchema

NEEDS = {
    "bin-days": ("Find out when your bins are collected", "/bins"),
    "missed-bin": ("Report a missed bin collection", "/bins/missed"),
    "housing-help": ("Get help if you are homeless or at risk of losing your home",
                     "/housing/help"),
    "appointment": ("Book an appointment at a council office", "/bookings"),
    "timeline": ("See your reports, requests and appointments", "/timeline"),
}


class StartFormSchema(GatewaySchema):
    need = fields.String(
        required=True,
        validate=validate.OneOf(list(NEEDS), error="Select what you need to do"),
        error_messages={"required": "Select what you need to do",
                        "null": "Select what you need to do"})
