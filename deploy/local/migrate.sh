#!/usr/bin/env bash
# Databases, schemas and broker topology for every service (idempotent).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
[[ -f services/kit/migrate.py ]] || die "services/kit/migrate.py is missing"
if ! out="$("$VENV/bin/python" -m services.kit.migrate all 2>&1)"; then
  printf '%s\n' "$out" >&2
  die "migrations failed"
fi
printf '%s\n' "$out" | sed 's/^/    /'
