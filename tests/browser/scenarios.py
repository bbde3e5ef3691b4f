"""What a resident (and, for housing, then a caseworker) does in the browser,
one function per scenario; run by tests/browser/test_*_pages.py as

    python -m tests.browser.scenarios NAME BASE_URL '{"arg": ...}'

Exits 0 and prints a JSON result on the last line, or exits non-zero with
the failed assertion. Plain playwright: no eventlet in this process."""
import json
import os
import re
import sys
import traceback

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking"]


def error_summary(page):
    """The page's error summary, once shown; the title says "Error:" too."""
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert page.title().startswith("Error: ")
    return summary


def find_bin_days(page, base, postcode, uprn, **_):
    page.goto(base + "/")
    page.get_by_role("link", name="Find out when your bins are collected").click()
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Find out your bin collection days"
    # keyboard only: into the box, type, Enter; Tab to the address, Space, Enter
    page.get_by_label("Postcode").focus()
    page.keyboard.type(postcode.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/bins/address\?postcode="))
    page.locator(f'input[name="uprn"][value="{uprn}"]').focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/bins/property/{uprn}$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Your bin collection days"
    assert page.get_by_text("Next collection").first.is_visible()
    link = page.get_by_role("link", name="Download your bin days calendar (ICS file)")
    assert link.get_attribute("href") == f"/api/v1/bins/properties/{uprn}/calendar.ics"
    subscribe = page.get_by_role("link", name="Subscribe to your bin days calendar")
    assert subscribe.get_attribute("href").startswith("webcal://")
    return {}


def empty_form_error_summary(page, base, **_):
    page.goto(base + "/bins/missed")
    page.get_by_role("button", name="Find address").click()
    summary = error_summary(page)
    # GOV.UK Frontend moves focus to the summary; its link leads to the field
    page.wait_for_function("document.activeElement.classList.contains('govuk-error-summary')")
    summary.get_by_role("link", name="Enter a postcode").click()
    assert page.evaluate("document.activeElement.id") == "postcode"
    assert page.locator("#postcode-error").inner_text().endswith("Enter a postcode")
    return {}


def report_and_track(page, base, postcode, uprn, service, **_):
    page.goto(base + "/")
    page.get_by_role("link", name="Report a missed bin collection").click()
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Find address").click()
    page.check(f'input[name="uprn"][value="{uprn}"]')
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", level=1).inner_text().endswith(
        "Which bin was not collected?")
    page.check(f'input[name="service"][value="{service}"]')
    page.get_by_role("button", name="Report missed collection").click()

    page.wait_for_url(re.compile(r"/bins/missed/confirmation/"))
    panel = page.locator(".govuk-panel")
    assert "Missed collection reported" in panel.inner_text()
    reference = re.search(r"[A-Z]{2}-[0-9A-Z]{4}-[0-9]{2}", panel.inner_text()).group(0)

    page.get_by_role("link", name="Check the progress of your report").click()
    page.wait_for_url(re.compile(rf"/bins/track/{reference}\?secret="))
    assert page.get_by_role("heading", level=1).inner_text() == "Your missed bin report"
    assert page.locator("main .govuk-tag").inner_text().strip() == "Open"

    # the same collection again: told so, and no second report
    page.goto(base + f"/bins/missed/property/{uprn}")
    page.check(f'input[name="service"][value="{service}"]')
    page.get_by_role("button", name="Report missed collection").click()
    assert page.get_by_role("heading", level=1).inner_text() == \
        "This collection has already been reported"
    assert reference in page.content()
    return {"reference": reference}


def wrong_tracking_code(page, base, **_):
    page.goto(base + "/bins/track")
    page.get_by_label("Reference").fill("MB-2222-10")
    page.get_by_label("Tracking code").fill("not-the-code")
    page.get_by_role("button", name="Check report").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "No report matches" in page.locator("#reference-error").inner_text()
    return {}


# --- help with housing ---

def _fill_question(page, question, value):
    """Answers the question on the page as a person would: clicks, and
    typing into the boxes."""
    qid, kind = question["id"], question["type"]
    if kind in ("choice", "yes_no"):
        page.check(f'input[name="{qid}"][value="{value}"]')
    elif kind == "multi_choice":
        for option in value:
            page.check(f'input[name="{qid}"][value="{option}"]')
    elif kind == "date":
        for part in ("day", "month", "year"):
            page.fill(f"#{qid}-{part}", value[part])
    else:
        page.fill(f"#{qid}", value)


