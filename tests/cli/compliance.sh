#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori compliance` on the demo organisation plus records made here:
# statuses follow the records (a late fault given its reason, minutes
# overdue after 5 開庁日 across Golden Week, the first inspection result,
# an agent that stops reporting), text in Japanese and English, JSON for
# machines, exit 0/1/2, and bad input refused with what is wrong.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
expect_rc 0 "$MAMORI" demo load --db "$db"

# status of requirement ID (and optionally a field of its first rule) from JSON output
status() { python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["requirements"] if r["id"] == sys.argv[2]][0]
print(r["status"] if len(sys.argv) < 4 else r["rules"][0][sys.argv[3]])' "$T/out" "$@"; }
cause_ids() { python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["requirements"] if r["id"] == sys.argv[2]][0]
print(" ".join(c["id"] + ":" + c["reason"] for rule in r["rules"] for c in rule["causes"]))' "$T/out" "$1"; }

# the demo: 18 requirements, the late CS fault of 2026-11-10 misses C7, the ledger is fine
expect_rc 1 "$MAMORI" compliance --db "$db" --format json
expect_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["requirements"]))' "$T/out")" 18 "requirements"
expect_eq "$(status C7)" missed "C7 on the demo"
late=$(cause_ids C7 | tr ' ' '\n' | grep ':overdue' | cut -d: -f1)
[ -n "$late" ] || fail "C7 names no overdue fault"
ok
expect_eq "$(status C5)" met "C5 (ledger verifies, fresh checkpoint)"
expect_eq "$(status C2)" no-evidence "C2 before any inspection"
expect_eq "$(status C4)" no-evidence "C4 before any agent"
expect_eq "$(status C3)" no-evidence "C3 (no record kind yet)"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d["requirements"] if r["id"] == "C3"][0]
assert r["evidence_note"]["ja"] and r["evidence_note"]["en"], r
c7 = [r for r in d["requirements"] if r["id"] == "C7"][0]
assert any(c["clause"] == "§5(2)" and c["doc"] == "002" for c in c7["clauses"]), c7["clauses"]' "$T/out" || fail "C3 note or C7 clauses"
ok

# text, in both languages
expect_rc 1 "$MAMORI" compliance --db "$db" --lang ja
expect_out "障害・インシデントとサービスレベル"
expect_out "$late 期限超過"
expect_rc 1 "$MAMORI" compliance --db "$db" --lang en
expect_out "Faults, incidents and service levels"
expect_out "$late overdue"

# the late fault gets its on-site time and the reason: C7 is met
expect_rc 0 "$MAMORI" record update --db "$db" --id "$late" --actor 高橋 \
  --json '{"onsite_started_at": "2026-11-10T22:05:00+09:00", "miss_reason": "大雪による交通途絶のため到着が遅れた"}'
expect_rc 0 "$MAMORI" record transition --db "$db" --id "$late" --actor 高橋 --to on-site
expect_rc 1 "$MAMORI" compliance --db "$db" --format json
expect_eq "$(status C7)" met "C7 after the reason"

# minutes of a meeting on Friday 2026-04-24: due 2026-05-07 17:15 (5 開庁日 across Golden Week)
expect_rc 0 "$MAMORI" record create --db "$db" --kind meeting_minutes --actor 高橋 \
  --json '{"title": "第1回 定例会", "deadline_class": "minutes", "held_at": "2026-04-24T14:00:00+09:00"}'
mid=$(cat "$T/out")
expect_rc 1 "$MAMORI" compliance --db "$db" --format json --at 2026-05-01T12:00:00+09:00
expect_eq "$(status C15)" met "C15 on 5/1"
expect_rc 1 "$MAMORI" compliance --db "$db" --format json --at 2026-05-07T17:15:00+09:00
expect_eq "$(status C15)" at-risk "C15 at the deadline"
expect_rc 1 "$MAMORI" compliance --db "$db" --format json --at 2026-05-07T17:15:01+09:00
expect_eq "$(status C15)" missed "C15 one second later"
expect_eq "$(cause_ids C15)" "$mid:overdue" "C15 cause"

# the first inspection result: C2 now judges every device, and all but one lack a result
camp=$("$MAMORI" record create --db "$db" --kind inspection_campaign --actor 高橋 \
  --json '{"title": "令和8年度 設置及び設定状況チェック", "fiscal_year": 2026}')
