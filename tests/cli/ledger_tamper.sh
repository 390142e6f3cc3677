#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Tampering with a real database file, one way at a time: `ledger verify`
# must fail (exit 1) and name the exact first bad entry and the reason.
. "$(dirname "$0")/lib.sh"

db=$T/base/m.db
mkdir -p "$T/base"
expect_rc 0 "$MAMORI" init --db "$db"
# the database, and the signing key, are the owner's only
expect_eq "$(stat -c %a "$db")" 600 "database mode"
expect_eq "$(stat -c %a "${db%.db}-ledger.key")" 600 "signing key mode"
# a ledger holding only its genesis entry (no Merkle node stored yet) verifies
expect_rc 0 "$MAMORI" ledger verify --db "$db"
expect_out "entries: 1"
site=$("$MAMORI" record create --db "$db" --kind site --actor 山田 --json '{"name":"中央区役所"}')
for i in 1 2 3; do
  "$MAMORI" record create --db "$db" --kind asset --actor 山田 \
    --json "{\"name\":\"端末$i\",\"site\":\"$site\",\"class\":\"terminal\"}" >/dev/null
done
"$MAMORI" record update --db "$db" --id asset-2 --version 1 --actor 鈴木 --json '{"serial":"SN-0002"}' >/dev/null
"$MAMORI" record transition --db "$db" --id asset-3 --to repair --actor 鈴木 --role contractor-operator --reason 画面不良 >/dev/null
# entries: 1 init, 2 site, 3-5 assets, 6 update, 7 transition
expect_rc 0 "$MAMORI" ledger verify --db "$db"
expect_out "entries: 7"
"$MAMORI" ledger checkpoint --db "$db" >"$T/held.note"

# fresh copy of the base database for each case
fresh() { rm -rf "$T/case"; cp -r "$T/base" "$T/case"; echo "$T/case/m.db"; }
sql() { sqlite3 "$1" "$2"; }
# SQL on the entries one per row (TEMP TABLE e), packed back into the ledger's rows after
esql() { python3 "$(dirname "$0")/ledger_rows.py" "$1" edit "$2"; }
expect_fail_at() { # SEQ REASON-FRAGMENT VERIFY-ARGS...
  local seq=$1 why=$2; shift 2
  expect_rc 1 "$MAMORI" ledger verify "$@"
  expect_out "FAILED at seq $seq"
  expect_out "$why"
}

echo "case: one changed byte in an entry's payload"
d=$(fresh)
esql "$d" "UPDATE e SET entry = substr(entry, 1, length(entry) - 3) || X'5A' || substr(entry, length(entry) - 1) WHERE seq = 4"
expect_fail_at 4 "do not match their recorded hash" --db "$d"

echo "case: changed entry with its hash column rewritten to match"
d=$(fresh)
esql "$d" "UPDATE e SET entry = substr(entry, 1, length(entry) - 3) || X'5A' || substr(entry, length(entry) - 1) WHERE seq = 6;
           UPDATE e SET hash = (SELECT hash FROM e WHERE seq = 1) WHERE seq = 6"
expect_rc 1 "$MAMORI" ledger verify --db "$d"
expect_out "FAILED at seq 6"

echo "case: a deleted entry"
d=$(fresh)
esql "$d" "DELETE FROM e WHERE seq = 3"
expect_fail_at 3 "position 3 carries sequence number 4" --db "$d"
echo "case: a deleted row of entries"
d=$(fresh)
sql "$d" "DELETE FROM ledger"
expect_fail_at 1 "were removed" --db "$d"

echo "case: two entries swapped"
d=$(fresh)
esql "$d" "CREATE TEMP TABLE s AS SELECT seq, entry, hash FROM e WHERE seq IN (4, 5);
           UPDATE e SET entry = (SELECT entry FROM s WHERE s.seq = 9 - e.seq),
                        hash = (SELECT hash FROM s WHERE s.seq = 9 - e.seq) WHERE seq IN (4, 5)"
expect_fail_at 4 "carries sequence number 5" --db "$d"

echo "case: truncated tail against a checkpoint the verifier holds"
d=$(fresh)
esql "$d" "DELETE FROM e WHERE seq > 5; DELETE FROM checkpoint WHERE size > 5"
expect_fail_at 6 "were removed" --db "$d" --checkpoint "$T/held.note"
# and the bundle path says the same
expect_rc 0 "$MAMORI" ledger export --db "$d" -o "$T/trunc.bundle"
expect_fail_at 6 "were removed" --bundle "$T/trunc.bundle" --checkpoint "$T/held.note" --key "$T/base/m-ledger.pub"

echo "case: a projection row edited directly"
d=$(fresh)
sql "$d" "UPDATE record SET data = replace(data, 'SN-0002', 'SN-9999') WHERE id = 'asset-2'"
expect_fail_at 6 "table record, row asset-2" --db "$d"

echo "case: a history row edited directly"
d=$(fresh)
sql "$d" "UPDATE record_version SET actor = '佐藤' WHERE id = 'asset-3' AND version = 2"
expect_fail_at 7 "table record_version, row asset-3 version 2" --db "$d"

echo "case: a bad signature on a stored checkpoint"
d=$(fresh)
sql "$d" "UPDATE checkpoint SET note = replace(note, 'time 1', 'time 2') WHERE size = 4"
expect_fail_at 4 "checkpoint at tree size 4" --db "$d"
expect_out "no valid signature"

echo "case: a time that goes backwards"
d=$(fresh)
esql "$d" "UPDATE e SET entry = substr(entry, 1, 9) || zeroblob(8) || substr(entry, 18) WHERE seq = 5"
expect_fail_at 5 "time goes backwards" --db "$d"

echo "case: a different verifier key is refused"
d=$(fresh)
mkdir -p "$T/other"
"$MAMORI" init --db "$T/other/o.db" >/dev/null
expect_fail_at 1 "no valid signature" --db "$d" --key "$T/other/o-ledger.pub"

echo "case: bundles verify offline with the public key, and damage to them is found"
expect_rc 0 "$MAMORI" ledger export --db "$T/base/m.db" -o "$T/good.bundle"
expect_rc 0 "$MAMORI" ledger verify --bundle "$T/good.bundle" --key "$T/base/m-ledger.pub" --checkpoint "$T/held.note"
expect_out "entries: 7"
python3 - "$T/good.bundle" "$T/bad.bundle" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.index('画面不良'.encode())          # inside entry 7's payload
b[i] ^= 0x01
open(sys.argv[2], 'wb').write(bytes(b))
PY
expect_fail_at 7 "does not match the entries" --bundle "$T/bad.bundle" --key "$T/base/m-ledger.pub"
head -c $(( $(stat -c %s "$T/good.bundle") - 10 )) "$T/good.bundle" >"$T/short.bundle"
expect_rc 2 "$MAMORI" ledger verify --bundle "$T/short.bundle"
expect_err "truncated"
expect_rc 2 "$MAMORI" ledger verify --bundle "$T/good.bundle" --key "$T/other/o-ledger.pub"
expect_err "not the given key"

echo "case: inclusion proof of an entry against the latest checkpoint"
expect_rc 0 "$MAMORI" ledger proof --db "$T/base/m.db" --seq 3
expect_out '"tree_size": 7'
expect_out '"inclusion_path"'
expect_rc 2 "$MAMORI" ledger proof --db "$T/base/m.db" --seq 99
done_ok
