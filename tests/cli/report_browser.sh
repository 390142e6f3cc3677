#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The reports UI in a real browser (tests/data/report/ui_reports.mjs):
# Playwright from tests/browser/node_modules drives Debian's Chromium
# against `mamori serve` holding the report fixture's records.
. "$(dirname "$0")/lib.sh"
CHROMIUM=${MM_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: run scripts/deps.sh test"
command -v node >/dev/null || fail "node is missing: run scripts/deps.sh test"
B="$MM_SRC/tests/browser"
need_playwright
db=$T/m.db
. "$MM_SRC/tests/data/report/setup.sh"
PW='correct horse battery'
printf '%s\n' "$PW" | "$MAMORI" user add --db "$db" --name mgr --role contractor-manager --password-stdin >/dev/null
printf '%s\n' "$PW" | "$MAMORI" user add --db "$db" --name op --role contractor-operator --password-stdin >/dev/null

"$MAMORI" serve --db "$db" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }

MM_BASE="https://127.0.0.1:$PORT" MM_PW="$PW" MM_TEST_TMP="$T" MM_CHROMIUM="$CHROMIUM" \
  MM_IDS="{\"f2\":\"$f2\",\"mat\":\"$mat\",\"held\":\"$held\",\"camp\":\"$camp\"}" \
  timeout 300 node "$MM_SRC/tests/data/report/ui_reports.mjs" || fail "browser tests failed (screenshot: $T/reports-failure.png)"
ok
[ -n "${MM_KEEP_SCREENSHOTS:-}" ] && cp "$T"/reports-*.png "$MM_KEEP_SCREENSHOTS"/
kill -TERM "$SERVER"; wait "$SERVER"
[ "$(ledger_sql "$db" "select count(*) from e where instr(entry, cast('report.write' as blob))")" = 5 ] || fail "downloads recorded"; ok
expect_rc 0 "$MAMORI" ledger verify --db "$db"
done_ok
