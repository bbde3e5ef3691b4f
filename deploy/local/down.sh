#!/usr/bin/env bash
# `make down`: stops supervisord and the Townhall processes it runs. Leaves
# PostgreSQL, RabbitMQ and Redis alone; data and queues stay.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pidfile="$VAR/supervisord.pid"
pid="$(cat "$pidfile" 2>/dev/null || true)"

alive() { [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

if supervisor_running; then
  ctl() { "$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" "$@" >/dev/null 2>&1; }
  # The gateway first, so nothing new comes in. `stop all` signals every
  # process at once, where supervisord's own shutdown would stop one program
  # after another, each waiting up to its stopwaitsecs.
  ctl stop gateway:* || true
  ctl stop all || true
  ctl shutdown || true
elif alive && grep -q supervisord "/proc/$pid/cmdline" 2>/dev/null; then
  # The socket is gone but our supervisord is not: ask it the plain way.
  kill -TERM "$pid"
else
  note "Townhall is not running"
  rm -f "$pidfile" "$VAR/supervisor.sock"
  exit 0
fi

# supervisord stops every process (TERM, then KILL after stopwaitsecs) before
# it exits itself.
wait_for 60 "supervisord to stop" bash -c "! kill -0 $pid 2>/dev/null" ||
  die "supervisord (pid $pid) is still running"
rm -f "$pidfile" "$VAR/supervisor.sock"

# Processes of this checkout that supervisord lost track of end up adopted
# by init; say so rather than leave them unnoticed. (Tests and benchmarks
# start their own, which have a living parent and are not ours to judge.)
orphans=()
for proc in /proc/[0-9]*; do
  # a process may end between the listing and the read: say nothing of it
  cmd="$({ tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null || true)"
  [[ "$cmd" == *"$VENV/bin/nameko run"* || "$cmd" == *"$VENV/bin/python -m tools.devmail"* ]] ||
    continue
  ppid="$(awk '/^PPid:/ {print $2}' "$proc/status" 2>/dev/null || true)"
  [[ "$ppid" == 1 ]] && orphans+=("${proc#/proc/}")
done
if ((${#orphans[@]})); then
  warn "orphaned Townhall processes from this checkout: pids ${orphans[*]} (kill them by pid)"
fi
ok "stopped (PostgreSQL, RabbitMQ and Redis are still running)"
