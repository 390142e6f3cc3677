#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mamori-agent fim window / approve: during a signed maintenance window,
# changes dpkg made to the files it owns (content equal to its md5sums or
# conffile hashes) are reported `expected` with package and version, not as
# changes (check exits 0 for them); a tampered package file, an unowned file
# and a change after the window still alarm. After the window `fim approve`
# folds the expected changes into the baseline and nothing else; forged,
# foreign-host, expired, early and replayed approvals are refused (exit 2).
. "$(dirname "$0")/lib.sh"
A=${MAMORI_AGENT:?}
tree=$T/tree st=$T/state dpkg=$T/dpkg
mkdir -p "$tree/usr/bin" "$tree/etc/tool" "$tree/srv" "$dpkg/info"
printf 'tool 1.0\n' >"$tree/usr/bin/tool"
printf 'lib 1.0\n' >"$tree/usr/bin/helper"
printf 'old helper, dropped in 1.1\n' >"$tree/usr/bin/old-helper"
printf 'mode=1\n' >"$tree/etc/tool/tool.conf"
printf 'app data\n' >"$tree/srv/app.dat"
chmod 755 "$tree/usr/bin/tool" "$tree/usr/bin/helper"
md5() { md5sum <"$1" | cut -c1-32; }
# dpkg database as it is after "apt-get install tool=1.1" (written below, in the window)
write_dpkg() { # version
  cat >"$dpkg/status" <<ST
Package: tool
Status: install ok installed
Architecture: amd64
Version: $1
Conffiles:
 $tree/etc/tool/tool.conf $(md5 "$tree/etc/tool/tool.conf")
 $tree/etc/tool/obsolete.conf 0123456789abcdef0123456789abcdef obsolete
Description: a tool

Package: other
Status: deinstall ok config-files
Architecture: amd64
Version: 9
Description: removed, not purged
ST
  printf '/.\n%s\n%s\n%s\n%s\n%s\n%s\n' "$tree" "$tree/usr" "$tree/usr/bin" "$tree/usr/bin/tool" "$tree/usr/bin/helper" \
    "$tree/etc/tool/tool.conf" >"$dpkg/info/tool:amd64.list"
  { printf '%s  %s\n' "$(md5 "$tree/usr/bin/tool")" "${tree#/}/usr/bin/tool"
    printf '%s  %s\n' "$(md5 "$tree/usr/bin/helper")" "${tree#/}/usr/bin/helper"; } >"$dpkg/info/tool:amd64.md5sums"
}
write_dpkg 1.0
cat >"$T/fim.json" <<JSON
{"version": 1, "paths": [{"path": "$tree", "protect": true}], "dpkg_dir": "$dpkg",
 "restore": {"public_key_file": "$T/order.pub"}}
JSON
expect_rc 0 "$A" fim order keygen --secret "$T/order.key" --public "$T/order.pub"
expect_rc 0 "$A" fim baseline --config "$T/fim.json" --state "$st"

window() { # id host start end packages... → $T/<id>.order
  local id=$1 host=$2 s=$3 e=$4; shift 4
  { printf 'mamori-fim-window-order v1\nid: %s\nhost: %s\nstart: %s\nend: %s\n' "$id" "$host" "$s" "$e"
    for p in "$@"; do printf 'package: %s\n' "$p"; done; } >"$T/$id.body"
  "$A" fim order sign --key "$T/order.key" --in "$T/$id.body" --out "$T/$id.order" >/dev/null || fail "sign $id"
}
now=$(date +%s)
end=$((now + 4))

