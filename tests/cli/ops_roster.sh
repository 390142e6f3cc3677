#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The roster rule (C10, 002 §6(1)) through the real binary: only people the
# municipality approved, not left, whose allowed period covers the work's
# date may be assigned; each refusal names the field, the person and why,
# and writes nothing.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
R() { "$MAMORI" record "$@" --db "$db"; }
M=municipality-approver CM=contractor-manager CO=contractor-operator
person() { R create --kind person --actor 管理者 --role $CM --json "{\"name\":\"$1\",\"organisation\":\"受託者\",\"role\":\"engineer\"$2}"; }
version() { R show --id "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])'; }

site=$(R create --kind site --actor 管理者 --json '{"name":"北区役所","code":"S03"}')
ok_p=$(person "高橋 一郎" ',"allowed_from":"2026-04-01","allowed_until":"2027-03-31"')
R transition --id "$ok_p" --to active --actor 市職員 --role $M >/dev/null
new_p=$(person "伊藤 健" '')
gone_p=$(person "田中 美咲" '')
R transition --id "$gone_p" --to active --actor 市職員 --role $M >/dev/null
R transition --id "$gone_p" --to left --actor 管理者 --role $CM --reason 退職 >/dev/null
late_p=$(person "佐々木 修" ',"allowed_from":"2026-11-01"')
R transition --id "$late_p" --to active --actor 市職員 --role $M >/dev/null

wr=$(R create --kind work_request --actor 市職員 --role $M --json "{\"title\":\"更新\",\"category\":\"os-security-update\",\"target_sites\":[\"$site\"],\"requested_from\":\"2026-10-05\",\"requested_until\":\"2026-10-16\"}")
v=$(version "$wr")
assign() { expect_rc "$1" "$MAMORI" record update --db "$db" --actor 管理者 --role $CM --id "$wr" --json "{\"assignees\":[\"$2\"]}"; }
assign 2 "$new_p"; expect_err "field assignees: 伊藤 健 ($new_p) is not on the roster yet: the municipality has not approved them (state 'proposed')"
assign 2 "$gone_p"; expect_err "field assignees: 田中 美咲 ($gone_p) is no longer on the roster: they have left (state 'left')"
assign 2 "$late_p"; expect_err "field assignees: 佐々木 修 ($late_p) is outside the allowed period on 2026-10-05 (allowed 2026-11-01 to -)"
expect_eq "$(version "$wr")" "$v" "nothing written by the refusals"
assign 0 "$ok_p"

# a visit's staff, and the confidential-material receiver
expect_rc 2 "$MAMORI" record create --db "$db" --kind visit --actor 管理者 --role $CM --json "{\"title\":\"10月\",\"requests\":[\"$wr\"],\"planned_from\":\"2026-10-05\",\"staff\":[\"$ok_p\",\"$new_p\"]}"
expect_err "field staff: 伊藤 健 ($new_p) is not on the roster yet"
expect_rc 0 "$MAMORI" record create --db "$db" --kind visit --actor 管理者 --role $CM --json "{\"title\":\"10月\",\"requests\":[\"$wr\"],\"planned_from\":\"2026-10-05\",\"staff\":[\"$ok_p\"]}"
expect_rc 2 "$MAMORI" record create --db "$db" --kind confidential_material --actor 管理者 --role $CM --json "{\"name\":\"住民票写し\",\"material_type\":\"paper\",\"received_on\":\"2026-10-01\",\"received_by\":\"$late_p\",\"storage\":\"金庫\"}"
expect_err "field received_by: 佐々木 修 ($late_p) is outside the allowed period on 2026-10-01"
expect_rc 0 "$MAMORI" record create --db "$db" --kind confidential_material --actor 管理者 --role $CM --json "{\"name\":\"住民票写し\",\"material_type\":\"paper\",\"received_on\":\"2026-11-02\",\"received_by\":\"$late_p\",\"storage\":\"金庫\"}"
expect_rc 0 "$MAMORI" ledger verify --db "$db"
done_ok
