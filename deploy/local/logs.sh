#!/usr/bin/env bash
# `make logs [S=name]`: follow the service logs (JSON lines, one per event).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
name="${1:-}"
shopt -s nullglob
if [[ -n "$name" ]]; then
  files=("$LOGDIR/$name"-*.log)
else
  files=("$LOGDIR"/*-[0-9]*.log)
fi
((${#files[@]})) || die "no logs under var/log/ for '${name:-any service}' (has make up run?)"
exec tail -n "${LINES_BACK:-20}" -F "${files[@]}"
