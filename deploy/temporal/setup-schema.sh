#!/bin/sh
# Creates or updates Temporal's two PostgreSQL databases (temporal, temporal_visibility) to the
# schema the server needs. Idempotent: on an up-to-date database every step is a no-op.
# Reads TEMPORAL_DB_HOST/PORT/USER/PASSWORD, TEMPORAL_SQL_TOOL (the server's `sql` tool,
# temporal-sql-tool in Temporal's admin-tools image) and TEMPORAL_SCHEMA_DIR (the module's schema/).
# POSIX sh: the admin-tools image has no bash.
set -eu

export SQL_PASSWORD="${TEMPORAL_DB_PASSWORD:-temporal}"
sql() {
  "${TEMPORAL_SQL_TOOL:?}" --plugin postgres12 --ep "${TEMPORAL_DB_HOST:-127.0.0.1}" \
    -p "${TEMPORAL_DB_PORT:-5432}" -u "${TEMPORAL_DB_USER:-temporal}" "$@"
}
for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  sql --db "$db" create-database
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "${TEMPORAL_SCHEMA_DIR:?}/postgresql/v12/${pair##*:}/versioned"
done
