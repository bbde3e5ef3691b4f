"""Demo data for `make up`: a dozen triaged cases across every urgency, made
through the same use cases a person's triage goes through (so each has its
clocks and its CaseTriaged waiting in the outbox), only when the housing
database has no cases yet."""
import datetime as dt
import sys
import uuid

import psycopg2

from services.housing import app, store
from services.housing.contract import CATALOGUE
from services.housing.settings import HousingSettings
from services.kit import config, migrate
from services.kit.db import Pool, unit_of_work


def _answers(today, **changes):
    answers = {
        "route": "self", "sleep_tonight": "own_home", "risk_of_violence": "no",
        "asked_to_leave": "yes", "how_asked": "section_21",
        "notice_served_on": (today - dt.timedelta(days=30)).isoformat(),
        "leave_date": (today + dt.timedelta(days=40)).isoformat(),
        "reason": "end_of_private_tenancy", "applicant_age": 34, "other_adults": 1,
        "pregnant": "no", "dependent_children": 0, "health": ["none"],
        "background": ["none"], "local_connection": ["live"], "consent_to_share": "yes",
        "contact_channel": "none", "safe_contact": "Weekday mornings",
        "referrer_organisation": "Demo Probation Service",
        "referrer_email": "referrals@example.gov.uk", "referral_consent": "yes",
        "children_ages": "3",
    }
    answers.update(changes)
    return answers


def demo_answer_sets(today):
    return [
        _answers(today, sleep_tonight="rough"),
        _answers(today, risk_of_violence="yes", reason="domestic_abuse",
                 dependent_children=1),
        _answers(today, sleep_tonight="nowhere", applicant_age=17, other_adults=0),
        _answers(today, sleep_tonight="sofa_surfing", reason="family_or_friends"),
        _answers(today, sleep_tonight="hostel_or_refuge", background=["prison_release"],
                 route="referral"),
        _answers(today, pregnant="yes"),
        _answers(today, leave_date=(today + dt.timedelta(days=12)).isoformat(),
                 dependent_children=1),
        _answers(today, how_asked="section_8", reason="rent_arrears"),
        _answers(today, how_asked="family_or_friends", reason="family_or_friends",
                 leave_date=(today + dt.timedelta(days=20)).isoformat()),
        _answers(today, leave_date=(today + dt.timedelta(days=90)).isoformat()),
        _answers(today, asked_to_leave="no", reason="relationship_breakdown"),
        _answers(today, health=["mental_health"], background=["armed_forces"]),
    ]


def _triage(uow_for, settings, forms, now, answers):
    with uow_for() as uow:
        code = app.start_triage(uow, settings, forms, now)["code"]
    view = None
    while True:
        with uow_for() as uow:
            view = view or app.get_triage(uow.store, forms, now, code)
            question = view["next_question"]
            if question is None:
                return app.submit_triage(uow, settings, forms, now, code)
            view = app.answer_triage(uow, settings, forms, now, code, question,
                                     answers[question])


def main(url=None):
    url = url or config.database_url("housing")
    migrate.create_database(url)
    migrate.apply_migrations(url, migrate.migration_dirs("housing"))
    conn = psycopg2.connect(url, application_name="housing-seed")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT EXISTS (SELECT 1 FROM cases)")
            present = cur.fetchone()[0]
    finally:
        conn.close()
    if present:
        print("housing: demo cases already there")
        return 0
    settings = HousingSettings()
    forms = app.Questionnaires(settings.questionnaire_dir)
    now = dt.datetime.now(dt.timezone.utc)
    pool = Pool(url, keep=1, maxconn=1, application_name="housing-seed")
    try:
        def uow_for():
            return unit_of_work(pool, CATALOGUE, correlation_id=str(uuid.uuid4()),
                                store=store)

        sets = demo_answer_sets(settings.today(now))
        for answers in sets:
            _triage(uow_for, settings, forms, now, answers)
    finally:
        pool.close()
    print(f"housing: triaged {len(sets)} demo cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
