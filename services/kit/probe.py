"""Exit 0 if a service answers its health RPC with status ok, else 1.

    python -m services.kit.probe bins [--timeout 3]

Used by container liveness/readiness probes and by operators.
"""
import argparse
import json
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from services.kit import config


def main(argv=None):
    parser = argparse.ArgumentParser(prog="probe")
    parser.add_argument("service")
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    try:
        with ClusterRpcProxy({"AMQP_URI": config.amqp_uri()}, timeout=args.timeout) as rpc:
            report = getattr(rpc, args.service).health()
    except Exception as exc:
        print(json.dumps({"service": args.service, "status": "down",
                          "error": type(exc).__name__}))
        return 1
    print(json.dumps(report))
    return 0 if report.get("status") == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
