#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mamori-agent fim restore: only a valid signed order puts approved content
# back (owner, mode, mtime restored; no tamper alert afterwards); forged,
# replayed, expired, unsigned-for-us and traversal orders are refused with
# exit 2; a symlink planted on the path is refused and nothing is written
# through it.
. "$(dirname "$0")/lib.sh"
A=${MAMORI_AGENT:?}
tree=$T/tree st=$T/state
mkdir -p "$tree/www/css"
printf '<h1>approved</h1>\n' >"$tree/www/index.html"
printf 'body{}\n' >"$tree/www/css/site.css"
chmod 640 "$tree/www/index.html"
touch -d '2024-04-01 09:00:00' "$tree/www/index.html"
mtime=$(stat -c %Y "$tree/www/index.html")
approved=$(sha256sum <"$tree/www/index.html" | cut -c1-64)
css=$(sha256sum <"$tree/www/css/site.css" | cut -c1-64)
cat >"$T/fim.json" <<JSON
{"version": 1, "paths": [{"path": "$tree/www", "protect": true}],
 "restore": {"public_key_file": "$T/order.pub"}}
JSON
expect_rc 0 "$A" fim order keygen --secret "$T/order.key" --public "$T/order.pub"
[ "$(stat -c %a "$T/order.key")" = 600 ] || fail "secret key is not 0600"
expect_rc 0 "$A" fim baseline --config "$T/fim.json" --state "$st"

# tamper
printf '<h1>defaced</h1>\n' >"$tree/www/index.html"
chmod 777 "$tree/www/index.html"
expect_rc 1 "$A" fim check --config "$T/fim.json" --state "$st"
expect_out "modified: $tree/www/index.html"

now=$(date +%s)
order() { # id host issued expires files... → $T/<id>.order
  local id=$1 host=$2 iss=$3 exp=$4; shift 4
  { printf 'mamori-fim-restore-order v1\nid: %s\nhost: %s\nissued: %s\nexpires: %s\n' "$id" "$host" "$iss" "$exp"
    for f in "$@"; do printf 'file: %s\n' "$f"; done; } >"$T/$id.body"
  "$A" fim order sign --key "$T/order.key" --in "$T/$id.body" --out "$T/$id.order" >/dev/null || fail "sign $id"
}

# refused before anything is written
order o-forged '*' "$now" $((now + 600)) "$approved $tree/www/index.html"
sed -i "s|$tree/www/index.html|$tree/www/css/site.css|" "$T/o-forged.order"
expect_rc 2 "$A" fim restore --order "$T/o-forged.order" --config "$T/fim.json" --state "$st"
expect_err "signature does not verify"
order o-expired '*' $((now - 7200)) $((now - 3600)) "$approved $tree/www/index.html"
expect_rc 2 "$A" fim restore --order "$T/o-expired.order" --config "$T/fim.json" --state "$st"
expect_err "not valid now"
order o-host other-host "$now" $((now + 600)) "$approved $tree/www/index.html"
expect_rc 2 "$A" fim restore --order "$T/o-host.order" --config "$T/fim.json" --state "$st"
expect_err "is for host other-host"
order o-hash '*' "$now" $((now + 600)) "$css $tree/www/index.html"
expect_rc 2 "$A" fim restore --order "$T/o-hash.order" --config "$T/fim.json" --state "$st"
expect_err "not the approved one"
printf 'mamori-fim-restore-order v1\nid: t\nhost: *\nissued: %s\nexpires: %s\nfile: %s %s\n' "$now" $((now + 600)) \
  "$approved" "$tree/www/../www/index.html" >"$T/trav.body"
expect_rc 2 "$A" fim order sign --key "$T/order.key" --in "$T/trav.body" --out "$T/trav.order"
expect_err "must be absolute without '.', '..'"
order o-outside '*' "$now" $((now + 600)) "$approved /etc/passwd"
expect_rc 2 "$A" fim restore --order "$T/o-outside.order" --config "$T/fim.json" --state "$st"
expect_err "not under a configured path"
# no key configured: refused
expect_rc 2 "$A" fim restore --order "$T/o-hash.order" --path "$tree/www" --state "$st"
expect_err "no restore key configured"
# a key that did not sign it
"$A" fim order keygen --secret "$T/k2" --public "$T/p2" >/dev/null
expect_rc 2 "$A" fim restore --order "$T/o-hash.order" --path "$tree/www" --state "$st" --order-key "$T/p2"
expect_err "signature does not verify"
grep -q defaced "$tree/www/index.html" || fail "a refused order changed the file"

# the valid order
order o-1 '*' "$now" $((now + 600)) "$approved $tree/www/index.html"
expect_rc 0 "$A" fim restore --order "$T/o-1.order" --config "$T/fim.json" --state "$st"
expect_out "restored: $tree/www/index.html"
grep -q approved "$tree/www/index.html" || fail "content not restored"
expect_eq "$(stat -c %a "$tree/www/index.html")" 640 "mode after restore"
expect_eq "$(stat -c %Y "$tree/www/index.html")" "$mtime" "mtime after restore"
ls -a "$tree/www" | grep -q mamori-restore && fail "temp file left behind"
# the agent's own restore raises no tamper alert
expect_rc 0 "$A" fim check --config "$T/fim.json" --state "$st"
expect_rc 0 "$A" fim check --config "$T/fim.json" --state "$st" --full
grep -q '"event":"restored"' "$st/events.jsonl" || fail "no restore event logged"
# replay
expect_rc 2 "$A" fim restore --order "$T/o-1.order" --config "$T/fim.json" --state "$st"
expect_err "already executed (replay)"

# a symlink planted in place of the directory: refused, nothing written through it
mkdir "$T/elsewhere"
mv "$tree/www/css" "$T/css.moved"
ln -s "$T/elsewhere" "$tree/www/css"
order o-2 '*' "$now" $((now + 600)) "$css $tree/www/css/site.css"
expect_rc 1 "$A" fim restore --order "$T/o-2.order" --config "$T/fim.json" --state "$st"
expect_out "error: $tree/www/css/site.css"
expect_out "symbolic link"
[ ! -e "$T/elsewhere/site.css" ] || fail "restore wrote through a symlink"
done_ok
