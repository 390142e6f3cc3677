# SPDX-License-Identifier: Apache-2.0
# Sourced by tests/cli/report_*.sh: the demo organisation (mamori demo load)
# plus records of October 2026 with known outcomes, through the real binary.
# Needs $MAMORI, $T and $db; leaves the ids in shell variables.
R() { "$MAMORI" record "$@" --db "$db"; }
rid() { R create --actor "$1さん" --role "$2" --kind "$3" --json "$4"; }
go() { R transition --actor "$1さん" --role "$1" --id "$2" --to "$3" >/dev/null; }
upd() { R update --actor "$1さん" --role "$1" --id "$2" --json "$3" >/dev/null; }
attach() { printf '%s' "$1" >"$T/a"; R attach --file "$T/a" --actor 作業者; }
M=municipality-approver CM=contractor-manager CO=contractor-operator

"$MAMORI" init --db "$db" >/dev/null
"$MAMORI" demo load --db "$db" >/dev/null
id_of() { R list --kind "$1" --format json | jq -r --arg k "$2" --arg v "$3" 'map(select(.data[$k]==$v))[0].id'; }
eng=$(id_of person name "高橋 一郎")
eng2=$(id_of person name "田中 美咲")
cs=$(id_of asset name S16-CS-A-01)
t1=$(id_of asset name S03-D6012-01)
t2=$(id_of asset name S03-D6012-02)

# faults of October: CS met (45 min), CS missed (120 min, with a reason), terminal met (next morning)
f1=$(rid 市職員 $M fault "{\"asset\":\"$cs\",\"class\":\"cs\",\"summary\":\"CS待機系 ディスク警告\",\"instructed_at\":\"2026-10-05T10:00:00+09:00\",\"onsite_started_at\":\"2026-10-05T10:45:00+09:00\",\"handled_by\":[\"$eng\"]}")
go $CO "$f1" on-site
f2=$(rid 市職員 $M fault "{\"asset\":\"$cs\",\"class\":\"cs\",\"summary\":\"CS運用系 応答遅延\",\"instructed_at\":\"2026-10-06T10:00:00+09:00\",\"onsite_started_at\":\"2026-10-06T12:00:00+09:00\",\"recovered_at\":\"2026-10-06T15:00:00+09:00\",\"miss_reason\":\"積雪による交通遅延\",\"handled_by\":[\"$eng\",\"$eng2\"]}")
go $CO "$f2" on-site
go $CO "$f2" recovered
f3=$(rid 市職員 $M fault "{\"asset\":\"$t1\",\"class\":\"terminal\",\"summary\":\"統合端末 印刷不可\",\"instructed_at\":\"2026-10-07T09:00:00+09:00\",\"onsite_started_at\":\"2026-10-08T10:00:00+09:00\"}")

# a work request carried through to acceptance
proc=$(attach "手順書 v1")
wr=$(rid 市職員 $M work_request "{\"title\":\"画面ロック設定の変更\",\"category\":\"city-instruction\",\"target_assets\":[\"$t1\",\"$t2\"],\"requested_from\":\"2026-10-05\",\"requested_until\":\"2026-10-16\",\"requested_by\":\"住民情報課 佐藤\",\"procedure\":\"$proc\"}")
go $CO "$wr" procedure-drafted
go $M "$wr" procedure-approved
upd $CM "$wr" "{\"assignees\":[\"$eng\"]}"
go $CO "$wr" in-progress
go $CO "$wr" done
upd $CO "$wr" "{\"result_steps\":[\"1. ロック時間を5分に設定\",\"2. 動作確認\"],\"result_dates\":[\"2026-10-07\"],\"performers\":[\"$eng\"],\"result_report\":\"$(attach '結果報告')\"}"
go $CM "$wr" result-reported
go $M "$wr" accepted

# an inspection: two terminals, two items each; one item failed with a finding
camp=$(rid 責任者 $CM inspection_campaign '{"title":"令和8年度 設置及び設定状況チェック","fiscal_year":2026,"period_from":"2026-10-01","period_until":"2026-10-30"}')
item() { # asset no name result
  local i
  i=$(rid 責任者 $CM inspection_item "{\"campaign\":\"$camp\",\"asset\":\"$1\",\"target\":\"terminal\",\"item_no\":$2,\"item\":\"$3\",\"method\":\"manual\",\"result\":\"$4\",\"checked_at\":\"2026-10-09T10:$2:00+09:00\",\"checked_by\":\"$eng\",\"comment\":\"目視確認\",\"photo\":\"$(attach "写真$1$2")\"}")
  if [ "$4" = pass ]; then go $CO "$i" passed; else upd $CO "$i" '{"finding":"モニター横にパスワードの付箋"}'; go $CO "$i" failed; fi
}
item "$t1" 12 パスワードの表示確認 fail
item "$t1" 15 ワイヤーロックの確認 pass
item "$t2" 12 パスワードの表示確認 pass
item "$t2" 15 ワイヤーロックの確認 pass

# confidential material: one erased and confirmed, one still held
mat=$(rid 責任者 $CM confidential_material "{\"name\":\"設定資料一式 (CD-R)\",\"material_type\":\"electronic-media\",\"quantity\":2,\"received_on\":\"2026-04-01\",\"received_by\":\"$eng\",\"receipt_no\":\"R-2026-001\",\"storage\":\"施錠キャビネットA\"}")
upd $CM "$mat" "{\"erased_at\":\"2026-10-20T15:00:00+09:00\",\"erased_by\":\"$eng\",\"erasure_method\":\"physical-destruction\",\"erasure_detail\":\"破砕機で粉砕\",\"witness\":\"住民情報課 佐藤\"}"
go $CM "$mat" erased
go $M "$mat" erasure-confirmed
held=$(rid 責任者 $CM confidential_material "{\"name\":\"運用手順書\",\"material_type\":\"paper\",\"received_on\":\"2026-10-01\",\"received_by\":\"$eng\",\"storage\":\"施錠キャビネットB\"}")

# secure-area access: one visit of 90 minutes, one without an exit yet
acc1=$(rid 作業者 $CO area_access "{\"person\":\"$eng\",\"area\":\"菊水分庁舎 サーバ室\",\"purpose\":\"CS障害対応\",\"badge\":\"B-12\",\"permitted_by\":\"システム管理課 山本\",\"entered_at\":\"2026-10-05T18:00:00+09:00\",\"exited_at\":\"2026-10-05T19:30:00+09:00\"}")
go $CO "$acc1" left
acc2=$(rid 作業者 $CO area_access "{\"person\":\"$eng2\",\"area\":\"菊水分庁舎 サーバ室\",\"purpose\":\"定期点検\",\"entered_at\":\"2026-10-06T09:00:00+09:00\"}")
# an incident reported in October, not yet contained
inc=$(rid 作業者 $CO security_incident '{"title":"USBメモリ紛失の疑い","severity":"high","detected_at":"2026-10-21T09:00:00+09:00","reported_at":"2026-10-21T09:10:00+09:00"}')
