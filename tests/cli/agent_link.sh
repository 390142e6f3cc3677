# SPDX-License-Identifier: Apache-2.0
# The agent link end to end against a real `mamori serve` over TLS: one-time
# tokens (reuse, expiry, certificate pin), enrollment, signed report upload
# filling an inspection item, and every refusal (replay, forgery, wrong
# asset, wrong key, revoked agent) over HTTPS and through `mamori import`
# of an offline bundle; the ledger verifies at the end.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
command -v jq >/dev/null || fail "jq is missing (scripts/deps.sh test)"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing (scripts/deps.sh build)"
: "${MAMORI_AGENT:?run through ctest}"
A=$MAMORI_AGENT
H=$MM_SRC/tests/fixtures/hosts
export MAMORI_NOW=1763337600
DB=$T/m.db
"$MAMORI" init --db "$DB" >/dev/null
R() { "$MAMORI" record "$@" --db "$DB"; }
site=$(R create --kind site --actor 管理者 --json '{"name":"本庁舎"}')
a1=$(R create --kind asset --actor 管理者 --json "{\"name\":\"窓口端末1\",\"site\":\"$site\",\"class\":\"terminal\"}")
a2=$(R create --kind asset --actor 管理者 --json "{\"name\":\"窓口端末2\",\"site\":\"$site\",\"class\":\"terminal\"}")
a3=$(R create --kind asset --actor 管理者 --json "{\"name\":\"廃棄端末\",\"site\":\"$site\",\"class\":\"terminal\"}")
R transition --id "$a3" --actor 管理者 --transition retire --reason "撤去" >/dev/null

# ---- enroll-token: bad input, and the token's shape ----
expect_rc 2 "$MAMORI" enroll-token --db "$DB"
expect_err "missing --asset"
expect_rc 2 "$MAMORI" enroll-token --db "$DB" --asset asset-999
expect_err "no asset record has id 'asset-999'"
expect_rc 2 "$MAMORI" enroll-token --db "$DB" --asset "$a3"
expect_err "not in-service"
expect_rc 2 "$MAMORI" enroll-token --db "$DB" --asset "$a1" --ttl 0
expect_err "--ttl"
expect_rc 2 "$MAMORI" enroll-token --db "$DB" --asset '../x'
expect_err "not a record id"
expect_rc 0 "$MAMORI" enroll-token --db "$DB" --asset "$a1" --actor 管理者
tok1=$(cat "$T/out")
[[ $tok1 =~ ^MT1\.[0-9a-f]{64}\.[0-9a-f]{64}$ ]] || fail "token shape: $tok1"; ok
# the pin is the SHA-256 of the server certificate's DER bytes
pin=$(openssl x509 -in "$T/m-tls.crt" -outform DER | sha256sum | cut -c1-64)
expect_eq "$(echo "$tok1" | cut -d. -f2)" "$pin" "token pin"
# the secret is stored only hashed; issuing is a ledger entry
secret=$(echo "$tok1" | cut -d. -f3)
[ "$(sqlite3 "$DB" "select count(*) from agent_token")" = 1 ] || fail "token row"; ok
[ "$(sqlite3 "$DB" "select count(*) from agent_token where instr(hash, '$secret')")" = 0 ] || fail "secret stored"; ok
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('$secret' as blob))")" = 0 ] || fail "secret in ledger"; ok
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('agent.token-issue' as blob))")" = 1 ] || fail "issue entry"; ok
tok2=$("$MAMORI" enroll-token --db "$DB" --asset "$a2")
tokx=$("$MAMORI" enroll-token --db "$DB" --asset "$a1" --ttl 1)
# a second installation: its token pins another certificate
mkdir "$T/other"
"$MAMORI" init --db "$T/other/o.db" >/dev/null
oa=$("$MAMORI" record create --db "$T/other/o.db" --kind site --actor x --json '{"name":"別"}')
ob=$("$MAMORI" record create --db "$T/other/o.db" --kind asset --actor x --json "{\"name\":\"x\",\"site\":\"$oa\",\"class\":\"terminal\"}")
tok_other=$("$MAMORI" enroll-token --db "$T/other/o.db" --asset "$ob")

