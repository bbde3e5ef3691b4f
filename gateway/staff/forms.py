"""The caseworker case page's forms: assign, a note, a plan step, closing."""
import datetime as dt
import re

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from services.housing.contract import PLAN_PARTIES

from gateway.api.schemas.housing import NoteBodySchema, note_field, step_field
from gateway.pages.housing.questions import DATE_PARTS
from gateway.staff.words import STAFF_CLOSE_OUTCOMES
from gateway.web.schemas import GatewaySchema


class StaffAssignForm(GatewaySchema):
    take_over = fields.Boolean(load_default=False, error_messages={
        "invalid": "Choose whether to take the case over"})


class StaffNoteForm(NoteBodySchema):
    """As the API's note."""


_DATE_PART = re.compile(r"^[0-9]{1,4}$")


class StaffPlanForm(GatewaySchema):
    party = fields.String(required=True, validate=validate.OneOf(
        PLAN_PARTIES, error="Choose who does this step"), error_messages={
        "required": "Choose who does this step", "null": "Choose who does this step"})
    text = step_field()
    due_day = fields.String(data_key="due-day", load_default="")
    due_month = fields.String(data_key="due-month", load_default="")
    due_year = fields.String(data_key="due-year", load_default="")

    @validates_schema(skip_on_field_errors=False)
    def _check_due_on(self, data, **kwargs):
        # with the other fields' errors, so the page shows every problem at once
        due_date({name: data.get(f"due_{name}", "").strip() for name in DATE_PARTS})

    @post_load
    def _due_on(self, data, **kwargs):
        parts = {name: data.pop(f"due_{name}").strip() for name in DATE_PARTS}
        data["due_on"] = due_date(parts)
        return data


def due_date(parts):
    """{day, month, year} as typed -> a date, None when all are blank, or
    ValidationError on due_on saying what to fix."""
    if not any(parts.values()):
        return None
    missing = [name for name in DATE_PARTS if not parts.get(name)]
    if missing:
        raise ValidationError({"due_on": [
            "The due date must include a " + " and a ".join(missing)]})
    if not all(_DATE_PART.match(parts[name]) for name in DATE_PARTS) \
            or len(parts["year"]) != 4:
        raise ValidationError({"due_on": ["The due date must be a real date"]})
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise ValidationError({"due_on": ["The due date must be a real date"]})


class StaffCloseForm(GatewaySchema):
    outcome = fields.String(required=True, validate=validate.OneOf(
        list(STAFF_CLOSE_OUTCOMES), error="Choose how the case ended"), error_messages={
        "required": "Choose how the case ended", "null": "Choose how the case ended"})
    note = note_field(load_default=None, allow_none=True)
