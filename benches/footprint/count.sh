#!/usr/bin/env bash
# Footprint (issue 17, point 3): how many crates a host adds by embedding tenantry-service,
# beyond a bare sea-orm with the same driver features.
#
# Makes two throwaway host crates in a temporary directory — one depending on sea-orm alone
# (tenantry's workspace features plus the driver), one on tenantry-service (path dependency on
# this checkout) — resolves both against one lockfile and counts the distinct packages of
# each normal dependency tree (build and dev dependencies excluded; the host crate itself not
# counted). Needs the crates.io index (no build).
#
#   bash benches/footprint/count.sh [sqlite|postgres|mysql] [FEATURE,…]   # default: sqlite
#
# The second argument adds features of tenantry-service (e.g. `password-strength`, on in its
# defaults; `legacy-hashes`); without it the host turns the defaults off and names the driver.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
driver=${1:-sqlite}
extra=${2:-}
features="\"$driver\""
for feature in ${extra//,/ }; do features="$features, \"$feature\""; done
case $driver in
  sqlite) sea_feature=sqlx-sqlite ;;
  postgres) sea_feature=sqlx-postgres ;;
  mysql) sea_feature=sqlx-mysql ;;
  *) echo "usage: $0 [sqlite|postgres|mysql]" >&2; exit 2 ;;
esac
# sea-orm exactly as the workspace declares it, plus the driver and runtime the service adds.
sea_orm=$(grep -E '^sea-orm = ' "$repo/Cargo.toml" | sed 's/^sea-orm = //')
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bare/src" "$dir/host/src"
echo 'fn main() {}' >"$dir/bare/src/main.rs"
echo 'fn main() {}' >"$dir/host/src/main.rs"
cat >"$dir/Cargo.toml" <<TOML
[workspace]
members = ["bare", "host"]
resolver = "3"
TOML
cat >"$dir/bare/Cargo.toml" <<TOML
[package]
name = "bare"
version = "0.0.0"
edition = "2024"
[dependencies]
sea-orm = $sea_orm
[dependencies.sea-orm-driver]
package = "sea-orm"
version = "2.0.4"
default-features = false
features = ["$sea_feature", "runtime-tokio-rustls"]
TOML
cat >"$dir/host/Cargo.toml" <<TOML
[package]
name = "host"
version = "0.0.0"
edition = "2024"
[dependencies]
tenantry-service = { path = "$repo/crates/service", default-features = false, features = [$features] }
TOML
# The same versions as this checkout resolves.
cp "$repo/Cargo.lock" "$dir/Cargo.lock"
count() {
  (cd "$dir" && cargo tree -q -p "$1" -e normal --prefix none --no-dedupe 2>/dev/null) |
    sed 's/ (\*)$//; s/ (proc-macro)$//' | awk '{print $1" "$2}' | sort -u | grep -v "^$1 " | wc -l
}
bare=$(count bare)
host=$(count host)
echo "driver: $driver${extra:+, features: $extra}"
echo "bare sea-orm:      $bare crates"
echo "tenantry-service:  $host crates"
echo "added by tenantry: $((host - bare)) crates"
echo "the added crates:"
diff <(cd "$dir" && cargo tree -q -p bare -e normal --prefix none | awk '{print $1}' | sort -u) \
     <(cd "$dir" && cargo tree -q -p host -e normal --prefix none | awk '{print $1}' | sort -u) |
  sed -n 's/^> /  /p' | grep -v -E '^  (host|tenantry-[a-z]+)$' | tr '\n' ' '
echo
