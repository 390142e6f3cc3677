#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash safety: writers are killed with SIGKILL at random points, again and
# again; after each kill the database must verify, and every write that was
# acknowledged must be there with its content.
. "$(dirname "$0")/lib.sh"
writer="$MM_BIN/tests/crash_writer"
db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
: >"$T/acked"
rounds=${MM_CRASH_ROUNDS:-12}
for r in $(seq 1 "$rounds"); do
  threads=$(( (RANDOM % 8) + 1 ))
  "$writer" "$db" "$MM_SRC/data/schema" "$threads" "r$r" >>"$T/acked" 2>"$T/writer.err" &
  pid=$!
  # 20..400 ms: kills land in the middle of transactions, commits and checkpoints
  sleep "0.$(printf '%03d' $(( (RANDOM % 380) + 20 )))"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  if [ -s "$T/writer.err" ]; then cat "$T/writer.err"; fail "writer reported an error in round $r"; fi
  expect_rc 0 "$MAMORI" ledger verify --db "$db"
done
expect_rc 0 "$MAMORI" record list --db "$db" --kind site --format json
python3 - "$T/acked" "$T/out" <<'PY'
import json, sys
acked = [l.split() for l in open(sys.argv[1]) if l.strip()]
stored = {r["id"]: r["data"]["name"] for r in json.load(open(sys.argv[2]))}
missing = [(i, n) for i, n in acked if stored.get(i) != n]
assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:3]}"
assert len(acked) > 0, "no write was acknowledged"
print(f"{len(acked)} acknowledged writes all present; {len(stored)} stored")
PY
ok
done_ok
