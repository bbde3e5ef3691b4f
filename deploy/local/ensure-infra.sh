#!/usr/bin/env bash
# Makes sure PostgreSQL, RabbitMQ (with its management plugin) and Redis are
# installed, running and accepting connections on 127.0.0.1. Safe to re-run:
# whatever already answers is left alone.
#
# Each one that is not answering is taken from, in order: a native install
# (started if stopped), a Docker engine if one is reachable (compose.infra),
# or apt-get (installed, then started). INFRA=native|docker forces a choice.
# Also Debian's chromium for the browser tests, when it is missing.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INFRA="${INFRA:-auto}"
PG_PORT=5432 AMQP_PORT=5672 MGMT_PORT=15672 REDIS_PORT=6379
PG_ADMIN_URL="${TOWNHALL_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"

# --- probes -----------------------------------------------------------------

pg_up() {
  if have pg_isready; then
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  else
    tcp_open 127.0.0.1 "$PG_PORT"
  fi
}
amqp_up() { tcp_open 127.0.0.1 "$AMQP_PORT"; }
mgmt_up() {
  curl -fsS -o /dev/null -m 3 -u guest:guest "http://127.0.0.1:$MGMT_PORT/api/overview"
}
redis_up() {
  # A PING answered with PONG, not just an open port: Redis refuses commands
  # while it loads its data set.
  local reply
  if have redis-cli; then
    reply="$(timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" || return 1
  else
    # shellcheck disable=SC2016 # expanded by the inner bash
    reply="$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"
      printf "PING\r\n" >&3
      IFS= read -r line <&3
      printf "%s" "$line"' _ "$REDIS_PORT" 2>/dev/null)" || return 1
    reply="${reply%$'\r'}"
    reply="${reply#+}"
  fi
  [[ "$reply" == PONG ]]
}

# --- how to get each one ------------------------------------------------------

systemd_running() { [[ -d /run/systemd/system ]]; }

docker_usable() {
  [[ "$INFRA" != native ]] && have docker && docker info >/dev/null 2>&1
}

compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose -f "$ROOT/deploy/compose.infra.yaml" "$@"
  elif have docker-compose; then
    docker-compose -f "$ROOT/deploy/compose.infra.yaml" "$@"
  else
    die "a Docker engine is reachable but neither 'docker compose' nor docker-compose is installed"
  fi
}

native_pg() { have pg_ctlcluster && compgen -G "/etc/postgresql/*/main" >/dev/null; }
native_rabbit() { have rabbitmq-server; }
native_redis() { have redis-server; }

APT_UPDATED=0
apt_install() {
  have apt-get || die "cannot install $* without apt-get; install it by hand"
  [[ $EUID -eq 0 ]] || die "installing $* needs root (run make up as root, or install it yourself)"
  note "installing $* (apt-get)"
  if ((APT_UPDATED == 0)); then
    quietly apt-get update -q
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive quietly apt-get install -y -q --no-install-recommends "$@"
}

# --- starting native installs -------------------------------------------------

start_pg() {
  if systemd_running; then
    quietly systemctl start postgresql
  else
    # The newest installed major version wins when several are present.
    local v
    v="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
    quietly pg_ctlcluster --skip-systemctl-redirect "$v" main start
  fi
}

start_rabbit() {
  if systemd_running; then
    quietly systemctl start rabbitmq-server
  else
    quietly rabbitmq-server -detached
  fi
}

start_redis() {
  if systemd_running; then
    quietly systemctl start redis-server
  else
    mkdir -p /var/lib/redis /var/log/redis
    quietly redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
      --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
}

# A freshly installed Debian cluster asks for a password on 127.0.0.1. The
# development stack connects as postgres without one (as CI machines do), so
# loopback connections are trusted on a cluster this script installed itself.
trust_loopback() {
  local hba
  hba="$(find /etc/postgresql -path '*/main/pg_hba.conf' | sort -V | tail -n 1)"
  [[ -n "$hba" ]] || return 0
  grep -q 'townhall-dev' "$hba" && return 0
  warn "trusting loopback connections in $hba (development machine)"
  local tmp
  tmp="$(mktemp)"
  {
    echo "host all all 127.0.0.1/32 trust  # townhall-dev"
    echo "host all all ::1/128 trust  # townhall-dev"
    cat "$hba"
  } >"$tmp"
  cat "$tmp" >"$hba"
  rm -f "$tmp"
  if systemd_running; then
    quietly systemctl reload postgresql
  else
    local v
    v="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
    quietly pg_ctlcluster --skip-systemctl-redirect "$v" main reload
  fi
}

