#!/usr/bin/env bash
# Installs the Python environment (.venv) and the gateway's GOV.UK Frontend
# assets, each only when its inputs changed since the last install.
#
#   install.sh            venv, then assets (installs Node.js with apt if absent)
#   install.sh --no-node  venv, then assets only if npm is already here
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_node=1
[[ "${1:-}" == --no-node ]] && install_node=0

fingerprint() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

pick_python() {
  local candidate
  for candidate in ${PYTHON:-} python3.11 python3; do
    if have "$candidate" && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# --- Python ---------------------------------------------------------------------

venv_stamp="$VAR/venv.stamp"
want="$(fingerprint "$ROOT/pyproject.toml" "$ROOT/constraints.txt")"

if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  python="$(pick_python)" || die "Python 3.11 is needed (set PYTHON=/path/to/python3.11)"
  if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    # Debian splits venv support out of the interpreter package.
    if [[ $EUID -ne 0 ]] || ! have apt-get; then
      die "$python cannot create virtual environments (install python3-venv)"
    fi
    note "installing python3-venv (apt-get)"
    quietly apt-get update -q
    DEBIAN_FRONTEND=noninteractive quietly apt-get install -y -q --no-install-recommends python3-venv
  fi
  note "creating .venv with $("$python" -V)"
  rm -rf "$VENV"
  quietly "$python" -m venv "$VENV"
  rm -f "$venv_stamp"
fi

if [[ "$(cat "$venv_stamp" 2>/dev/null)" != "$want" ]]; then
  if [[ -f "$venv_stamp" ]]; then
    note "installing Python packages (pyproject.toml or constraints.txt changed)"
  else
    note "installing Python packages"
  fi
  (cd "$ROOT" && quietly "$VENV/bin/pip" install --disable-pip-version-check -q \
    -c constraints.txt -e '.[test]')
  printf '%s\n' "$want" >"$venv_stamp"
  ok "venv: installed"
else
  ok "venv: up to date"
fi

# --- GOV.UK Frontend assets -------------------------------------------------------

gw="$ROOT/gateway"
if [[ ! -f "$gw/package-lock.json" ]]; then
  exit 0
fi
npm_stamp="$VAR/npm.stamp"
want="$(fingerprint "$gw/package.json" "$gw/package-lock.json")"
if [[ -d "$gw/node_modules" && "$(cat "$npm_stamp" 2>/dev/null)" == "$want" ]]; then
  ok "assets: up to date"
  exit 0
fi
if ! have npm; then
  if ((install_node)); then
    DEBIAN_FRONTEND=noninteractive
    export DEBIAN_FRONTEND
    if [[ $EUID -ne 0 ]] || ! have apt-get; then
      die "npm is needed for the gateway assets (install Node.js and npm)"
    fi
    note "installing nodejs and npm (apt-get)"
    quietly apt-get update -q
    quietly apt-get install -y -q --no-install-recommends nodejs npm
  else
    warn "assets: skipped (no npm; the pages render without GOV.UK styles)"
    exit 0
  fi
fi
note "installing GOV.UK Frontend assets (npm ci)"
(cd "$gw" && quietly npm ci --no-audit --no-fund --loglevel=error)
printf '%s\n' "$want" >"$npm_stamp"
ok "assets: installed"
