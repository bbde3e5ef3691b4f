"""The bookings store in memory: the methods of services/bookings/store.py
(without the cursor), on dicts, for use-case tests without a database.
Rows are the real queries' shapes; savepoints snapshot everything."""
import copy
import itertools

from services.bookings import seed

_TABLES = ("slots", "bookings", "cases", "waitlist", "reminders", "ring_fences",
           "_offices", "_types", "_advisers")


class FakeBookingsStore:
    def __init__(self, offices=seed.OFFICES, types=seed.TYPES, advisers=seed.ADVISERS):
        self._offices = {o["id"]: copy.deepcopy(o) for o in offices}
        self._types = {t["id"]: copy.deepcopy(t) for t in types}
        self._advisers = {a["id"]: copy.deepcopy(a) for a in advisers}
        self.slots = {}  # id -> slots row
        self.bookings = {}  # id -> bookings row (b.*)
        self.cases = {}  # case_id -> cases row
        self.waitlist = {}  # id -> waitlist row
        self.reminders = {}  # booking_id -> reminders row
        self.ring_fences = {}  # (office_id, day) -> {"capacity", "taken"}
        self._ids = itertools.count(1)
        self._savepoints = {}

    # -- what can be booked
    def offices(self):
        return [copy.deepcopy(self._offices[k]) for k in sorted(self._offices)]

    def appointment_types(self):
        return [copy.deepcopy(self._types[k]) for k in sorted(self._types)]

    def advisers(self):
        return [copy.deepcopy(self._advisers[k]) for k in sorted(self._advisers)]

    def upsert_office(self, office):
        self._offices[office["id"]] = copy.deepcopy(office)

    def upsert_type(self, appt_type):
        self._types[appt_type["id"]] = copy.deepcopy(appt_type)

    def upsert_adviser(self, adviser):
        self._advisers[adviser["id"]] = copy.deepcopy(adviser)

    # -- places in slots
    def _lapsed_in(self, slot_id, now):
        return [b for b in self.bookings.values() if b["slot_id"] == slot_id
                and b["status"] == "held" and b["hold_expires_at"] <= now]

    def live_places(self, type_id, office_ids, starts_from, starts_before, now):
        return {(s["office_id"], s["starts_at"]): s["taken"] - len(self._lapsed_in(s["id"], now))
                for s in self.slots.values()
                if s["type_id"] == type_id and s["office_id"] in office_ids
                and starts_from <= s["starts_at"] < starts_before}

    def ensure_slot(self, slot):
        for s in self.slots.values():
            if (s["office_id"], s["type_id"], s["starts_at"]) == slot.key:
                return s["id"]
        slot_id = next(self._ids)
        self.slots[slot_id] = {"id": slot_id, "office_id": slot.office_id,
                               "type_id": slot.type_id, "starts_at": slot.start,
                               "ends_at": slot.end, "capacity": slot.capacity, "taken": 0}
        return slot_id

    def follow_staffing(self, slot_id, capacity):
        row = self.slots[slot_id]
        row["capacity"] = max(capacity, row["taken"])

    def lock_slots(self, *slot_ids):
        return {i: dict(self.slots[i]) for i in sorted(set(slot_ids))}

    def lock_slot(self, slot_id):
        return self.lock_slots(slot_id)[slot_id]

    def expire_holds_in(self, slot_id, now):
        slot = self.slots[slot_id]
        ended = self._lapsed_in(slot_id, now)
        for b in ended:
            b["status"] = "expired"
        slot["taken"] -= len(ended)
        return [{"id": b["id"], "ring_fenced": b["ring_fenced"],
                 "waitlist_id": b["waitlist_id"], "office_id": slot["office_id"],
                 "starts_at": slot["starts_at"]} for b in ended]

    def take(self, slot_id):
        row = self.slots[slot_id]
        if row["taken"] >= row["capacity"]:
            return False
        row["taken"] += 1
        return True

    def give_back(self, slot_id):
        self.slots[slot_id]["taken"] -= 1

    def take_ring_fenced(self, office_id, day, capacity):
        fence = self.ring_fences.setdefault((office_id, day), {"capacity": capacity,
                                                               "taken": 0})
        if fence["taken"] >= fence["capacity"]:
            return False
        fence["taken"] += 1
        return True

    def give_back_ring_fenced(self, office_id, day):
        self.ring_fences[(office_id, day)]["taken"] -= 1

    # -- savepoints
    def savepoint(self, name):
        self._savepoints[name] = copy.deepcopy({t: getattr(self, t) for t in _TABLES})

    def rollback_to(self, name):
        for table, rows in copy.deepcopy(self._savepoints[name]).items():
            setattr(self, table, rows)

    def release(self, name):
        self._savepoints.pop(name)

    # -- bookings
    def _joined(self, row):
        if row is None:
            return None
        slot = self.slots[row["slot_id"]]
        return {**row, "office_id": slot["office_id"], "type_id": slot["type_id"],
                "starts_at": slot["starts_at"], "ends_at": slot["ends_at"]}

    def _one(self, match):
        return self._joined(next((b for b in self.bookings.values() if match(b)), None))

    def insert_booking(self, booking):
        if any(b["reference"] == booking["reference"] for b in self.bookings.values()):
            return False
        self.bookings[booking["id"]] = {
            **booking, "status": "held", "name": None, "email": None, "phone": None,
            "interpreter": None, "sequence": 0, "confirmed_at": None, "cancelled_at": None}
        return True

    def booking_by_reference(self, reference, lock=False):
        return self._one(lambda b: b["reference"] == reference)

    def booking_by_id(self, booking_id, lock=False):
        return self._joined(self.bookings.get(booking_id))

    def booking_by_idempotency_key(self, key):
        return self._one(lambda b: b["idempotency_key"] == key)

    def live_booking_for_case(self, case_id):
        return self._one(lambda b: b["case_id"] == case_id
                         and b["status"] in ("held", "confirmed"))

    def confirm(self, booking_id, details, now):
        self.bookings[booking_id].update(details, status="confirmed", hold_expires_at=None,
                                         confirmed_at=now)

    def set_status(self, booking_id, status, now):
        row = self.bookings[booking_id]
        row.update(status=status, sequence=row["sequence"] + 1,
                   cancelled_at=now if status == "cancelled" else None)

    def move(self, booking_id, slot_id, ring_fenced):
        row = self.bookings[booking_id]
        row.update(slot_id=slot_id, ring_fenced=ring_fenced, sequence=row["sequence"] + 1)

    def slots_with_lapsed_holds(self, now, limit):
        return sorted({b["slot_id"] for b in self.bookings.values()
                       if b["status"] == "held" and b["hold_expires_at"] <= now})[:limit]

    def bookings_for_office_day(self, office_id, starts_from, starts_before):
        rows = [self._joined(b) for b in self.bookings.values() if b["status"] == "confirmed"]
        return sorted((r for r in rows if r["office_id"] == office_id
                       and starts_from <= r["starts_at"] < starts_before),
                      key=lambda r: (r["starts_at"], r["reference"]))

    # -- cases
    def record_case(self, case):
        self.cases.setdefault(case["case_id"], dict(case))

    def case_by_id(self, case_id):
        return self.cases.get(case_id)

    def case_by_reference(self, reference):
        return next((c for c in self.cases.values() if c["reference"] == reference), None)

    # -- the waiting list
    def join_waitlist(self, entry):
        if entry["case_id"] is not None and any(
                w["case_id"] == entry["case_id"] and w["status"] in ("waiting", "offered")
                for w in self.waitlist.values()):
            return None
        entry_id = next(self._ids)
        self.waitlist[entry_id] = {**entry, "id": entry_id, "status": "waiting",
                                   "offered_booking_id": None}
        return {"id": entry_id, "status": "waiting"}

    def first_waiting(self, type_id, office_id, day, step_free_office, skip=()):
        waiting = [w for w in self.waitlist.values()
                   if w["status"] == "waiting" and w["type_id"] == type_id
                   and w["office_id"] in (None, office_id)
                   and w["first_day"] <= day <= w["last_day"]
                   and (step_free_office or not w["step_free"]) and w["id"] not in skip]
        return min(waiting, key=lambda w: (w["joined_at"], w["id"]), default=None)

    def leave_waitlist_for_case(self, case_id):
        for w in self.waitlist.values():
            if w["case_id"] == case_id and w["status"] == "waiting":
                w["status"] = "left"

    def waitlist_by_code(self, entry_id, code_sha256):
        w = self.waitlist.get(entry_id)
        return w if w is not None and w["code_sha256"] == code_sha256 else None

    def set_waitlist(self, entry_id, status, booking_id=None):
        w = self.waitlist[entry_id]
        w["status"] = status
        w["offered_booking_id"] = booking_id or w["offered_booking_id"]

    # -- reminders
    def schedule_reminder(self, booking_id, due_at):
        self.reminders[booking_id] = {"due_at": due_at, "sent_at": None, "cancelled_at": None}

    def cancel_reminder(self, booking_id, now):
        reminder = self.reminders.get(booking_id)
        if reminder is not None and reminder["sent_at"] is None:
            reminder["cancelled_at"] = now

    def due_reminders(self, now, limit):
        due = sorted((r["due_at"], b) for b, r in self.reminders.items()
                     if r["sent_at"] is None and r["cancelled_at"] is None
                     and r["due_at"] <= now)
        return [self.booking_by_id(b) for _, b in due[:limit]]

    def mark_reminder_sent(self, booking_id, now):
        self.reminders[booking_id]["sent_at"] = now
