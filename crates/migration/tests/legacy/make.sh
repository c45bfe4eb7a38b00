#!/usr/bin/env bash
# Writes the schema snapshots of databases made by tenantry releases before the tables were
# named `tenantry_…` (the upgrade tests in `../adopt_names.rs` load them, populate them and
# migrate them). Run once, at commit efb92e7 (the last release with the old names):
#
#   cargo build -p tenantry-migration && bash crates/migration/tests/legacy/make.sh target/debug/tenantry-migration
#
# For each backend it writes `<backend>_<applied>.sql`: everything a new database holds after
# the first <applied> migrations (the schema, the history in `tenantry_migrations`, the role
# catalogue 000017 seeds), one statement per `;` at a line's end.
set -euo pipefail
bin=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
PG=postgres://postgres@127.0.0.1:5432
MY=mysql://root@127.0.0.1:3306

strip_pg() { grep -v -e '^\\' -e '^SET ' -e '^SELECT pg_catalog.set_config' -e '^--' -e '^$'; }
strip_my() { grep -v -e '^/\*M!' -e '^/\*!40101 SET' -e '^/\*!40103 SET' -e '^$'; }

for applied in 8 16 20; do
  # SQLite
  db=$(mktemp -u /tmp/legacy-XXXX.db)
  DATABASE_URL="sqlite://$db?mode=rwc" "$bin" up -n "$applied" >/dev/null
  sqlite3 "$db" .dump | grep -v -e '^CREATE TABLE sqlite_sequence' -e '^PRAGMA' -e '^BEGIN' -e '^COMMIT' \
    > "$here/sqlite_$applied.sql"
  rm -f "$db" "$db-wal" "$db-shm"

  # PostgreSQL
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS tenantry_legacy_gen" -c "CREATE DATABASE tenantry_legacy_gen"
  DATABASE_URL="$PG/tenantry_legacy_gen" "$bin" up -n "$applied" >/dev/null
  pg_dump --inserts --no-owner --no-privileges "$PG/tenantry_legacy_gen" | strip_pg \
    > "$here/postgres_$applied.sql"
  psql -q "$PG/postgres" -c "DROP DATABASE tenantry_legacy_gen"

  # MariaDB
  mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS tenantry_legacy_gen; CREATE DATABASE tenantry_legacy_gen CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
  DATABASE_URL="$MY/tenantry_legacy_gen" "$bin" up -n "$applied" >/dev/null
  mariadb-dump -uroot -h127.0.0.1 --skip-comments --compact --skip-add-drop-table tenantry_legacy_gen | strip_my \
    > "$here/mysql_$applied.sql"
  mariadb -uroot -h127.0.0.1 -e "DROP DATABASE tenantry_legacy_gen"
done
