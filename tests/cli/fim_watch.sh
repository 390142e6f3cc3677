#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mamori-agent fim watch: started in the background, it reports a modified
# file, an added file (quarantining a new executable where the policy denies
# them) and a removed one as JSON lines; the agent's own restore during the
# watch raises no alert; SIGTERM stops it with exit 0. Every wait is bounded.
. "$(dirname "$0")/lib.sh"
A=${MAMORI_AGENT:?}
run_backend() { # be
  local be=$1
  tree=$T/$be/tree st=$T/$be/state
  mkdir -p "$tree/www/sub" "$tree/bin"
  printf 'approved\n' >"$tree/www/index.html"
  printf 'gone soon\n' >"$tree/www/sub/old.txt"
  approved=$(sha256sum <"$tree/www/index.html" | cut -c1-64)
  "$A" fim order keygen --secret "$T/k" --public "$T/p" >/dev/null 2>&1 || true
  cat >"$T/fim.json" <<JSON
  {"version": 1,
   "paths": [{"path": "$tree/www", "protect": true}, {"path": "$tree/bin", "deny_new_executables": true}],
   "restore": {"public_key_file": "$T/p"},
   "watch": {"rescan_seconds": 3600, "debounce_ms": 50, "nice": 5}}
JSON
  expect_rc 0 "$A" fim baseline --config "$T/fim.json" --state "$st"

  "$A" fim watch --config "$T/fim.json" --state "$st" --format json --max-seconds 120 --backend "$be" >"$T/$be.events" 2>"$T/$be.err" &
  pid=$!
  trap 'rc_=$?; kill $pid 2>/dev/null; (exit $rc_); cleanup' EXIT
  wait_for() { # file text seconds
    for _ in $(seq 1 $(($3 * 10))); do grep -qF -- "$2" "$1" && return 0; sleep 0.1; done
    echo "--- events"; cat "$T/$be.events"; echo "--- stderr"; cat "$T/$be.err"; fail "no '$2' in $1 after $3 s"
  }
  wait_for "$T/$be.err" "watching" 20
  grep -qF "with $be" "$T/$be.err" || fail "watch did not use $be: $(cat "$T/$be.err")"
  ok

  printf 'defaced\n' >"$tree/www/index.html"
  wait_for "$T/$be.events" "\"event\":\"modified\",\"path\":\"$tree/www/index.html\"" 10
  ok
  printf 'new\n' >"$tree/www/sub/new.txt"
  wait_for "$T/$be.events" "\"event\":\"added\",\"path\":\"$tree/www/sub/new.txt\"" 10
  ok
  rm "$tree/www/sub/old.txt"
  wait_for "$T/$be.events" "\"event\":\"removed\",\"path\":\"$tree/www/sub/old.txt\"" 10
  ok
  mkdir "$tree/www/newdir"; printf 'x\n' >"$tree/www/newdir/inner.txt"
  wait_for "$T/$be.events" "\"path\":\"$tree/www/newdir/inner.txt\"" 10
  ok
  printf '#!/bin/sh\necho pwned\n' >"$tree/bin/dropper"; chmod 755 "$tree/bin/dropper"
  wait_for "$T/$be.events" "\"event\":\"quarantined\",\"path\":\"$tree/bin/dropper\"" 10
  [ ! -e "$tree/bin/dropper" ] || fail "new executable not quarantined"
  ok

  # the agent's own restore while watching: no new alert for the file, no temp-file noise
  now=$(date +%s)
  printf 'mamori-fim-restore-order v1\nid: w-1\nhost: *\nissued: %s\nexpires: %s\nfile: %s %s\n' "$now" $((now + 600)) \
    "$approved" "$tree/www/index.html" >"$T/$be.body"
  "$A" fim order sign --key "$T/k" --in "$T/$be.body" --out "$T/$be.order" >/dev/null
  before=$(grep -c "\"path\":\"$tree/www/index.html\"" "$T/$be.events")
  expect_rc 0 "$A" fim restore --order "$T/$be.order" --config "$T/fim.json" --state "$st"
  # a later change proves the watch is still processing events after the restore
  sleep 1
  printf 'after\n' >"$tree/www/sub/late.txt"
  wait_for "$T/$be.events" "\"path\":\"$tree/www/sub/late.txt\"" 10
  after=$(grep -c "\"path\":\"$tree/www/index.html\"" "$T/$be.events")
  expect_eq "$after" "$before" "events about index.html after the agent's own restore"
  grep -q mamori-restore "$T/$be.events" && fail "the restore's temp file was reported"

  kill -TERM "$pid"
  set +e; wait "$pid"; rc=$?; set -e
  trap cleanup EXIT
  expect_eq "$rc" 0 "watch exit status after SIGTERM"
  jq -e -s 'length >= 6 and all(.[]; has("event") and has("path") and has("time"))' "$T/$be.events" >/dev/null ||
    fail "events are not JSON lines"
  ok
}

run_backend inotify
# fanotify needs CAP_SYS_ADMIN (and Linux 5.9): as root the same run must pass with it;
# otherwise asking for it is refused with a clear message and auto falls back to inotify.
if "$A" fim watch --path "$T/inotify/tree/www" --state "$T/inotify/state" --max-seconds 1 --backend fanotify \
   >/dev/null 2>"$T/probe.err"; then
  grep -qF "with fanotify" "$T/probe.err" || fail "probe: $(cat "$T/probe.err")"
  run_backend fanotify
else
  expect_rc 2 "$A" fim watch --path "$T/inotify/tree/www" --state "$T/inotify/state" --max-seconds 1 --backend fanotify
  expect_err "it needs root"
  expect_rc 0 "$A" fim watch --path "$T/inotify/tree/www" --state "$T/inotify/state" --max-seconds 1
  expect_err "using inotify"
fi
done_ok
