#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori record import`: CSV from Excel (BOM, CRLF, quoted commas, line
# breaks and doubled quotes) becomes records; a bad row anywhere — caught by
# the parser, the schema, a reference or the roster rule inside the
# transaction — writes nothing and names its line and column; the ledger
# verifies before and after.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
R() { "$MAMORI" record "$@" --db "$db"; }
count() { R list --kind "$1" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
entries() { "$MAMORI" ledger verify --db "$db" | sed -n 's/^  entries: \([0-9]*\).*/\1/p'; }
imp() { expect_rc "$1" "$MAMORI" record import --db "$db" --kind "$2" --csv "$3" --actor 移行担当 --role "${4:-admin}"; }

s1=$(R create --kind site --actor 管理者 --json '{"name":"中央区役所","code":"S01"}')

# ---- 60 assets, the 57th row (line 58) naming a site that does not exist: nothing is written ----
{
  printf 'name,site,class,model,software,quantity,note\n'
  for i in $(seq 1 60); do
    site=$s1; [ "$i" -eq 57 ] && site=site-99
    printf 'T-%02d,%s,terminal,ESPRIMO D6012/N,"Windows 11; ウイルス対策",1,\n' "$i" "$site"
  done
} >"$T/assets.csv"
before=$(entries)
imp 2 asset "$T/assets.csv"
expect_err "assets.csv: line 58, column 2: field site:"
expect_eq "$(count asset)" 0 "assets after the refused import"
expect_eq "$(entries)" "$before" "ledger entries after the refused import"
expect_rc 0 "$MAMORI" ledger verify --db "$db"

sed -i 's/site-99/'"$s1"'/' "$T/assets.csv"
imp 0 asset "$T/assets.csv"
expect_out "imported 60 asset records (asset-1 … asset-60)"
expect_eq "$(count asset)" 60 "assets imported"
expect_eq "$(entries)" "$((before + 60))" "one ledger entry per row"
R show --id asset-57 >"$T/a57"
python3 - "$T/a57" <<'PY' || fail "asset-57 data"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["name"] == "T-57" and d["software"] == ["Windows 11", "ウイルス対策"] and d["quantity"] == 1, d
assert "note" not in d, d
PY
ok
expect_rc 0 "$MAMORI" ledger verify --db "$db"
# ids go on from those that exist, one record created by hand in between
R create --kind asset --actor 管理者 --json "{\"name\":\"手入力\",\"site\":\"$s1\",\"class\":\"other\"}" >/dev/null
head -3 "$T/assets.csv" >"$T/two.csv"
imp 0 asset "$T/two.csv"
expect_out "imported 2 asset records (asset-62 … asset-63)"
R show --id asset-63 | grep -q '"T-02"' || fail "asset-63 is the second row"; ok

# ---- Excel's own export: BOM, CRLF, a comma, a line break and a doubled quote inside quotes ----
printf '\xEF\xBB\xBFname,organisation,role,allowed_from,trainings,note\r\n"山田, 太郎",受託者,engineer,2026-04-01,"研修A; 研修B","一行目\r\n二行目の ""注記"""\r\n鈴木 花子,受託者,security-officer,,,\r\n' >"$T/people.csv"
imp 0 person "$T/people.csv" contractor-manager
expect_out "imported 2 person records"
R show --id person-1 >"$T/p1"
python3 - "$T/p1" <<'PY' || fail "person-1 data"
import json, sys
r = json.load(open(sys.argv[1]))
d = r["data"]
assert r["state"] == "proposed", r
assert d["name"] == "山田, 太郎" and d["note"] == '一行目\n二行目の "注記"', d
assert d["trainings"] == ["研修A", "研修B"] and d["allowed_from"] == "2026-04-01", d
PY
ok

# ---- the roster rule and the deriver run for every row, inside the one transaction ----
R transition --id person-2 --to active --actor 市職員 --role municipality-approver >/dev/null
printf 'title,category,requested_from,requested_until,assignees\n更新A,os-security-update,2026-10-05,2026-10-16,person-2\n更新B,os-security-update,2026-10-05,2026-10-16,person-2;person-1\n' >"$T/wr.csv"
imp 2 work_request "$T/wr.csv" municipality-approver
expect_err "wr.csv: line 3, column 5: field assignees: 山田, 太郎 (person-1) is not on the roster yet"
expect_eq "$(count work_request)" 0 "work requests after the roster refusal"
imp 2 work_request "$T/wr.csv" contractor-operator
expect_err "role 'contractor-operator' may not create work_request records"

# ---- hostile files: each refused with where and why, nothing written ----
n0=$(entries)
bad() { printf "$2" >"$T/bad.csv"; imp 2 "$1" "$T/bad.csv"; expect_err "$3"; }
bad person 'name,organisation,role\n"open,受託者,engineer\n' 'line 2, column 1: a quoted field is not closed'
bad person 'name,organisation,role\nA,B\n' 'line 2: 2 fields, but the header has 3'
bad person 'name,organisation,role\nA"x,B,engineer\n' 'line 2, column 1: a quote inside an unquoted field'
bad person 'name,organisation,role\n"A"x,B,engineer\n' 'line 2, column 1: text after a closing quote'
bad person 'name,organisation,role\nA,\xff\xfe,engineer\n' 'line 2, column 2: is not valid UTF-8'
bad person 'name,organisation,role\nA,B\x00C,engineer\n' 'line 2, column 2: contains a NUL byte'
bad person 'name,organisation,role\rA,B,engineer\n' 'line 1, column 3: a carriage return not followed by a line feed'
bad person 'name,organisation,rank\nA,B,engineer\n' "line 1, column 3: 'rank' is not a field of person"
bad person 'name,name,role\nA,B,engineer\n' 'line 1, column 2: field name appears twice'
bad person 'name,organisation,role\n' 'no rows after the header'
bad person '' 'the CSV is empty'
bad fault 'asset,class,summary,instructed_at,due_at\nasset-1,cs,x,2026-10-05T09:00:00+09:00,2026-10-05T10:00:00+09:00\n' 'column 5: field due_at is computed by mamori'
bad asset 'name,site,class,quantity\nX,'"$s1"',terminal,many\n' "line 2, column 4: field quantity: 'many' is not a whole number"
bad work_request 'title,category,requested_from,requested_until,production_change\nA,os-security-update,2026-10-05,2026-10-16,maybe\n' "line 2, column 5: field production_change: 'maybe' is not true or false"
bad nokind 'a\nb\n' "unknown kind 'nokind'"
python3 -c "
import sys
sys.stdout.write('name,organisation,role\n' + ''.join('P%d,受託者,engineer\n' % i for i in range(10001)))" >"$T/big.csv"
imp 2 person "$T/big.csv"
expect_err "more than 10000 rows"
python3 -c "import sys; sys.stdout.write('name,organisation,role\n\"' + 'x' * 100001 + '\",B,engineer\n')" >"$T/long.csv"
imp 2 person "$T/long.csv"
expect_err "line 2, column 1: longer than 100000 bytes"
expect_eq "$(entries)" "$n0" "nothing written by hostile files"
expect_rc 2 "$MAMORI" record import --db "$db" --kind person --csv "$T/none.csv" --actor x
expect_err "none.csv"
expect_rc 0 "$MAMORI" ledger verify --db "$db"

# ---- --valid-only: asked for explicitly, the valid rows go in and every bad row is named (exit 1) ----
printf 'name,organisation,role\n木村 一,受託者,engineer\n林 二,受託者,boss\n森 三,受託者,engineer\n,受託者,engineer\n' >"$T/mixed.csv"
p0=$(count person)
expect_rc 2 "$MAMORI" record import --db "$db" --kind person --csv "$T/mixed.csv" --actor 責任者 --role contractor-manager
expect_eq "$(count person)" "$p0" "the default stays all or nothing"
expect_rc 1 "$MAMORI" record import --db "$db" --kind person --csv "$T/mixed.csv" --actor 責任者 --role contractor-manager --valid-only
expect_out "imported 2 person records"
expect_err "not imported: $T/mixed.csv: line 3, column 3: field role"
expect_err "not imported: $T/mixed.csv: line 5"
expect_eq "$(count person)" "$((p0 + 2))" "the two valid rows"
printf 'name,organisation,role\n林 二,受託者,boss\n' >"$T/allbad.csv"
expect_rc 2 "$MAMORI" record import --db "$db" --kind person --csv "$T/allbad.csv" --actor 責任者 --role contractor-manager --valid-only
expect_err "no row could be imported"
expect_rc 2 "$MAMORI" record import --db "$db" --kind person --csv "$T/mixed.csv" --actor 作業者 --role contractor-operator --valid-only
expect_err "may not create"
expect_eq "$(count person)" "$((p0 + 2))" "refused imports write nothing"
expect_rc 0 "$MAMORI" ledger verify --db "$db"

# ---- the same import over HTTPS: POST /api/v1/records/KIND/import (text/csv), the kind's create roles ----
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
PW='correct horse battery'
for u in mgr:contractor-manager op:contractor-operator; do
  printf '%s\n' "$PW" | "$MAMORI" user add --db "$db" --name "${u%%:*}" --role "${u#*:}" --password-stdin >/dev/null
done
"$MAMORI" serve --db "$db" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
BASE="https://127.0.0.1:$PORT"
login() {
  curl -sk -o "$T/body" -c "$T/$1" -H "Origin: $BASE" -H 'Content-Type: application/json' \
    --data "{\"user\":\"$1\",\"password\":\"$PW\"}" "$BASE/api/v1/session"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$T/body"
}
csrf_mgr=$(login mgr) csrf_op=$(login op)
up() { # USER CSRF FILE [TYPE]: status in $hs
  hs=$(curl -sk -o "$T/body" -w '%{http_code}' -b "$T/$1" -H "Origin: $BASE" -H "X-CSRF-Token: $2" \
    -H "Content-Type: ${4:-text/csv; charset=utf-8}" --data-binary "@$3" "$BASE/api/v1/records/person/import")
}
printf 'name,organisation,role\n佐々木 修,受託者,engineer\n"山本, 彩",受託者,boss\n' >"$T/api-bad.csv"
printf 'name,organisation,role\n佐々木 修,受託者,engineer\n"山本, 彩",受託者,security-officer\n' >"$T/api-good.csv"
p0=$(count person)
up mgr "$csrf_mgr" "$T/api-bad.csv"
expect_eq "$hs" 400 "a bad row over HTTPS"
grep -q 'line 3, column 3: field role' "$T/body" || fail "API error names the line: $(cat "$T/body")"; ok
up op "$csrf_op" "$T/api-good.csv"
expect_eq "$hs" 403 "an operator may not create people"
up mgr "$csrf_mgr" "$T/api-good.csv" application/json
expect_eq "$hs" 415 "not text/csv"
up mgr "" "$T/api-good.csv"
expect_eq "$hs" 403 "no CSRF token"
expect_eq "$(count person)" "$p0" "nothing imported by refused uploads"
up mgr "$csrf_mgr" "$T/api-good.csv"
expect_eq "$hs" 201 "import over HTTPS"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["count"] == 2, d' "$T/body" || fail "reply"; ok
expect_eq "$(count person)" "$((p0 + 2))" "people after the HTTPS import"
kill -TERM "$SERVER"; wait "$SERVER"
expect_rc 0 "$MAMORI" ledger verify --db "$db"
done_ok