# ---- the server ----
"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
stop_server() { if [ -n "${SERVER:-}" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" || true; SERVER=; fi; }
trap 'rc_=$?; stop_server; (exit $rc_); cleanup' EXIT
for _ in $(seq 300); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
URL=https://127.0.0.1:$PORT

# ---- enroll: bad input, wrong certificate, success, reuse, expiry ----
expect_rc 2 "$A" enroll --server "http://127.0.0.1:$PORT" --token "$tok1" --state "$T/s1"
expect_err "must start with https://"
expect_rc 2 "$A" enroll --server "$URL" --token "MT1.zz" --state "$T/s1"
expect_err "token: expected MT1."
expect_rc 2 "$A" enroll --server "$URL" --token "$tok_other" --state "$T/sx"
expect_err "not the one the enrollment token pinned"
[ ! -e "$T/sx/agent.key" ] || fail "a key was kept after a refused enrollment"; ok
expect_rc 0 "$A" enroll --server "$URL" --token "$tok1" --state "$T/s1" --hostname jk-term-01
expect_out "enrolled as agent"
ag1=$(jq -r .agent "$T/s1/link.json")
[ "$(stat -c %a "$T/s1/agent.key")" = 600 ] || fail "agent.key mode"; ok
[ "$(jq -r .asset "$T/s1/link.json")" = "$a1" ] || fail "link asset"; ok
R show --id "$ag1" >"$T/ag.json"
[ "$(jq -r .data.asset "$T/ag.json")" = "$a1" ] || fail "agent record asset"; ok
[ "$(jq -r .data.hostname "$T/ag.json")" = jk-term-01 ] || fail "agent record hostname"; ok
[ "$(jq -r .state "$T/ag.json")" = active ] || fail "agent state"; ok
# the agent's public key in the record is the one in its state
seedpk=$(jq -r .data.public_key "$T/ag.json")
[ ${#seedpk} = 64 ] || fail "public key hex"; ok
# the server's ledger key is kept in the format `fim --order-key` reads
python3 - "$T/m-ledger.pub" "$T/s1/server.pub" <<'EOF' || fail "server.pub is not the ledger key"
import base64, sys
v = open(sys.argv[1]).read().strip().split('+', 2)
k = base64.b64decode(v[2])[1:]
assert base64.b64decode(open(sys.argv[2]).read().strip()) == k and len(k) == 32
EOF
ok
expect_rc 2 "$A" enroll --server "$URL" --token "$tok1" --state "$T/s1b"
expect_err "token_used"
expect_rc 2 "$A" enroll --server "$URL" --token "$tok2" --state "$T/s1"
expect_err "already enrolled"
sleep 1.2
expect_rc 2 "$A" enroll --server "$URL" --token "$tokx" --state "$T/sx2"
expect_err "token_expired"
expect_rc 0 "$A" enroll --server "$URL" --token "$tok2" --state "$T/s2"
ag2=$(jq -r .agent "$T/s2/link.json")
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('agent.enroll-refused' as blob))")" -ge 2 ] ||
  fail "enroll refusals are not in the ledger"; ok
# the enroll endpoint refuses bad bodies clearly
run curl -sk -X POST --data-binary '{"token":1}' "$URL/api/v1/agent/enroll"
[ "$(jq -r .error.code "$T/out")" = bad_request ] || fail "enroll bad body"; ok

# ---- an inspection campaign with an open automated item of asset 1 ----
camp=$(R create --kind inspection_campaign --actor 責任者 --json '{"title":"令和8年度 設置及び設定状況チェック","fiscal_year":2026}')
item3=$(R create --kind inspection_item --actor 責任者 --json "{\"campaign\":\"$camp\",\"asset\":\"$a1\",\"target\":\"terminal\",\"item_no\":3,\"item\":\"ユーザアカウントの確認\",\"method\":\"automated\"}")
item12=$(R create --kind inspection_item --actor 責任者 --json "{\"campaign\":\"$camp\",\"asset\":\"$a1\",\"target\":\"terminal\",\"item_no\":12,\"item\":\"パスワードの表示確認\",\"method\":\"manual\"}")
item3b=$(R create --kind inspection_item --actor 責任者 --json "{\"campaign\":\"$camp\",\"asset\":\"$a2\",\"target\":\"terminal\",\"item_no\":3,\"item\":\"ユーザアカウントの確認\",\"method\":\"automated\"}")

# ---- run: upload, stored, agent and item updated ----
expect_rc 1 "$A" run --state "$T/s1" --root "$H/noncompliant" --site "$H/site.yaml"
expect_out "report 1 accepted: fail"
R show --id "$ag1" >"$T/ag.json"
[ "$(jq -r .data.report_counter "$T/ag.json")" = 1 ] || fail "report_counter"; ok
[ "$(jq -r .data.last_result "$T/ag.json")" = fail ] || fail "last_result"; ok
att=$(jq -r .data.last_report "$T/ag.json")
[ -n "$(jq -r .data.last_report_at "$T/ag.json")" ] || fail "last_report_at"; ok
[ "$(sqlite3 "$DB" "select count(*) from attachment where sha256='$att'")" = 1 ] || fail "report attachment"; ok
# the stored attachment is the exact report, with the agent's own signature inside
f=$(find "$T/m.db.attachments" -name "$att*" -type f | head -1)
[ -n "$f" ] && [ "$(sha256sum <"$f" | cut -c1-64)" = "$att" ] || fail "attachment bytes"; ok
[ "$(jq -r .format "$f")" = mamori-report/1 ] || fail "attachment is not the report"; ok
pkb64=$(python3 -c "import base64,sys;print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())" "$seedpk")
[ "$(jq -r .signature.public_key "$f")" = "$pkb64" ] || fail "the report is not signed by the agent key"; ok
R show --id "$item3" >"$T/it.json"
[ "$(jq -r .state "$T/it.json")" = failed ] || fail "item 3 not failed: $(cat "$T/it.json")"; ok
[ "$(jq -r .data.result "$T/it.json")" = fail ] || fail "item 3 result"; ok
[ "$(jq -r .data.agent_report "$T/it.json")" = "$att" ] || fail "item 3 agent_report"; ok
jq -r .data.finding "$T/it.json" | grep -q "terminal.03" || fail "item 3 finding names the failed check"; ok
[ "$(R show --id "$item12" | jq -r .state)" = open ] || fail "manual item touched"; ok
[ "$(R show --id "$item3b" | jq -r .state)" = open ] || fail "another asset's item touched"; ok

# asset 2 passes: its item passes
expect_rc 0 "$A" run --state "$T/s2" --root "$H/compliant" --site "$H/site.yaml"
expect_out "1 inspection item(s) filled"
[ "$(R show --id "$item3b" | jq -r .state)" = passed ] || fail "item 3b not passed"; ok
[ "$(R show --id "$ag2" | jq -r .data.last_result)" = pass ] || fail "agent 2 last_result"; ok
# the upload runs in a child that gives up root (to nobody) and fails closed if it cannot
if [ "$(id -u)" = 0 ] && command -v strace >/dev/null; then
  # (LeakSanitizer cannot run under ptrace; the other runs of this test check leaks)
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 expect_rc 0 strace -f -qq -e trace=setuid,setgid -o "$T/strace" "$A" run --state "$T/s2" --root "$H/compliant" --site "$H/site.yaml"
  grep -Eq "setuid\($(id -u nobody)\) += 0" "$T/strace" || { cat "$T/strace"; fail "the upload kept root"; }; ok
  grep -Eq "setuid\(0\) += -1 EPERM" "$T/strace" || { cat "$T/strace"; fail "the drop of root is not verified"; }; ok
fi

# ---- refusals over HTTPS ----
# replay: the same envelope again
expect_rc 0 "$A" run --state "$T/s1" --root "$H/compliant" --site "$H/site.yaml" --bundle "$T/b2.bin"
expect_rc 0 "$MAMORI" import --db "$DB" "$T/b2.bin"
expect_out "accepted report 2"
run curl -sk -X POST --data-binary @"$T/b2.bin" "$URL/api/v1/agent/report"
[ "$(jq -r .error.code "$T/out")" = replay ] || fail "HTTP replay not refused: $(cat "$T/out")"; ok
# forged: a flipped byte in the signature, in the counter, in the report
flip() { python3 -c "import sys;b=bytearray(open(sys.argv[1],'rb').read());i=int(sys.argv[2]);i=i if i>=0 else len(b)+i;b[i]^=1;open(sys.argv[3],'wb').write(b)" "$@"; }
expect_rc 0 "$A" run --state "$T/s1" --root "$H/compliant" --site "$H/site.yaml" --bundle "$T/b3.bin"
hl=$(python3 -c "import sys,struct;print(struct.unpack('>I',open(sys.argv[1],'rb').read()[8:12])[0])" "$T/b3.bin")
flip "$T/b3.bin" $((12 + hl + 5)) "$T/forged-sig.bin"
flip "$T/b3.bin" $((12 + hl - 8 - 32 - 8 - 1)) "$T/forged-counter.bin"
flip "$T/b3.bin" -3 "$T/forged-report.bin"
run curl -sk -X POST --data-binary @"$T/forged-sig.bin" "$URL/api/v1/agent/report"
[ "$(jq -r .error.code "$T/out")" = forged ] || fail "forged signature: $(cat "$T/out")"; ok
run curl -sk -X POST --data-binary @"$T/forged-counter.bin" "$URL/api/v1/agent/report"
[ "$(jq -r .error.code "$T/out")" = forged ] || fail "forged counter: $(cat "$T/out")"; ok
run curl -sk -X POST --data-binary @"$T/forged-report.bin" "$URL/api/v1/agent/report"
[ "$(jq -r .error.code "$T/out")" = malformed ] || fail "changed report: $(cat "$T/out")"; ok
grep -q "SHA-256 differs" "$T/out" || fail "changed report reason"; ok
# wrong asset: agent 1 claims asset 2 (its own valid signature)
cp -r "$T/s1" "$T/s1wrong"
jq --arg a "$a2" '.asset = $a' "$T/s1/link.json" >"$T/s1wrong/link.json"
expect_rc 2 "$A" run --state "$T/s1wrong" --root "$H/compliant" --site "$H/site.yaml"
expect_err "wrong_asset"
# wrong key: agent 1's identity with another key
cp -r "$T/s1" "$T/s1key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/s1key/agent.key"
expect_rc 2 "$A" run --state "$T/s1key" --root "$H/compliant" --site "$H/site.yaml"
expect_err "wrong_key"
# the accepted counter did not move through any refusal
[ "$(R show --id "$ag1" | jq -r .data.report_counter)" = 2 ] || fail "counter moved by a refusal"; ok
# the agent of another organisation's id does not exist here
cp -r "$T/s1" "$T/s1ten"
jq '.tenant = "city-b"' "$T/s1/link.json" >"$T/s1ten/link.json"
expect_rc 2 "$A" run --state "$T/s1ten" --root "$H/compliant" --site "$H/site.yaml"
expect_err "unknown_agent"
# a body too large is refused before it is read
head -c $((9 * 1024 * 1024)) /dev/zero >"$T/big.bin"
run curl -sk -X POST --data-binary @"$T/big.bin" "$URL/api/v1/agent/report"
[ "$(jq -r .error.code "$T/out")" = too_large ] || fail "oversized body: $(cat "$T/out")"; ok
# the run that succeeds after refusals still counts up
expect_rc 0 "$A" run --state "$T/s1" --root "$H/compliant" --site "$H/site.yaml"
expect_out "accepted: pass"
# revoked agent
R transition --id "$ag1" --actor 管理者 --transition revoke --reason "端末入替" >/dev/null
expect_rc 2 "$A" run --state "$T/s1" --root "$H/compliant" --site "$H/site.yaml"
expect_err "revoked"
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('agent.report-refused' as blob))")" -ge 7 ] ||
  fail "report refusals are not in the ledger"; ok

