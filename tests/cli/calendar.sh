#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori calendar`: holiday lists against the official lists of chosen
# years (tests/data/cal/holidays-YEAR.txt, as published by the Cabinet
# Office), business-day answers in both languages, arithmetic over closures,
# --json, contracts, and bad input (exit 2 with a clear message).
. "$(dirname "$0")/lib.sh"
data="$MM_SRC/tests/data/cal"
export LANG=C.UTF-8
unset LC_ALL LC_MESSAGES

# -- holidays: the golden years, whole output --
for f in "$data"/holidays-*.txt; do
  y=$(basename "$f" .txt); y=${y#holidays-}
  expect_rc 0 "$MAMORI" calendar holidays "$y"
  diff -u "$f" "$T/out" || fail "holidays $y differ from $f"
  ok
done
expect_rc 0 "$MAMORI" calendar holidays 2026 --json
expect_eq "$(jq '.holidays | length' "$T/out")" 18 "2026 holiday count"
expect_eq "$(jq -r '.year' "$T/out")" 2026
expect_eq "$(jq -r '.holidays[0] | "\(.date) \(.name) \(.name_en)"' "$T/out")" "2026-01-01 元日 New Year's Day"
expect_eq "$(jq -r '.holidays[] | select(.date == "2026-09-22") | .name' "$T/out")" "国民の休日"
# text and JSON list the same days
"$MAMORI" calendar holidays 2019 >"$T/text"
"$MAMORI" calendar holidays 2019 --json | jq -r '.holidays[] | "\(.date) \(.name)"' >"$T/fromjson"
diff -u "$T/text" "$T/fromjson" || fail "text and --json disagree"; ok
# the whole range answers; its edges do not
expect_rc 0 "$MAMORI" calendar holidays 1973
expect_rc 0 "$MAMORI" calendar holidays 2099
expect_out "2099-09-23 秋分の日"
expect_rc 2 "$MAMORI" calendar holidays 1972
expect_err "year 1972 is outside the supported range 1973–2099"
expect_rc 2 "$MAMORI" calendar holidays 2100
expect_err "outside the supported range"
expect_rc 2 "$MAMORI" calendar holidays abc
expect_err "is not a number"
expect_rc 2 "$MAMORI" calendar holidays -5
expect_rc 2 "$MAMORI" calendar holidays
expect_err "holidays takes 1 argument"
expect_rc 2 "$MAMORI" calendar holidays 2026 2027
expect_rc 2 "$MAMORI" calendar holidays 2026 --contract x.json
expect_err "--contract does not apply"

# -- is-business-day: yes / no (<reason>), exit 0 either way, by locale --
check_day() { # DATE JA EN
  LANG=ja_JP.UTF-8 expect_rc 0 "$MAMORI" calendar is-business-day "$1"
  expect_eq "$(cat "$T/out")" "$2" "$1 (ja)"
  LANG=en_US.UTF-8 expect_rc 0 "$MAMORI" calendar is-business-day "$1"
  expect_eq "$(cat "$T/out")" "$3" "$1 (en)"
}
check_day 2026-04-01 "yes" "yes"
check_day 2026-04-04 "no (土曜日)" "no (Saturday)"
check_day 2026-04-05 "no (日曜日)" "no (Sunday)"
check_day 2026-01-01 "no (元日)" "no (national holiday: New Year's Day (元日))"
check_day 2026-05-06 "no (振替休日)" "no (national holiday: Substitute Holiday (振替休日))"
check_day 2026-09-22 "no (国民の休日)" "no (national holiday: Citizens' Holiday (国民の休日))"
check_day 2026-12-29 "no (年末年始の休庁日)" "no (year-end closure)"
check_day 2027-01-03 "no (年末年始の休庁日)" "no (year-end closure)"
check_day 2026-12-28 "yes" "yes"
check_day 2019-05-01 "no (天皇の即位の日)" "no (national holiday: Enthronement Day (天皇の即位の日))"
# LC_ALL wins over LANG; LC_MESSAGES over LANG
LANG=en_US.UTF-8 LC_ALL=ja_JP.UTF-8 expect_rc 0 "$MAMORI" calendar is-business-day 2026-04-04
expect_eq "$(cat "$T/out")" "no (土曜日)"
LANG=ja_JP.UTF-8 LC_MESSAGES=C expect_rc 0 "$MAMORI" calendar is-business-day 2026-04-04
expect_eq "$(cat "$T/out")" "no (Saturday)"
expect_rc 0 "$MAMORI" calendar is-business-day 2026-01-01 --json
expect_eq "$(jq -c '[.business_day, .reason, .name]' "$T/out")" '[false,"holiday","元日"]'
expect_rc 0 "$MAMORI" calendar is-business-day 2026-04-01 --json
expect_eq "$(jq -c '[.business_day, .reason]' "$T/out")" '[true,null]'
# bad dates
expect_rc 2 "$MAMORI" calendar is-business-day 2026-02-30
expect_err 'date "2026-02-30": day 30 does not exist in 2026-02'
expect_rc 2 "$MAMORI" calendar is-business-day 2026-2-3
expect_err "2-digit month"
expect_rc 2 "$MAMORI" calendar is-business-day 1972-12-31
expect_err "outside the supported range"
expect_rc 2 "$MAMORI" calendar is-business-day 2026-04-01T10:00:00+09:00
expect_err "the end (YYYY-MM-DD)"
expect_rc 2 "$MAMORI" calendar is-business-day ""
expect_err "date is empty"

# -- add-business-days --
add() { expect_rc 0 "$MAMORI" calendar add-business-days "$1" -- "$2"; expect_eq "$(cat "$T/out")" "$3" "$1 + $2"; }
add 2026-04-01 1 2026-04-02
add 2026-04-03 1 2026-04-06
add 2026-12-28 1 2027-01-04
add 2027-01-04 -1 2026-12-28
add 2026-05-01 1 2026-05-07
add 2026-04-04 0 2026-04-06
add 2026-04-01 5 2026-04-08
expect_rc 2 "$MAMORI" calendar add-business-days 2026-04-01 --
expect_rc 0 "$MAMORI" calendar add-business-days 2026-04-01 1
expect_eq "$(cat "$T/out")" 2026-04-02
expect_rc 0 "$MAMORI" calendar add-business-days 2026-12-25 2 --json
expect_eq "$(jq -c '[.date, .n, .result]' "$T/out")" '["2026-12-25",2,"2027-01-04"]'
expect_rc 2 "$MAMORI" calendar add-business-days 2026-04-01 x
expect_err "is not a whole number of days"
expect_rc 2 "$MAMORI" calendar add-business-days 2026-04-01 99999999999999999999
expect_rc 2 "$MAMORI" calendar add-business-days 2099-12-28 1
expect_err "no business day after it"
expect_rc 2 "$MAMORI" calendar add-business-days 2026-04-01
expect_err "takes 2 arguments"

# -- business-minutes --
expect_rc 0 "$MAMORI" calendar business-minutes 2026-04-03T16:15:00+09:00 2026-04-06T09:45:00+09:00
expect_eq "$(cat "$T/out")" 120
expect_rc 0 "$MAMORI" calendar business-minutes 2026-04-01T00:00:00Z 2026-04-01T23:00:00Z --json
expect_eq "$(jq -c '[.from, .business_minutes]' "$T/out")" '["2026-04-01T09:00:00+09:00",495]'
expect_rc 2 "$MAMORI" calendar business-minutes 2026-04-01T00:00:00 2026-04-02T00:00:00Z
expect_err "no UTC offset"

# -- a contract's calendar --
cat >"$T/c.json" <<'EOF'
{"format": "mamori-contract/1",
 "calendar": {"office_hours": {"open": "09:00", "close": "17:00"},
              "year_end_closure": false,
              "closed_days": [{"date": "2026-06-15", "name": "市民の日"}]},
 "sla": []}
EOF
LANG=ja_JP.UTF-8 expect_rc 0 "$MAMORI" calendar is-business-day 2026-06-15 --contract "$T/c.json"
expect_eq "$(cat "$T/out")" "no (休庁日: 市民の日)"
expect_rc 0 "$MAMORI" calendar is-business-day 2026-06-15 --contract "$T/c.json"
expect_eq "$(cat "$T/out")" "no (closed: 市民の日)"
expect_rc 0 "$MAMORI" calendar is-business-day 2026-12-29 --contract "$T/c.json"
expect_eq "$(cat "$T/out")" "yes"
expect_rc 0 "$MAMORI" calendar add-business-days 2026-12-28 1 --contract "$T/c.json"
expect_eq "$(cat "$T/out")" "2026-12-29"
expect_rc 0 "$MAMORI" calendar business-minutes 2026-04-01T00:00:00+09:00 2026-04-02T00:00:00+09:00 --contract "$T/c.json"
expect_eq "$(cat "$T/out")" 480
# bad contracts
printf '{"format": "mamori-contract/1", "calendar": {"office_hours": {"open": "9:00", "close": "17:00"}}, "sla": []}' >"$T/bad.json"
expect_rc 2 "$MAMORI" calendar is-business-day 2026-04-01 --contract "$T/bad.json"
expect_err "$T/bad.json: \$.calendar.office_hours.open: must be a time \"HH:MM\""
printf '{"format": "mamori-contract/1",\n "sla": [,]}' >"$T/syntax.json"
expect_rc 2 "$MAMORI" calendar is-business-day 2026-04-01 --contract "$T/syntax.json"
expect_err "$T/syntax.json:2:"
expect_err "not valid JSON"
expect_rc 2 "$MAMORI" calendar is-business-day 2026-04-01 --contract "$T/missing.json"
expect_err "$T/missing.json"

# -- the group itself --
expect_rc 0 "$MAMORI" calendar --help
expect_out "mamori calendar holidays YEAR [--json]"
expect_rc 2 "$MAMORI" calendar
expect_rc 2 "$MAMORI" calendar easter 2026
expect_err 'unknown calendar command "easter"'
expect_rc 2 "$MAMORI" calendar holidays 2026 --yaml
expect_err "unknown option --yaml"
done_ok
