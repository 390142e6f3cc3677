#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# FIM restore from a UI approval, end to end over TLS (C3; 000 §2(1)): the
# agent baselines a protected tree, a file is tampered with, the operator
# asks for a restore (and may not approve it), the municipality approves,
# the approval itself carries the order signed with the server's ledger key,
# the agent — trusting <db>-ledger.pub — restores the content and `fim check`
# is clean. An edited order, an order for a file the request did not name
# and a replay are refused.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
command -v jq >/dev/null || fail "jq is missing (scripts/deps.sh test)"
A=${MAMORI_AGENT:?}
DB=$T/m.db PW='correct horse battery'
tree=$T/tree st=$T/state
mkdir -p "$tree/www/cgi"
printf '<h1>住民票の写し交付申請</h1>\n' >"$tree/www/index.html"
printf '#!/bin/sh\necho ok\n' >"$tree/www/cgi/run.sh"
chmod 750 "$tree/www/cgi/run.sh"
approved=$(sha256sum <"$tree/www/index.html" | cut -c1-64)
other=$(sha256sum <"$tree/www/cgi/run.sh" | cut -c1-64)

"$MAMORI" init --db "$DB" >/dev/null
for u in op:contractor-operator city:municipality-approver; do
  printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name "${u%%:*}" --role "${u#*:}" --password-stdin >/dev/null
done
R() { "$MAMORI" record "$@" --db "$DB"; }
site=$(R create --kind site --actor 管理者 --json '{"name":"本庁舎","code":"S01"}')
me=$(uname -n)
asset=$(R create --kind asset --actor 管理者 --json "{\"name\":\"WEB-01\",\"site\":\"$site\",\"class\":\"other\",\"hostname\":\"$me\"}")
elsewhere=$(R create --kind asset --actor 管理者 --json "{\"name\":\"WEB-02\",\"site\":\"$site\",\"class\":\"other\",\"hostname\":\"web02\"}")

# the agent's baseline; protected content goes to the vault
expect_rc 0 "$A" fim baseline --protect "$tree/www" --state "$st"
printf '<h1>defaced</h1>\n' >"$tree/www/index.html"
expect_rc 1 "$A" fim check --protect "$tree/www" --state "$st"
expect_out "modified: $tree/www/index.html"

"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
BASE="https://127.0.0.1:$PORT"
c() { # JAR METHOD PATH [curl args...]: status in $hs, body in $T/body
  local jar=$1 m=$2 p=$3; shift 3
  hs=$(curl -sk -o "$T/body" -D "$T/hdr" -w '%{http_code}' -b "$T/$jar" -c "$T/$jar" -H "Origin: $BASE" -X "$m" "$@" "$BASE$p")
}
expect_hs() { [ "$hs" = "$1" ] || { cat "$T/body"; fail "expected HTTP $1, got $hs ($2)"; }; ok; }
login() { c "$1" POST /api/v1/session -H 'Content-Type: application/json' --data "{\"user\":\"$1\",\"password\":\"$PW\"}"; expect_hs 200 "login $1"; eval "CSRF_$1=\$(jq -r .csrf \"\$T/body\")"; }
login op; login city
J() { printf '%s' "$1"; }
post() { local u=$1 p=$2 d=$3 tok; eval "tok=\$CSRF_$u"; c "$u" POST "$p" -H 'Content-Type: application/json' -H "X-CSRF-Token: $tok" --data "$d"; }

# the operator asks for the restore, naming the file and its approved hash
post op /api/v1/records/restore_request "{\"data\":{\"asset\":\"$asset\",\"files\":[\"$approved $tree/www/index.html\"],\"detection\":\"FIM が index.html の改ざんを検知\"}}"
expect_hs 201 "create restore_request"
rr=$(jq -r .id "$T/body")
# no order before approval
c op GET "/api/v1/record/$rr/order"; expect_hs 404 "order before approval"
# people cannot write the order themselves
c op PATCH "/api/v1/record/$rr" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF_op" --data '{"data":{"order":"mamori-fim-restore-order v1\n"}}'
expect_hs 400 "order set by hand"
jq -r .error.detail "$T/body" | grep -q "computed by mamori" || fail "order set by hand: $(cat "$T/body")"; ok
# the operator may not approve
post op "/api/v1/record/$rr/transition" '{"transition":"approve"}'
expect_hs 403 "operator approves"
# the municipality approves: the approval carries the signed order
post city "/api/v1/record/$rr/transition" '{"transition":"approve"}'
expect_hs 200 "city approves"
c op GET "/api/v1/record/$rr/order"; expect_hs 200 "download the order"
cp "$T/body" "$T/rr.order"
grep -qi '^content-disposition: attachment; filename="ord-[0-9a-f]*.order"' "$T/hdr" || fail "order download headers"; ok
head -1 "$T/rr.order" | grep -qx 'mamori-fim-restore-order v1' || fail "order format"; ok
grep -qx "host: $me" "$T/rr.order" || fail "order host is the asset's host name"; ok
grep -qx "file: $approved $tree/www/index.html" "$T/rr.order" || fail "order file line"; ok
# the approval's ledger entry is the one with the order in it
c op GET "/api/v1/record/$rr/history"
[ "$(jq -r '[.[] | select(.op == "approve")][0] | .actor + " " + (.data.order | length > 0 | tostring)' "$T/body")" = "city true" ] \
  || fail "the approving version carries the order"; ok

