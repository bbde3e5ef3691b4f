"""Homelessness triage: a person's answers to an outcome that both they and
a caseworker can read, under the Homelessness Reduction Act 2017.

This is triage, not a legal decision. It decides how fast the council must
respond and which duty is likely to apply, and says why in plain English.
Every reason has a stable code for reporting and tests.

Answers are the questionnaire's stored values (dates as ISO strings),
already limited to the questions that were asked.
"""
import dataclasses
import datetime as dt
from collections.abc import Mapping

from services.housing.domain.questionnaire import AnswerError
from services.council.words import day_text  # noqa: F401 (callers use it from here)

# How a case came in: the person themselves, or referred by someone else.
ROUTES: tuple[str, ...] = ("self", "referral")
# In queue rank, most urgent first.
URGENCIES: tuple[str, ...] = ("emergency", "high", "standard", "advice")
DUTIES: tuple[str, ...] = ("relief", "prevention", "none")
PRIORITY_NEED: tuple[str, ...] = ("pregnancy", "dependent_children", "vulnerability",
                                  "domestic_abuse", "aged_16_17", "care_leaver_under_21")

HOMELESS_TONIGHT = {
    "rough": ("sleeping_rough", "You said you will sleep outside tonight. This means you "
                                "are homeless now."),
    "nowhere": ("nowhere_tonight", "You said you have nowhere to stay tonight. This means "
                                   "you are homeless now."),
    "car": ("sleeping_in_vehicle", "You said you will sleep in a car or other vehicle "
                                   "tonight. This means you are homeless now."),
}
NO_SETTLED_HOME = {
    "sofa_surfing": ("sofa_surfing", "You said you are sleeping on a sofa or floor, moving "
                                     "between friends or family. You do not have a home you "
                                     "can stay in, so you count as homeless now."),
    "hostel_or_refuge": ("hostel_or_refuge", "You said you are staying in a hostel, night "
                                             "shelter or refuge. This is not a settled home, "
                                             "so you count as homeless now."),
}
# Family, friends and the like can make someone leave without going to court;
# a landlord or lender needs a possession order first.
LEAVE_WITHOUT_COURT = {"family_or_friends", "other"}
NEEDS_COURT_ORDER = {"section_21", "section_8", "repossession"}
VULNERABLE_BACKGROUND = {
    "armed_forces": "you have served in the armed forces",
    "prison_release": "you have left prison or are leaving soon",
    "hospital_discharge": "you are leaving hospital soon",
}
HEALTH_TEXT = "someone in your household has a health condition or disability"

_ALWAYS_ANSWERED = ("sleep_tonight", "risk_of_violence", "reason", "applicant_age",
                    "other_adults", "pregnant", "dependent_children", "health", "background")


def _pairs(value, name):
    """A mapping from urgency, kept as a tuple of pairs so settings stay
    frozen and hashable."""
    if isinstance(value, Mapping):
        value = tuple(value.items())
    found = dict(value)
    if set(found) != set(URGENCIES):
        raise ValueError(f"{name} must give a value for each of {', '.join(URGENCIES)}")
    return tuple((u, found[u]) for u in URGENCIES)


@dataclasses.dataclass(frozen=True)
class TriageSettings:
    prevention_days: int = 56
    respond_working_days: tuple = (("emergency", 0), ("high", 2), ("standard", 5),
                                   ("advice", 10))
    emergency_phone: str = "020 7946 0000"
    out_of_hours_phone: str = "020 7946 0999"
    advice_links: tuple = (
        ("Shelter England: housing advice", "https://england.shelter.org.uk/housing_advice"),
        ("GOV.UK: Homeless or at risk of homelessness",
         "https://www.gov.uk/if-youre-homeless-at-risk-of-homelessness"),
        ("Citizens Advice: housing", "https://www.citizensadvice.org.uk/housing/"),
    )
    appointment_types: tuple = (("emergency", "housing_emergency"), ("high", "housing_options"),
                                ("standard", "housing_options"), ("advice", None))

    def __post_init__(self):
        days = _pairs(self.respond_working_days, "respond_working_days")
        if any(not isinstance(n, int) or n < 0 for _, n in days):
            raise ValueError("respond_working_days must be whole numbers of 0 or more")
        object.__setattr__(self, "respond_working_days", days)
        object.__setattr__(self, "appointment_types",
                           _pairs(self.appointment_types, "appointment_types"))
        object.__setattr__(self, "advice_links",
                           tuple((text, href) for text, href in self.advice_links))
        if not isinstance(self.prevention_days, int) or self.prevention_days < 1:
            raise ValueError("prevention_days must be a positive whole number")

    def respond_days(self, urgency):
        return dict(self.respond_working_days)[urgency]

    def appointment_type(self, urgency):
        return dict(self.appointment_types)[urgency]