# ---- bundles through `mamori import`: the same checks ----
expect_rc 0 "$A" run --state "$T/s2" --root "$H/compliant" --site "$H/site.yaml" --bundle "$T/c.bin"
expect_out "wrote report"
cp "$T/c.bin" "$T/c-copy.bin"
expect_rc 0 "$MAMORI" import --db "$DB" "$T/c.bin"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/c-copy.bin"
expect_err "refused (replay)"
expect_rc 1 "$A" run --state "$T/s2" --root "$H/noncompliant" --site "$H/site.yaml" --bundle "$T/d.bin"
flip "$T/d.bin" $((12 + $(python3 -c "import sys,struct;print(struct.unpack('>I',open(sys.argv[1],'rb').read()[8:12])[0])" "$T/d.bin") + 1)) "$T/d-forged.bin"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/d-forged.bin"
expect_err "refused (forged)"
head -c 100 "$T/d.bin" >"$T/d-trunc.bin"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/d-trunc.bin"
expect_err "refused (malformed)"
head -c $((9 * 1024 * 1024)) /dev/zero >"$T/d-big.bin"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/d-big.bin"
expect_err "d-big.bin"
printf 'hello' >"$T/d-junk.bin"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/d-junk.bin"
expect_err "bad magic"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/none.bin"
expect_err "none.bin"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/b3.bin"
expect_err "refused (revoked)"
# the good noncompliant bundle is accepted afterwards, exit 1 (failures)
expect_rc 1 "$MAMORI" import --db "$DB" "$T/d.bin"
[ "$(R show --id "$ag2" | jq -r .data.last_result)" = fail ] || fail "import did not update the agent"; ok
# wrong asset through a bundle
jq --arg a "$a1" '.asset = $a' "$T/s2/link.json" >"$T/s2/link.json.new" && mv "$T/s2/link.json.new" "$T/s2/link.json"
expect_rc 0 "$A" run --state "$T/s2" --root "$H/compliant" --site "$H/site.yaml" --bundle "$T/e.bin"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/e.bin"
expect_err "refused (wrong_asset)"

