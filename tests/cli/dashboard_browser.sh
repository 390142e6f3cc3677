# SPDX-License-Identifier: Apache-2.0
# Browser test of the dashboard and the compliance page
# (tests/browser/dashboard.test.mjs) on the demo organisation: Playwright
# drives Debian's Chromium against a real server over TLS.
. "$(dirname "$0")/lib.sh"
CHROMIUM=${MM_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: run scripts/deps.sh test"
command -v node >/dev/null || fail "node is missing: run scripts/deps.sh test"
B="$MM_SRC/tests/browser"
need_playwright

DB=$T/dash.db
PW='correct horse battery'
"$MAMORI" init --db "$DB" >/dev/null
"$MAMORI" demo load --db "$DB" >/dev/null
printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name viewer --role municipality-viewer --password-stdin >/dev/null

"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }

MM_BASE="https://127.0.0.1:$PORT" MM_PW="$PW" MM_TEST_TMP="$T" MM_CHROMIUM="$CHROMIUM" \
  MM_SHOTS="${MM_SHOTS:-$T}" timeout 300 node "$B/dashboard.test.mjs" || fail "dashboard browser test failed (screenshot: $T/dash-failure.png)"
ok
kill -TERM "$SERVER"; wait "$SERVER"
done_ok
