#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An agent's report arriving, seen in the browser (tests/browser/agent.test.mjs):
# a terminal's inspection items are open; the manager makes the campaign's
# checklist; the machine enrolls with a one-time token and uploads its signed
# report (a non-compliant fixture host) while the page is open; the automated
# items are then passed or failed with the agent's report attached, the
# manual ones still open, and the agent record shows the result.
. "$(dirname "$0")/lib.sh"
CHROMIUM=${MM_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: run scripts/deps.sh test"
command -v node >/dev/null || fail "node is missing: run scripts/deps.sh test"
: "${MAMORI_AGENT:?run through ctest}"
B="$MM_SRC/tests/browser"
need_playwright

DB=$T/m.db
PW='correct horse battery'
"$MAMORI" init --db "$DB" >/dev/null
printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name mgr --role contractor-manager --password-stdin >/dev/null
R() { "$MAMORI" record "$@" --db "$DB"; }
site=$(R create --kind site --actor 管理者 --json '{"name":"中央区役所 戸籍住民課","code":"S01"}')
asset=$(R create --kind asset --actor 管理者 --json "{\"name\":\"S01-D6012-01\",\"site\":\"$site\",\"class\":\"terminal\"}")
camp=$(R create --kind inspection_campaign --actor 責任者 --role contractor-manager --json '{"title":"令和8年度 設置及び設定状況チェック","fiscal_year":2026}')

"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
TOKEN=$("$MAMORI" enroll-token --db "$DB" --asset "$asset" --actor 管理者)

MM_BASE="https://127.0.0.1:$PORT" MM_PW="$PW" MM_TEST_TMP="$T" MM_CHROMIUM="$CHROMIUM" \
  MM_ASSET="$asset" MM_CAMPAIGN="$camp" MM_TOKEN="$TOKEN" MAMORI_AGENT="$MAMORI_AGENT" \
  MM_HOSTS="$MM_SRC/tests/fixtures/hosts" \
  timeout 300 node "$B/agent.test.mjs" || fail "browser agent test failed (screenshot: $T/agent-failure.png)"
ok
kill -TERM "$SERVER"; wait "$SERVER"
expect_rc 0 "$MAMORI" ledger verify --db "$DB"
done_ok
