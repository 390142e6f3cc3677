#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mamori-agent fim baseline/check: the DESIGN.md contract (exit 0 unchanged,
# 1 changed with each path named, 2 error), text and JSON, quick and full,
# --config, hostile input, a corrupt state, an interrupted baseline resumed,
# and ClamAV with a signature file written here.
. "$(dirname "$0")/lib.sh"
A=${MAMORI_AGENT:?}
tree=$T/tree st=$T/state
mkdir -p "$tree/etc/app" "$tree/www"
echo "listen 80" >"$tree/etc/app/app.conf"
echo "user=a" >"$tree/etc/app/users"
echo "<h1>ok</h1>" >"$tree/www/index.html"
ln -s app.conf "$tree/etc/app/current"
mkfifo "$tree/etc/app/pipe"

expect_rc 0 "$A" fim baseline --path "$tree/etc" --protect "$tree/www" --state "$st"
expect_out "0 warnings"
[ "$(stat -c %a "$st")" = 700 ] || fail "state dir is not 0700"
[ -n "$(find "$st/vault/objects" -type f -perm 0400)" ] || fail "protected content not in the vault"

expect_rc 0 "$A" fim check --path "$tree/etc" --protect "$tree/www" --state "$st"
expect_out "0 added, 0 removed, 0 modified"

# change one of each kind
echo "listen 8080" >"$tree/etc/app/app.conf"
rm "$tree/etc/app/users"
echo x >"$tree/etc/app/new.conf"
ln -sfn /etc/shadow "$tree/etc/app/current"
chmod 600 "$tree/www/index.html"
expect_rc 1 "$A" fim check --path "$tree/etc" --protect "$tree/www" --state "$st"
expect_out "modified: $tree/etc/app/app.conf (size 10 → 12, sha256 "
expect_out "removed: $tree/etc/app/users"
expect_out "added: $tree/etc/app/new.conf"
expect_out "link app.conf → /etc/shadow"
expect_out "modified: $tree/www/index.html (mode 0644 → 0600"
expect_out "1 added, 1 removed, 3 modified"

expect_rc 1 "$A" fim check --path "$tree/etc" --protect "$tree/www" --state "$st" --format json --full
j() { jq -e --arg t "$tree" "$1" "$T/out" >/dev/null || { cat "$T/out"; fail "JSON report: $1"; }; ok; }
j '.format == "mamori-report/1" and .kind == "fim-check" and .agent.name == "mamori-agent"'
j '[.events[] | select(.event == "added" and .path == $t + "/etc/app/new.conf")] | length == 1'
j '[.events[] | select(.event == "removed" and .path == $t + "/etc/app/users")] | length == 1'
j '.events[] | select(.path == $t + "/etc/app/app.conf") | .changes.size == {"before": 10, "after": 12}'
j '.events[] | select(.path == $t + "/etc/app/app.conf") | .changes.sha256.before | length == 64'
j '.summary.added == 1 and .summary.modified == 3 and .summary.hashed >= 1'

# the same through a configuration file
cat >"$T/fim.json" <<JSON
{"version": 1, "paths": ["$tree/etc", {"path": "$tree/www", "protect": true}], "exclude": ["*.swp"]}
JSON
st2=$T/state2
expect_rc 0 "$A" fim baseline --config "$T/fim.json" --state "$st2"
echo junk >"$tree/etc/app/edit.swp"
expect_rc 0 "$A" fim check --config "$T/fim.json" --state "$st2"
echo more >>"$tree/etc/app/app.conf"
expect_rc 1 "$A" fim check --config "$T/fim.json" --state "$st2" --format text
expect_out "modified: $tree/etc/app/app.conf"

