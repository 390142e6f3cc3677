#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GET /api/v1/compliance, /api/v1/dashboard and the SVG charts against a
# real server over TLS (curl): login required, only the caller's own
# organisation is evaluated, ?at= is exact, charts are well-formed XML
# (xmllint) with escaped text, a title and a description, served as
# image/svg+xml with the strict CSP.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
command -v jq >/dev/null || fail "jq is missing (scripts/deps.sh test)"
command -v xmllint >/dev/null || fail "xmllint is missing (scripts/deps.sh test: libxml2-utils)"

DB=$T/m.db
PW='correct horse battery'
"$MAMORI" init --db "$DB" >/dev/null
"$MAMORI" demo load --db "$DB" >/dev/null
add_user() { printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name "$1" --role "$2" ${3:+--tenant "$3"} --password-stdin >/dev/null; }
add_user viewer municipality-viewer
add_user auditor auditor
add_user other admin city-b
add_user mgr contractor-manager
# a site whose name needs escaping, with one passed and one failed inspection item
site=$("$MAMORI" record create --db "$DB" --kind site --actor 管理者 --json '{"name": "<script>alert(1)</script> & \"分室\"", "code": "X99"}')
asset=$("$MAMORI" record create --db "$DB" --kind asset --actor 管理者 --json "{\"name\": \"x\", \"site\": \"$site\", \"class\": \"terminal\"}")
camp=$("$MAMORI" record create --db "$DB" --kind inspection_campaign --actor 管理者 --json '{"title": "点検", "fiscal_year": 2026}')
person=$("$MAMORI" record list --db "$DB" --kind person --format json | jq -r '.[0].id')
for r in pass fail; do
  item=$("$MAMORI" record create --db "$DB" --kind inspection_item --actor 高橋 --json "{\"campaign\": \"$camp\", \"asset\": \"$asset\",
    \"target\": \"terminal\", \"item_no\": 1, \"item\": \"i\", \"method\": \"manual\", \"result\": \"$r\",
    \"checked_at\": \"2026-11-01T10:00:00+09:00\", \"checked_by\": \"$person\", \"finding\": \"f\"}")
  "$MAMORI" record transition --db "$DB" --id "$item" --actor 高橋 --to "${r/pass/passed}" >/dev/null 2>&1 ||
    "$MAMORI" record transition --db "$DB" --id "$item" --actor 高橋 --to failed >/dev/null
done

"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
BASE="https://127.0.0.1:$PORT"
c() { # JAR METHOD PATH [curl args...]
  local jar=$1 m=$2 p=$3; shift 3
  st=$(curl -sk -o "$T/body" -D "$T/hdr" -w '%{http_code}' -b "$T/$jar" -c "$T/$jar" -X "$m" "$@" "$BASE$p")
}
expect_st() { [ "$st" = "$1" ] || { cat "$T/hdr" "$T/body"; fail "expected HTTP $1, got $st ($2)"; }; ok; }
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
login() { c "$1" POST /api/v1/session -H 'Content-Type: application/json' --data "{\"user\":\"$2\",\"password\":\"$PW\"}"; expect_st 200 "login $2"; }
touch "$T/anon"

# login first
for p in /api/v1/compliance /api/v1/dashboard /api/v1/dashboard/chart/sla.svg; do
  c anon GET "$p"; expect_st 401 "$p without a session"
done
login viewer viewer
login auditor auditor
login other other
login mgr mgr
CSRF=$(jq -r .csrf "$T/body")

# compliance: every requirement, the late fault named, exact at ?at=
c viewer GET /api/v1/compliance
expect_st 200 compliance
[ "$(hdr Cache-Control)" = no-store ] || fail "compliance cacheable"; ok
[ "$(jq '.requirements | length' "$T/body")" = 18 ] || fail "18 requirements"; ok
[ "$(jq -r '.requirements[] | select(.id=="C7") | .status' "$T/body")" = missed ] || fail "C7 missed"; ok
late=$(jq -r '.requirements[] | select(.id=="C7") | .rules[0].causes[] | select(.reason=="overdue") | .id' "$T/body")
[ -n "$late" ] || fail "no overdue fault named"; ok
c viewer GET "/api/v1/record/$late"
expect_st 200 "the evidence record behind C7"
[ "$(jq -r .kind "$T/body")" = fault ] || fail "C7's cause is not a fault"; ok
c viewer GET "/api/v1/compliance?at=2026-11-01T10:00:00%2B09:00"
expect_st 200 "compliance at"
[ "$(jq -r .at "$T/body")" = 2026-11-01T10:00:00+09:00 ] || fail "at"; ok
[ "$(jq -r '.requirements[] | select(.id=="C2") | .status' "$T/body")" = missed ] || fail "C2 (an open finding)"; ok
c viewer GET "/api/v1/compliance?at=yesterday"
expect_st 400 "bad at"
jq -r .error.detail "$T/body" | grep -q "query parameter 'at'" || fail "at error detail"; ok
c viewer POST /api/v1/compliance
[ "$st" = 403 ] || [ "$st" = 405 ] || fail "POST compliance answered $st"; ok

