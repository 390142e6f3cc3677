# SPDX-License-Identifier: Apache-2.0
# Browser tests of the web UI (tests/browser/ui.test.mjs): Playwright from
# npm (playwright-core only, installed into tests/browser/node_modules from
# the committed lock file) drives Debian's Chromium against a real server.
. "$(dirname "$0")/lib.sh"
CHROMIUM=${MM_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: run scripts/deps.sh test"
command -v node >/dev/null || fail "node is missing: run scripts/deps.sh test"
B="$MM_SRC/tests/browser"
need_playwright

DB=$T/ui.db
PW='correct horse battery'
IDLE=4
"$MAMORI" init --db "$DB" >/dev/null
printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name mgr --role contractor-manager --password-stdin >/dev/null
printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name op --role contractor-operator --password-stdin >/dev/null

"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 --idle-timeout "$IDLE" >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }

MM_BASE="https://127.0.0.1:$PORT" MM_PW="$PW" MM_IDLE=$IDLE MM_TEST_TMP="$T" MM_CHROMIUM="$CHROMIUM" \
  timeout 300 node "$B/ui.test.mjs" || fail "browser tests failed (screenshot: $T/ui-failure.png)"
ok
kill -TERM "$SERVER"; wait "$SERVER"
expect_rc 0 "$MAMORI" ledger verify --db "$DB"
done_ok
