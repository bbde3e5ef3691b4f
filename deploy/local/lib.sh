# shellcheck shell=bash
# Helpers shared by the local scripts. Sourced, never run.

# Every path is relative to the checkout, wherever it lives.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VAR="$ROOT/var"
LOGDIR="$VAR/log"
# Noisy tool output (apt, pip, npm) goes here; a failing step prints its tail.
INSTALL_LOG="$LOGDIR/install.log"
VENV="$ROOT/.venv"
SUPERVISOR_CONF="$VAR/supervisord.conf"
GATEWAY_ADDRESS="${GATEWAY_ADDRESS:-127.0.0.1:8000}"
export GATEWAY_ADDRESS
# Links in residents' messages point at the gateway.
PUBLIC_URL="${PUBLIC_URL:-http://$GATEWAY_ADDRESS}"
export PUBLIC_URL
# The development mail server (tools/devmail.py): listens on
# 127.0.0.1 only, keeps every message in var/mail/ for the /dev/inbox page.
DEVMAIL_PORT="${DEVMAIL_PORT:-1025}"
DEVMAIL_DIR="$VAR/mail"

# rabbitmq-server and friends live in sbin, which some environments leave off.
case ":$PATH:" in
  *:/usr/sbin:*) ;;
  *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;;
esac
export PATH

mkdir -p "$LOGDIR"

if [[ -t 1 ]]; then
  _bold=$'\e[1m' _green=$'\e[32m' _red=$'\e[31m' _yellow=$'\e[33m' _off=$'\e[0m'
else
  _bold="" _green="" _red="" _yellow="" _off=""
fi

step() { printf '%s==>%s %s\n' "$_bold" "$_off" "$*"; }
ok() { printf '    %s%s%s\n' "$_green" "$*" "$_off"; }
note() { printf '    %s\n' "$*"; }
warn() { printf '    %s%s%s\n' "$_yellow" "$*" "$_off" >&2; }
die() {
  printf '%serror:%s %s\n' "$_red" "$_off" "$*" >&2
  exit 1
}

# quietly CMD...: run CMD with its output in the install log; on failure show
# the end of that log so the reader sees why without scrolling through it.
quietly() {
  printf '\n$ %s\n' "$*" >>"$INSTALL_LOG"
  if ! "$@" >>"$INSTALL_LOG" 2>&1; then
    printf '%sfailed:%s %s\n' "$_red" "$_off" "$*" >&2
    tail -n 25 "$INSTALL_LOG" >&2
    printf '(full output: %s)\n' "${INSTALL_LOG#"$ROOT"/}" >&2
    return 1
  fi
}

# wait_for SECONDS WHAT CMD...: poll CMD once a second until it succeeds.
wait_for() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      printf '%stimed out after %ss waiting for %s%s\n' "$_red" "$timeout" "$what" "$_off" >&2
      return 1
    fi
    sleep 1
  done
}

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

have() { command -v "$1" >/dev/null 2>&1; }

# The services are the folders under services/ that have an entrypoint module;
# kit/ is shared plumbing and has none.
list_services() {
  local d
  for d in "$ROOT"/services/*/; do
    d="${d%/}"
    [[ -f "$d/service.py" ]] && printf '%s\n' "${d##*/}"
  done
  return 0
}

supervisor_running() {
  [[ -f "$SUPERVISOR_CONF" && -x "$VENV/bin/supervisorctl" ]] &&
    "$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" pid >/dev/null 2>&1
}