# ---- offline enrollment: request → `mamori import --reply` → reply; then bundles only ----
a4=$(R create --kind asset --actor 管理者 --json "{\"name\":\"閉域端末\",\"site\":\"$site\",\"class\":\"terminal\"}")
tok4=$("$MAMORI" enroll-token --db "$DB" --asset "$a4")
expect_rc 0 "$A" enroll --token "$tok4" --state "$T/s4" --request "$T/req4.json" --hostname offline-01
expect_out "wrote the enrollment request"
[ -e "$T/s4/agent.key" ] && [ ! -e "$T/s4/link.json" ] || fail "offline enrollment step 1 state"; ok
! grep -q "$(jq -r .token "$T/req4.json" | cut -d. -f3)" "$T/s4/pending.json" || fail "the token secret was kept"; ok
expect_rc 2 "$A" enroll --token "$tok4" --state "$T/s4" --request "$T/req4b.json"
expect_err "already enrolled"
expect_rc 2 "$A" enroll --state "$T/s4" --reply "$T/none.json"
expect_err "none.json"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/req4.json"
expect_err "give --reply FILE"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/c.bin" --reply "$T/x.json"
expect_err "only for enrollment requests"
printf '{"token":"MT1.x"}' >"$T/badreq.json"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/badreq.json" --reply "$T/x.json"
expect_err "are required"
expect_rc 0 "$MAMORI" import --db "$DB" "$T/req4.json" --reply "$T/rep4.json"
expect_out "enrolled agent"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/req4.json" --reply "$T/rep4b.json"
expect_err "refused (token_used)"
# a reply is bound to the key that asked: another pending agent cannot take it
tok5=$("$MAMORI" enroll-token --db "$DB" --asset "$a4")
expect_rc 0 "$A" enroll --token "$tok5" --state "$T/s5" --request "$T/req5.json"
expect_rc 2 "$A" enroll --state "$T/s5" --reply "$T/rep4.json"
expect_err "enrolled another key"
[ ! -e "$T/s5/link.json" ] || fail "a foreign reply was kept"; ok
expect_rc 0 "$A" enroll --state "$T/s4" --reply "$T/rep4.json"
expect_out "enrolled as agent"
[ ! -e "$T/s4/pending.json" ] || fail "pending.json left behind"; ok
ag4=$(jq -r .agent "$T/s4/link.json")
[ "$(R show --id "$ag4" | jq -r .data.hostname)" = offline-01 ] || fail "offline agent record"; ok
expect_rc 2 "$A" run --state "$T/s4" --root "$H/compliant" --site "$H/site.yaml"
expect_err "enrolled offline"
expect_rc 0 "$A" run --state "$T/s4" --root "$H/compliant" --site "$H/site.yaml" --bundle "$T/f.bin"
expect_rc 0 "$MAMORI" import --db "$DB" "$T/f.bin"
expect_out "accepted report 1 of agent $ag4"
expect_rc 2 "$MAMORI" import --db "$DB" "$T/f.bin"
expect_err "refused (replay)"

