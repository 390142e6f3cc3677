#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori sla`: every golden case of tests/data/sla/due.txt through the CLI
# (whatever the machine's TZ and locale), --json, status with its exit codes
# and languages, classes, other contracts, and bad input (exit 2).
. "$(dirname "$0")/lib.sh"
export LANG=C.UTF-8
unset LC_ALL LC_MESSAGES

# -- the golden cases, under three machine time zones --
n=0
while read -r cls in want; do
  for tz in Asia/Tokyo UTC America/New_York; do
    TZ=$tz expect_rc 0 "$MAMORI" sla due --class "$cls" --instructed "$in"
    expect_eq "$(cat "$T/out")" "$want" "$cls $in (TZ=$tz)"
  done
  n=$((n + 1))
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$MM_SRC/tests/data/sla/due.txt")
[ "$n" -ge 50 ] || fail "only $n golden cases"

# the contract's examples, spelled as DESIGN.md spells them
expect_rc 0 "$MAMORI" sla due --class cs --instructed 2026-04-01T08:45:00+09:00
expect_eq "$(cat "$T/out")" "2026-04-01T10:15:00+09:00"
expect_rc 0 "$MAMORI" sla due --class=cs --instructed=2026-04-01T08:45:00+09:00 \
  --contract "$MM_SRC/data/contracts/default.json"
expect_eq "$(cat "$T/out")" "2026-04-01T10:15:00+09:00"
LANG=ja_JP.UTF-8 expect_rc 0 "$MAMORI" sla due --class terminal --instructed 2026-04-03T10:00:00+09:00
expect_eq "$(cat "$T/out")" "2026-04-06T12:00:00+09:00" "due is the same in Japanese"

# -- --json --
expect_rc 0 "$MAMORI" sla due --class cs --instructed 2026-03-31T23:45:00Z --json
expect_eq "$(jq -c '[.class, .kind, .instructed, .due, .in_business_hours]' "$T/out")" \
  '["cs","wall_clock","2026-04-01T08:45:00+09:00","2026-04-01T10:15:00+09:00",true]'
expect_rc 0 "$MAMORI" sla due --class touch-panel --instructed 2026-12-28T18:00:00+09:00 --json
expect_eq "$(jq -c '[.kind, .due, .in_business_hours]' "$T/out")" \
  '["time_on_business_day","2027-01-04T08:45:00+09:00",false]'

# -- status: met, missed (exit 1, reason required), pending; both languages --
expect_rc 0 "$MAMORI" sla status --class cs --instructed 2026-04-01T10:00:00+09:00 \
  --started 2026-04-01T11:30:00+09:00
expect_eq "$(cat "$T/out")" "$(printf 'due: 2026-04-01T11:30:00+09:00\nstate: met\nremaining: 0:00:00\nreason required: no')"
expect_rc 1 "$MAMORI" sla status --class cs --instructed 2026-04-01T10:00:00+09:00 \
  --started 2026-04-01T12:05:30+09:00
expect_eq "$(cat "$T/out")" "$(printf 'due: 2026-04-01T11:30:00+09:00\nstate: missed\nremaining: -0:35:30\nreason required: yes')"
LANG=ja_JP.UTF-8 expect_rc 1 "$MAMORI" sla status --class cs --instructed 2026-04-01T10:00:00+09:00 \
  --started 2026-04-01T12:05:30+09:00
expect_eq "$(cat "$T/out")" "$(printf '期限: 2026-04-01T11:30:00+09:00\n状態: 未達\n残り時間: -0:35:30\n理由の記載: 必要')"
LANG=ja_JP.UTF-8 expect_rc 0 "$MAMORI" sla status --class terminal --instructed 2026-05-01T16:00:00+09:00 \
  --now 2026-05-02T09:00:00+09:00
expect_eq "$(cat "$T/out")" "$(printf '期限: 2026-05-07T12:00:00+09:00\n状態: 対応中\n残り時間: 123:00:00\n理由の記載: 不要')"
expect_rc 1 "$MAMORI" sla status --class minutes --instructed 2026-04-01T15:00:00+09:00 \
  --now 2026-04-09T09:00:00+09:00 --json
expect_eq "$(jq -c '[.due, .state, .remaining_seconds, .reason_required]' "$T/out")" \
  '["2026-04-08T17:15:00+09:00","missed",-56700,true]'
# without --now: evaluated at the current time (an old instruction is long overdue)
expect_rc 1 "$MAMORI" sla status --class cs --instructed 2000-01-01T00:00:00Z
expect_out "state: missed"
expect_rc 2 "$MAMORI" sla status --class cs --instructed 2026-04-01T10:00:00Z \
  --started 2026-04-01T11:00:00Z --now 2026-04-01T11:00:00Z
expect_err "give --started or --now, not both"
expect_rc 2 "$MAMORI" sla status --class cs --instructed 2026-04-01T10:00:00Z --started 2026-04-01T11:00
expect_err "--started: date-time \"2026-04-01T11:00\": has no UTC offset"

# -- classes --
expect_rc 0 "$MAMORI" sla classes
expect_eq "$(cut -f1 "$T/out" | tr '\n' ' ')" "cs terminal touch-panel minutes minutes-external "
expect_out "90 min in business hours, else 180 min"
expect_rc 0 "$MAMORI" sla classes --json
expect_eq "$(jq -r '.classes[] | select(.class == "minutes") | .rule' "$T/out")" \
  "close of business on business day +5"

# -- another contract: other hours and a business-minutes rule --
cat >"$T/c.json" <<'EOF'
{"format": "mamori-contract/1", "name": "other",
 "calendar": {"office_hours": {"open": "09:00", "close": "18:00"}},
 "sla": [{"class": "cs", "kind": "wall_clock", "in_hours_minutes": 60, "out_of_hours_minutes": 120},
         {"class": "remote", "kind": "business_minutes", "minutes": 240, "label": "リモート対応"}]}
