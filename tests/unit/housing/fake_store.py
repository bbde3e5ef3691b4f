"""The housing store in memory: the methods of services/housing/store.py
(without the cursor) that the triage, caseworker and clock use cases call,
on dicts, for use-case tests without a database. jsonb columns go through
JSON, as they do in PostgreSQL."""
import itertools
import json


def _jsonb(value):
    return None if value is None else json.loads(json.dumps(value))


class FakeHousingStore:
    def __init__(self):
        self.drafts = {}  # id -> drafts row (with its code_sha256)
        self.cases = {}  # id -> cases row
        self.notes_ = []  # case_notes rows
        self.steps = []  # plan_steps rows
        self.clocks = []  # clocks rows
        self.audit_log = []
        self._ids = itertools.count(1)

    # -- drafts
    def insert_draft(self, draft):
        self.drafts[draft["id"]] = {**draft, "answers": _jsonb(draft["answers"]),
                                    "updated_at": draft["created_at"], "case_id": None}

    def draft_by_code(self, code_sha256, now, lock=False):
        return next((dict(d, answers=_jsonb(d["answers"])) for d in self.drafts.values()
                     if d["code_sha256"] == code_sha256 and d["expires_at"] > now), None)

    def save_answers(self, draft_id, answers, now, expires_at):
        self.drafts[draft_id].update(answers=_jsonb(answers), updated_at=now,
                                     expires_at=expires_at)

    def mark_draft_submitted(self, draft_id, case_id, now):
        self.drafts[draft_id].update(case_id=case_id, answers={}, updated_at=now)

    def delete_expired_drafts(self, now):
        expired = [k for k, d in self.drafts.items() if d["expires_at"] <= now]
        for key in expired:
            del self.drafts[key]
        return len(expired)

    # -- cases
    def _row(self, case):
        if case is None:
            return None
        fired = sorted((k for k in self.clocks
                        if k["case_id"] == case["id"] and k["fired_at"] is not None),
                       key=lambda k: k["fired_at"])
        return {**case, "answers": _jsonb(case["answers"]), "outcome": _jsonb(case["outcome"]),
                "case_id": case["id"], "escalations": [k["kind"] for k in fired]}

    def insert_case(self, case):
        if any(c["reference"] == case["reference"] for c in self.cases.values()):
            return False
        self.cases[case["id"]] = {
            **case, "answers": _jsonb(case["answers"]), "outcome": _jsonb(case["outcome"]),
            "statistics": None, "status": "open", "assigned_to": None, "assigned_at": None,
            "closed_outcome": None, "closed_at": None, "anonymised_at": None}
        return True

    def case_by_id(self, case_id, lock=False):
        return self._row(self.cases.get(case_id))

    def case_by_reference(self, reference):
        return self._row(next((c for c in self.cases.values()
                               if c["reference"] == reference), None))

    def assign(self, case_id, staff_id, now):
        self.cases[case_id].update(assigned_to=staff_id, assigned_at=now)

    def close(self, case_id, outcome, now):
        self.cases[case_id].update(status="closed", closed_outcome=outcome, closed_at=now)

    def cases_to_anonymise(self, closed_before, limit):
        found = sorted((c for c in self.cases.values() if c["status"] == "closed"
                        and c["anonymised_at"] is None and c["closed_at"] < closed_before),
                       key=lambda c: c["closed_at"])
        return [{"id": c["id"], "answers": _jsonb(c["answers"]),
                 "outcome": _jsonb(c["outcome"])} for c in found[:limit]]

    def anonymise(self, case_id, statistics, outcome, now):
        self.cases[case_id].update(answers=None, statistics=_jsonb(statistics),
                                   outcome=_jsonb(outcome), anonymised_at=now)
        for row in self.notes_ + self.steps:
            if row["case_id"] == case_id:
                row["text"] = None
        for entry in self.audit_log:
            if entry["case_id"] == case_id:
                entry["reason"] = None

    # -- notes and the plan
    def add_note(self, case_id, author, text, now):
        note = {"id": next(self._ids), "case_id": case_id, "author": author, "text": text,
                "created_at": now}
        self.notes_.append(note)
        return {k: note[k] for k in ("id", "author", "text", "created_at")}

    def notes(self, case_id):
        return [{k: n[k] for k in ("id", "author", "text", "created_at")}
                for n in self.notes_ if n["case_id"] == case_id]

    def _step(self, step):
        return {k: step[k] for k in ("id", "party", "text", "due_on", "done_at")}

    def add_plan_step(self, case_id, party, text, due_on, author, now):
        step = {"id": next(self._ids), "case_id": case_id, "party": party, "text": text,
                "due_on": due_on, "done_at": None}
        self.steps.append(step)
        return self._step(step)

    def complete_plan_step(self, case_id, step_id, now):
        for step in self.steps:
            if (step["case_id"], step["id"]) == (case_id, step_id):
                step["done_at"] = step["done_at"] or now
                return self._step(step)
        return None

    def plan(self, case_id):
        return [self._step(s) for s in self.steps if s["case_id"] == case_id]

    # -- clocks
    def schedule_clocks(self, case_id, clocks):
        for clock in clocks:
            self.clocks.append({"case_id": case_id, "kind": clock.kind,
                                "due_at": clock.due_at, "fired_at": None,
                                "cancelled_at": None})

    def due_clocks(self, now, limit):
        due = sorted((k for k in self.clocks if k["fired_at"] is None
                      and k["cancelled_at"] is None and k["due_at"] <= now),
                     key=lambda k: k["due_at"])
        return [{**k, **{c: self.cases[k["case_id"]][c]
                         for c in ("reference", "status", "assigned_to", "urgency")}}
                for k in due[:limit]]

    def mark_clock(self, case_id, kind, now, fired):
        for clock in self.clocks:
            if (clock["case_id"], clock["kind"]) == (case_id, kind):
                clock["fired_at" if fired else "cancelled_at"] = now

    def cancel_clocks(self, case_id, now, kinds=None):
        for clock in self.clocks:
            if (clock["case_id"] == case_id and clock["fired_at"] is None
                    and clock["cancelled_at"] is None
                    and (kinds is None or clock["kind"] in kinds)):
                clock["cancelled_at"] = now

    def clocks_of(self, case_id):
        return sorted(({k: c[k] for k in ("kind", "due_at", "fired_at", "cancelled_at")}
                       for c in self.clocks if c["case_id"] == case_id),
                      key=lambda c: c["due_at"])

    # -- the audit log
    def audit(self, staff_id, role, case_id, action, reason, now):
        self.audit_log.append({"staff_id": staff_id, "role": role, "case_id": case_id,
                               "action": action, "reason": reason, "at": now})

    def audit_entries(self, case_id=None, limit=100):
        entries = [e for e in self.audit_log if case_id is None or e["case_id"] == case_id]
        return list(reversed(entries))[:limit]