person=$("$MAMORI" record list --db "$db" --kind person --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
item=$("$MAMORI" record create --db "$db" --kind inspection_item --actor 高橋 --json "{\"campaign\": \"$camp\", \"asset\": \"asset-1\",
  \"target\": \"terminal\", \"item_no\": 14, \"item\": \"付箋等によるパスワードの掲示がない\", \"method\": \"manual\", \"result\": \"pass\",
  \"checked_at\": \"2026-11-01T10:00:00+09:00\", \"checked_by\": \"$person\"}")
expect_rc 0 "$MAMORI" record transition --db "$db" --id "$item" --actor 高橋 --to passed
expect_rc 1 "$MAMORI" compliance --db "$db" --format json --at 2026-11-02T10:00:00+09:00
expect_eq "$(status C2)" missed "C2 after one result"
expect_eq "$(status C2 checked)" 182 "C2 devices checked"
expect_eq "$(status C2 ok)" 1 "C2 devices with a result"
expect_eq "$(status C2 causes_total)" 181 "C2 devices without"

# an enrolled agent that reported: met now, at risk after 5 days, missed after 7
expect_rc 0 "$MAMORI" record create --db "$db" --kind agent --actor 管理者 --json '{"asset": "asset-2",
  "public_key": "ed25519:AAAA", "hostname": "jk-t002", "last_report_at": "2026-11-20T10:00:00+09:00"}'
agent=$(cat "$T/out")
for at_status in 2026-11-21T10:00:00+09:00:met 2026-11-26T10:00:00+09:00:at-risk 2026-11-27T10:00:01+09:00:missed; do
  at=${at_status%:*}; want=${at_status##*:}
  expect_rc 1 "$MAMORI" compliance --db "$db" --format json --at "$at"
  expect_eq "$(status C4)" "$want" "C4 at $at"
done
expect_eq "$(cause_ids C4)" "$agent:stale" "C4 cause"

# all met: exit 0 (a catalogue of the ledger requirement alone)
python3 - "$MM_SRC/data/catalogue/catalogue.json" "$T/c5.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["requirements"] = [r for r in d["requirements"] if r["id"] == "C5"]
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
PY
expect_rc 0 "$MAMORI" compliance --db "$db" --catalogue "$T/c5.json" --lang en
expect_out "met 1, at risk 0, missed 0, no evidence 0 (of 1)"

# another organisation's view: none of the demo's records
expect_rc 1 "$MAMORI" compliance --db "$db" --format json --tenant city-b
expect_eq "$(status C7)" no-evidence "C7 for city-b"
expect_eq "$(status C5)" met "C5 for city-b (the ledger is shared)"

# bad input: exit 2 naming what is wrong
expect_rc 2 "$MAMORI" compliance --db "$db" --at yesterday
expect_err "--at:"
expect_rc 2 "$MAMORI" compliance --db "$db" --format xml
expect_err "--format must be text or json"
expect_rc 2 "$MAMORI" compliance --db "$db" --lang fr
expect_err "--lang must be ja or en"
expect_rc 2 "$MAMORI" compliance --db "$T/none.db"
expect_err "no such database"
expect_rc 2 "$MAMORI" compliance
expect_err "missing --db"
expect_rc 2 "$MAMORI" compliance --db "$db" --bogus 1
expect_rc 2 "$MAMORI" compliance --db "$db" --catalogue "$T/missing.json"
expect_err "missing.json"
sed 's/"max_age_hours": 24/"max_age_hours": "24"/' "$T/c5.json" >"$T/bad.json"
grep -q '"max_age_hours": "24"' "$T/bad.json" || python3 - "$T/c5.json" "$T/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["requirements"][0]["rules"][0]["max_age_hours"] = "24"
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
PY
expect_rc 2 "$MAMORI" compliance --db "$db" --catalogue "$T/bad.json"
expect_err "bad.json: \$.requirements[0].rules[0]: 'max_age_hours' must be a whole number"
python3 - "$T/c5.json" "$T/typo.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["requirements"][0]["rules"].append({"type": "deadline", "title": {"ja": "t", "en": "t"}, "kind": "fault",
    "due_field": "due", "done_field": "onsite_started_at", "warn_hours": 1})
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
PY
expect_rc 2 "$MAMORI" compliance --db "$db" --catalogue "$T/typo.json"
expect_err "typo.json: \$.requirements[0].rules[1]: 'due_field': kind fault has no field 'due'"
printf '{"format": "mamori-catalogue/1", ' >"$T/trunc.json"
expect_rc 2 "$MAMORI" compliance --db "$db" --catalogue "$T/trunc.json"
expect_err "trunc.json: line 1"
done_ok