# refused windows
window w-forged '*' $((now - 5)) "$end" tool
sed -i 's/^package: tool$/package: tool2/' "$T/w-forged.order"
expect_rc 2 "$A" fim window --order "$T/w-forged.order" --config "$T/fim.json" --state "$st"
expect_err "signature does not verify"
window w-host other-host $((now - 5)) "$end"
expect_rc 2 "$A" fim window --order "$T/w-host.order" --config "$T/fim.json" --state "$st"
expect_err "is for host other-host"
window w-old '*' $((now - 7200)) $((now - 3600))
expect_rc 2 "$A" fim window --order "$T/w-old.order" --config "$T/fim.json" --state "$st"
expect_err "ended at"
printf 'mamori-fim-window-order v1\nid: w\nhost: *\nstart: 5\nend: 4\n' >"$T/bad.body"
expect_rc 2 "$A" fim order sign --key "$T/order.key" --in "$T/bad.body" --out "$T/bad.order"
expect_err "window order line 5"
expect_rc 2 "$A" fim window --order "$T/w-host.order" --path "$tree" --state "$st"
expect_err "no restore key"

# an approved window for the package tool, open now
window w-1 '*' $((now - 5)) "$end" tool
expect_rc 0 "$A" fim window --order "$T/w-1.order" --config "$T/fim.json" --state "$st"
expect_out "window w-1 installed"
# an installed window file that was tampered with is never trusted
sed 's/^package: tool$/package: zzz/' "$T/w-1.order" >"$st/windows/w-evil.order"

# the package manager upgrades tool to 1.1 (in the window) ...
printf 'tool 1.1\n' >"$tree/usr/bin/tool"
printf 'lib 1.1 (new)\n' >"$tree/usr/bin/helper"
printf 'mode=2\n' >"$tree/etc/tool/tool.conf"
rm "$tree/usr/bin/old-helper"
write_dpkg 1.1
# ... and someone tampers meanwhile: a package file whose content is not the shipped one,
printf 'tool 1.1\n' >"$tree/usr/bin/tool-extra"
printf '%s\n' "$tree/usr/bin/tool-extra" >>"$dpkg/info/tool:amd64.list"
printf '00000000000000000000000000000000  %s\n' "${tree#/}/usr/bin/tool-extra" >>"$dpkg/info/tool:amd64.md5sums"
# and a file no package owns
printf 'app data changed\n' >"$tree/srv/app.dat"

expect_rc 1 "$A" fim check --config "$T/fim.json" --state "$st"
expect_line() { # PREFIX SUFFIX: one stdout line starts with PREFIX and ends with SUFFIX
  grep -F -- "$1" "$T/out" | grep -qF -- "$2" || { cat "$T/out"; fail "no line '$1 … $2'"; }; ok; }
expect_line "expected: $tree/usr/bin/tool (" "[package tool 1.1; window w-1]"
expect_line "expected: $tree/usr/bin/helper (" "[package tool 1.1; window w-1]"
expect_line "expected: $tree/etc/tool/tool.conf (" "[package tool 1.1; window w-1]"
expect_out "expected: $tree/usr/bin/old-helper [package tool 1.1 (its directory); window w-1]"
expect_out "added: $tree/usr/bin/tool-extra"
expect_out "modified: $tree/srv/app.dat"
expect_out "summary: 1 added, 0 removed, 1 modified, 4 expected"
grep -q "^modified: $tree/usr/bin/tool " "$T/out" && fail "tool reported as a change"
expect_err "w-evil.order: ignored (never trusted)"
grep -q '"event":"expected"' "$st/events.jsonl" || fail "events.jsonl lacks the expected events"
# JSON: the expected events carry the package and version
expect_rc 1 "$A" fim check --config "$T/fim.json" --state "$st" --format json
python3 - "$T/out" "$tree" <<'PY' || fail "json expected events"
import json, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]
ev = {e["path"]: e for e in d["events"]}
assert ev[t + "/usr/bin/tool"]["event"] == "expected", ev[t + "/usr/bin/tool"]
assert "package tool 1.1" in ev[t + "/usr/bin/tool"]["detail"]
assert ev[t + "/srv/app.dat"]["event"] == "modified"
assert d["summary"]["expected"] == 4 and d["summary"]["modified"] == 1 and d["summary"]["added"] == 1, d["summary"]
PY
ok

