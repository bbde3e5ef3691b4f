#!/usr/bin/env bash
# `make deploy-check`: static checks of deploy/ that need no cluster or Docker
# engine. Each optional tool is used when it is installed and skipped with a
# note when not: kubectl or kustomize (render the overlays),
# kubernetes-validate (API schemas), docker compose (compose files) and
# ShellCheck for the scripts.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

python="$VENV/bin/python"
[[ -x "$python" ]] || python=python3

step "YAML syntax"
"$python" - <<'PY'
import pathlib, sys, yaml
bad = 0
for path in sorted(pathlib.Path("deploy").rglob("*.yaml")):
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as exc:
        print(f"    {path}: {exc}", file=sys.stderr)
        bad += 1
        continue
    print(f"    {path}: {len(docs)} document(s)")
sys.exit(1 if bad else 0)
PY

step "kustomize overlays"
render=()
if have kustomize; then
  render=(kustomize build)
elif have kubectl; then
  render=(kubectl kustomize)
fi
rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT
keys=deploy/k8s/overlays/dev/secrets.keys.env
if ((${#render[@]})) && [[ ! -f $keys ]]; then
  # git-ignored; a developer makes it once, as the dev overlay explains
  printf 'AUTH_DEV_SIGNING_KEY=%s\nGATEWAY_SECRET_KEY=%s\n' \
    "$(python3 -c 'import secrets; print(secrets.token_hex(32))')" \
    "$(python3 -c 'import secrets; print(secrets.token_hex(32))')" >"$keys"
  chmod 600 "$keys"
fi
if ((${#render[@]})); then
  for overlay in deploy/k8s/overlays/*/; do
    name="$(basename "$overlay")"
    "${render[@]}" "$overlay" >"$rendered/$name.yaml"
    ok "$name: $(grep -c '^kind:' "$rendered/$name.yaml") objects"
  done
  if have kubernetes-validate; then
    kubernetes-validate --strict --quiet -k "${K8S_VERSION:-1.30.0}" "$rendered"/*.yaml
    ok "schemas valid for Kubernetes ${K8S_VERSION:-1.30.0}"
  else
    note "kubernetes-validate not installed: API schemas not checked"
  fi
else
  note "neither kustomize nor kubectl installed: overlays not rendered"
fi

step "compose files"
if docker compose version >/dev/null 2>&1; then
  for f in deploy/compose.yaml deploy/compose.infra.yaml; do
    docker compose -f "$f" config --quiet && ok "$f"
  done
else
  note "docker compose not installed: compose files checked as YAML only"
fi

step "shell scripts"
if have shellcheck; then
  shellcheck -x .ci/run deploy/local/*.sh deploy/docker/entrypoint.sh
  ok "shellcheck clean"
else
  note "shellcheck not installed"
fi
