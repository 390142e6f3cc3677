# SPDX-License-Identifier: Apache-2.0
# Account self-service over the API of a real server (TLS, curl): an
# administrator's password reset leaves a one-time password that must be
# changed before anything else; the reset and the change are ledger
# entries and the password is never shown again nor logged.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
command -v jq >/dev/null || fail "jq is missing (scripts/deps.sh test)"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing (scripts/deps.sh build)"

DB=$T/m.db
PW='correct horse battery'
OTP='temporary pass 4711'
NEW='my very own passphrase'
"$MAMORI" init --db "$DB" >/dev/null
add_user() { printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name "$1" --role "$2" ${3:+--tenant "$3"} --password-stdin >/dev/null; }
add_user boss admin
add_user kim contractor-operator
add_user mgr contractor-manager
add_user far admin city-b

"$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVER=$!
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
[ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
BASE="https://127.0.0.1:$PORT"

# c JAR METHOD PATH [curl args...]: status in $st, body in $T/body
c() {
  local jar=$1 m=$2 p=$3; shift 3
  st=$(curl -sk -o "$T/body" -w '%{http_code}' -b "$T/$jar" -c "$T/$jar" -X "$m" "$@" "$BASE$p")
}
w() { # state change with the jar's CSRF token
  local jar=$1; shift
  local v="CSRF_$jar"
  c "$jar" "$1" "$2" -H "X-CSRF-Token: ${!v}" -H 'Content-Type: application/json' "${@:3}"
}
expect_st() { [ "$st" = "$1" ] || { cat "$T/body"; fail "expected HTTP $1, got $st ($2)"; }; ok; }
body() { jq -r "$1" "$T/body"; }
login() { # JAR USER PASSWORD
  c "$1" POST /api/v1/session --data "{\"user\":\"$2\",\"password\":\"$3\"}"
  expect_st 200 "login $2"
  eval "CSRF_$1=\$(body .csrf)"
}

login boss boss "$PW"
login kim kim "$PW"
expect_eq "$(body .must_change)" false "must_change of a normal login"

# only an administrator of the same organisation resets, never their own account
w kim POST /api/v1/users/mgr/reset-password --data "{\"password\":\"$OTP\"}"
expect_st 403 "an operator resets a password"
login far far "$PW"
w far POST /api/v1/users/kim/reset-password --data "{\"password\":\"$OTP\"}"
expect_st 404 "another organisation's administrator resets"
w boss POST /api/v1/users/boss/reset-password --data "{\"password\":\"$OTP\"}"
expect_st 400 "an administrator resets their own password"
w boss POST /api/v1/users/kim/reset-password --data '{"password":"short"}'
expect_st 400 "a too short one-time password"
w boss POST /api/v1/users/kim/reset-password --data '{"password":1}'
expect_st 400 "a password that is not a string"
w boss POST /api/v1/users/kim/reset-password --data "{\"password\":\"$OTP\",\"extra\":1}"
expect_st 400 "an unknown member"
c boss POST /api/v1/users/kim/reset-password --data "{\"password\":\"$OTP\"}"
expect_st 403 "reset without the CSRF token"

w boss POST /api/v1/users/kim/reset-password --data "{\"password\":\"$OTP\"}"
expect_st 200 "reset"
expect_eq "$(body .must_change)" true "reset reply"
grep -qF "$OTP" "$T/body" && fail "the reply shows the password"; ok
# kim's sessions ended; the old password is gone
c kim GET /api/v1/session
expect_st 401 "kim's session after the reset"
c kim POST /api/v1/session --data "{\"user\":\"kim\",\"password\":\"$PW\"}"
expect_st 401 "the old password after the reset"
c boss GET /api/v1/users
expect_eq "$(jq -r '.[] | select(.name=="kim") | .must_change' "$T/body")" true "the list marks kim"
grep -qF "$OTP" "$T/body" && fail "the list shows the password"; ok

# with the one-time password only the change, the session and logout are allowed
login kim kim "$OTP"
expect_eq "$(body .must_change)" true "must_change at login"
c kim GET /api/v1/session
expect_st 200 "session read before the change"
expect_eq "$(body .must_change)" true "must_change of the session"
for p in /api/v1/schema /api/v1/records/site /api/v1/users /api/v1/ledger/checkpoint; do
  c kim GET "$p" -H 'Accept-Language: en'
  expect_st 403 "GET $p before the change"
  expect_eq "$(body .error.code)" password_change_required "error code of $p"
done
expect_eq "$(body .error.message)" "Your password was set by an administrator for one use. Please change it first." "English message"
w kim POST /api/v1/records/site --data '{"data":{"name":"x"}}'
expect_st 403 "create before the change"
w kim PUT /api/v1/session/password --data "{\"current\":\"$OTP\",\"password\":\"$OTP\"}"
expect_st 400 "the same password again"
w kim PUT /api/v1/session/password --data "{\"current\":\"$OTP\",\"password\":\"$NEW\"}"
expect_st 200 "change the one-time password"
c kim GET /api/v1/session
expect_eq "$(body .must_change)" false "must_change after the change"
c kim GET /api/v1/schema
expect_st 200 "schema after the change"
c kim GET '/api/v1/records/site?limit=5'
expect_st 200 "list after the change"
c boss GET /api/v1/users
expect_eq "$(jq -r '.[] | select(.name=="kim") | .must_change' "$T/body")" false "the mark is gone"
w kim DELETE /api/v1/session
expect_st 200 "logout"
login kim kim "$NEW"
expect_eq "$(body .must_change)" false "the new password logs in without the mark"

# ---- two-step login (TOTP) from the account page: begin, QR code, confirm, use, turn off ----
totp_code() { # BASE32 [STEPS AHEAD] → the 6-digit code, computed here with openssl
  local hex step mac off bin
  hex=$(printf '%s' "$1" | base32 -d | od -An -tx1 | tr -d ' \n')
  step=$(( $(date +%s) / 30 + ${2:-0} ))
  mac=$(printf "$(printf '%016x' "$step" | sed 's/../\\x&/g')" |
        openssl dgst -sha1 -mac HMAC -macopt "hexkey:$hex" -binary | od -An -tx1 | tr -d ' \n')
  off=$(( 16#${mac:39:1} ))
  bin=$(( 16#${mac:$((off * 2)):8} & 0x7fffffff ))
  printf '%06d' $(( bin % 1000000 ))
}
c kim GET /api/v1/session/totp/qr.svg
expect_st 404 "QR code before anything was begun"
w kim POST /api/v1/session/totp/confirm --data '{"totp":"123456"}'
expect_st 404 "confirm before anything was begun"
c kim POST /api/v1/session/totp
expect_st 403 "begin without the CSRF token"
w kim POST /api/v1/session/totp
expect_st 200 "begin"
SECRET=$(body .secret)
[[ "$SECRET" =~ ^[A-Z2-7]{32}$ ]] || fail "secret: $SECRET"; ok
expect_eq "$(body .uri)" "otpauth://totp/mamori:kim?secret=$SECRET&issuer=mamori&algorithm=SHA1&digits=6&period=30" "otpauth URI"
st=$(curl -sk -o "$T/qr.svg" -D "$T/qrhdr" -w '%{http_code}' -b "$T/kim" "$BASE/api/v1/session/totp/qr.svg")
expect_eq "$st" 200 "QR code"
grep -qi '^content-type: image/svg+xml' "$T/qrhdr" || fail "QR content type"; ok
grep -qi '^cache-control: no-store' "$T/qrhdr" || fail "QR cached"; ok
head -c 5 "$T/qr.svg" | grep -q '<svg' && grep -q '<path fill="#000" d="M' "$T/qr.svg" && ! grep -qi 'script' "$T/qr.svg" || fail "QR SVG"; ok
c mgr GET /api/v1/session/totp/qr.svg
expect_st 401 "another session's QR code (not logged in)"
c kim GET /api/v1/session
expect_eq "$(body .totp)" false "not on before the confirmation"
w kim POST /api/v1/session/totp/confirm --data '{"totp":"000000"}'
[ "$(totp_code "$SECRET")" != 000000 ] || fail "unlucky code"; expect_st 400 "a wrong first code"
w kim POST /api/v1/session/totp/confirm --data '{"totp":"12ab56"}'
expect_st 400 "a code that is not digits"
CODE=$(totp_code "$SECRET")
w kim POST /api/v1/session/totp/confirm --data "{\"totp\":\"$CODE\"}"
expect_st 200 "confirm"
c kim GET /api/v1/session
expect_st 200 "the confirming session goes on"
expect_eq "$(body .totp)" true "on after the confirmation"
c anon POST /api/v1/session --data "{\"user\":\"kim\",\"password\":\"$NEW\"}"
expect_st 401 "password without the code"
c anon POST /api/v1/session --data "{\"user\":\"kim\",\"password\":\"$NEW\",\"totp\":\"$CODE\"}"
expect_st 401 "the confirming code again (used once only)"
c kim2 POST /api/v1/session --data "{\"user\":\"kim\",\"password\":\"$NEW\",\"totp\":\"$(totp_code "$SECRET" 1)\"}"
expect_st 200 "password and a fresh code"
CSRF_kim2=$(body .csrf)
w kim2 POST /api/v1/session/totp/disable --data '{"password":"not my password at all"}'
expect_st 403 "turning it off with a wrong password"
w kim2 POST /api/v1/session/totp/disable --data "{\"password\":\"$NEW\"}"
expect_st 200 "turning it off"
c anon POST /api/v1/session --data "{\"user\":\"kim\",\"password\":\"$NEW\"}"
expect_st 200 "password alone again"
w kim2 POST /api/v1/session/totp/disable --data "{\"password\":\"$NEW\"}"
expect_st 404 "turning off what is off"
totps=$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('account.totp' as blob)) and instr(entry, cast('kim' as blob))")
expect_eq "$totps" 2 "account.totp entries (on, off)"
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('$SECRET' as blob))")" = 0 ] || fail "secret in the ledger"; ok

# ledger: who reset whom, and the change; no password, hash or token anywhere
resets=$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('account.password-reset' as blob)) and instr(entry, cast('boss' as blob)) and instr(entry, cast('kim' as blob))")
expect_eq "$resets" 1 "account.password-reset entries"
changes=$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('account.password' as blob)) and not instr(entry, cast('account.password-' as blob)) and instr(entry, cast('was_one_time' as blob))")
expect_eq "$changes" 1 "account.password entry of the change"
for secret in "$OTP" "$NEW" '$argon2id'; do
  [ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('$secret' as blob))")" = 0 ] || fail "'$secret' in the ledger"
  ok
  grep -qF -- "$secret" "$T/serve.out" "$T/serve.err" && fail "'$secret' in the server's log"
  ok
done

kill -TERM "$SERVER"; wait "$SERVER"; SERVER=
done_ok