@dataclasses.dataclass(frozen=True)
class Reason:
    code: str
    text: str

    def to_dict(self):
        return {"code": self.code, "text": self.text}


@dataclasses.dataclass(frozen=True)
class NextStep:
    code: str
    title: str
    text: str
    within_working_days: int
    phone: str | None = None
    links: tuple = ()  # (text, href) pairs

    def to_dict(self):
        return {"code": self.code, "title": self.title, "text": self.text,
                "within_working_days": self.within_working_days, "phone": self.phone,
                "links": [{"text": text, "href": href} for text, href in self.links]}

    @classmethod
    def from_dict(cls, data):
        return cls(data["code"], data["title"], data["text"], data["within_working_days"],
                   data.get("phone"),
                   tuple((link["text"], link["href"]) for link in data.get("links") or ()))


def _iso(day):
    return day.isoformat() if day is not None else None


def _as_date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


@dataclasses.dataclass(frozen=True)
class Outcome:
    urgency: str
    duty: str
    priority_need: tuple
    reason_to_believe: bool
    notice_expires_on: dt.date | None
    duty_ends_on: dt.date | None
    respond_by: dt.date
    appointment_type: str | None
    next_step: NextStep
    reasons: tuple

    @property
    def reason_codes(self):
        return tuple(r.code for r in self.reasons)

    def to_dict(self):
        return {
            "urgency": self.urgency, "duty": self.duty,
            "priority_need": list(self.priority_need),
            "reason_to_believe": self.reason_to_believe,
            "notice_expires_on": _iso(self.notice_expires_on),
            "duty_ends_on": _iso(self.duty_ends_on),
            "respond_by": _iso(self.respond_by),
            "appointment_type": self.appointment_type,
            "next_step": self.next_step.to_dict(),
            "reasons": [r.to_dict() for r in self.reasons],
        }

    @classmethod
    def from_dict(cls, data):
        return cls(
            urgency=data["urgency"], duty=data["duty"],
            priority_need=tuple(data["priority_need"]),
            reason_to_believe=data["reason_to_believe"],
            notice_expires_on=_as_date(data.get("notice_expires_on")),
            duty_ends_on=_as_date(data.get("duty_ends_on")),
            respond_by=_as_date(data["respond_by"]),
            appointment_type=data.get("appointment_type"),
            next_step=NextStep.from_dict(data["next_step"]),
            reasons=tuple(Reason(r["code"], r["text"]) for r in data["reasons"]))


def urgency_rank(urgency):
    """0 is the most urgent."""
    try:
        return URGENCIES.index(urgency)
    except ValueError:
        raise ValueError(f"unknown urgency {urgency!r}") from None


def _plural(n, one, many):
    return f"{n} {one if n == 1 else many}"


def _join(parts):
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# --- Contradictions --------------------------------------------------------

_LANDLORD_NOTICE = {"section_21": "a section 21 notice", "section_8": "a section 8 notice"}
_REASON_TEXT = {"mortgage_arrears": "mortgage arrears",
                "end_of_private_tenancy": "your private tenancy ending",
                "rent_arrears": "rent arrears"}


def contradictions(answers, today):
    """Answers that cannot all be true. Each error names the question to
    change and says why; the rules never guess which answer is right."""
    errors = []
    served = _as_date(answers.get("notice_served_on"))
    leave = _as_date(answers.get("leave_date"))
    if served is not None and leave is not None and leave < served:
        errors.append(AnswerError(
            "leave_date", "The date you must leave by must be the same as or after the date "
                          f"you were given the notice, {day_text(served)}"))

    children, ages = answers.get("dependent_children"), answers.get("children_ages")
    if children and ages is not None and len(ages) != children:
        said = _plural(children, "child depends", "children depend")
        gave = _plural(len(ages), "age", "ages")
        errors.append(AnswerError("children_ages", f"You said {said} on you but gave {gave}"))

    how, reason = answers.get("how_asked"), answers.get("reason")
    if how in _LANDLORD_NOTICE and reason == "mortgage_arrears":
        errors.append(AnswerError(
            "reason", f"You said your landlord gave you {_LANDLORD_NOTICE[how]}, so the main "
                      "reason cannot be mortgage arrears. Select another reason, or change how "
                      "you were asked to leave"))
    if how == "repossession" and reason in ("end_of_private_tenancy", "rent_arrears"):
        errors.append(AnswerError(
            "reason", "You said your mortgage lender is repossessing your home, so the main "
                      f"reason cannot be {_REASON_TEXT[reason]}. Select another reason, or "
                      "change how you were asked to leave"))

    if answers.get("route") == "referral" and answers.get("referral_consent") == "no":
        errors.append(AnswerError("referral_consent",
                                  "You must have the person's consent to refer them"))
    return errors


