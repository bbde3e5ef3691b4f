#!/usr/bin/env bash
# `make up`: infrastructure, install, migrate, seed, then every service and
# the gateway under supervisord, and wait until the gateway says all is well.
# Re-running applies a new SCALE to the running processes.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$ROOT/deploy/local"
SCALE="${SCALE:-}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-60}"
cd "$ROOT"

# Check SCALE and the service list before spending time on anything else.
mapfile -t services < <(list_services)
((${#services[@]})) || die "no services found under services/*/service.py"
[[ -f gateway/service.py ]] || die "gateway/service.py is missing"
have python3 || die "python3 is needed"

# Random development secrets, made once per checkout and kept in var/ (not in
# git): the staff-token signing key, which townhall-token reads too, and the
# CSRF key. Nothing committed can sign a token the gateway accepts.
DEV_SECRETS="$VAR/dev-secrets.env"
ensure_dev_secrets() {
  local name value
  (umask 077 && touch "$DEV_SECRETS")
  chmod 600 "$DEV_SECRETS"
  for name in AUTH_DEV_SIGNING_KEY GATEWAY_SECRET_KEY BINS_SECRET_KEY HOUSING_SECRET_KEY BOOKINGS_SECRET_KEY NOTIFY_SECRET_KEY; do
    grep -q "^$name=." "$DEV_SECRETS" && continue
    value="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
    printf '%s=%s\n' "$name" "$value" >>"$DEV_SECRETS"
    note "made $name in ${DEV_SECRETS#"$ROOT"/}"
  done
}
ensure_dev_secrets
# Email goes to the development mail server, and the gateway shows it at
# /dev/inbox (unless NOTIFY_EMAIL_PROVIDER, SMTP_* or DEV_INBOX_DIR are set here).
python3 "$HERE/supervisord_conf.py" "$VAR/supervisord.conf.new" "${services[@]}" \
  --scale "$SCALE" --secrets "$DEV_SECRETS" --devmail-port "$DEVMAIL_PORT" --maildir "$DEVMAIL_DIR"

step "infrastructure"
"$HERE/ensure-infra.sh"

step "install"
"$HERE/install.sh"

step "migrate"
"$HERE/migrate.sh"

step "seed"
"$HERE/seed.sh"

step "processes"
mv "$VAR/supervisord.conf.new" "$SUPERVISOR_CONF"

ctl() { "$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" "$@"; }

if supervisor_running; then
  # Picks up a changed SCALE; programs whose config did not change keep running.
  changes="$(ctl reread)"
  ctl update >/dev/null
  # Processes that had crashed out (FATAL) or were stopped by hand come back.
  ctl start all >/dev/null 2>&1 || true
  if [[ "$changes" == "No config updates to processes" ]]; then
    note "supervisord already running; no changes"
  else
    note "supervisord already running; applied: ${changes//$'\n'/; }"
  fi
else
  rm -f "$VAR/supervisor.sock" "$VAR/supervisord.pid"
  "$VENV/bin/supervisord" -c "$SUPERVISOR_CONF"
  note "supervisord started"
fi

step "health"
deadline=$((SECONDS + HEALTH_TIMEOUT))
# Processes first: none still starting or backing off before a restart.
while ((SECONDS < deadline)) && ctl status 2>/dev/null | awk '{print $2}' | grep -qE '^(STARTING|BACKOFF)$'; do
  sleep 1
done
url="http://$GATEWAY_ADDRESS/healthz"
rm -f "$VAR/healthz.json"
code=000
while ((SECONDS < deadline)); do
  code="$(curl -s -o "$VAR/healthz.json" -w '%{http_code}' -m 5 "$url" || true)"
  [[ "$code" == 200 ]] && break
  sleep 1
done

if [[ "$code" != 200 ]]; then
  printf '%sTownhall is not healthy after %ss%s: GET %s -> %s\n' "$_red" "$HEALTH_TIMEOUT" "$_off" "$url" "$code" >&2
  status="$(ctl status 2>/dev/null || true)"
  # The culprits: services the gateway reports as down, processes that are
  # not RUNNING, or the gateway itself when it does not answer.
  declare -A why=()
  while IFS=$'\t' read -r name reason; do
    [[ -n "$name" ]] && why[$name]="gateway says: $reason"
  done < <("$VENV/bin/python" "$HERE/health_report.py" "$VAR/healthz.json" 2>/dev/null)
  while read -r proc state _; do
    [[ -z "$proc" || "$state" == RUNNING ]] && continue
    name="${proc%%:*}"
    why[$name]="${why[$name]:+${why[$name]}; }${proc#*:} is $state"
  done <<<"$status"
  [[ "$code" == 000 ]] && why[gateway]="${why[gateway]:-}not answering on $GATEWAY_ADDRESS"
  printf '%s\n' "$status" | sed 's/^/    /' >&2
  for name in "${!why[@]}"; do
    printf '\n%s%s is down:%s %s\n' "$_bold" "$name" "$_off" "${why[$name]}" >&2
    # Only the logs of this service's current processes, not of old scales.
    while read -r proc _; do
      [[ "$proc" == "$name:"* ]] || continue
      log="$LOGDIR/${proc#*:}.log"
      [[ -f "$log" ]] || continue
      printf -- '--- last lines of %s\n' "${log#"$ROOT"/}" >&2
      tail -n 15 "$log" >&2
    done <<<"$status"
  done
  printf '\nThe processes are still running: fix and re-run make up, or make down.\n' >&2
  exit 1
fi
ok "all services healthy"

# Nothing checks the mail server's health: a busy port only shows when the
# first email cannot be sent, so say so now.
devmail_state="$(ctl status 'devmail:*' 2>/dev/null | awk '{print $2}' | head -n 1 || true)"
if [[ "$devmail_state" != RUNNING ]]; then
  warn "the development mail server is ${devmail_state:-not running}: is port $DEVMAIL_PORT taken?" \
    "(see var/log/devmail-0.log; another port: DEVMAIL_PORT=1026 make up)"
fi
if [[ -n "${NOTIFY_EMAIL_PROVIDER:-}" && "$NOTIFY_EMAIL_PROVIDER" != smtp ]]; then
  inbox_note="(email goes by $NOTIFY_EMAIL_PROVIDER, as set in your environment)"
else
  inbox_note="(emails sent on this machine; text messages are only logged)"
fi

cat <<EOF

Townhall is up.
  Home page    http://$GATEWAY_ADDRESS/
  API docs     http://$GATEWAY_ADDRESS/api/v1/docs
  Health       http://$GATEWAY_ADDRESS/healthz
  Dev inbox    http://$GATEWAY_ADDRESS/dev/inbox  $inbox_note
  RabbitMQ UI  http://127.0.0.1:15672/  (guest / guest)

  Staff token  .venv/bin/townhall-token --role crew --sub crew-7
               (signed with the key in var/dev-secrets.env, made by make up)
  Processes    make status          Logs  make logs  (one service: make logs S=bins)
  Scale        make up SCALE="bins=3 notify=2"
  Stop         make down            (PostgreSQL, RabbitMQ and Redis keep running)
EOF
