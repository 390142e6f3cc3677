# SPDX-License-Identifier: Apache-2.0
# Least privilege of `mamori serve` (docs/security.md): started as root it
# drops to an unprivileged user it cannot leave, and confines itself with
# Landlock and a seccomp filter — and every API flow still works. A
# forbidden system call kills: shown by tests/helpers/sandbox_probe, which
# installs the same filter through the same library function.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "serve_sandbox: SKIPPED: dropping privileges can only be tested as root (this runs as $(id -un))"
  exit 0
fi
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
command -v jq >/dev/null || fail "jq is missing (scripts/deps.sh test)"
PROBE=$MM_BIN/tests/sandbox_probe
[ -x "$PROBE" ] || fail "$PROBE is missing (built with the tests)"

# a data folder nobody can reach (test folders are 0700)
D=$(mktemp -d /tmp/mamori-sandbox.XXXXXX)
chmod 711 "$D"
SERVER=
trap 'st_=$?; [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$D"; (exit $st_); cleanup' EXIT
DB=$D/m.db
PW='correct horse battery'
"$MAMORI" init --db "$DB" >/dev/null
for u in boss:admin mgr:contractor-manager; do
  printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name "${u%%:*}" --role "${u#*:}" --password-stdin >/dev/null
done

start() { # options...
  "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
  SERVER=$!
  for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
  PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
  [ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start: $*"; }
  for _ in $(seq 100); do grep -q 'confined\|no-sandbox' "$T/serve.err" && break; sleep 0.05; done
  BASE="https://127.0.0.1:$PORT"
}
stop() { kill -TERM "$SERVER"; wait "$SERVER"; SERVER=; }
status() { awk -v k="$1:" '$1 == k {$1 = ""; print substr($0, 2)}' "/proc/$SERVER/status"; }

# ---- refusals, before anything is served ----
expect_rc 2 "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 --user root
expect_err "uid or gid 0"
expect_rc 2 "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 --user no-such-user-here
expect_err "no such user"
expect_rc 2 "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 --user nobody --allow-root
expect_err "contradict"
mkdir -m 700 "$D/private"
"$MAMORI" init --db "$D/private/p.db" >/dev/null
expect_rc 2 "$MAMORI" serve --db "$D/private/p.db" --listen 127.0.0.1:0 --user nobody
expect_err "cannot reach the database folder"

# ---- --user nobody: ids, no way back, seccomp mode 2, Landlock ----
start --user nobody
for k in Uid Gid; do
  ids=$(status $k)
  for id in $ids; do [ "$id" != 0 ] || fail "$k still 0: $ids"; done
  ok
done
expect_eq "$(status Uid | awk '{print $1}')" "$(id -u nobody)" "uid"
expect_eq "$(status Groups)" "$(id -g nobody)" "supplementary groups"
expect_eq "$(status Seccomp)" 2 "Seccomp"
expect_eq "$(status NoNewPrivs)" 1 "NoNewPrivs"
grep -q "running as nobody" "$T/serve.err" || fail "no line saying whom it runs as"; ok
grep -q "confined: Landlock" "$T/serve.err" || fail "Landlock not applied: $(cat "$T/serve.err")"; ok
[ "$(stat -c %U "$DB")" = nobody ] && [ "$(stat -c %U "$DB.attachments")" = nobody ] || fail "data not given to nobody"; ok
[ "$(stat -c %U "$D/m-tls.key")" = root ] && [ "$(stat -c %U "$D/m-ledger.key")" = root ] || fail "keys were given away"; ok

# ---- every API flow still works under the filter ----
c() { # JAR METHOD PATH [curl args...]
  local jar=$1 m=$2 p=$3; shift 3
  st=$(curl -sk -o "$T/body" -w '%{http_code}' -b "$T/$jar" -c "$T/$jar" -X "$m" "$@" "$BASE$p")
}
w() { local jar=$1; shift; local v="CSRF_$jar"; c "$jar" "$1" "$2" -H "X-CSRF-Token: ${!v}" -H 'Content-Type: application/json' "${@:3}"; }
expect_st() { [ "$st" = "$1" ] || { cat "$T/body"; fail "expected HTTP $1, got $st ($2)"; }; ok; }
body() { jq -r "$1" "$T/body"; }
flows() {
  c mgr POST /api/v1/session --data "{\"user\":\"mgr\",\"password\":\"$PW\"}"
  expect_st 200 login
  CSRF_mgr=$(body .csrf)
  w mgr POST /api/v1/records/site --data '{"data":{"name":"砂箱の拠点","code":"SB1","category":"branch"}}'
  expect_st 201 create
  local id; id=$(body .id)
  c mgr GET '/api/v1/records/site?limit=20&sort=name'
  expect_st 200 list
  [ "$(body .total)" -ge 1 ] && [ "$(body '.items | map(.id) | index("'"$id"'")')" != null ] || fail "list lacks $id"; ok
  c mgr GET "/api/v1/record/$id"
  expect_st 200 show
  printf 'attached under the sandbox\n' >"$T/a.txt"
  w mgr POST "/api/v1/attachments?name=a.txt" -H 'Content-Type: application/octet-stream' --data-binary @"$T/a.txt"
  expect_st 201 attach
  local sha; sha=$(body .sha256)
  c mgr GET "/api/v1/attachments/$sha"
  expect_st 200 "attachment back"
  cmp -s "$T/body" "$T/a.txt" || fail "attachment differs"; ok
  w mgr POST "/api/v1/record/$id/transition" --data '{"transition":"close","version":1,"reason":"sandbox test"}'
  expect_st 200 transition
  local seq; seq=$(body .seq)
  c mgr GET "/api/v1/record/$id/history"
  expect_st 200 history
  c mgr GET "/api/v1/ledger/proof/$seq"
  expect_st 200 proof
  [ "$(body '.path | length')" -ge 1 ] || fail "empty proof"; ok
  c mgr GET /api/v1/ledger/checkpoint
  expect_st 200 checkpoint
  w mgr DELETE /api/v1/session
  expect_st 200 logout
  kill -0 "$SERVER" || fail "the server died during the flows: $(cat "$T/serve.err")"; ok
}
flows
stop
grep -q "final checkpoint signed" "$T/serve.err" || fail "no final checkpoint after the drop"; ok
expect_rc 0 "$MAMORI" ledger verify --db "$DB"

# ---- the default: nobody (or the mamori user) when it can reach the data ----
start
def=nobody; id mamori >/dev/null 2>&1 && def=mamori
grep -q "running as $def" "$T/serve.err" || fail "default user: $(cat "$T/serve.err")"; ok
expect_eq "$(status Seccomp)" 2 "Seccomp of the default"
flows
stop
# ... and loudly root when it cannot (a database in root's own folder)
"$MAMORI" serve --db "$D/private/p.db" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do grep -q confined "$T/serve.err" && break; sleep 0.05; done
grep -q "WARNING: still running as root" "$T/serve.err" || fail "no warning: $(cat "$T/serve.err")"; ok
expect_eq "$(status Seccomp)" 2 "Seccomp while root"
stop
# --no-sandbox: for debugging only, and it says so
start --user nobody --no-sandbox
expect_eq "$(status Seccomp)" 0 "Seccomp with --no-sandbox"
grep -q "no-sandbox" "$T/serve.err" || fail "--no-sandbox not reported"; ok
stop

# ---- the filter kills what a server never does; Landlock and the drop hold ----
expect_rc 0 "$PROBE" seccomp allowed
calls="execve ptrace socket setuid"
# a sanitizer build's filter only logs (LeakSanitizer's tracer, src/server/sandbox.c); a release kills
if [ "$("$PROBE" build)" = sanitized ]; then
  echo "serve_sandbox: note: sanitizer build: the filter logs instead of killing; kills are checked in release builds"
  calls=
fi
for call in $calls; do
  run "$PROBE" seccomp "$call"
  [ "$rc" -eq $((128 + $(kill -l SYS))) ] || fail "$call under the filter: exit $rc, not SIGSYS ($(cat "$T/out"))"
  ok
done
mkdir -m 700 "$T/ll"
printf 'secret\n' >"$T/outside"
run "$PROBE" landlock "$T/ll" "$T/ll/inside" "$T/outside"
if [ "$rc" -eq 3 ]; then
  echo "serve_sandbox: note: this kernel has no Landlock; the file system part is not checked"
else
  [ "$rc" -eq 0 ] || fail "landlock probe: $(cat "$T/out" "$T/err")"; ok
fi
expect_rc 0 "$PROBE" drop nobody
done_ok
