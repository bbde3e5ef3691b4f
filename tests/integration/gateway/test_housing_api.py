"""The housing JSON API for residents, against the real housing service in a
Stack (tests/support/housing_stack.py): start, answer, send, track."""
import datetime as dt
import uuid

from tests.support.housing_stack import (answer_all, call, date_parts, file_case,
                                         renter_answers, secret_header, start)


def put_answer(stack, code, qid, value):
    return call(stack, "PUT", f"/api/v1/housing/triage/answers/{qid}", json={"value": value},
                headers=secret_header(code))


def test_the_questionnaire(housing_stack):
    got = call(housing_stack, "GET", "/api/v1/housing/questionnaire")
    assert got.status_code == 200
    form = got.json()
    assert form["version"] == 1
    by_id = {q["id"]: q for q in form["questions"]}
    assert by_id["health"]["type"] == "multi_choice" and by_id["health"]["exclusive"] == "none"
    assert by_id["notice_served_on"]["not_after_today"] is True
    assert by_id["applicant_age"]["suffix"] == "years"
    assert call(housing_stack, "GET", "/api/v1/housing/questionnaire",
                params={"version": 1}).json() == form
    missing = call(housing_stack, "GET", "/api/v1/housing/questionnaire", params={"version": 99})
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]
    bad = call(housing_stack, "GET", "/api/v1/housing/questionnaire", params={"version": "x"})
    assert bad.json()["error"]["fields"] == {"version": ["Enter a version number, like 1"]}


def test_start_answer_every_question_send_and_track(housing_stack):
    code, view = start(housing_stack)
    assert view["next_question"] == "route" and view["complete"] is False
    assert view["answers"] == {} and view["expires_at"]

    view = answer_all(housing_stack, code, renter_answers(), view)
    assert view["complete"] is True and view["next_question"] is None
    assert "contact_email" in view["asked"] and "contact_phone" not in view["asked"]
    assert view["answers"]["leave_date"] == (
        dt.date.today() + dt.timedelta(days=40)).isoformat()
    assert view["answers"]["children_ages"] == [3, 7]
    again = call(housing_stack, "GET", "/api/v1/housing/triage", headers=secret_header(code))
    assert again.status_code == 200 and again.json()["answers"] == view["answers"]

    sent = call(housing_stack, "POST", "/api/v1/housing/triage/submit",
                headers=secret_header(code))
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["created"] is True and body["reference"].startswith("HL-")
    assert body["status_url"] == f"/api/v1/housing/cases/{body['reference']}"
    assert sent.headers["Location"] == body["status_url"]
    case = body["case"]
    assert (case["urgency"], case["duty"], case["status"]) == ("standard", "prevention", "open")
    assert case["key_dates"]["respond_by"] and case["reasons"]

    # the same draft again: the same case and secret
    twice = call(housing_stack, "POST", "/api/v1/housing/triage/submit",
                 headers=secret_header(code))
    assert twice.status_code == 200
    assert (twice.json()["created"], twice.json()["reference"], twice.json()["secret"]) == (
        False, body["reference"], body["secret"])
    late = put_answer(housing_stack, code, "pregnant", "yes")
    assert late.status_code == 422 and late.json()["error"]["code"] == "already_submitted"

    status = call(housing_stack, "GET", body["status_url"], headers=secret_header(body["secret"]))
    assert status.status_code == 200
    assert status.json() == case
    lower = call(housing_stack, "GET", body["status_url"].lower(),
                 headers=secret_header(body["secret"].lower()))
    assert lower.status_code == 200


def test_a_wrong_secret_or_reference_is_404(housing_stack):
    _, sent = file_case(housing_stack, renter_answers())
    url = sent["status_url"]
    wrong = call(housing_stack, "GET", url, headers=secret_header("2222-2222-2222"))
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "case_not_found"
    assert call(housing_stack, "GET", url).status_code == 404
    assert call(housing_stack, "GET", "/api/v1/housing/cases/HL-2222-10",
                headers=secret_header(sent["secret"])).status_code == 404
    assert call(housing_stack, "GET", "/api/v1/housing/cases/nonsense",
                headers=secret_header(sent["secret"])).status_code == 404


def test_an_unknown_or_missing_code_is_404(housing_stack):
    for headers in ({}, secret_header("2222-3333-4444"), secret_header("not a code")):
        got = call(housing_stack, "GET", "/api/v1/housing/triage", headers=headers)
        assert got.status_code == 404, headers
        assert got.json()["error"]["code"] == "triage_not_found"
    put = put_answer(housing_stack, "2222-3333-4444", "route", "self")
    assert put.status_code == 404
    sent = call(housing_stack, "POST", "/api/v1/housing/triage/submit",
                headers=secret_header("2222-3333-4444"))
    assert sent.status_code == 404


