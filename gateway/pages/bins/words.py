"""The words the bins pages use for visits, exceptions and report statuses."""
from gateway.web.words import day_text, when_text as time_text  # noqa: F401 (the pages)

EXCEPTION_WORDS = {
    "bin_not_out": "The crew recorded that the bin was not out",
    "contaminated": "Not emptied: the crew recorded that the bin had the wrong things in it",
    "no_access": "Not emptied: the crew could not get to the bin",
    "excess_waste": "The crew recorded extra waste they could not take",
}
VISIT_WORDS = {
    # A finished round does not prove this bin was emptied: the resident may
    # have reported it missed, so say only what the crew recorded.
    "collected": "The crew finished this round",
    "completed": "The crew finished this round",
    "complete": "The crew finished this round",
    "still_out": "The crew are still working on this round",
    "in_progress": "The crew are still working on this round",
    "scheduled": "No problems were recorded",
}


def last_visit_words(last):
    """The last collection's status, in a few plain words."""
    if not last:
        return ""
    exception = last.get("exception")
    if isinstance(exception, dict):
        return exception.get("reason") or EXCEPTION_WORDS.get(
            exception.get("kind"), "The crew recorded a problem")
    if exception:
        return EXCEPTION_WORDS.get(exception, "The crew recorded a problem")
    status = last.get("status")
    if not status:
        return ""
    return VISIT_WORDS.get(status, status.replace("_", " ").capitalize())


def report_status_words(report):
    """(tag text, tag colour, sentence) for a report's status."""
    status = report.get("status")
    outcome = report.get("outcome")
    if outcome == "collected":
        return "Collected", "green", "The crew went back and emptied the bin."
    if outcome == "not_collected":
        why = report.get("outcome_reason")
        sentence = "The crew went back but could not empty the bin"
        return "Not collected", "red", sentence + (f": {why}" if why else ".")
    if status in (None, "open", "filed", "assigned"):
        due = time_text(report.get("due_by"))
        return "Open", "blue", (
            f"We have asked the crew to go back by {due}." if due else
            "We have asked the crew to go back.")
    return status.replace("_", " ").capitalize(), "grey", ""