pub="${DB%.db}-ledger.pub"
# an edited order (the file named differently) does not verify
sed "s|$tree/www/index.html|$tree/www/cgi/run.sh|" "$T/rr.order" >"$T/forged.order"
expect_rc 2 "$A" fim restore --order "$T/forged.order" --protect "$tree/www" --state "$st" --order-key "$pub"
expect_err "signature does not verify"
# an order the server signed for a different file (with that file's approved hash) does not restore this one
post op /api/v1/records/restore_request "{\"data\":{\"asset\":\"$asset\",\"files\":[\"$other $tree/www/cgi/run.sh\"],\"detection\":\"別ファイル\"}}"
rr2=$(jq -r .id "$T/body")
post city "/api/v1/record/$rr2/transition" '{"transition":"approve"}'; expect_hs 200 "approve the second"
c op GET "/api/v1/record/$rr2/order"; cp "$T/body" "$T/rr2.order"
expect_rc 0 "$A" fim restore --order "$T/rr2.order" --protect "$tree/www" --state "$st" --order-key "$pub"
grep -q defaced "$tree/www/index.html" || fail "an order for another file restored index.html"; ok
# an order for another machine
post op /api/v1/records/restore_request "{\"data\":{\"asset\":\"$elsewhere\",\"files\":[\"$approved $tree/www/index.html\"],\"detection\":\"別機器\"}}"
rr4=$(jq -r .id "$T/body")
post city "/api/v1/record/$rr4/transition" '{"transition":"approve"}'; expect_hs 200 "approve for web02"
c op GET "/api/v1/record/$rr4/order"; cp "$T/body" "$T/rr4.order"
expect_rc 2 "$A" fim restore --order "$T/rr4.order" --protect "$tree/www" --state "$st" --order-key "$pub"
expect_err "is for host web02"
# a key that is not the server's
"$A" fim order keygen --secret "$T/k2" --public "$T/p2" >/dev/null
expect_rc 2 "$A" fim restore --order "$T/rr.order" --protect "$tree/www" --state "$st" --order-key "$T/p2"
expect_err "signature does not verify"

# the approved order restores the content; the check is clean
expect_rc 0 "$A" fim restore --order "$T/rr.order" --protect "$tree/www" --state "$st" --order-key "$pub"
expect_out "restored: $tree/www/index.html"
expect_eq "$(sha256sum <"$tree/www/index.html" | cut -c1-64)" "$approved" "restored content"
expect_rc 0 "$A" fim check --protect "$tree/www" --state "$st"
# and never twice
expect_rc 2 "$A" fim restore --order "$T/rr.order" --protect "$tree/www" --state "$st" --order-key "$pub"
expect_err "already"

# bad requests are refused at approval, naming the field; nothing is approved
post op /api/v1/records/restore_request "{\"data\":{\"asset\":\"$asset\",\"files\":[\"$approved $tree/www/../etc/passwd\"],\"detection\":\"x\"}}"
rr3=$(jq -r .id "$T/body")
post city "/api/v1/record/$rr3/transition" '{"transition":"approve"}'; expect_hs 400 "approve a traversal"
[ "$(jq -r .error.field "$T/body")" = files ] || fail "refusal names the field: $(cat "$T/body")"; ok
c op GET "/api/v1/record/$rr3"; [ "$(jq -r .state "$T/body")" = requested ] || fail "still requested"; ok
# the contractor records the restore
c op PATCH "/api/v1/record/$rr" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF_op" \
  --data "{\"data\":{\"result\":\"復元し fim check で差分なしを確認\",\"restored_at\":\"2026-11-22T10:00:00+09:00\"}}"
expect_hs 200 "record the result"
post op "/api/v1/record/$rr/transition" '{"transition":"complete"}'; expect_hs 200 "complete"
kill -TERM "$SERVER"; wait "$SERVER"
expect_rc 0 "$MAMORI" ledger verify --db "$DB"
done_ok
