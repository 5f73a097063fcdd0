#!/usr/bin/env bash
# Installs the Node dependencies (npm ci) when node_modules is missing or older than the lockfile,
# so `npm start` and `npm test` work straight from a fresh clone. Quiet otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "Installing Node dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund >&2
fi