enable_management() {
  if ! rabbitmq-plugins is_enabled rabbitmq_management >/dev/null 2>&1; then
    note "enabling the RabbitMQ management plugin"
    quietly rabbitmq-plugins enable rabbitmq_management
  fi
}

# --- main -----------------------------------------------------------------------

# curl is how we talk to the management API and to the gateway.
have curl || apt_install curl ca-certificates

# The page tests (tests/browser) drive Debian's Chromium; playwright's own
# browser download is never used. CHROMIUM=skip leaves it out.
CHROMIUM_PATH="${TOWNHALL_CHROMIUM:-/usr/bin/chromium}"
if [[ "${CHROMIUM:-}" != skip && ! -x "$CHROMIUM_PATH" ]]; then
  if have apt-get && [[ $EUID -eq 0 ]]; then
    apt_install chromium
  else
    warn "no Chromium at $CHROMIUM_PATH: the browser tests will fail (apt-get install chromium)"
  fi
fi

declare -a via_docker=()
declare -a started=()
PG_INSTALLED_HERE=0

if ! pg_up; then
  if native_pg && [[ "$INFRA" != docker ]]; then
    start_pg
    started+=(postgresql)
  elif docker_usable; then
    via_docker+=(postgres)
  else
    apt_install postgresql
    PG_INSTALLED_HERE=1
    pg_up || start_pg
    started+=(postgresql)
  fi
fi

if ! amqp_up; then
  if native_rabbit && [[ "$INFRA" != docker ]]; then
    start_rabbit
    started+=(rabbitmq)
  elif docker_usable; then
    via_docker+=(rabbitmq)
  else
    apt_install rabbitmq-server
    amqp_up || start_rabbit
    started+=(rabbitmq)
  fi
fi

if ! redis_up; then
  if native_redis && [[ "$INFRA" != docker ]]; then
    start_redis
    started+=(redis)
  elif docker_usable; then
    via_docker+=(redis)
  else
    apt_install redis-server
    redis_up || start_redis
    started+=(redis)
  fi
fi

if ((${#via_docker[@]})); then
  note "starting ${via_docker[*]} with docker compose"
  quietly compose up -d "${via_docker[@]}"
  started+=("${via_docker[@]}")
fi

wait_for 60 "PostgreSQL on 127.0.0.1:$PG_PORT" pg_up
wait_for 60 "Redis on 127.0.0.1:$REDIS_PORT" redis_up
# The AMQP listener opens at the end of the node's boot.
wait_for 120 "RabbitMQ on 127.0.0.1:$AMQP_PORT" amqp_up

if ! mgmt_up; then
  # The Docker image has the plugin on; a native node needs it enabled.
  if have rabbitmq-plugins && [[ " ${via_docker[*]} " != *" rabbitmq "* ]]; then
    enable_management
  fi
  wait_for 60 "RabbitMQ management API on 127.0.0.1:$MGMT_PORT" mgmt_up
fi

# -w: never prompt for a password (CI has no terminal).
pg_login() { PGCONNECT_TIMEOUT=5 psql -w "$PG_ADMIN_URL" -qAtc 'select 1'; }
if have psql; then
  if ((PG_INSTALLED_HERE)) && ! pg_login >/dev/null 2>&1; then
    trust_loopback
  fi
  wait_for 10 "PostgreSQL to accept $PG_ADMIN_URL" pg_login ||
    die "PostgreSQL is up but refuses '$PG_ADMIN_URL' (set TOWNHALL_PG_ADMIN_URL)"
fi

if ((${#started[@]})); then
  ok "infra: started ${started[*]}; PostgreSQL, RabbitMQ (+management) and Redis are up"
else
  ok "infra: PostgreSQL, RabbitMQ (+management) and Redis are up"
fi
