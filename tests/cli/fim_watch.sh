#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mamori-agent fim watch: started in the background, it reports a modified
# file, an added file (quarantining a new executable where the policy denies
# them) and a removed one as JSON lines; the agent's own restore during the
# watch raises no alert; SIGTERM stops it with exit 0. Every wait is bounded.
. "$(dirname "$0")/lib.sh"
A=${MAMORI_AGENT:?}
tree=$T/tree st=$T/state
mkdir -p "$tree/www/sub" "$tree/bin"
printf 'approved\n' >"$tree/www/index.html"
printf 'gone soon\n' >"$tree/www/sub/old.txt"
approved=$(sha256sum <"$tree/www/index.html" | cut -c1-64)
"$A" fim order keygen --secret "$T/k" --public "$T/p" >/dev/null
cat >"$T/fim.json" <<JSON
{"version": 1,
 "paths": [{"path": "$tree/www", "protect": true}, {"path": "$tree/bin", "deny_new_executables": true}],
 "restore": {"public_key_file": "$T/p"},
 "watch": {"rescan_seconds": 3600, "debounce_ms": 50, "nice": 5}}
JSON
expect_rc 0 "$A" fim baseline --config "$T/fim.json" --state "$st"

"$A" fim watch --config "$T/fim.json" --state "$st" --format json --max-seconds 120 >"$T/events" 2>"$T/watch.err" &
pid=$!
trap 'rc_=$?; kill $pid 2>/dev/null; (exit $rc_); cleanup' EXIT
wait_for() { # file text seconds
  for _ in $(seq 1 $(($3 * 10))); do grep -qF -- "$2" "$1" && return 0; sleep 0.1; done
  echo "--- events"; cat "$T/events"; echo "--- stderr"; cat "$T/watch.err"; fail "no '$2' in $1 after $3 s"
}
wait_for "$T/watch.err" "watching" 20
ok

printf 'defaced\n' >"$tree/www/index.html"
wait_for "$T/events" "\"event\":\"modified\",\"path\":\"$tree/www/index.html\"" 10
ok
printf 'new\n' >"$tree/www/sub/new.txt"
wait_for "$T/events" "\"event\":\"added\",\"path\":\"$tree/www/sub/new.txt\"" 10
ok
rm "$tree/www/sub/old.txt"
wait_for "$T/events" "\"event\":\"removed\",\"path\":\"$tree/www/sub/old.txt\"" 10
ok
mkdir "$tree/www/newdir"; printf 'x\n' >"$tree/www/newdir/inner.txt"
wait_for "$T/events" "\"path\":\"$tree/www/newdir/inner.txt\"" 10
ok
printf '#!/bin/sh\necho pwned\n' >"$tree/bin/dropper"; chmod 755 "$tree/bin/dropper"
wait_for "$T/events" "\"event\":\"quarantined\",\"path\":\"$tree/bin/dropper\"" 10
[ ! -e "$tree/bin/dropper" ] || fail "new executable not quarantined"
ok

# the agent's own restore while watching: no new alert for the file, no temp-file noise
now=$(date +%s)
printf 'mamori-fim-restore-order v1\nid: w-1\nhost: *\nissued: %s\nexpires: %s\nfile: %s %s\n' "$now" $((now + 600)) \
  "$approved" "$tree/www/index.html" >"$T/body"
"$A" fim order sign --key "$T/k" --in "$T/body" --out "$T/order" >/dev/null
before=$(grep -c "\"path\":\"$tree/www/index.html\"" "$T/events")
expect_rc 0 "$A" fim restore --order "$T/order" --config "$T/fim.json" --state "$st"
# a later change proves the watch is still processing events after the restore
sleep 1
printf 'after\n' >"$tree/www/sub/late.txt"
wait_for "$T/events" "\"path\":\"$tree/www/sub/late.txt\"" 10
after=$(grep -c "\"path\":\"$tree/www/index.html\"" "$T/events")
expect_eq "$after" "$before" "events about index.html after the agent's own restore"
grep -q mamori-restore "$T/events" && fail "the restore's temp file was reported"

kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
trap cleanup EXIT
expect_eq "$rc" 0 "watch exit status after SIGTERM"
jq -e -s 'length >= 6 and all(.[]; has("event") and has("path") and has("time"))' "$T/events" >/dev/null ||
  fail "events are not JSON lines"
ok
done_ok