# ---- the enrolled state verifies orders signed with the server's ledger key (FIM restore) ----
python3 - "$T/m-ledger.key" "$T/m-ledger.pub" "$T/ledger-order.key" <<'EOF' || fail "cannot convert the ledger key"
import base64, sys
# signed-note keys: "PRIVATE+KEY+name+id+base64(1 ‖ seed)" and "name+id+base64(1 ‖ public key)"
seed = base64.b64decode(open(sys.argv[1]).read().strip().split('+', 4)[4])[1:]
pk = base64.b64decode(open(sys.argv[2]).read().strip().split('+', 2)[2])[1:]
open(sys.argv[3], 'w').write(base64.b64encode(seed + pk).decode() + '\n')
EOF
mkdir -p "$T/www"
printf '<h1>窓口</h1>\n' >"$T/www/index.html"
good=$(sha256sum <"$T/www/index.html" | cut -c1-64)
expect_rc 0 "$A" fim baseline --protect "$T/www" --state "$T/fim"
printf 'defaced\n' >"$T/www/index.html"
now=$(date +%s)
printf 'mamori-fim-restore-order v1\nid: ord-1\nhost: *\nissued: %s\nexpires: %s\nfile: %s %s\n' \
  "$now" $((now + 600)) "$good" "$T/www/index.html" >"$T/ord.body"