def test_a_bad_answer_is_400_naming_the_question(housing_stack):
    code, _ = start(housing_stack)
    assert put_answer(housing_stack, code, "route", "self").status_code == 200
    bad = put_answer(housing_stack, code, "sleep_tonight", "on_a_boat")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {
        "sleep_tonight": ["Select where you will sleep tonight"]}

    for qid, value in (("sleep_tonight", "own_home"), ("risk_of_violence", "no"),
                       ("asked_to_leave", "yes"), ("how_asked", "section_21")):
        assert put_answer(housing_stack, code, qid, value).status_code == 200
    future = dt.date.today() + dt.timedelta(days=3)
    date = put_answer(housing_stack, code, "notice_served_on", date_parts(future))
    assert date.json()["error"]["fields"] == {
        "notice_served_on": ["The date must be today or in the past"]}
    unreal = put_answer(housing_stack, code, "notice_served_on",
                        {"day": "31", "month": "2", "year": "2026"})
    assert unreal.json()["error"]["fields"] == {"notice_served_on": ["Date must be a real date"]}
    partial = put_answer(housing_stack, code, "notice_served_on", {"day": "3", "year": "2026"})
    assert partial.json()["error"]["fields"] == {
        "notice_served_on": ["Date must include a month"]}

    age = put_answer(housing_stack, code, "applicant_age", "thirty")
    assert age.status_code == 400 and list(age.json()["error"]["fields"]) == ["applicant_age"]
    shape = put_answer(housing_stack, code, "notice_served_on", {"hour": "9"})
    assert shape.status_code == 400 and list(shape.json()["error"]["fields"]) == ["value"]
    absent = call(housing_stack, "PUT", "/api/v1/housing/triage/answers/route", json={},
                  headers=secret_header(code))
    assert absent.json()["error"]["fields"] == {"value": ["Send the answer as value"]}
    unknown = put_answer(housing_stack, code, "favourite_colour", "blue")
    assert unknown.status_code == 400
    assert "favourite_colour" in unknown.json()["error"]["fields"]
    # asked only after answering that someone may be at risk
    moot = put_answer(housing_stack, code, "safe_contact", "Mornings")
    assert moot.status_code == 400 and "safe_contact" in moot.json()["error"]["fields"]
    text = call(housing_stack, "PUT", "/api/v1/housing/triage/answers/route",
                data="value=self", headers={**secret_header(code),
                                            "Content-Type": "text/plain"})
    assert text.status_code == 415


def test_exclusive_none_cannot_go_with_other_options(housing_stack):
    code, view = start(housing_stack)
    answers = renter_answers()
    answers["health"] = ["mental_health", "none"]
    for _ in range(30):
        qid = view["next_question"]
        response = put_answer(housing_stack, code, qid, answers[qid])
        if qid == "health":
            assert response.status_code == 400
            assert response.json()["error"]["fields"] == {
                "health": ["Select 'None of these' on its own, or only the others"]}
            break
        view = response.json()


def test_missing_and_contradicting_answers_are_named_on_sending(housing_stack):
    code, view = start(housing_stack)
    early = call(housing_stack, "POST", "/api/v1/housing/triage/submit",
                 headers=secret_header(code))
    assert early.status_code == 400
    assert set(early.json()["error"]["fields"]) == {"route", "sleep_tonight",
                                                   "risk_of_violence", "reason",
                                                   "applicant_age", "other_adults",
                                                   "pregnant", "dependent_children",
                                                   "health", "background",
                                                   "local_connection", "consent_to_share",
                                                   "contact_channel"}

    answers = renter_answers()
    # told to leave before the notice was given, and three ages for two children
    answers["leave_date"] = date_parts(dt.date.today() - dt.timedelta(days=20))
    answers["children_ages"] = "3, 7, 9"
    answer_all(housing_stack, code, answers, view)
    refused = call(housing_stack, "POST", "/api/v1/housing/triage/submit",
                   headers=secret_header(code))
    assert refused.status_code == 400
    fields = refused.json()["error"]["fields"]
    assert set(fields) == {"leave_date", "children_ages"}
    assert fields["children_ages"] == ["You said 2 children depend on you but gave 3 ages"]
    assert fields["leave_date"][0].startswith("The date you must leave by must be")


def test_changing_an_answer_changes_what_is_asked(housing_stack):
    code, view = start(housing_stack)
    answers = renter_answers()
    view = answer_all(housing_stack, code, answers, view)
    assert "how_asked" in view["asked"]
    view = put_answer(housing_stack, code, "asked_to_leave", "no").json()
    assert "how_asked" not in view["asked"] and "leave_date" not in view["answers"]
    assert view["complete"] is True
    view = put_answer(housing_stack, code, "contact_channel", "sms").json()
    assert view["next_question"] == "contact_phone" and view["complete"] is False


def test_starting_is_idempotent_with_a_key(housing_stack):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = call(housing_stack, "POST", "/api/v1/housing/triages", headers=key)
    second = call(housing_stack, "POST", "/api/v1/housing/triages", headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] == second.json()["code"]
    assert second.headers.get("Idempotent-Replayed") == "true"
