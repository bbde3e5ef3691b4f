"""Demo data for `make up`: two offices, the appointment types the housing
triage leads to and one anyone can book, and advisers to staff them; saved
only when the bookings database has no offices yet."""
import sys

import psycopg2
import psycopg2.extras

from services.bookings import schemas, store
from services.kit import config, migrate

WEEKDAYS_9_TO_5 = {str(d): [["09:00", "12:30"], ["13:30", "17:00"]] for d in range(5)}
OFFICES = [
    {"id": "town-hall", "name": "Town Hall", "address": "1 High Street, Exampleton EX1 1AA",
     "step_free": True, "hours": WEEKDAYS_9_TO_5, "closures": []},
    {"id": "northgate", "name": "Northgate Housing Office",
     "address": "22 Northgate, Exampleton EX4 2BB", "step_free": False,
     "hours": {str(d): [["09:30", "16:30"]] for d in range(5)}, "closures": []},
]
TYPES = [
    {"id": "housing-emergency", "name": "Emergency housing appointment",
     "duration_minutes": 30, "buffer_minutes": 0, "advisers_at_once": 2,
     "needs_case": True, "urgencies": ["emergency"], "office_ids": ["town-hall", "northgate"]},
    {"id": "housing-options", "name": "Housing options interview",
     "duration_minutes": 45, "buffer_minutes": 15, "advisers_at_once": 3,
     "needs_case": True, "urgencies": ["high", "standard"],
     "office_ids": ["town-hall", "northgate"]},
    {"id": "council-tax", "name": "Council Tax advice", "duration_minutes": 20,
     "buffer_minutes": 10, "advisers_at_once": 2, "needs_case": False, "urgencies": [],
     "office_ids": ["town-hall"]},
]
MORNINGS = {str(d): [["09:00", "12:30"]] for d in range(5)}
AFTERNOONS = {str(d): [["13:30", "17:00"]] for d in range(5)}
# One record per rostered role: adviser-2 does council tax in the mornings and
# housing interviews in the afternoons, so is never counted twice.
ADVISERS = [
    {"id": "adviser-1", "office_id": "town-hall", "type_ids": ["housing-options"],
     "pattern": WEEKDAYS_9_TO_5},
    {"id": "adviser-2-am", "office_id": "town-hall", "type_ids": ["council-tax"],
     "pattern": MORNINGS},
    {"id": "adviser-2-pm", "office_id": "town-hall", "type_ids": ["housing-options"],
     "pattern": AFTERNOONS},
    {"id": "adviser-3", "office_id": "town-hall", "type_ids": ["council-tax"],
     "pattern": WEEKDAYS_9_TO_5},
    {"id": "adviser-6", "office_id": "town-hall", "type_ids": ["housing-emergency"],
     "pattern": WEEKDAYS_9_TO_5},
    {"id": "adviser-4", "office_id": "northgate", "type_ids": ["housing-options"],
     "pattern": {str(d): [["09:30", "16:30"]] for d in range(5)}},
    {"id": "adviser-5", "office_id": "northgate", "type_ids": ["housing-emergency"],
     "pattern": {str(d): [["09:30", "16:30"]] for d in (0, 2, 4)}},
]


def save_demo(cur):
    for office in OFFICES:
        store.upsert_office(cur, schemas.load(schemas.Office, **office))
    for appt_type in TYPES:
        store.upsert_type(cur, schemas.load(schemas.AppointmentType, **appt_type))
    for adviser in ADVISERS:
        store.upsert_adviser(cur, schemas.load(schemas.Adviser, **adviser))


def main(url=None):
    url = url or config.database_url("bookings")
    migrate.create_database(url)
    migrate.apply_migrations(url, migrate.migration_dirs("bookings"))
    conn = psycopg2.connect(url, application_name="bookings-seed")
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            if store.offices(cur):
                print("bookings: offices already there")
                return 0
            save_demo(cur)
    finally:
        conn.close()
    print(f"bookings: saved {len(OFFICES)} offices, {len(TYPES)} appointment types "
          f"and {len(ADVISERS)} advisers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
