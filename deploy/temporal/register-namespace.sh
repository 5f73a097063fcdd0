#!/usr/bin/env bash
# Registers the namespace (retention 7 days) and seer-runs' search attributes on a running
# Temporal frontend, with the `temporal` CLI: usage `register-namespace.sh NAMESPACE Name=Type...`
# (the pairs are SEARCH_ATTRIBUTE_FLAGS, src/domain/search-attributes.ts). Idempotent. The CLI
# reaches the frontend through TEMPORAL_ADDRESS and TEMPORAL_TLS_* like the seer-runs processes.
set -euo pipefail
temporal=${TEMPORAL_CLI:-temporal}
namespace=${1:?usage: register-namespace.sh NAMESPACE Name=Type...}
shift

if ! "$temporal" operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  "$temporal" operator namespace create --namespace "$namespace" --retention 168h >/dev/null
fi
# A new namespace reaches the frontend's namespace cache within seconds, not at once.
for _ in $(seq 1 60); do
  existing=$("$temporal" operator search-attribute list --namespace "$namespace" -o json 2>/dev/null) && break
  sleep 0.5
done
[ -n "${existing:-}" ] || { echo "namespace $namespace did not become usable within 30 s" >&2; exit 1; }
for pair in "$@"; do
  name=${pair%%=*}
  grep -q "\"$name\"" <<<"$existing" && continue
  "$temporal" operator search-attribute create --namespace "$namespace" --name "$name" --type "${pair##*=}" >/dev/null
done
