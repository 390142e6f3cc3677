# SPDX-License-Identifier: Apache-2.0
# Browser tests of account self-service (tests/browser/account.test.mjs):
# an administrator's one-time password and the forced change, and
# two-step login enrolment. Playwright (playwright-core from npm) drives
# Debian's Chromium against a real server over TLS, as serve_browser.sh.
. "$(dirname "$0")/lib.sh"
CHROMIUM=${MM_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: run scripts/deps.sh test"
command -v node >/dev/null || fail "node is missing: run scripts/deps.sh test"
B="$MM_SRC/tests/browser"
need_playwright

DB=$T/acc.db
PW='correct horse battery'
"$MAMORI" init --db "$DB" >/dev/null
printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name boss --role admin --password-stdin >/dev/null
printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name kim --role contractor-operator --password-stdin >/dev/null
printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name tom --role contractor-manager --password-stdin >/dev/null

"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }

MM_BASE="https://127.0.0.1:$PORT" MM_PW="$PW" MM_TEST_TMP="$T" MM_CHROMIUM="$CHROMIUM" \
  timeout 300 node "$B/account.test.mjs" || fail "browser tests failed (screenshot: $T/account-failure.png)"
ok
kill -TERM "$SERVER"; wait "$SERVER"
# what the browser did is in the ledger, and the ledger holds
for kind in account.password-reset account.password account.totp; do
  [ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('$kind' as blob))")" -ge 1 ] || fail "no $kind entry"
  ok
done
expect_rc 0 "$MAMORI" ledger verify --db "$DB"
done_ok
