#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two processes write one database at the same time (a running server and
# a `mamori record` command, say): each notices the other's appends inside
# its write transaction, nothing is lost, and the ledger verifies — also
# while they are still writing.
. "$(dirname "$0")/lib.sh"
writer="$MM_BIN/tests/crash_writer"
db=$T/m.db
a= b=
# a failing check must not leave the writers running (they write forever)
trap 'rc_=$?; set +e; kill -9 $a $b 2>/dev/null; (exit $rc_); cleanup' EXIT
expect_rc 0 "$MAMORI" init --db "$db"
: >"$T/acked"
for round in 1 2 3; do
  "$writer" "$db" "$MM_SRC/data/schema" 4 "a$round" >>"$T/acked" 2>"$T/a.err" &
  a=$!
  "$writer" "$db" "$MM_SRC/data/schema" 4 "b$round" >>"$T/acked" 2>"$T/b.err" &
  b=$!
  # and a third writer: the command line, one record at a time
  for i in 1 2 3 4 5; do
    expect_rc 0 "$MAMORI" record create --db "$db" --kind site --actor cli --json "{\"name\":\"c$round-$i\"}"
    echo "$(cat "$T/out") c$round-$i" >>"$T/acked"
  done
  # verifying a live database: judged at one snapshot, no false alarm
  expect_rc 0 "$MAMORI" ledger verify --db "$db"
  sleep 0.3
  kill -9 "$a" "$b"
  wait "$a" "$b" 2>/dev/null || true
  for f in a b; do
    if [ -s "$T/$f.err" ]; then cat "$T/$f.err"; fail "writer $f failed in round $round"; fi
  done
  expect_rc 0 "$MAMORI" ledger verify --db "$db"
done
expect_rc 0 "$MAMORI" record list --db "$db" --kind site --format json
python3 - "$T/acked" "$T/out" <<'PY'
import json, sys
acked = [l.split() for l in open(sys.argv[1]) if l.strip()]
stored = {r["id"]: r["data"]["name"] for r in json.load(open(sys.argv[2]))}
lost = [(i, n) for i, n in acked if stored.get(i) != n]
assert not lost, f"{len(lost)} acknowledged writes lost or crossed, e.g. {lost[:3]}"
writers = {n[0] for _, n in acked}
assert writers == {"a", "b", "c"}, writers
print(f"{len(acked)} acknowledged writes from three processes, all present")
PY
ok
done_ok