EOF
expect_rc 0 "$MAMORI" sla due --class cs --instructed 2026-04-01T08:45:00+09:00 --contract "$T/c.json"
expect_eq "$(cat "$T/out")" "2026-04-01T10:45:00+09:00"
expect_rc 0 "$MAMORI" sla due --class cs --instructed 2026-04-01T17:30:00+09:00 --contract "$T/c.json"
expect_eq "$(cat "$T/out")" "2026-04-01T18:30:00+09:00"
expect_rc 0 "$MAMORI" sla due --class remote --instructed 2026-04-03T16:00:00+09:00 --contract "$T/c.json"
expect_eq "$(cat "$T/out")" "2026-04-06T11:00:00+09:00"
expect_rc 2 "$MAMORI" sla due --class terminal --instructed 2026-04-03T16:00:00+09:00 --contract "$T/c.json"
expect_err 'unknown class "terminal" (this contract has: cs, remote)'

# the example of data/contracts/README.md loads and works
sed -n '/^```json$/,/^```$/p' "$MM_SRC/data/contracts/README.md" | sed '1d;$d' >"$T/example.json"
expect_rc 0 "$MAMORI" sla classes --contract "$T/example.json"
expect_eq "$(cut -f1 "$T/out" | tr '\n' ' ')" "server client inquiry minutes "
expect_rc 0 "$MAMORI" sla due --class server --instructed 2026-06-15T10:00:00+09:00 --contract "$T/example.json"
expect_eq "$(cat "$T/out")" "2026-06-15T12:00:00+09:00" "市民の日 is closed: out of hours"
expect_rc 0 "$MAMORI" sla due --class server --instructed 2026-06-16T08:30:00+09:00 --contract "$T/example.json"
expect_eq "$(cat "$T/out")" "2026-06-16T09:30:00+09:00"

# -- bad input: a clear message and exit 2 --
bad() { # MESSAGE ARGS...
  local msg=$1; shift
  expect_rc 2 "$MAMORI" sla "$@"
  expect_err "$msg"
  [ ! -s "$T/out" ] || fail "stdout not empty on error: $*"
}
bad "has no UTC offset (add Z, +09:00 or another offset)" due --class cs --instructed 2026-04-01T10:00:00
bad "has no time of day" due --class cs --instructed 2026-04-01
bad "day 30 does not exist in 2026-02" due --class cs --instructed 2026-02-30T10:00:00+09:00
bad "hour 25 does not exist" due --class cs --instructed 2026-04-01T25:00:00+09:00
bad "2-digit offset hour" due --class cs --instructed 2026-04-01T10:00:00+9
bad "is not a UTC offset" due --class cs --instructed 2026-04-01T10:00:00+25:00
bad "outside the supported range 1973-01-01 … 2099-12-31" due --class cs --instructed 1972-06-01T10:00:00Z
bad "outside the supported range" due --class cs --instructed 2100-01-01T10:00:00+09:00
bad "due time falls after 2099-12-31" due --class cs --instructed 2099-12-31T23:00:00+09:00
bad "class terminal: no business day after it" due --class terminal --instructed 2099-12-30T10:00:00+09:00
bad "is longer than 64 bytes" due --class cs --instructed "2026-04-01T10:00:00.$(printf '0%.0s' {1..80})Z"
bad "not printable ASCII" due --class cs --instructed $'2026-04-01T10:00:00\tZ'
bad 'unknown class "server" (this contract has: cs, terminal, touch-panel, minutes, minutes-external)' \
  due --class server --instructed 2026-04-01T10:00:00Z
bad "missing --class" due --instructed 2026-04-01T10:00:00Z
bad "missing --instructed" due --class cs
bad "option --class needs a value" due --instructed 2026-04-01T10:00:00Z --class
bad "--started and --now belong to \`sla status\`" due --class cs --instructed 2026-04-01T10:00:00Z --now 2026-04-01T10:00:00Z
bad 'unknown sla command "overdue"' overdue
bad "sla takes one command" due extra --class cs --instructed 2026-04-01T10:00:00Z
# malformed contract files name the file, the JSON path and the reason
printf '{"format": "mamori-contract/1", "sla": [{"class": "cs", "kind": "wall_clock", "in_hours_minutes": "90", "out_of_hours_minutes": 180}]}' >"$T/b1.json"
bad "$T/b1.json: \$.sla[0].in_hours_minutes: must be a whole number" \
  due --class cs --instructed 2026-04-01T10:00:00Z --contract "$T/b1.json"
printf '{"format": "mamori-contract/1", "sla": [{"class": "cs", "kind": "hourly"}]}' >"$T/b2.json"
bad "$T/b2.json: \$.sla[0].kind: must be one of wall_clock, time_on_business_day, business_minutes, within_business_days" \
  due --class cs --instructed 2026-04-01T10:00:00Z --contract "$T/b2.json"
printf '{"format": "mamori-contract/1", "sla": []' >"$T/b3.json"
bad "$T/b3.json:1:" due --class cs --instructed 2026-04-01T10:00:00Z --contract "$T/b3.json"
: >"$T/empty.json"
bad "$T/empty.json: empty, not a contract" classes --contract "$T/empty.json"
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/big.json"
bad "$T/big.json" classes --contract "$T/big.json"
bad "$T/none.json" classes --contract "$T/none.json"
bad "is a directory" classes --contract "$T"

expect_rc 0 "$MAMORI" sla --help
expect_out "mamori sla due --class CLASS --instructed ISO-8601"
expect_rc 2 "$MAMORI" sla
done_ok
