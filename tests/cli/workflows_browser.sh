#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Browser tests of the operations workflows (tests/browser/workflows.test.mjs)
# against a real server over TLS, each step made by an account of the role
# that makes it: a fault whose SLA is missed, a combined visit, an erasure
# certificate, a work request through all its states, the roster refusal,
# CSV import and the live countdown. Screenshots stay in $MM_SHOTS if set.
. "$(dirname "$0")/lib.sh"
CHROMIUM=${MM_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: run scripts/deps.sh test"
command -v node >/dev/null || fail "node is missing: run scripts/deps.sh test"
B="$MM_SRC/tests/browser"
need_playwright

DB=$T/ops.db
PW='correct horse battery'
"$MAMORI" init --db "$DB" >/dev/null
for u in mgr:contractor-manager op:contractor-operator city:municipality-approver viewer:municipality-viewer; do
  printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name "${u%%:*}" --role "${u#*:}" --password-stdin >/dev/null
done
# the roster and the equipment the workflows name (set up as the contractor and the city would)
R() { "$MAMORI" record "$@" --db "$DB"; }
site=$(R create --kind site --actor 管理者 --json '{"name":"中央区役所 戸籍住民課","code":"S01"}')
asset=$(R create --kind asset --actor 管理者 --json "{\"name\":\"S01-CS-A-01\",\"site\":\"$site\",\"class\":\"cs-active\"}")
eng1=$(R create --kind person --actor 管理者 --role contractor-manager --json '{"name":"高橋 一郎","organisation":"北海道システムサポート","role":"engineer","allowed_from":"2026-01-01","allowed_until":"2030-03-31"}')
eng2=$(R create --kind person --actor 管理者 --role contractor-manager --json '{"name":"田中 美咲","organisation":"北海道システムサポート","role":"engineer","allowed_from":"2026-01-01","allowed_until":"2030-03-31"}')
newbie=$(R create --kind person --actor 管理者 --role contractor-manager --json '{"name":"伊藤 健","organisation":"北海道システムサポート","role":"engineer"}')
for p in "$eng1" "$eng2"; do R transition --id "$p" --to active --actor 住民情報課 --role municipality-approver >/dev/null; done

"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }

MM_BASE="https://127.0.0.1:$PORT" MM_PW="$PW" MM_TEST_TMP="$T" MM_CHROMIUM="$CHROMIUM" \
  MM_SITE="$site" MM_ASSET="$asset" MM_ENG1="$eng1" MM_ENG2="$eng2" MM_NEWBIE="$newbie" MM_SHOTS="${MM_SHOTS:-$T}" \
  timeout 400 node "$B/workflows.test.mjs" || fail "browser workflow tests failed (screenshot: $T/workflows-failure.png)"
ok
kill -TERM "$SERVER"; wait "$SERVER"
expect_rc 0 "$MAMORI" ledger verify --db "$DB"
# what the browser did is in the records
R list --kind work_request --format json | python3 -c '
import json, sys
rs = {r["data"]["title"]: r for r in json.load(sys.stdin)}
a = rs["OSセキュリティ更新 (10月)"]
assert a["state"] == "accepted", a["state"]
assert a["data"]["performers"] and a["data"]["result_steps"] and a["data"]["result_dates"], a["data"]
' || fail "work request after the browser workflow"
ok
done_ok