# --- Assessment --------------------------------------------------------------

def _add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue


def _check_complete(answers):
    needed = list(_ALWAYS_ANSWERED)
    if answers.get("sleep_tonight") in ("own_home", "with_others"):
        needed.append("asked_to_leave")
    if answers.get("asked_to_leave") == "yes":
        needed += ["how_asked", "leave_date"]
    absent = [k for k in needed if answers.get(k) is None]
    if absent:
        raise ValueError(f"triage needs complete answers; missing: {', '.join(absent)}")


def _when(days_left):
    if days_left == 0:
        return "today"
    if days_left == 1:
        return "tomorrow"
    return f"in {days_left} days"


def assess(answers, today, calendar, settings=TriageSettings()):
    _check_complete(answers)
    s = settings
    reasons = []

    sleep = answers["sleep_tonight"]
    at_risk = answers["risk_of_violence"] == "yes"
    asked = answers.get("asked_to_leave") == "yes"
    how = answers.get("how_asked") if asked else None
    leave = _as_date(answers.get("leave_date")) if asked else None
    days_left = (leave - today).days if asked else None
    age = answers["applicant_age"]

    homeless_tonight = sleep in HOMELESS_TONIGHT
    if homeless_tonight:
        reasons.append(Reason(*HOMELESS_TONIGHT[sleep]))
    if sleep in NO_SETTLED_HOME:
        reasons.append(Reason(*NO_SETTLED_HOME[sleep]))
    if at_risk:
        reasons.append(Reason(
            "risk_of_violence", "You said you are at risk of violence or abuse if you stay at or "
                                "go back to your home. You do not have to stay somewhere you "
                                "are not safe, so you count as homeless now."))
    told_to_go = asked and how in LEAVE_WITHOUT_COURT and days_left <= 0
    if told_to_go:
        told = ("You have been asked to leave today." if days_left == 0
                else f"You were asked to leave by {day_text(leave)}, and that date has passed.")
        reasons.append(Reason(
            "asked_to_leave_date_passed", f"{told} You can be made to leave without a court "
                                          "order, so you count as homeless now."))

    homeless_now = homeless_tonight or at_risk or sleep in NO_SETTLED_HOME or told_to_go
    threatened = (not homeless_now and asked and days_left <= s.prevention_days)

    if not homeless_now:
        # The leave date decides the duty only when nothing else already has.
        # The codes name the statutory 56 days even if a council's setting
        # differs, so reports stay comparable.
        if not asked:
            reasons.append(Reason(
                "not_asked_to_leave", "You said you have not been asked or told to leave where "
                                      "you live. From your answers, you are not homeless or at "
                                      "risk of losing your home in the next "
                                      f"{s.prevention_days} days."))
        elif days_left < 0:
            reasons.append(Reason(
                "notice_date_passed", f"The date you were given to leave, {day_text(leave)}, "
                                      "has passed but you are still in your home. You do not "
                                      "have to leave until a court orders it, so you are "
                                      "threatened with homelessness. Talk to us before you "
                                      "leave."))
        elif threatened:
            reasons.append(Reason(
                "leave_within_56_days",
                f"You have been asked to leave by {day_text(leave)}, which is "
                f"{_when(days_left)}. That is within {s.prevention_days} days, so you are "
                "threatened with homelessness and we must help you try to keep your home or "
                "find another one."))
        else:
            reasons.append(Reason(
                "leave_after_56_days",
                f"You have been asked to leave by {day_text(leave)}, which is "
                f"{_when(days_left)}. That is more than {s.prevention_days} days away, so you "
                f"are not threatened with homelessness yet. Contact us again when it is "
                f"{s.prevention_days} days away or less, or sooner if things change."))

    served = _as_date(answers.get("notice_served_on"))
    if how == "section_21" and served is not None and leave < _add_months(served, 2):
        reasons.append(Reason(
            "notice_may_be_invalid", "Your section 21 notice gives you less than two months to "
                                     "leave. A notice like this may not be valid, and a "
                                     "caseworker will check it. Do not leave your home until "
                                     "you have talked to us."))

    if homeless_now:
        duty = "relief"
    elif threatened:
        duty = "prevention"
    else:
        duty = "none"

    if homeless_tonight or at_risk:
        urgency = "emergency"
    elif homeless_now:
        urgency = "high"
    elif duty == "prevention":
        urgency = "standard"
    else:
        urgency = "advice"

    need, need_reasons = _priority_need(answers, at_risk, age)
    reasons += need_reasons
    reason_to_believe = homeless_now and bool(need)
    if reason_to_believe:
        reasons.append(Reason(
            "reason_to_believe", "You may be homeless now and in priority need. If so, we must "
                                 "offer you somewhere to stay while we look into your "
                                 "situation."))

    # 16 and 17 year olds on their own need children's services involved,
    # whatever the rest of their answers say.
    if age in (16, 17) and answers["other_adults"] == 0:
        reasons.append(Reason(
            "aged_16_17_alone", "You are 16 or 17 and no other adult will live with you. We "
                                "will work with children's services to make sure you are safe "
                                "and supported, so we will contact you sooner."))
        if urgency_rank(urgency) > urgency_rank("high"):
            urgency = "high"

    within = s.respond_days(urgency)
    respond_by = today if urgency == "emergency" else calendar.add_working_days(today, within)
    return Outcome(
        urgency=urgency, duty=duty, priority_need=need, reason_to_believe=reason_to_believe,
        notice_expires_on=leave,
        duty_ends_on=today + dt.timedelta(days=s.prevention_days) if duty != "none" else None,
        respond_by=respond_by, appointment_type=s.appointment_type(urgency),
        next_step=_next_step(urgency, at_risk, respond_by, within, s),
        reasons=tuple(reasons))


