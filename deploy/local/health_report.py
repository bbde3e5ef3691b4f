"""Prints each service that a /healthz body reports as down, with why.

    python deploy/local/health_report.py var/healthz.json

One line per service: its name, a tab, the reason. The gateway lists them
under "down"; failing that, any entry of "services" not ok counts.
"""
import json
import sys


def down(report):
    if not isinstance(report, dict):
        return []
    services = report.get("services")
    services = services if isinstance(services, dict) else {}
    if isinstance(report.get("down"), list):
        names = [str(name) for name in report["down"]]
    else:
        names = [name for name, value in services.items()
                 if not (isinstance(value, dict) and value.get("status") == "ok")]
    return [(name, reason(services.get(name))) for name in names]


def reason(entry):
    if not isinstance(entry, dict):
        return "no report"
    if entry.get("error"):
        return str(entry["error"])
    failing = [f"{check}: {state}" for check, state in (entry.get("checks") or {}).items()
               if state != "ok"]
    return ", ".join(failing) or str(entry.get("status", "not ok"))


def main(path):
    try:
        with open(path) as fh:
            report = json.load(fh)
    except (OSError, ValueError):
        return
    for name, why in down(report):
        print(f"{name}\t{why}")


if __name__ == "__main__":
    main(sys.argv[1])
