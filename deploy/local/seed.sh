#!/usr/bin/env bash
# Demo data for each service that ships a seed module (each is idempotent).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
seeded=()
while read -r name; do
  [[ -f "services/$name/seed.py" ]] || continue
  if ! out="$("$VENV/bin/python" -m "services.$name.seed" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "seeding $name failed"
  fi
  seeded+=("$name")
done < <(list_services)
if ((${#seeded[@]})); then
  ok "seeded: ${seeded[*]}"
else
  note "no seed modules yet"
fi