def _priority_need(answers, at_risk, age):
    found = {}
    if answers["pregnant"] == "yes":
        found["pregnancy"] = Reason(
            "priority_pregnancy", "You said you, or someone who will live with you, is "
                                  "pregnant. This means you are likely to be in priority need.")
    children = answers["dependent_children"]
    if children > 0:
        depend = _plural(children, "child depends", "children depend")
        found["dependent_children"] = Reason(
            "priority_dependent_children", f"You said {depend} on you and will live with you. "
                                           "This means you are likely to be in priority need.")
    parts = [HEALTH_TEXT] if any(h != "none" for h in answers["health"]) else []
    parts += [text for code, text in VULNERABLE_BACKGROUND.items()
              if code in answers["background"]]
    if parts:
        found["vulnerability"] = Reason(
            "priority_vulnerability", f"You said {_join(parts)}. This may mean you are in "
                                      "priority need, if it makes you more vulnerable than most "
                                      "people would be if they were homeless. A caseworker "
                                      "will talk to you about it.")
    if at_risk or answers["reason"] == "domestic_abuse":
        said = ("You said you are at risk of violence or abuse." if at_risk
                else "You said you are losing your home because of domestic abuse.")
        found["domestic_abuse"] = Reason(
            "priority_domestic_abuse", f"{said} People who are homeless because of domestic "
                                       "abuse are in priority need.")
    if age in (16, 17):
        found["aged_16_17"] = Reason(
            "priority_aged_16_17", f"You said you are {age}. People aged 16 or 17 are in "
                                   "priority need.")
    if "care_leaver" in answers["background"] and age < 21:
        found["care_leaver_under_21"] = Reason(
            "priority_care_leaver", f"You said you have been in care and you are {age}. Care "
                                    "leavers under 21 are likely to be in priority need.")
    need = tuple(code for code in PRIORITY_NEED if code in found)
    return need, [found[code] for code in need]


def _next_step(urgency, at_risk, respond_by, within, s):
    if urgency == "emergency":
        danger = "If you are in immediate danger, call 999. " if at_risk else ""
        return NextStep(
            "call_today", "Call us today",
            f"{danger}Call us today on {s.emergency_phone}. After 5pm, at weekends or on bank "
            f"holidays, call {s.out_of_hours_phone}.",
            within, s.emergency_phone)
    if urgency in ("high", "standard"):
        return NextStep(
            "book_appointment", "Book an appointment",
            f"Book an appointment to talk to a housing officer by {day_text(respond_by)}. "
            f"This is within {_plural(within, 'working day', 'working days')}. If you cannot "
            f"book online, call {s.emergency_phone}.",
            within, s.emergency_phone)
    return NextStep(
        "self_help", "Get advice about your situation",
        "From your answers, you do not need an appointment now. The advice below explains "
        f"your rights and what you can do. A housing officer will look at your answers by "
        f"{day_text(respond_by)}. Contact us straight away if things change, for example if "
        "you are asked to leave your home.",
        within, None, s.advice_links)
