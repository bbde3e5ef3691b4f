"""Headless Chromium for the page tests: Debian's /usr/bin/chromium driven by
playwright. The browser is never downloaded; without it these tests fail
with a message saying what to install.

playwright's sync API does not run under eventlet's monkey patching, which
tests/conftest.py applies to the whole suite, so each scenario runs in a
Python process of its own (tests/browser/scenarios.py) and the test reads
its result."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests.support.stack import ROOT

CHROMIUM = os.environ.get("TOWNHALL_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium():
    if importlib.util.find_spec("playwright") is None:
        pytest.fail("the playwright package is missing: run `make install` "
                    "(it is in the test extras of pyproject.toml)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make infra` (or `apt-get "
                    "install chromium`), or set TOWNHALL_CHROMIUM to its path")
    return CHROMIUM


@pytest.fixture
def browse(chromium):
    """browse(scenario, base_url, **args): runs one scenario of scenarios.py
    in headless Chromium; fails the test with the scenario's own message."""
    def run(scenario, base_url, **args):
        env = dict(os.environ, TOWNHALL_CHROMIUM=chromium)
        result = subprocess.run(
            [sys.executable, "-m", "tests.browser.scenarios", scenario, base_url,
             json.dumps(args)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            pytest.fail(f"browser scenario {scenario} failed:\n"
                        f"{result.stdout}\n{result.stderr}", pytrace=False)
        return json.loads(result.stdout.strip().splitlines()[-1] or "{}")
    return run
