#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Faults through the real binary: due times from the contract at the office-
# hour boundaries (the same as `mamori sla due`), derived fields refused as
# input, the roles of each step, a missed target refused without a reason
# and accepted with one, and the ledger verifying afterwards.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
R() { "$MAMORI" record "$@" --db "$db"; }
site=$(R create --kind site --actor 管理者 --json '{"name":"菊水分庁舎"}')
cs=$(R create --kind asset --actor 管理者 --json "{\"name\":\"CS運用系\",\"site\":\"$site\",\"class\":\"cs-active\"}")
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)["data"].get(sys.argv[1], ""))' "$1"; }
state() { python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

# due times at the boundaries, for each class, equal to `mamori sla due`
for case in cs/2026-04-01T08:44:59+09:00 cs/2026-04-01T08:45:00+09:00 cs/2026-04-01T17:14:59+09:00 \
            cs/2026-04-01T17:15:00+09:00 cs/2026-04-04T10:00:00+09:00 terminal/2026-04-03T17:14:59+09:00 \
            terminal/2026-04-30T23:59:59+09:00 touch-panel/2026-04-01T17:15:00+09:00 \
            touch-panel/2026-12-28T12:00:00+09:00 terminal/2026-04-01T00:00:00Z; do
  cls=${case%%/*} t=${case#*/}
  id=$(R create --kind fault --actor 市職員 --role municipality-approver \
        --json "{\"asset\":\"$cs\",\"class\":\"$cls\",\"summary\":\"boundary\",\"instructed_at\":\"$t\"}")
  want=$("$MAMORI" sla due --class "$cls" --instructed "$t")
  got=$(R show --id "$id" | field due_at)
  expect_eq "$got" "$want" "due_at of $cls instructed $t"
done
expect_eq "$("$MAMORI" sla due --class cs --instructed 2026-04-01T17:15:00+09:00)" "2026-04-01T20:15:00+09:00" "cs after hours"

# derived fields cannot be given
expect_rc 2 "$MAMORI" record create --db "$db" --kind fault --actor x --json \
  "{\"asset\":\"$cs\",\"class\":\"cs\",\"summary\":\"x\",\"instructed_at\":\"2026-04-01T10:00:00+09:00\",\"due_at\":\"2099-01-01T00:00:00+09:00\"}"
expect_err "field due_at: is computed by mamori and cannot be set"
expect_rc 2 "$MAMORI" record update --db "$db" --id fault-1 --actor x --json '{"sla_status":"met"}'
expect_err "field sla_status: is computed by mamori and cannot be set"
# viewers and operators may not open a fault
expect_rc 2 "$MAMORI" record create --db "$db" --kind fault --actor 閲覧 --role municipality-viewer --json \
  "{\"asset\":\"$cs\",\"class\":\"cs\",\"summary\":\"x\",\"instructed_at\":\"2026-04-01T10:00:00+09:00\"}"

# a CS fault instructed after hours, on-site start one minute late
f=$(R create --kind fault --actor 市職員 --role municipality-approver \
     --json "{\"asset\":\"$cs\",\"class\":\"cs\",\"summary\":\"CS停止\",\"reported_at\":\"2026-04-01T17:10:00+09:00\",\"instructed_at\":\"2026-04-01T17:15:00+09:00\"}")
expect_eq "$(R show --id "$f" | field sla_status)" "missed" "not started, long past due"
expect_rc 2 "$MAMORI" record transition --db "$db" --id "$f" --to on-site --actor 作業者 --role contractor-operator
expect_err "field onsite_started_at: is required in state 'on-site'"
expect_rc 0 "$MAMORI" record update --db "$db" --id "$f" --actor 作業者 --role contractor-operator \
  --json '{"onsite_started_at":"2026-04-01T20:16:00+09:00","recovered_at":"2026-04-01T22:30:00+09:00"}'
expect_rc 2 "$MAMORI" record transition --db "$db" --id "$f" --to on-site --actor 閲覧 --role municipality-viewer
expect_err "role 'municipality-viewer' may not make transition 'arrive'"
expect_rc 0 "$MAMORI" record transition --db "$db" --id "$f" --to on-site --actor 作業者 --role contractor-operator
expect_rc 2 "$MAMORI" record transition --db "$db" --id "$f" --to recovered --actor 作業者 --role contractor-operator
expect_err "field miss_reason: the cs target was missed (due 2026-04-01T20:15:00+09:00, met at 2026-04-01T20:16:00+09:00)"
expect_eq "$(R show --id "$f" | state)" "on-site" "state after the refusal"
expect_rc 0 "$MAMORI" record update --db "$db" --id "$f" --actor 作業者 --role contractor-operator \
  --json '{"miss_reason":"大雪により到着が遅延"}'
expect_rc 0 "$MAMORI" record transition --db "$db" --id "$f" --to recovered --actor 作業者 --role contractor-operator
# only the manager reports, only the municipality closes
expect_rc 2 "$MAMORI" record transition --db "$db" --id "$f" --to reported --actor 作業者 --role contractor-operator
expect_rc 0 "$MAMORI" record transition --db "$db" --id "$f" --to reported --actor 責任者 --role contractor-manager
# removing the reason of a reported missed fault is refused
expect_rc 2 "$MAMORI" record update --db "$db" --id "$f" --actor 責任者 --role contractor-manager --json '{"miss_reason":null}'
expect_err "field miss_reason: the cs target was missed"
expect_rc 2 "$MAMORI" record transition --db "$db" --id "$f" --to closed --actor 責任者 --role contractor-manager
expect_rc 0 "$MAMORI" record transition --db "$db" --id "$f" --to closed --actor 市職員 --role municipality-approver
expect_eq "$(R show --id "$f" | field sla_status)" "missed" "final status"

# a terminal fault started in time: met, closes without a reason
g=$(R create --kind fault --actor 市職員 --role municipality-approver \
     --json "{\"asset\":\"$cs\",\"class\":\"terminal\",\"summary\":\"端末\",\"instructed_at\":\"2026-04-03T16:00:00+09:00\",\"onsite_started_at\":\"2026-04-06T12:00:00+09:00\",\"recovered_at\":\"2026-04-06T13:00:00+09:00\"}")
expect_eq "$(R show --id "$g" | field sla_status)" "met" "started at the due time"
for to in on-site recovered; do expect_rc 0 "$MAMORI" record transition --db "$db" --id "$g" --to $to --actor 作業者 --role contractor-operator; done
expect_rc 0 "$MAMORI" record transition --db "$db" --id "$g" --to reported --actor 責任者 --role contractor-manager

# far in the future: pending
h=$(R create --kind fault --actor 市職員 --role municipality-approver \
     --json "{\"asset\":\"$cs\",\"class\":\"touch-panel\",\"summary\":\"タッチパネル\",\"instructed_at\":\"2099-06-01T10:00:00+09:00\"}")
expect_eq "$(R show --id "$h" | field sla_status)" "pending" "future instruction"

expect_rc 0 "$MAMORI" ledger verify --db "$db"
expect_out "ledger verify: OK"
done_ok