# approval only after the window closed
expect_rc 2 "$A" fim approve --window w-1 --config "$T/fim.json" --state "$st"
expect_err "is open until"
expect_rc 2 "$A" fim approve --window nope --config "$T/fim.json" --state "$st"
expect_err "window nope is not installed"
while [ "$(date +%s)" -le "$end" ]; do sleep 0.5; done
sleep 1.1
# a change after the window is not expected, even to a package file
printf 'tool 1.1 patched by hand\n' >"$tree/usr/bin/helper"
expect_rc 1 "$A" fim approve --window w-1 --config "$T/fim.json" --state "$st"
expect_out "expected: $tree/usr/bin/tool "
expect_out "modified: $tree/usr/bin/helper"
expect_out "modified: $tree/srv/app.dat"
expect_out "added: $tree/usr/bin/tool-extra"
[ -f "$st/windows/w-1.approved" ] || fail "window not marked approved"

# the baseline now holds tool 1.1 and the new conffile; the rest still alarms
expect_rc 1 "$A" fim check --config "$T/fim.json" --state "$st"
for p in usr/bin/tool etc/tool/tool.conf usr/bin/old-helper; do
  awk -v p="$tree/$p" '$2 == p {f = 1} END {exit !f}' "$T/out" && fail "$p still reported after approval"
done
expect_out "modified: $tree/usr/bin/helper"
expect_out "modified: $tree/srv/app.dat"
expect_out "added: $tree/usr/bin/tool-extra"
expect_out "summary: 1 added, 0 removed, 2 modified"
# approved content is restorable: it is in the vault
"$A" fim check --config "$T/fim.json" --state "$st" --format json >/dev/null 2>&1 || true
h=$(sha256sum <"$tree/usr/bin/tool" | cut -c1-64)
[ -f "$st/vault/objects/${h:0:2}/$h" ] || fail "approved content of tool not in the vault"

# replay: the approved window cannot be installed or approved again
expect_rc 2 "$A" fim approve --window w-1 --config "$T/fim.json" --state "$st"
expect_err "already approved"
window w-2 '*' $((now - 5)) $(( $(date +%s) + 60 )) tool
cp "$T/w-1.order" "$T/w-1-again.order"
expect_rc 2 "$A" fim window --order "$T/w-1-again.order" --config "$T/fim.json" --state "$st"
expect_err "ended at"

# a window restricted to another package explains nothing of tool
rm -f "$st/windows/w-evil.order"
window w-3 '*' $((now - 5)) $(( $(date +%s) + 60 )) openssl
expect_rc 0 "$A" fim window --order "$T/w-3.order" --config "$T/fim.json" --state "$st"
printf 'lib 1.1 (new)\n' >"$tree/usr/bin/helper"   # shipped content again, but not openssl's file
expect_rc 1 "$A" fim check --config "$T/fim.json" --state "$st"
expect_out "modified: $tree/usr/bin/helper"
grep -q "^expected:" "$T/out" && fail "a window for openssl explained tool's files"

# watch follows the same rules live: a window for tool makes the package's write expected,
# while a write to an unowned file is still a modification
window w-4 '*' $(( $(date +%s) - 5 )) $(( $(date +%s) + 60 )) tool
expect_rc 0 "$A" fim window --order "$T/w-4.order" --config "$T/fim.json" --state "$st"
"$A" fim watch --config "$T/fim.json" --state "$st" --format json --max-seconds 4 >"$T/watch.out" 2>"$T/watch.err" &
wpid=$!
for _ in $(seq 1 100); do grep -q watching "$T/watch.err" && break; sleep 0.1; done
printf 'lib 1.1 (new)\n' >"$tree/usr/bin/helper.tmp" && mv "$tree/usr/bin/helper.tmp" "$tree/usr/bin/helper"
printf 'app data changed again\n' >"$tree/srv/app.dat"
wait "$wpid" || fail "watch exited $?: $(cat "$T/watch.err")"
grep -F "\"path\":\"$tree/usr/bin/helper\"" "$T/watch.out" | grep -q '"event":"expected"' ||
  { cat "$T/watch.out"; fail "watch did not report helper as expected"; }
grep -F "\"path\":\"$tree/srv/app.dat\"" "$T/watch.out" | grep -q '"event":"modified"' ||
  { cat "$T/watch.out"; fail "watch did not report app.dat as modified"; }
ok
done_ok
