#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori report` refuses bad input with exit 2 and a message naming what
# is wrong (report, option, id, output), leaves no file behind, and writes
# nothing to the ledger; an empty month is a valid, empty report.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is missing (scripts/deps.sh test)"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing (scripts/deps.sh build)"
db=$T/m.db
. "$MM_SRC/tests/data/report/setup.sh"
out=$T/o/r.xlsx
mkdir -p "$T/o"
rep() { "$MAMORI" report "$@"; }
bad() { # MESSAGE ARGS...: exit 2, stderr names the problem, no output file
  local msg=$1; shift
  expect_rc 2 "$MAMORI" report "$@"
  expect_err "$msg"
  [ ! -e "$out" ] || fail "output written despite: $*"
  [ -z "$(ls -A "$T/o")" ] || fail "temporary file left: $(ls -A "$T/o")"
}
entries() { ledger_sql "$db" "select count(*) from e"; }
before=$(entries)

expect_rc 2 "$MAMORI" report
expect_err "usage: mamori report NAME"
expect_rc 0 "$MAMORI" report --help
expect_out "erasure-certificate"
bad "unknown report 'payroll' (reports: monthly-work, completion" payroll --db "$db" --month 2026-10 -o "$out"
bad "--month '2026-13': month 13 is not 01-12" monthly-work --db "$db" --month 2026-13 -o "$out"
bad "--month '2026/10': expected YYYY-MM" monthly-work --db "$db" --month 2026/10 -o "$out"
bad "--month '2026-1': expected YYYY-MM" monthly-work --db "$db" --month 2026-1 -o "$out"
bad "--month '1999-12': year 1999 is outside" monthly-work --db "$db" --month 1999-12 -o "$out"
bad "--month '': expected YYYY-MM" access-log --db "$db" --month '' -o "$out"
bad "report monthly-work: missing --month YYYY-MM" monthly-work --db "$db" -o "$out"
bad "report fault: missing --month YYYY-MM or --id ID" fault --db "$db" -o "$out"
bad "report inspection: missing --id ID" inspection --db "$db" -o "$out"
bad "give --month or --id, not both" fault --db "$db" --month 2026-10 --id "$f1" -o "$out"
bad "report access-log is made for a month" access-log --db "$db" --id "$acc1" -o "$out"
bad "report erasure-certificate is made for one record: use --id ID of a confidential_material" \
  erasure-certificate --db "$db" --month 2026-10 -o "$out"
bad "--id '../../etc/passwd': not a record id" work-request --db "$db" --id ../../etc/passwd -o "$out"
bad "--lang 'fr': expected ja or en" fault --db "$db" --id "$f1" --lang fr -o "$out"
bad "--role 'root': unknown role" fault --db "$db" --id "$f1" --role root -o "$out"
bad "missing -o FILE.xlsx" fault --db "$db" --id "$f1"
bad "missing --db" fault --id "$f1" -o "$out"
bad "--db $T/none.db: no such database" fault --db "$T/none.db" --id "$f1" -o "$out"
bad "report: unexpected argument 'extra'" fault --db "$db" --id "$f1" -o "$out" extra
# ids: unknown, of the wrong kind, another organisation's, a record that cannot make the report
bad "fault-999" fault --db "$db" --id fault-999 -o "$out"
bad "--id $t1 is a asset record; report fault needs a record of kind fault" fault --db "$db" --id "$t1" -o "$out"
bad "--id $wr is a work_request record; report inspection needs a record of kind inspection_campaign" inspection --db "$db" --id "$wr" -o "$out"
bad "not erased: an erasure certificate needs the erasure reported" erasure-certificate --db "$db" --id "$held" -o "$out"
bad "$f1" fault --db "$db" --id "$f1" --tenant city-b -o "$out"
# unwritable output
bad "$T/nowhere" fault --db "$db" --id "$f1" -o "$T/nowhere/r.xlsx"
bad "is a directory" fault --db "$db" --id "$f1" -o "$T/o"
chmod 0555 "$T/o"
if [ "$(id -u)" -ne 0 ]; then bad "cannot create a file there" fault --db "$db" --id "$f1" -o "$out"; fi
chmod 0755 "$T/o"
# nothing of the refusals reached the ledger (a checkpoint signed on the way is not an entry)
[ "$(entries)" = "$before" ] || fail "a refused report wrote to the ledger"; ok

# a month without records is a valid report with empty tables; another tenant sees none of this one's
expect_rc 0 "$MAMORI" report monthly-work --db "$db" --month 2030-01 -o "$T/empty.xlsx"
[ -s "$T/empty.xlsx" ] || fail "empty month"; ok
expect_rc 0 "$MAMORI" report fault --db "$db" --month 2026-10 --tenant city-b -o "$T/other.xlsx"
python3 - "$T/other.xlsx" "$f1" <<'PY' || fail "another tenant's report shows this tenant's faults"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
text = z.read("xl/sharedStrings.xml").decode()
assert sys.argv[2] not in text and "(該当なし)" in text
PY
ok
[ "$(entries)" = $((before + 2)) ] || fail "each written report is one ledger entry"; ok
# an existing file is replaced whole (atomic rename), keeping no temporary file
echo old >"$out"
expect_rc 0 "$MAMORI" report fault --db "$db" --id "$f1" -o "$out"
[ "$(head -c 2 "$out")" = PK ] || fail "not replaced by a workbook"; ok
[ "$(ls -A "$T/o")" = r.xlsx ] || fail "temporary file left"; ok
done_ok
