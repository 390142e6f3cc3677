#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori campaign populate`: an inspection campaign gets one item per machine
# in service × item of 002 別紙1 §4 (端末1–16, CS1–13; automated or manual as
# the policy says), a password rotation one line per machine × component of
# 別紙1 §3; a second populate adds only what is missing; wrong kinds, closed
# campaigns and roles that may not create lines are refused.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
R() { "$MAMORI" record "$@" --db "$db"; }
P() { "$MAMORI" campaign populate --db "$db" "$@"; }
CM=contractor-manager
count() { R list --kind "$1" --format json | python3 -c "import json,sys; a=json.load(sys.stdin); print(sum(1 for r in a if all(str(r['data'].get(k))==v for k,v in (x.split('=',1) for x in sys.argv[1:]))))" "${@:2}"; }

site=$(R create --kind site --actor 管理者 --json '{"name":"中央区役所","code":"S01"}')
t1=$(R create --kind asset --actor 管理者 --json "{\"name\":\"T-01\",\"site\":\"$site\",\"class\":\"terminal\"}")
cs=$(R create --kind asset --actor 管理者 --json "{\"name\":\"CS-01\",\"site\":\"$site\",\"class\":\"cs-active\"}")
R create --kind asset --actor 管理者 --json "{\"name\":\"RD-01\",\"site\":\"$site\",\"class\":\"reader\"}" >/dev/null
old=$(R create --kind asset --actor 管理者 --json "{\"name\":\"T-OLD\",\"site\":\"$site\",\"class\":\"terminal\"}")
R transition --id "$old" --actor 管理者 --to retired --reason 廃棄 >/dev/null

camp=$(R create --kind inspection_campaign --actor 責任者 --role $CM --json '{"title":"2026年度 設置及び設定状況チェック","fiscal_year":2026}')
expect_rc 0 "$MAMORI" campaign populate --db "$db" --id "$camp" --actor 責任者 --role $CM
expect_out "2 machines, 29 lines created, 0 already there"
expect_eq "$(count inspection_item campaign="$camp" asset="$t1" target=terminal)" 16 "terminal items"
expect_eq "$(count inspection_item campaign="$camp" asset="$cs" target=cs)" 13 "CS items"
expect_eq "$(count inspection_item asset="$old")" 0 "a retired machine is not inspected"
# 端末12 (passwords on display), 13 (display position), 15 (wire lock) and CS12 are looked at by a person
expect_eq "$(count inspection_item asset="$t1" method=manual)" 3 "manual terminal items"
expect_eq "$(count inspection_item asset="$t1" item_no=15 method=manual item=ワイヤーロックの確認)" 1 "terminal 15"
expect_eq "$(count inspection_item asset="$cs" item_no=13 method=automated item=ウイルス対策状況の確認)" 1 "CS 13"

# a machine arrives: only its lines are added
t2=$(R create --kind asset --actor 管理者 --json "{\"name\":\"T-02\",\"site\":\"$site\",\"class\":\"terminal\"}")
expect_rc 0 "$MAMORI" campaign populate --db "$db" --id "$camp" --actor 責任者 --role $CM
expect_out "3 machines, 16 lines created, 29 already there"
expect_eq "$(count inspection_item campaign="$camp")" 45 "items after the second populate"

# an inspection campaign is reported only when no item is left open
R update --id "$camp" --actor 責任者 --role $CM --json "{\"procedure\":\"$(printf 手順書 >"$T/p"; R attach --file "$T/p" --actor 責任者)\"}" >/dev/null
R transition --id "$camp" --actor 責任者 --role $CM --to in-progress >/dev/null
R update --id "$camp" --actor 責任者 --role $CM --json "{\"report\":\"$(printf 報告書 >"$T/r"; R attach --file "$T/r" --actor 責任者)\"}" >/dev/null
expect_rc 2 "$MAMORI" record transition --db "$db" --id "$camp" --actor 責任者 --role $CM --to reported
expect_err "state 'reported' needs every inspection_item of this record finished: 45 still 'open'"

# password rotation: 8 components per CS, 2 per terminal
rot=$(R create --kind password_rotation --actor 責任者 --role $CM --json '{"title":"10月 管理者パスワード変更","round":"october","fiscal_year":2026}')
expect_rc 2 "$MAMORI" campaign populate --db "$db" --id "$rot" --actor 作業者 --role contractor-operator
expect_err "may not create"
expect_eq "$(count password_rotation_line rotation="$rot")" 0 "nothing written by a refused populate"
expect_rc 0 "$MAMORI" campaign populate --db "$db" --id "$rot" --actor 責任者 --role $CM
expect_out "3 machines, 12 lines created"
expect_eq "$(count password_rotation_line rotation="$rot" asset="$cs" component=oracle)" 1 "CS Oracle line"
expect_eq "$(count password_rotation_line rotation="$rot" asset="$t2" component=antivirus)" 1 "terminal anti-virus line"
# populated again: every line is found, none twice
expect_rc 0 "$MAMORI" campaign populate --db "$db" --id "$rot" --actor 責任者 --role $CM
expect_out "3 machines, 0 lines created, 12 already there"
expect_eq "$(count password_rotation_line rotation="$rot")" 12 "rotation lines after the second populate"

# refusals: not a campaign, unknown id, a campaign past in-progress, missing options
expect_rc 2 "$MAMORI" campaign populate --db "$db" --id "$site" --actor 責任者
expect_err "is a site, not an inspection_campaign or password_rotation"
expect_rc 2 "$MAMORI" campaign populate --db "$db" --id inspection_campaign-99 --actor 責任者
R transition --id "$rot" --actor 責任者 --role $CM --to in-progress >/dev/null
# a rotation is completed only when every line is done (or marked not applicable with a reason)
expect_rc 2 "$MAMORI" record transition --db "$db" --id "$rot" --actor 責任者 --role $CM --to completed
expect_err "state 'completed' needs every password_rotation_line of this record finished: 12 still 'pending'"
for l in $(R list --kind password_rotation_line --format json | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin) if r["state"] == "pending"))'); do
  R transition --id "$l" --actor 責任者 --role $CM --to not-applicable --reason 試験環境 >/dev/null
done
expect_rc 0 "$MAMORI" record transition --db "$db" --id "$rot" --actor 責任者 --role $CM --to completed
expect_rc 2 "$MAMORI" campaign populate --db "$db" --id "$rot" --actor 責任者 --role $CM
expect_err "only a planned or in-progress campaign gets new lines"
expect_rc 2 "$MAMORI" campaign populate --db "$db" --id "$camp"
expect_rc 2 "$MAMORI" campaign frobnicate --db "$db"
expect_rc 0 "$MAMORI" ledger verify --db "$db"
done_ok
