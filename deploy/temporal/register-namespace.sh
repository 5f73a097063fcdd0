#!/bin/sh
# Registers the namespace (retention 7 days) and seer-runs' search attributes on a running
# Temporal frontend, with the `temporal` CLI: usage `register-namespace.sh NAMESPACE Name=Type...`
# (the pairs are SEARCH_ATTRIBUTE_FLAGS, src/domain/search-attributes.ts). Idempotent. The CLI
# reaches the frontend through TEMPORAL_ADDRESS and TEMPORAL_TLS_* like the seer-runs processes.
# POSIX sh: the admin-tools image has no bash.
set -eu
temporal=${TEMPORAL_CLI:-temporal}
namespace=${1:?usage: register-namespace.sh NAMESPACE Name=Type...}
shift

# In compose this job starts with the frontend's container, before the frontend serves.
wait_for() {
  what=$1
  shift
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 120 ] || { echo "$what within 60 s" >&2; exit 1; }
    sleep 0.5
  done
}
wait_for "the frontend at ${TEMPORAL_ADDRESS:-127.0.0.1:7233} did not answer" \
  "$temporal" operator cluster health

if ! "$temporal" operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  "$temporal" operator namespace create --namespace "$namespace" --retention 168h >/dev/null
fi
# A new namespace reaches the frontend's namespace cache within seconds, not at once.
wait_for "namespace $namespace did not become usable" \
  "$temporal" operator search-attribute list --namespace "$namespace"
existing=$("$temporal" operator search-attribute list --namespace "$namespace" -o json)
for pair in "$@"; do
  name=${pair%%=*}
  case $existing in *"\"$name\""*) continue ;; esac
  "$temporal" operator search-attribute create --namespace "$namespace" --name "$name" --type "${pair##*=}" >/dev/null
done
