#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Each operations workflow through the real binary, with the roles that may
# and may not make each step, and the fields each state needs: work request
# (procedure → approval → work → result → acceptance) and a combined visit,
# inspection items, password rotation lines (no password field), confidential
# material up to its erasure certificate, copies, secure-area access,
# security incidents, subcontract approval, meeting minutes with a deadline.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
R() { "$MAMORI" record "$@" --db "$db"; }
# step ROLE ID TO: the transition must succeed; deny ROLE ID TO MSG: it must be refused with MSG
step() { expect_rc 0 "$MAMORI" record transition --db "$db" --actor "$1さん" --role "$1" --id "$2" --to "$3"; }
deny() { expect_rc 2 "$MAMORI" record transition --db "$db" --actor "$1さん" --role "$1" --id "$2" --to "$3"; expect_err "$4"; }
upd() { expect_rc 0 "$MAMORI" record update --db "$db" --actor "$1さん" --role "$1" --id "$2" --json "$3"; }
state() { R show --id "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
attach() { printf '%s' "$1" >"$T/a"; R attach --file "$T/a" --actor 作業者; }
M=municipality-approver V=municipality-viewer CM=contractor-manager CO=contractor-operator

site=$(R create --kind site --actor 管理者 --json '{"name":"北区役所戸籍住民課","code":"S03"}')
t1=$(R create --kind asset --actor 管理者 --json "{\"name\":\"S03-D6012-01\",\"site\":\"$site\",\"class\":\"terminal\"}")
eng=$(R create --kind person --actor 管理者 --role $CM --json '{"name":"高橋 一郎","organisation":"受託者","role":"engineer"}')
step $M "$eng" active

# ---- work request ----
wr_json="{\"title\":\"OSセキュリティ更新\",\"category\":\"os-security-update\",\"target_sites\":[\"$site\"],\"requested_from\":\"2026-10-05\",\"requested_until\":\"2026-10-16\"}"
expect_rc 2 "$MAMORI" record create --db "$db" --kind work_request --actor 作業者 --role $CO --json "$wr_json"
expect_err "may not create"
wr=$(R create --kind work_request --actor 市職員 --role $M --json "$wr_json")
expect_eq "$(state "$wr")" requested "new work request"
deny $CO "$wr" procedure-drafted "field procedure: is required in state 'procedure-drafted'"
proc=$(attach "手順書 v1")
upd $CO "$wr" "{\"procedure\":\"$proc\"}"
deny $M "$wr" procedure-approved "no transition"
step $CO "$wr" procedure-drafted
deny $CM "$wr" procedure-approved "role 'contractor-manager' may not make transition 'approve-procedure'"
deny $V "$wr" procedure-approved "may not make transition"
deny $M "$wr" requested "transition 'return-procedure' needs a reason"
# a change to production needs a test result before approval (000 §12)
upd $M "$wr" '{"production_change":true}'
deny $M "$wr" procedure-approved "field test_result: is required in state 'procedure-approved'"
upd $CO "$wr" "{\"test_result\":\"$(attach 'テスト結果 OK')\"}"
step $M "$wr" procedure-approved
deny $CO "$wr" in-progress "field assignees: is required in state 'in-progress'"
upd $CM "$wr" "{\"assignees\":[\"$eng\"]}"
step $CO "$wr" in-progress
step $CO "$wr" done
deny $CO "$wr" result-reported "role 'contractor-operator' may not make transition 'report-result'"
deny $CM "$wr" result-reported "field result_steps: is required in state 'result-reported'"
upd $CO "$wr" "{\"result_steps\":[\"1. 更新プログラム適用\",\"2. 再起動・動作確認\"],\"result_dates\":[\"2026-10-07\"],\"performers\":[\"$eng\"]}"
step $CM "$wr" result-reported
deny $CM "$wr" accepted "role 'contractor-manager' may not make transition 'accept'"
step $M "$wr" accepted
expect_eq "$(state "$wr")" accepted "final state"
R history --id "$wr" --format text >"$T/h"
grep -q "approve-procedure" "$T/h" || fail "history lacks the approval"; ok

# ---- combined visit: several requests in one visit, approved by the municipality ----
wr2=$(R create --kind work_request --actor 市職員 --role $M --json "{\"title\":\"設定変更\",\"category\":\"city-instruction\",\"requested_from\":\"2026-10-05\",\"requested_until\":\"2026-10-16\"}")
wr3=$(R create --kind work_request --actor 市職員 --role $M --json "{\"title\":\"パスワード変更\",\"category\":\"password-change\",\"requested_from\":\"2026-10-05\",\"requested_until\":\"2026-10-16\"}")
expect_rc 2 "$MAMORI" record create --db "$db" --kind visit --actor 作業者 --role $CO --json "{\"title\":\"x\",\"requests\":[\"$wr2\"],\"planned_from\":\"2026-10-08\"}"
v=$(R create --kind visit --actor 責任者 --role $CM --json "{\"title\":\"10月 同時実施\",\"requests\":[\"$wr\",\"$wr2\",\"$wr3\"],\"planned_from\":\"2026-10-08\"}")
expect_rc 2 "$MAMORI" record create --db "$db" --kind visit --actor 責任者 --role $CM --json "{\"title\":\"x\",\"requests\":[\"$site\"],\"planned_from\":\"2026-10-08\"}"
expect_err "no work_request record has id"
deny $M "$v" approved "field staff: is required in state 'approved'"
upd $CM "$v" "{\"staff\":[\"$eng\"]}"
deny $CM "$v" approved "may not make transition 'approve'"
step $M "$v" approved
step $CO "$v" done
upd $M "$wr2" "{\"visit\":\"$v\"}"

# ---- inspection: automated items need the agent's report, manual ones a person; findings → work requests ----
camp=$(R create --kind inspection_campaign --actor 責任者 --role $CM --json '{"title":"令和8年度 設置及び設定状況チェック","fiscal_year":2026}')
deny $CM "$camp" in-progress "field procedure: is required in state 'in-progress'"
upd $CM "$camp" "{\"procedure\":\"$proc\"}"
step $CM "$camp" in-progress
auto=$(R create --kind inspection_item --actor 責任者 --role $CM --json "{\"campaign\":\"$camp\",\"asset\":\"$t1\",\"target\":\"terminal\",\"item_no\":2,\"item\":\"ローカルファイアウォールの設定確認\",\"method\":\"automated\",\"result\":\"pass\",\"checked_at\":\"2026-06-01T10:00:00+09:00\"}")
deny $CO "$auto" passed "field agent_report: is required in state 'passed'"
upd $CO "$auto" "{\"agent_report\":\"$(attach '{"report":1}')\"}"
step $CO "$auto" passed
man=$(R create --kind inspection_item --actor 責任者 --role $CM --json "{\"campaign\":\"$camp\",\"asset\":\"$t1\",\"target\":\"terminal\",\"item_no\":12,\"item\":\"パスワードの表示確認\",\"method\":\"manual\",\"result\":\"fail\",\"checked_at\":\"2026-06-01T10:05:00+09:00\",\"comment\":\"付箋あり\",\"photo\":\"$(attach 'JPEG')\"}")
deny $CO "$man" failed "field finding: is required in state 'failed'"
upd $CO "$man" '{"finding":"モニター横にパスワードの付箋"}'
deny $CO "$man" failed "field checked_by: is required in state 'failed'"
upd $CO "$man" "{\"checked_by\":\"$eng\"}"
step $CO "$man" failed
deny $V "$man" corrected "may not make transition"
fix=$(R create --kind work_request --actor 市職員 --role $M --json "{\"title\":\"是正: 付箋の撤去\",\"category\":\"city-instruction\",\"target_assets\":[\"$t1\"],\"requested_from\":\"2026-06-02\",\"requested_until\":\"2026-06-05\"}")
deny $CM "$man" corrected "field corrective_request: is required in state 'corrected'"
upd $CM "$man" "{\"corrective_request\":\"$fix\"}"
step $CM "$man" corrected
upd $CM "$camp" "{\"report\":\"$(attach '点検結果')\"}"
step $CM "$camp" reported
deny $CM "$camp" accepted "may not make transition 'accept'"
step $M "$camp" accepted

# ---- password rotation: device × component, no password anywhere ----
rot=$(R create --kind password_rotation --actor 責任者 --role $CM --json '{"title":"10月 管理者権限パスワード変更","round":"october","fiscal_year":2026}')
line=$(R create --kind password_rotation_line --actor 責任者 --role $CM --json "{\"rotation\":\"$rot\",\"asset\":\"$t1\",\"component\":\"windows-11\"}")
expect_rc 2 "$MAMORI" record create --db "$db" --kind password_rotation_line --actor 責任者 --role $CM --json "{\"rotation\":\"$rot\",\"asset\":\"$t1\",\"component\":\"windows-11\",\"password\":\"hunter2\"}"
expect_err "'password' is not a field"
expect_rc 2 "$MAMORI" record update --db "$db" --actor 作業者 --role $CO --id "$line" --json '{"new_password":"x"}'
expect_err "'new_password' is not a field"
deny $CO "$line" done "field done_by: is required in state 'done'"
upd $CO "$line" "{\"done_by\":\"$eng\",\"done_at\":\"2026-10-07T10:00:00+09:00\"}"
deny $V "$line" done "may not make transition"
step $CO "$line" done
step $CM "$rot" in-progress
step $CM "$rot" completed
deny $CM "$rot" confirmed "may not make transition 'confirm'"
step $M "$rot" confirmed

# ---- confidential material: receipt → erasure with date, person, method (the certificate's data) ----
mat=$(R create --kind confidential_material --actor 責任者 --role $CM --json "{\"name\":\"設定資料一式 (CD-R)\",\"material_type\":\"electronic-media\",\"received_on\":\"2026-04-01\",\"received_by\":\"$eng\",\"receipt_no\":\"R-2026-001\",\"receipt\":\"$(attach '預かり証')\",\"storage\":\"施錠キャビネットA\"}")
expect_rc 2 "$MAMORI" record create --db "$db" --kind confidential_material --actor 作業者 --role $CO --json '{}'
expect_err "may not create"
copy=$(R create --kind material_handling --actor 作業者 --role $CO --json "{\"material\":\"$mat\",\"action\":\"copy\",\"purpose\":\"作業用複製\",\"protection\":\"暗号化USB・施錠ケース\",\"person\":\"$eng\",\"planned_on\":\"2026-04-10\"}")
deny $CO "$copy" approved "may not make transition 'approve'"
deny $M "$copy" rejected "needs a reason"
step $M "$copy" approved
deny $CO "$copy" active "field done_at: is required in state 'active'"
upd $CO "$copy" '{"done_at":"2026-04-10T10:00:00+09:00"}'
step $CO "$copy" active
upd $CM "$copy" '{"ended_at":"2026-04-30T16:00:00+09:00"}'
deny $CM "$copy" ended "field erasure_method: is required in state 'ended'"
upd $CM "$copy" '{"erasure_method":"上書き消去 (3回)"}'
step $CM "$copy" ended
deny $CM "$mat" erased "field erased_at: is required in state 'erased'"
upd $CM "$mat" "{\"erased_at\":\"2027-03-31T15:00:00+09:00\",\"erased_by\":\"$eng\",\"erasure_method\":\"physical-destruction\",\"witness\":\"住民情報課 佐藤\"}"
deny $CO "$mat" erased "may not make transition 'erase'"
step $CM "$mat" erased
deny $CM "$mat" erasure-confirmed "may not make transition 'confirm-erasure'"
step $M "$mat" erasure-confirmed
R show --id "$mat" >"$T/out"
expect_out '"erasure_method": "physical-destruction"'
expect_out "\"erased_by\": \"$eng\""

# ---- secure-area access ----
acc=$(R create --kind area_access --actor 作業者 --role $CO --json "{\"person\":\"$eng\",\"area\":\"菊水分庁舎 サーバ室\",\"purpose\":\"CS障害対応\",\"entered_at\":\"2026-04-01T18:00:00+09:00\"}")
expect_rc 2 "$MAMORI" record create --db "$db" --kind area_access --actor 閲覧 --role $V --json "{\"person\":\"$eng\",\"area\":\"x\",\"purpose\":\"x\",\"entered_at\":\"2026-04-01T18:00:00+09:00\"}"
deny $CO "$acc" left "field exited_at: is required in state 'left'"
upd $CM "$acc" '{"exited_at":"2026-04-01T19:30:00+09:00"}'
deny $V "$acc" left "may not make transition"
step $CO "$acc" left

# ---- security incident ----
inc=$(R create --kind security_incident --actor 作業者 --role $CO --json '{"title":"USBメモリ紛失の疑い","severity":"high","detected_at":"2026-05-01T09:00:00+09:00","reported_at":"2026-05-01T09:10:00+09:00"}')
deny $CO "$inc" contained "field containment: is required in state 'contained'"
upd $CO "$inc" '{"containment":"保管庫を確認、持出記録を照合"}'
step $CO "$inc" contained
upd $CO "$inc" '{"recovery":"所在を確認"}'
step $CO "$inc" recovered
upd $CM "$inc" "{\"prevention\":\"持出時の二名確認\",\"written_report\":\"$(attach '報告書')\"}"
deny $CO "$inc" report-submitted "may not make transition 'submit-report'"
step $CM "$inc" report-submitted
deny $CM "$inc" closed "may not make transition 'close'"
step $M "$inc" closed

# ---- subcontract ----
sub=$(R create --kind subcontract --actor 責任者 --role $CM --json '{"company":"札幌テック株式会社","scope":"タッチパネル調整","reason":"繁忙期の要員確保","period_from":"2026-06-01","period_until":"2026-07-31"}')
deny $M "$sub" approved "field security_measures: is required in state 'approved'"
upd $CM "$sub" "{\"security_measures\":\"$(attach 'セキュリティ対策')\"}"
deny $CM "$sub" approved "may not make transition 'approve'"
step $M "$sub" approved

# ---- meeting minutes: 5 開庁日 (004 2(2)カ(ウ)); late ones need a reason ----
mm=$(R create --kind meeting_minutes --actor 作業者 --role $CO --json '{"title":"定例会","deadline_class":"minutes","held_at":"2026-04-03T15:00:00+09:00","submitted_at":"2026-04-13T10:00:00+09:00","minutes":"'"$(attach '議事録')"'"}')
R show --id "$mm" >"$T/out"
expect_out "\"due_at\": \"$("$MAMORI" sla due --class minutes --instructed 2026-04-03T15:00:00+09:00)\""
expect_out '"sla_status": "missed"'
deny $CO "$mm" submitted "field late_reason: the minutes target was missed"
upd $CO "$mm" '{"late_reason":"確認者不在"}'
step $CO "$mm" submitted
step $M "$mm" confirmed

expect_rc 0 "$MAMORI" ledger verify --db "$db"
expect_out "ledger verify: OK"
done_ok