# bad input: exit 2 with a message naming what is wrong
expect_rc 2 "$A" fim check --path "$tree/etc" --state "$T/none"
expect_err "state directory"
expect_rc 2 "$A" fim check --state "$st"
expect_err "missing --config FILE or --path DIR"
expect_rc 2 "$A" fim check --path "$tree/etc" --state "$st" --format xml
expect_err "--format"
expect_rc 2 "$A" fim frobnicate
expect_rc 2 "$A" fim check --path "$tree/etc" --state "$st" --bogus
expect_err "unknown option --bogus"
printf '{"paths": ["relative/path"]}' >"$T/bad.json"
expect_rc 2 "$A" fim baseline --config "$T/bad.json" --state "$T/s3"
expect_err "bad.json: paths[0]: must be an absolute path"
printf '{"paths": ["/etc"], "paths": ["/usr"]}' >"$T/dup.json"
expect_rc 2 "$A" fim baseline --config "$T/dup.json" --state "$T/s3"
expect_err "duplicate"
mkdir -m 777 "$T/open"
expect_rc 2 "$A" fim baseline --path "$tree/etc" --state "$T/open"
expect_err "writable by nobody else"

# a corrupt baseline is detected and reported, never trusted; nothing is lost
cp "$st/baseline.mmfim" "$T/good.mmfim"
printf 'X' | dd of="$st/baseline.mmfim" bs=1 seek=100 conv=notrunc status=none
expect_rc 2 "$A" fim check --path "$tree/etc" --protect "$tree/www" --state "$st"
expect_err "checksum mismatch"
head -c 200 "$T/good.mmfim" >"$st/baseline.mmfim"
expect_rc 2 "$A" fim check --path "$tree/etc" --protect "$tree/www" --state "$st"
expect_err "truncated"
cp "$T/good.mmfim" "$st/baseline.mmfim"
expect_rc 1 "$A" fim check --path "$tree/etc" --protect "$tree/www" --state "$st"

# an interrupted baseline resumes: kill it mid-way, run again
big=$T/big; mkdir -p "$big"
for i in $(seq 1 300); do echo "file $i" >"$big/f$i"; done
st4=$T/state4
"$A" fim baseline --path "$big" --state "$st4" --max-rate 100 --threads 1 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$st4/baseline.journal" ] && [ "$(stat -c %s "$st4/baseline.journal")" -gt 2000 ] && break
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[ -f "$st4/baseline.journal" ] || fail "no journal after an interrupted baseline"
[ ! -f "$st4/baseline.mmfim" ] || fail "an interrupted baseline left a baseline"
expect_rc 0 "$A" fim baseline --path "$big" --state "$st4"
expect_err "resuming an interrupted baseline"
resumed=$(grep -o '[0-9]* resumed' "$T/out" | cut -d' ' -f1)
[ "$resumed" -gt 0 ] || fail "nothing resumed"
[ ! -f "$st4/baseline.journal" ] || fail "journal left after completion"
expect_rc 0 "$A" fim check --path "$big" --state "$st4" --full

# malware: a ClamAV signature of a sample written here; the hit is quarantined
printf 'mamori cli test sample, harmless\n' >"$T/sample"
printf '%s:%s:Mamori.CLI.Sample\n' "$(md5sum <"$T/sample" | cut -c1-32)" "$(stat -c %s "$T/sample")" >"$T/sigs.hdb"
st5=$T/state5
expect_rc 0 "$A" fim baseline --path "$tree/www" --state "$st5"
cp "$T/sample" "$tree/www/dropped.php"
expect_rc 1 "$A" fim check --path "$tree/www" --state "$st5" --malware-db "$T/sigs.hdb"
expect_out "malware: $tree/www/dropped.php [Mamori.CLI.Sample"
expect_out "quarantined: $tree/www/dropped.php"
[ ! -e "$tree/www/dropped.php" ] || fail "malware left in place"
q=$(find "$st5/vault/quarantine" -name '*.z')
[ "$(stat -c %a "$q")" = 0 ] || fail "quarantined object is not mode 0"
grep -q '"event":"quarantined"' "$st5/events.jsonl" || fail "no quarantine event logged"
expect_rc 2 "$A" fim check --path "$tree/www" --state "$st5" --malware-db "$T/missing.hdb"
expect_err "malware database"
done_ok
