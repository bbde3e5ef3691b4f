"""The one way tests wait for something another process does: poll a check
until it gives a truthy value, or fail naming what never happened."""
import time


def wait_until(check, timeout=10.0, every=0.05, what="the condition"):
    """The first truthy value of `check()`; AssertionError after `timeout`
    seconds (the check is tried once more at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
