#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Refused agent requests cost a ledger entry each and come before any login,
# so one source address has a budget of them (MM_LINK_REFUSALS_BURST at once,
# then MM_LINK_REFUSALS_PER_MIN a minute): past it the server answers 429
# rate_limited and writes nothing. 80 forged reports in a row from one address
# leave at most the budget (plus what refilled meanwhile) in the ledger.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing (scripts/deps.sh build)"
DB=$T/m.db
"$MAMORI" init --db "$DB" >/dev/null
"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
URL="https://127.0.0.1:$PORT/api/v1/agent/report"
refusals() { ledger_sql "$DB" "select count(*) from e where instr(entry, cast('agent.report-refused' as blob))"; }

printf 'not an envelope' >"$T/junk"
start=$(date +%s)
: >"$T/codes"
for i in $(seq 80); do
  curl -sk -o "$T/body.$i" -w '%{http_code}\n' -X POST --data-binary @"$T/junk" "$URL" >>"$T/codes"
done
elapsed=$(( $(date +%s) - start + 1 ))
n400=$(grep -c '^400$' "$T/codes" || true)
n429=$(grep -c '^429$' "$T/codes" || true)
expect_eq "$((n400 + n429))" 80 "every answer is a refusal or the rate limit"
[ "$n429" -ge 1 ] || fail "no 429 after 80 refusals in ${elapsed}s"; ok
# (the bucket refills a refusal a second, so a late request may be refused again rather than limited)
expect_eq "$(grep -l '"code":"rate_limited"' "$T"/body.* | wc -l)" "$n429" "every 429 says rate_limited"
r=$(refusals)
expect_eq "$r" "$n400" "one ledger entry per refusal, none for the turned away"
[ "$r" -le $((60 + elapsed + 1)) ] || fail "$r refusal entries in ${elapsed}s: over the budget"; ok
[ "$r" -ge 60 ] || fail "only $r refusals before the limit: the burst is 60"; ok
kill -TERM "$SERVER"; wait "$SERVER"
expect_rc 0 "$MAMORI" ledger verify --db "$DB"
done_ok
