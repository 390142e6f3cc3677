#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori demo load`: the 22 sites and 182 devices of 002 別紙1 §1(1) with
# their models, the roster, open work requests and faults (one past its
# SLA), each a ledger entry; a second load is refused; bad demo files are
# refused with the file, the path and the reason, and nothing is written.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
expect_rc 0 "$MAMORI" demo load --db "$db"
expect_out "sites: 22"
expect_out "assets: 182"
expect_out "faults past their SLA: 1"
count() { "$MAMORI" record list --db "$db" --kind "$1" --format json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
want = sys.argv[1:]
print(sum(1 for r in rows if all(w.split("=")[1] == str(r["data"].get(w.split("=")[0])) for w in want)))' "${@:2}"; }
expect_eq "$(count site)" 22 "sites"
expect_eq "$(count asset)" 182 "assets"
expect_eq "$(count asset class=terminal)" 180 "terminals"
expect_eq "$(count asset class=cs-active)" 1 "CS active"
expect_eq "$(count asset class=cs-standby)" 1 "CS standby"
expect_eq "$(count asset 'model=ESPRIMO D6012/N FMVD5800K')" 130 "D6012/N terminals"
expect_eq "$(count asset 'model=ESPRIMO D7014/R FMVD60001')" 50 "D7014/R terminals"
expect_eq "$(count site category=ward-office)" 10 "ward offices"
# per-site counts of the table: 第二マイナンバーカードセンター has 20 D7014/R, 菊水 the two CS
site_of() { "$MAMORI" record list --db "$db" --kind site --format json | python3 -c '
import json, sys; print([r["id"] for r in json.load(sys.stdin) if r["data"]["code"] == sys.argv[1]][0])' "$1"; }
expect_eq "$(count asset site="$(site_of S14)")" 20 "assets at S14"
expect_eq "$(count asset site="$(site_of S16)")" 3 "assets at S16"
expect_eq "$(count asset site="$(site_of S03)")" 17 "assets at S03"
# CS software list from 別紙1 §1(2)
"$MAMORI" record list --db "$db" --kind asset --format json >"$T/assets.json"
grep -qF 'Oracle Database 12cR2 Standard Edition 2 (J-LIS配布)' "$T/assets.json" || fail "CS software missing"
grep -qF '生体認証ソフトウェア A287C2SL' "$T/assets.json" || fail "D7014/R software missing"
ok
expect_eq "$(count person)" 5 "people"
expect_eq "$("$MAMORI" record list --db "$db" --kind person --state active --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 4 "active staff"
expect_eq "$(count work_request)" 4 "work requests"
expect_eq "$(count visit)" 1 "combined visits"
expect_eq "$(count fault)" 3 "faults"
expect_eq "$(count fault sla_status=missed)" 1 "faults past their SLA"
expect_eq "$(count fault sla_status=pending)" 2 "faults within their SLA"

# every record is a ledger entry, and the ledger verifies
expect_rc 0 "$MAMORI" ledger verify --db "$db"
expect_out "ledger verify: OK"
"$MAMORI" record history --db "$db" --id asset-182 --format json | grep -qF '"reason": "demo load"' || fail "asset history"
ok

# loading twice is refused and writes nothing
before=$("$MAMORI" ledger verify --db "$db" | grep entries)
expect_rc 2 "$MAMORI" demo load --db "$db"
expect_err "already has sites"
expect_eq "$("$MAMORI" ledger verify --db "$db" | grep entries)" "$before" "entries after the refused load"

# bad demo files: clear errors, exit 2, nothing written
db2=$T/n.db
expect_rc 0 "$MAMORI" init --db "$db2"
# (one record first: \`ledger verify\` of a database holding only its genesis entry trips UBSan in
# src/ledger/verify.c:283 — reported to the lead, not ours to change)
expect_rc 0 "$MAMORI" record create --db "$db2" --kind person --actor 管理者 \
  --json '{"name":"山田 太郎","organisation":"受託者","role":"engineer"}'
before=$("$MAMORI" ledger verify --db "$db2" | grep entries)
bad() { # MESSAGE JSON
  printf '%s' "$2" >"$T/bad.json"
  expect_rc 2 "$MAMORI" demo load --db "$db2" --data "$T/bad.json"
  expect_err "$1"
}
bad "not valid JSON" '{"format": '
bad 'must be "mamori-demo/1"' '{"format": "x"}'
bad "\$.models: must be an object" '{"format": "mamori-demo/1", "sites": []}'
bad "\$.sites[0]: a site needs" '{"format": "mamori-demo/1", "models": {}, "sites": [{"name": "x"}]}'
bad "\$.sites[0].devices.zz: names no model" '{"format": "mamori-demo/1", "models": {}, "sites": [{"code": "A", "name": "x", "devices": {"zz": 1}}]}'
bad "must be a count 0–1000" '{"format": "mamori-demo/1", "models": {"m": {"prefix": "M", "class": "terminal"}}, "sites": [{"code": "A", "name": "x", "devices": {"m": 1001}}]}'
bad "field class: must be one of" '{"format": "mamori-demo/1", "models": {"m": {"prefix": "M", "class": "toaster"}}, "sites": [{"code": "A", "name": "x", "devices": {"m": 1}}]}'
bad "unknown reference '@nobody'" '{"format": "mamori-demo/1", "models": {}, "sites": [], "records": [{"kind": "visit", "data": {"title": "t", "requests": ["@nobody"], "planned_from": "2026-01-01"}}]}'
bad "'@now-' must be followed by minutes" '{"format": "mamori-demo/1", "models": {}, "sites": [], "records": [{"kind": "x", "data": {"t": "@now-x"}}]}'
bad "field due_at: is computed by mamori" '{"format": "mamori-demo/1", "models": {"m": {"prefix": "M", "class": "terminal"}}, "sites": [{"code": "A", "name": "x", "devices": {"m": 1}}], "records": [{"kind": "fault", "data": {"asset": "@A-M-01", "class": "cs", "summary": "s", "instructed_at": "@now-5m", "due_at": "2030-01-01T00:00:00+09:00"}}]}'
bad "no asset record has id '@A'" '{"format": "mamori-demo/1", "models": {}, "sites": [{"code": "A", "name": "x", "devices": {}}], "records": [{"kind": "fault", "data": {"asset": "@A", "class": "cs", "summary": "s", "instructed_at": "@now-5m"}}]}'
bad "role 'contractor-operator' may not make this transition" '{"format": "mamori-demo/1", "models": {}, "sites": [], "records": [{"kind": "person", "data": {"name": "n", "organisation": "o", "role": "engineer"}, "transitions": [{"to": "active", "role": "contractor-operator", "actor": "a"}]}]}'
bad "\$.records[0].transitions[0]: field onsite_started_at: is required in state 'on-site'" '{"format": "mamori-demo/1", "models": {"m": {"prefix": "M", "class": "terminal"}}, "sites": [{"code": "A", "name": "x", "devices": {"m": 1}}], "records": [{"kind": "fault", "data": {"asset": "@A-M-01", "class": "cs", "summary": "s", "instructed_at": "@now-5m"}, "transitions": [{"to": "on-site", "role": "admin", "actor": "a"}]}]}'
bad "\$.sites[1]: the name 'A' is already taken" '{"format": "mamori-demo/1", "models": {}, "sites": [{"code": "A", "name": "x", "devices": {}}, {"code": "A", "name": "y", "devices": {}}]}'
bad "\$: unknown key 'extra'" '{"format": "mamori-demo/1", "extra": 1}'
bad "duplicate" '{"format": "mamori-demo/1", "format": "mamori-demo/1"}'
expect_eq "$("$MAMORI" ledger verify --db "$db2" | grep entries)" "$before" "entries after refused demo files"

# --populate: the demo's inspection campaign and password rotation get their checklists
db3=$T/populated.db
expect_rc 0 "$MAMORI" init --db "$db3"
expect_rc 0 "$MAMORI" demo load --db "$db3" --populate
expect_out "inspection_campaign-1: 2906 checklist lines for 182 machines"  # 2 CS × 13 + 180 terminals × 16
expect_out "password_rotation-1: 376 checklist lines for 182 machines"     # 2 CS × 8 + 180 terminals × 2
n=$("$MAMORI" record list --db "$db3" --kind inspection_item --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_eq "$n" 2906 "inspection items in the database"
expect_rc 0 "$MAMORI" ledger verify --db "$db3"
done_ok
