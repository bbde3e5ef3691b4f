"""What a resident does in the browser, one function per scenario; run by
tests/browser/test_bins_pages.py as

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
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert page.title().startswith("Error: ")
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


SCENARIOS = {f.__name__: f for f in (
    find_bin_days, empty_form_error_summary, report_and_track, wrong_tracking_code)}


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
