"""A complete, ordinary set of triage answers, and a driver that answers
whatever the questionnaire asks next: shared by the housing tests."""
import datetime as dt


def ordinary_answers(today, **overrides):
    """A family renting privately with a section 21 notice ending in 40 days:
    prevention duty, standard urgency, unless overridden."""
    answers = {
        "route": "self",
        "sleep_tonight": "own_home",
        "risk_of_violence": "no",
        "asked_to_leave": "yes",
        "how_asked": "section_21",
        "notice_served_on": (today - dt.timedelta(days=30)).isoformat(),
        "leave_date": (today + dt.timedelta(days=40)).isoformat(),
        "reason": "end_of_private_tenancy",
        "applicant_age": 34,
        "other_adults": 1,
        "pregnant": "no",
        "dependent_children": 2,
        "children_ages": "4, 9",
        "health": ["none"],
        "background": ["none"],
        "local_connection": ["live", "work"],
        "consent_to_share": "yes",
        "contact_channel": "email",
        "contact_email": "resident@example.com",
        "contact_phone": "07700 900123",
        "safe_contact": "Weekday mornings only",
        "referrer_organisation": "HMP Example",
        "referrer_email": "officer@example.gov.uk",
        "referral_consent": "yes",
    }
    answers.update(overrides)
    return answers


def answer_all(answer, triage, answers):
    """Answers each next question from `answers` until the form is complete.
    `answer(question_id, value)` returns the triage view."""
    for _ in range(60):
        question = triage["next_question"]
        if question is None:
            return triage
        triage = answer(question, answers[question])
    raise AssertionError("the questionnaire never finished")