def _current_question(page):
    match = re.search(r"/housing/triage/question/([a-z_]+)", page.url)
    return match.group(1) if match else None


def _answer_until(page, questions, answers, stop=None):
    """Answers question after question until the check page, or until the
    `stop` question is showing."""
    for _ in range(40):
        qid = _current_question(page)
        if qid is None or qid == stop:
            return qid
        question = questions[qid]
        assert question["text"] in page.get_by_role("heading", level=1).inner_text()
        _fill_question(page, question, answers[qid])
        # until the next page has loaded: reading the old one's address or
        # heading in between would answer the same question twice
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
        assert not page.locator(".govuk-error-summary").count(), page.inner_text("main")
    raise AssertionError("the questions never ended")


def housing_triage(page, base, answers, save_after, caseworker=None, **_):
    questions = {q["id"]: q for q in page.request.get(
        base + "/api/v1/housing/questionnaire").json()["questions"]}
    page.goto(base + "/")
    page.get_by_role(
        "link", name="Get help if you are homeless or at risk of losing your home").click()
    page.wait_for_url(re.compile(r"/housing$"))
    assert "If you are in danger now, call 999." in page.inner_text("main")
    page.get_by_role("button", name="Start now").click()
    page.wait_for_url(re.compile(r"/housing/triage/question/route$"))

    _answer_until(page, questions, answers, stop=save_after)
    page.get_by_role("button", name="Save and come back later").click()
    page.wait_for_url(re.compile(r"/housing/triage/save$"))
    code = page.locator("#resume-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code

    # later, on another browser: only the code carries the answers over
    later = page.context.browser.new_context().new_page()
    later.set_default_timeout(10_000)
    later.goto(base + "/housing")
    later.get_by_role("link", name="Continue a saved form").click()
    later.get_by_label("Continue a saved form").fill(code.lower())
    later.keyboard.press("Enter")
    later.wait_for_url(re.compile(rf"/housing/triage/question/{save_after}$"))
    # the back link leads to the answers given on the first browser
    assert later.get_by_role("link", name="Back").get_attribute("href") != "/housing"

    assert _answer_until(later, questions, answers) is None
    later.wait_for_url(re.compile(r"/housing/triage/check$"))
    assert later.get_by_role("heading", level=1).inner_text() == \
        "Check your answers before sending"
    # change one answer from the check page and come back to it
    later.locator("#change-pregnant").click()
    later.wait_for_url(re.compile(r"/housing/triage/question/pregnant\?change=1$"))
    later.check('input[name="pregnant"][value="no"]')
    later.get_by_role("button", name="Continue").click()
    later.wait_for_url(re.compile(r"/housing/triage/check$"))

    later.get_by_role("button", name="Send").click()
    later.wait_for_url(re.compile(r"/housing/triage/outcome$"))
    panel = later.locator(".govuk-panel").inner_text()
    assert "Your request for help has been sent" in panel
    reference = re.search(r"HL-[0-9A-Z]{4}-[0-9]{2}", panel).group(0)
    case_code = later.locator("#case-code").inner_text().strip()
    main = later.inner_text("main")
    result = {"reference": reference, "code": case_code, "resume_code": code,
              "call_today": later.locator("#call-today").count() == 1,
              "danger": "If you are in danger now, call 999." in main}
    if caseworker:
        result["case_path"] = _caseworker_assigns(page.context.browser, base, reference,
                                                  **caseworker)
    return result


def _caseworker_assigns(browser, base, reference, authorization, sub):
    """A caseworker, signed in by the council's proxy (which adds the bearer
    token to every request), finds the case in the queue and takes it."""
    context = browser.new_context(extra_http_headers={"Authorization": authorization})
    staff = context.new_page()
    staff.set_default_timeout(10_000)
    staff.goto(base + "/staff/housing")
    assert staff.get_by_role("heading", level=1).inner_text() == "Housing cases"
    row = staff.get_by_role("row").filter(has=staff.get_by_role("link", name=reference))
    assert row.locator(".govuk-tag").first.inner_text().strip() == "Emergency"
    staff.get_by_role("link", name=reference).click()
    staff.wait_for_url(re.compile(r"/staff/housing/cases/[0-9a-f-]{36}$"))
    assert staff.get_by_role("heading", level=1).inner_text() == reference
    assert "Nobody is working on this case yet" in staff.inner_text("main")
    staff.get_by_role("button", name="Assign to me").click()
    banner = staff.locator(".govuk-notification-banner--success")
    banner.wait_for()
    assert f"Case {reference} is assigned to you" in banner.inner_text()
    assert staff.locator("#assigned-to-you").inner_text() == "This case is assigned to you."
    assert f"You ({sub})" in staff.inner_text("#case-summary")
    path = staff.url[len(base):]
    context.close()
    return path


def housing_exclusive_and_errors(page, base, **_):
    """With JavaScript: the error summary takes focus and leads to the
    field; "None of these" clears the other boxes, and the reverse."""
    page.goto(base + "/housing")
    page.get_by_role("button", name="Start now").click()
    page.wait_for_url(re.compile(r"/question/route$"))
    page.get_by_role("button", name="Continue").click()
    summary = error_summary(page)
    page.wait_for_function("document.activeElement.classList.contains('govuk-error-summary')")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.name") == "route"

    for qid, value in (("route", "self"), ("sleep_tonight", "own_home"),
                       ("risk_of_violence", "no"), ("asked_to_leave", "no"),
                       ("reason", "other")):
        page.wait_for_url(re.compile(rf"/question/{qid}$"))
        page.check(f'input[name="{qid}"][value="{value}"]')
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/question/applicant_age$"))
    assert page.locator(".govuk-input__suffix").inner_text() == "years"
    assert page.get_attribute("#applicant_age", "inputmode") == "numeric"
    page.fill("#applicant_age", "34")
    page.keyboard.press("Enter")
    for qid, value in (("other_adults", "0"), ("dependent_children", "0")):
        page.wait_for_url(re.compile(rf"/question/(pregnant|{qid})$"))
        if page.url.endswith("/pregnant"):
            page.check('input[name="pregnant"][value="no"]')
            page.get_by_role("button", name="Continue").click()
            page.wait_for_url(re.compile(rf"/question/{qid}$"))
        page.fill(f"#{qid}", value)
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/question/health$"))
    physical = page.locator('input[name="health"][value="physical_health"]')
    none = page.locator('input[name="health"][value="none"]')
    physical.check()
    none.check()
    assert not physical.is_checked() and none.is_checked()
    physical.check()
    assert not none.is_checked()
    return {}


# --- booking an appointment ---

def _fill_date(page, prefix, iso_day):
    year, month, day = iso_day.split("-")
    page.fill(f"#{prefix}-day", str(int(day)))
    page.fill(f"#{prefix}-month", str(int(month)))
    page.fill(f"#{prefix}-year", year)


def _give_details(page, name, email, language=None):
    """The details page: JavaScript reveals the language box under "Yes"."""
    assert page.locator("#holding").inner_text() == "We are holding this time for 10 minutes"
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    if language:
        language_box = page.locator("#interpreter-language")
        assert not language_box.is_visible()
        page.check('input[name="interpreter"][value="yes"]')
        language_box.fill(language)
    else:
        page.check('input[name="interpreter"][value="no"]')
    page.get_by_role("button", name="Confirm appointment").click()
    page.wait_for_url(re.compile(r"/bookings/confirmation$"))
    panel = page.locator(".govuk-panel").inner_text()
    assert "Appointment booked" in panel
    return re.search(r"BK-[0-9A-Z]{4}-[0-9]{2}", panel).group(0)


def book_change_and_cancel(page, base, day, later, **_):
    page.goto(base + "/")
    page.get_by_role("link", name="book an appointment at a council office").click()
    page.wait_for_url(re.compile(r"/bookings$"))
    page.get_by_label("Council Tax advice").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/bookings/where\?type=council-tax$"))

    page.check('input[name="office"][value="town-hall"]')
    page.check('input[name="step_free"][value="no"]')
    page.check('input[name="when"][value="dates"]')
    _fill_date(page, "from", day)
    _fill_date(page, "to", day)
    page.get_by_role("button", name="Show times").click()
    page.wait_for_url(re.compile(r"/bookings/times\?"))
    assert "Choose a time" in page.get_by_role("heading", level=1).inner_text()
    first = page.locator('input[name="slot"]').first
    chosen = first.get_attribute("value")
    first.check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/bookings/details$"))

    # the error summary first, with JavaScript: it takes focus, its links lead to the fields
    page.get_by_role("button", name="Confirm appointment").click()
    summary = error_summary(page)
    summary.get_by_role("link", name="Enter your name").click()
    assert page.evaluate("document.activeElement.id") == "name"

    reference = _give_details(page, "Sam Jones", "sam@example.com", language="Polish")
    assert "Polish" in page.inner_text("#booking-summary")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Add to your calendar (ICS file)").click()
    download = downloading.value
    assert download.suggested_filename == f"appointment-{reference}.ics"
    ics = open(download.path(), encoding="utf-8").read()
    assert "BEGIN:VCALENDAR" in ics and reference in ics and "SEQUENCE:0" in ics

    page.get_by_role("link", name="Change or cancel your appointment").click()
    page.wait_for_url(re.compile(rf"/bookings/manage/{reference}\?code="))
    manage_url = page.url
    assert page.locator("#booking-status").inner_text().strip() == "Booked"

    page.get_by_role("button", name="Change the time").click()
    page.wait_for_url(re.compile(rf"/bookings/manage/{reference}/reschedule\?code="))
    assert page.locator('input[name="slot"]').count() > 0
    # a later day: the first free times may be too close to change again
    page.get_by_text("Look at other offices or dates").click()
    page.check('input[name="when"][value="dates"]')
    _fill_date(page, "from", later)
    _fill_date(page, "to", later)
    page.get_by_role("button", name="Show times").click()
    page.wait_for_url(re.compile(r"when=dates"))
    options = page.locator('input[name="slot"]')
    assert options.count() > 0
    new_value = options.first.get_attribute("value")
    assert new_value != chosen
    options.first.check()
    page.get_by_role("button", name="Change to this time").click()
    page.wait_for_url(manage_url)
    assert page.locator("#banner").inner_text() == "Your appointment has been changed"

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Add to your calendar (ICS file)").click()
    assert "SEQUENCE:1" in open(downloading.value.path(), encoding="utf-8").read()

    page.get_by_role("button", name="Cancel appointment").click()
    page.wait_for_url(re.compile(rf"/bookings/manage/{reference}/cancel\?code="))
    assert page.get_by_role("heading", level=1).inner_text().endswith(
        "Are you sure you want to cancel your appointment?")
    page.get_by_role("button", name="Yes, cancel my appointment").click()
    page.wait_for_url(manage_url)
    assert page.locator("#banner").inner_text() == "Your appointment has been cancelled"
    assert page.locator("#booking-status").inner_text().strip() == "Cancelled"
    return {"reference": reference, "code": manage_url.split("code=")[1],
            "first": chosen, "moved_to": new_value}


def housing_outcome_to_booking(page, base, resume_code, **_):
    """A person whose answers are all in sends them, and from the outcome
    page books within the days their case allows."""
    page.goto(base + "/housing/triage/resume")
    page.get_by_label("Continue a saved form").fill(resume_code)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/housing/triage/check$"))
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/housing/triage/outcome$"))
    reference = page.locator("#reference").inner_text().strip()
    page.get_by_role("button", name="Book an appointment").click()
    page.wait_for_url(re.compile(r"/bookings/where\?type=housing-options$"))
    assert "code" not in page.url
    assert f"You are booking for housing case {reference}" in page.inner_text("main")
    page.check('input[name="step_free"][value="yes"]')
    for _ in range(60):
        # bookings hears of the case a moment after it is sent
        page.get_by_role("button", name="Show times").click()
        page.wait_for_url(re.compile(r"/bookings/times\?"))
        if page.locator('input[name="slot"]').count():
            break
        page.wait_for_timeout(300)
        page.go_back()
    first = page.locator('input[name="slot"]').first
    chosen = first.get_attribute("value")
    first.check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/bookings/details$"))
    booking = _give_details(page, "Sam Jones", "sam@example.com")
    assert "Housing options interview" in page.inner_text("#booking-summary")
    return {"reference": reference, "booking": booking, "slot": chosen}


SCENARIOS = {f.__name__: f for f in (
    find_bin_days, empty_form_error_summary, report_and_track, wrong_tracking_code,
    housing_triage, housing_exclusive_and_errors, book_change_and_cancel,
    housing_outcome_to_booking)}


def main(argv):
    name, base, args = argv[1], argv[2], json.loads(argv[3] if len(argv) > 3 else "{}")
    executable = os.environ.get("TOWNHALL_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(10_000)
            try:
                result = SCENARIOS[name](page, base, **args)
            except Exception:
                traceback.print_exc()
                print(f"page at failure: {page.url}", file=sys.stderr)
                print(page.inner_text("main")[:800], file=sys.stderr)
                return 1
        finally:
            browser.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