# another organisation sees only its own (empty) records
c other GET /api/v1/compliance
expect_st 200 "other tenant"
[ "$(jq -r '.requirements[] | select(.id=="C7") | .status' "$T/body")" = no-evidence ] || fail "tenant leak: C7 of city-b"; ok
grep -qF "$late" "$T/body" && fail "tenant leak: the demo's fault id"; ok

# dashboard
c auditor GET /api/v1/dashboard
expect_st 200 dashboard
[ "$(jq '.requirements | length' "$T/body")" = 18 ] || fail "dashboard requirements"; ok
[ "$(jq '.open_faults | length' "$T/body")" = 3 ] || fail "three open faults"; ok
[ "$(jq -r --arg id "$late" '.open_faults[] | select(.id==$id) | .overdue' "$T/body")" = true ] || fail "late fault overdue"; ok
[ "$(jq -r '.overdue[0].requirement' "$T/body")" = C7 ] || fail "overdue list"; ok
[ "$(jq -r '.sla_month.month' "$T/body")" = "$(TZ=Asia/Tokyo date +%Y-%m)" ] || fail "SLA month"; ok
[ "$(jq -r '.inspection_sites[0].rate' "$T/body")" = 50 ] || fail "inspection rate"; ok
[ "$(jq '.summary.total' "$T/body")" = 18 ] || fail "summary"; ok

# charts: well-formed SVG, escaped, accessible, strict CSP
for chart in requirements sla inspection; do
  for lang in ja en; do
    c viewer GET "/api/v1/dashboard/chart/$chart.svg?lang=$lang"
    expect_st 200 "$chart.svg"
    case "$(hdr Content-Type)" in image/svg+xml*) ok ;; *) fail "content type $(hdr Content-Type)" ;; esac
    hdr Content-Security-Policy | grep -q "default-src 'none'" || fail "CSP on $chart.svg"; ok
    [ "$(hdr X-Content-Type-Options)" = nosniff ] || fail "nosniff"; ok
    xmllint --noout "$T/body" || fail "$chart.svg ($lang) is not well-formed XML"; ok
    [ "$(xmllint --xpath 'count(//*[local-name()="title"])' "$T/body")" -ge 1 ] || fail "no title"; ok
    [ -n "$(xmllint --xpath 'string(//*[local-name()="desc"])' "$T/body")" ] || fail "empty desc"; ok
    [ "$(xmllint --xpath 'string(/*/@role)' "$T/body")" = img ] || fail "role"; ok
    cp "$T/body" "$T/$chart.$lang.svg"
  done
done
grep -q "<script>" "$T"/inspection.*.svg && fail "unescaped site name in the chart"; ok
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;分室&quot;' "$T/inspection.ja.svg" || fail "escaped site name"; ok
grep -qF '50% (1/2)' "$T/inspection.ja.svg" || fail "rate label"; ok
grep -qF '拠点別の点検適合率' "$T/inspection.ja.svg" || fail "Japanese title"; ok
grep -qF 'Inspection pass rate per site' "$T/inspection.en.svg" || fail "English title"; ok
missed=$(jq -r '.summary.missed' <(curl -sk -b "$T/viewer" "$BASE/api/v1/dashboard"))
[ "$(xmllint --xpath 'string(//*[local-name()="desc"])' "$T/requirements.en.svg" | grep -o "Missed: [0-9]*")" = "Missed: $missed" ] || fail "requirements chart numbers"; ok
c viewer GET /api/v1/dashboard/chart/pie.svg
expect_st 404 "unknown chart"
c viewer GET /api/v1/dashboard/chart/..%2Fetc
expect_st 404 "traversal"

# a write is seen at once (no stale evaluation is served): the late fault gets its reason, C7 is met
c viewer GET /api/v1/compliance
[ "$(jq -r '.requirements[] | select(.id=="C7") | .status' "$T/body")" = missed ] || fail "C7 before the write"; ok
c mgr GET "/api/v1/record/$late"
v=$(jq -r .version "$T/body")
c mgr PATCH "/api/v1/record/$late" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -H "Origin: $BASE" \
  --data "{\"version\": $v, \"data\": {\"onsite_started_at\": \"2026-11-10T22:05:00+09:00\", \"miss_reason\": \"大雪\"}}"
expect_st 200 "reason for the late fault"
c viewer GET /api/v1/compliance
[ "$(jq -r '.requirements[] | select(.id=="C7") | .status' "$T/body")" = met ] || fail "C7 after the write: stale evaluation"; ok
c viewer GET /api/v1/dashboard
[ "$(jq -r --arg id "$late" '[.open_faults[] | select(.id==$id)][0] | "\(.overdue) \(.onsite_started_at)"' "$T/body")" = "false 2026-11-10T22:05:00+09:00" ] ||
  fail "dashboard after the write"; ok
[ "$(jq -r '.open_faults_total' "$T/body")" = 3 ] || fail "open_faults_total"; ok

kill -TERM "$SERVER"; wait "$SERVER"
grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$T/serve.err" && fail "sanitizer report from the server"; ok
done_ok
