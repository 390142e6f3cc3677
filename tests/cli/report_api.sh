#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GET /api/v1/report/{name} over TLS (curl): the .xlsx download with its
# type and RFC 6266/5987 file name, made as the account sees the records
# (tenant), refused for roles that do not receive reports (a denial entry),
# bad requests named, and each download a "report.write" ledger entry
# holding the SHA-256 of exactly the bytes served.
. "$(dirname "$0")/lib.sh"
for c in curl jq python3 sqlite3 sha256sum; do command -v "$c" >/dev/null || fail "$c is missing (scripts/deps.sh test)"; done
db=$T/m.db
. "$MM_SRC/tests/data/report/setup.sh"
PW='correct horse battery'
add_user() { printf '%s\n' "$PW" | "$MAMORI" user add --db "$db" --name "$1" --role "$2" ${3:+--tenant "$3"} --password-stdin >/dev/null; }
add_user mgr contractor-manager
add_user city municipality-viewer
add_user op contractor-operator
add_user other admin city-b

"$MAMORI" serve --db "$db" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
BASE="https://127.0.0.1:$PORT"
c() { # JAR METHOD PATH [curl args]: status in $st, body in $T/body, headers in $T/hdr
  local jar=$1 m=$2 p=$3; shift 3
  st=$(curl -sk -o "$T/body" -D "$T/hdr" -w '%{http_code}' -b "$T/$jar" -c "$T/$jar" -X "$m" "$@" "$BASE$p")
}
expect_st() { [ "$st" = "$1" ] || { cat "$T/hdr" "$T/body"; fail "expected HTTP $1, got $st ($2)"; }; ok; }
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
login() { c "$1" POST /api/v1/session -H 'Content-Type: application/json' --data "{\"user\":\"$1\",\"password\":\"$PW\"}"; expect_st 200 "login $1"; }
touch "$T/anon"
for u in mgr city op other; do login $u; done

# no session, no report
c anon GET "/api/v1/report/fault?month=2026-10"
expect_st 401 "anonymous"

# the download
c mgr GET "/api/v1/report/fault?month=2026-10"
expect_st 200 "fault report of the month"
[ "$(hdr Content-Type)" = application/vnd.openxmlformats-officedocument.spreadsheetml.sheet ] || fail "type: $(hdr Content-Type)"; ok
disp=$(hdr Content-Disposition)
[ "$disp" = "attachment; filename=\"mamori-fault_2026-10.xlsx\"; filename*=UTF-8''%E9%9A%9C%E5%AE%B3%E5%AF%BE%E5%BF%9C%E5%A0%B1%E5%91%8A%E6%9B%B8_2026-10.xlsx" ] ||
  fail "disposition: $disp"; ok
python3 -c 'import sys,urllib.parse; n=sys.argv[1].split("UTF-8'"''"'")[1]; assert urllib.parse.unquote(n)=="障害対応報告書_2026-10.xlsx", n' "$disp" || fail "UTF-8 name"; ok
case "$(hdr Cache-Control)" in *no-store*) ok ;; *) fail "cache-control" ;; esac
[ "$(hdr X-Content-Type-Options)" = nosniff ] || fail "nosniff"; ok
cp "$T/body" "$T/fault.xlsx"
python3 - "$T/fault.xlsx" "$f2" <<'PY' || fail "the download is not the report"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
s = z.read("xl/sharedStrings.xml").decode()
assert "障害対応報告書" in s and sys.argv[2] in s and "積雪による交通遅延" in s and "BEGIN CHECKPOINT" in s
assert "<f>COUNTIF(" in z.read("xl/worksheets/sheet1.xml").decode()
PY
ok
# the ledger holds the SHA-256 of exactly what was served, and who asked
sum=$(sha256sum "$T/fault.xlsx" | cut -d' ' -f1)
[ "$(ledger_sql "$db" "select count(*) from e where instr(entry, cast('report.write' as blob)) and instr(entry, cast('$sum' as blob)) and instr(entry, cast('mgr' as blob))")" = 1 ] ||
  fail "report.write entry with the served bytes' hash"; ok

# per record, in English, by the municipality
c city GET "/api/v1/report/erasure-certificate?id=$mat&lang=en"
expect_st 200 "erasure certificate"
case "$(hdr Content-Disposition)" in *"filename*=UTF-8''Erasure%20certificate_$mat.xlsx") ok ;; *) fail "en name: $(hdr Content-Disposition)" ;; esac
c city GET "/api/v1/report/inspection?id=$camp" -H 'Accept-Language: en'
expect_st 200 "inspection"
case "$(hdr Content-Disposition)" in *"Inspection%20report_$camp.xlsx") ok ;; *) fail "Accept-Language" ;; esac
c city GET "/api/v1/report/work-request?id=$wr"
expect_st 200 "work request"

# roles and tenants
before=$(ledger_sql "$db" "select count(*) from e where instr(entry, cast('auth.denied' as blob))")
c op GET "/api/v1/report/monthly-work?month=2026-10"
expect_st 403 "operator"
[ "$(ledger_sql "$db" "select count(*) from e where instr(entry, cast('auth.denied' as blob))")" = $((before + 1)) ] || fail "denial entry"; ok
c other GET "/api/v1/report/fault?id=$f2"
expect_st 404 "another tenant's fault"
c other GET "/api/v1/report/fault?month=2026-10"
expect_st 200 "own tenant's month"
python3 -c 'import sys,zipfile; s=zipfile.ZipFile(sys.argv[1]).read("xl/sharedStrings.xml").decode(); assert sys.argv[2] not in s and "(該当なし)" in s' "$T/body" "$f2" ||
  fail "another tenant's records in the report"; ok

# bad requests are named
c mgr GET "/api/v1/report/payroll?month=2026-10"
expect_st 400 "unknown report"
jq -e '.error.detail | contains("unknown report")' "$T/body" >/dev/null || fail "detail"; ok
c mgr GET "/api/v1/report/fault?month=2026-13"
expect_st 400 "bad month"
jq -e '.error.detail | contains("month 13")' "$T/body" >/dev/null || fail "month detail"; ok
c mgr GET "/api/v1/report/fault"
expect_st 400 "no selector"
c mgr GET "/api/v1/report/fault?id=$t1"
expect_st 400 "wrong kind"
c mgr GET "/api/v1/report/fault?id=fault-999"
expect_st 404 "unknown id"
c mgr GET "/api/v1/report/erasure-certificate?id=$held"
expect_st 400 "not erased"
c mgr GET "/api/v1/report/fault?id=..%2Fx"
expect_st 400 "id with a slash"
c mgr GET "/api/v1/report/fault?month=2026-10&lang=fr"
expect_st 400 "language"
c mgr POST "/api/v1/report/fault?month=2026-10"
expect_st 405 "a report is only read (GET)"
c mgr GET "/api/v1/report/fault/x"
expect_st 404 "extra segment"

kill -TERM "$SERVER"; wait "$SERVER" || true
expect_rc 0 "$MAMORI" ledger verify --db "$db"
done_ok
