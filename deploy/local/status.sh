#!/usr/bin/env bash
# `make status`: the state of every Townhall process.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! supervisor_running; then
  note "Townhall is not running (make up starts it)"
  exit 0
fi
# supervisorctl exits 3 when any process is not RUNNING; the table says so.
"$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" status || true
code="$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$GATEWAY_ADDRESS/healthz" || true)"
printf '\nGET http://%s/healthz -> %s\n' "$GATEWAY_ADDRESS" "$code"
if grep -q '^\[program:devmail\]' "$SUPERVISOR_CONF"; then
  printf 'Emails sent: http://%s/dev/inbox (files in %s/)\n' "$GATEWAY_ADDRESS" "${DEVMAIL_DIR#"$ROOT"/}"
fi
