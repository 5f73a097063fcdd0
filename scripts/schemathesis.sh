#!/usr/bin/env bash
# Finds or installs Schemathesis, the property-based OpenAPI tester CI runs against the API
# (test/e2e/schemathesis.test.ts), and prints the path of its `schemathesis` command.
# Order: $SCHEMATHESIS_PATH, the cache, then PyPI into a venv of its own (Debian's pip refuses
# system installs, PEP 668), with every dependency pinned below: a seeded run then generates the
# same requests on every machine, and a new Hypothesis release cannot change what CI sends.
# Quiet and idempotent once installed; progress goes to stderr, the path to stdout.
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"
# `pip freeze` of a venv holding only schemathesis==$SCHEMATHESIS_VERSION (Python 3.11).
PINS="anyio==4.16.0
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
graphql-core==3.3.2
harfile==0.6.0
hypothesis==6.170.17
hypothesis-graphql==0.13.5
idna==3.20
iniconfig==2.3.1
jsonschema_rs==0.60.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
packaging==26.4
pluggy==1.7.0
Pygments==2.21.0
pyrate-limiter==4.5.1
pytest==9.2.0
PyYAML==6.0.4
requests==2.34.2
rich==15.0.0
sortedcontainers==2.4.0
typing_extensions==4.16.0
urllib3==2.8.0
Werkzeug==3.1.9"

pins_hash=$(printf '%s' "$PINS" | sha256sum | cut -c1-12)
cache_root="${SEER_RUNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seer-runs}"
venv="$cache_root/schemathesis-${SCHEMATHESIS_VERSION}-${pins_hash}"

if [ -n "${SCHEMATHESIS_PATH:-}" ]; then
  if [ -x "$SCHEMATHESIS_PATH" ]; then echo "$SCHEMATHESIS_PATH"; exit 0; fi
  echo "SCHEMATHESIS_PATH=$SCHEMATHESIS_PATH is not an executable file" >&2
  exit 1
fi
if [ -f "$venv/.installed" ]; then echo "$venv/bin/schemathesis"; exit 0; fi

# Debian's python3 makes venvs only with python3-venv; as root (CI) it is installed here.
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing python3-venv from Debian packages..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "Missing: python3-venv. Install it (Debian: sudo apt-get install python3-venv) and rerun, or set SCHEMATHESIS_PATH." >&2
    exit 1
  fi
fi

mkdir -p "$cache_root"
# A venv is not relocatable (its scripts name their interpreter by absolute path), so it is built
# where it stays, under a lock: a concurrent install (two CI jobs on one machine) waits for this one.
exec 9>"$venv.lock"
flock 9
if [ -f "$venv/.installed" ]; then echo "$venv/bin/schemathesis"; exit 0; fi

echo "Installing schemathesis ${SCHEMATHESIS_VERSION} (PyPI) into $venv..." >&2
rm -rf "$venv"
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
printf '%s\n' "$PINS" >"$constraints"
if ! { python3 -m venv "$venv" &&
  "$venv/bin/pip" install -q --disable-pip-version-check --no-input \
    -c "$constraints" "schemathesis==${SCHEMATHESIS_VERSION}"; } >&2; then
  rm -rf "$venv"
  echo "Could not install schemathesis==${SCHEMATHESIS_VERSION} from PyPI in a venv: check that PyPI is reachable, or set SCHEMATHESIS_PATH." >&2
  exit 1
fi
touch "$venv/.installed"
echo "$venv/bin/schemathesis"