expect_rc 0 "$A" fim order sign --key "$T/ledger-order.key" --in "$T/ord.body" --out "$T/ord.order"
expect_rc 0 "$A" fim restore --order "$T/ord.order" --protect "$T/www" --state "$T/fim" --order-key "$T/s2/server.pub"
[ "$(sha256sum <"$T/www/index.html" | cut -c1-64)" = "$good" ] || fail "not restored with the enrolled server key"; ok
# an order signed by any other key is refused with the enrolled key
"$A" fim order keygen --secret "$T/other.key" --public "$T/other.pub" >/dev/null
sed 's/ord-1/ord-2/' "$T/ord.body" >"$T/ord2.body"
"$A" fim order sign --key "$T/other.key" --in "$T/ord2.body" --out "$T/ord2.order" >/dev/null
expect_rc 2 "$A" fim restore --order "$T/ord2.order" --protect "$T/www" --state "$T/fim" --order-key "$T/s2/server.pub"
expect_err "signature does not verify"

# the pin holds on every run, not only at enrollment
cp -r "$T/s2" "$T/s2pin"
jq '.pin = "0000000000000000000000000000000000000000000000000000000000000000"' "$T/s2/link.json" >"$T/s2pin/link.json"
expect_rc 2 "$A" run --state "$T/s2pin" --root "$H/compliant" --site "$H/site.yaml"
expect_err "not the one the enrollment token pinned"

# ---- run without enrollment or with bad state ----
expect_rc 2 "$A" run --state "$T/nothing" --root "$H/compliant"
expect_err "not an enrolled agent state"
expect_rc 2 "$A" run --root "$H/compliant"
expect_err "--state"

stop_server
# an unreachable server: exit 2 naming it; the counter used is never used again
c0=$(cat "$T/s1/counter")
expect_rc 2 "$A" run --state "$T/s1" --root "$H/compliant" --site "$H/site.yaml"
expect_err "cannot connect to 127.0.0.1 port $PORT"
expect_eq "$(cat "$T/s1/counter")" "$((c0 + 1))" "counter after a failed upload"
# the server ran clean (sanitizer builds report leaks and errors on its stderr)
! grep -q "Sanitizer" "$T/serve.err" || { cat "$T/serve.err"; fail "the server reported a sanitizer error"; }; ok
expect_rc 0 "$MAMORI" ledger verify --db "$DB"
done_ok
