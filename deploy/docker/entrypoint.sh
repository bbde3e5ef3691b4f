#!/bin/sh
# Starts the Townhall process named by $SERVICE (or the first argument).
# POSIX sh: the slim image has no bash.
set -eu

service="${1:-${SERVICE:-}}"
case "$service" in
  gateway)
    exec nameko run --config gateway/config.yaml gateway.service ;;
  migrate)
    # Databases, migrations and broker topology; demo data when asked.
    python -m services.kit.migrate all
    if [ "${TOWNHALL_SEED:-false}" = true ]; then
      exec townhall-entrypoint seed
    fi ;;
  seed)
    for dir in services/*/; do
      name="$(basename "$dir")"
      if [ -f "services/$name/seed.py" ]; then
        python -m "services.$name.seed"
      fi
    done ;;
  "")
    echo "set SERVICE (bins, housing, bookings, notify, gateway, migrate or seed)" >&2
    exit 64 ;;
  *)
    if [ ! -f "services/$service/service.py" ]; then
      echo "unknown service: $service" >&2
      exit 64
    fi
    exec nameko run --config "services/$service/config.yaml" "services.$service.service" ;;
esac
