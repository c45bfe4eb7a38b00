#!/usr/bin/env bash
# tenantry vs Django contrib.auth (SQLite, argon2 at the same OWASP parameters), one run on this
# machine: both halves measure medians the same way; the ratios are tenantry ÷ Django
# (below 1: tenantry is faster). Rounds alternate which side goes first.
#
#   bash benches/django/compare.sh [ROUNDS]      (default 2; each round runs both sides once)
#
# Needs Python 3 with venv; installs Django and argon2-cffi from PyPI into target/peer-venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}
venv=target/peer-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r benches/django/requirements.txt
fi
cargo bench -q -p tenantry-benches --bench peer --no-run
out=$(mktemp -d)
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then
    cargo bench -q -p tenantry-benches --bench peer 2>/dev/null | tail -1 > "$out/tenantry.$r.json"
    "$venv/bin/python" benches/django/peer.py > "$out/django.$r.json"
  else
    "$venv/bin/python" benches/django/peer.py > "$out/django.$r.json"
    cargo bench -q -p tenantry-benches --bench peer 2>/dev/null | tail -1 > "$out/tenantry.$r.json"
  fi
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
load = lambda side: [json.load(open(f"{out}/{side}.{r}.json")) for r in range(1, rounds + 1)]
t, d = load("tenantry"), load("django")
print(f"{'operation':<16} {'tenantry ms':>12} {'django ms':>10} {'ratio':>6}   per round")
for op in t[0]:
    ratios = [a[op] / b[op] for a, b in zip(t, d)]
    tm = statistics.median(a[op] for a in t)
    dm = statistics.median(b[op] for b in d)
    print(f"{op:<16} {tm:>12.3f} {dm:>10.3f} {tm / dm:>6.2f}   " + " ".join(f"{x:.2f}" for x in ratios))
PY
rm -rf "$out"
