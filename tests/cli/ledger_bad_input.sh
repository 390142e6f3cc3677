#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile files handed to `mamori ledger verify --checkpoint FILE` and
# `--key FILE`, against a database and a bundle: missing, empty, truncated,
# wrong format, over the size limit (MM_NOTE_MAX 8192, MM_KEY_FILE_MAX 4096),
# binary, a directory. Each must exit 2 with a message naming the file and
# the reason, and never be mistaken for a verification result.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
"$MAMORI" record create --db "$db" --kind site --actor 山田 --json '{"name":"中央区役所"}' >/dev/null
"$MAMORI" ledger checkpoint --db "$db" >"$T/held.note"
pub=$T/m-ledger.pub
[ -s "$pub" ] || fail "mamori init made no verifier key at $pub"
expect_rc 0 "$MAMORI" ledger export --db "$db" -o "$T/b.bundle"
# the good files pass, so every failure below is caused by the file itself
expect_rc 0 "$MAMORI" ledger verify --db "$db" --key "$pub" --checkpoint "$T/held.note"
expect_rc 0 "$MAMORI" ledger verify --bundle "$T/b.bundle" --key "$pub" --checkpoint "$T/held.note"

f=$T/files
mkdir -p "$f/dir"
: >"$f/empty"
head -c 60 "$T/held.note" >"$f/trunc.note"
head -c 30 "$pub" >"$f/trunc.pub"
printf 'hello, world\n' >"$f/text"
cp "$T/m-ledger.key" "$f/private.key" # a signing key is not a verifier key
head -c 9000 /dev/zero | tr '\0' a >"$f/big.note"
head -c 5000 /dev/zero | tr '\0' a >"$f/big.pub"
printf '\x00\xff\xfe\x01binary\x80\n' >"$f/bin"
# a note whose body is not a checkpoint but is otherwise signed-note shaped
printf 'not a checkpoint\n\n\xe2\x80\x94 x AAAA\n' >"$f/notcp.note"

# bad FILE... : every way of passing it fails with exit 2 naming FILE and REASON
bad() { # OPTION FILE REASON
  local opt=$1 file=$2 why=$3
  for target in "--db $db" "--bundle $T/b.bundle"; do
    # shellcheck disable=SC2086
    expect_rc 2 "$MAMORI" ledger verify $target "$opt" "$file"
    expect_err "$file"
    expect_err "$why"
    grep -q 'FAILED\|OK' "$T/out" && fail "$opt $file: printed a verification result"
    ok
  done
}

echo "case: --checkpoint with hostile files"
bad --checkpoint "$f/missing" "No such file or directory"
bad --checkpoint "$f/empty" "empty file"
bad --checkpoint "$f/trunc.note" "no signature block"
bad --checkpoint "$f/text" "no signature block"
bad --checkpoint "$f/notcp.note" "held checkpoint"
bad --checkpoint "$f/big.note" "larger than the limit of 8192 bytes"
bad --checkpoint "$f/bin" "not UTF-8"
bad --checkpoint "$f/dir" "is a directory"
bad --checkpoint "$pub" "held checkpoint"

echo "case: --key with hostile files"
bad --key "$f/missing" "No such file or directory"
bad --key "$f/empty" "empty file"
bad --key "$f/trunc.pub" "key"
bad --key "$f/text" "expected name+id+key"
bad --key "$f/private.key" "this is a signing (private) key"
bad --key "$f/big.pub" "larger than the limit of 4096 bytes"
bad --key "$f/bin" "expected name+id+key"
bad --key "$f/dir" "is a directory"
bad --key "$T/held.note" "key"

echo "case: a held checkpoint signed by another key is refused, naming the file"
mkdir -p "$T/other"
expect_rc 0 "$MAMORI" init --db "$T/other/o.db"
"$MAMORI" ledger checkpoint --db "$T/other/o.db" >"$T/other.note"
expect_rc 2 "$MAMORI" ledger verify --db "$db" --checkpoint "$T/other.note"
expect_err "held checkpoint $T/other.note"
expect_rc 2 "$MAMORI" ledger verify --bundle "$T/b.bundle" --key "$pub" --checkpoint "$T/other.note"
expect_err "held checkpoint $T/other.note"

done_ok
