# SPDX-License-Identifier: Apache-2.0
# `mamori user` and `mamori serve`: the JSON API against a real server over
# TLS (curl), with a check for each web vulnerability class of 000 that
# applies (docs/security.md names the check that covers each class).
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is missing (scripts/deps.sh test)"
command -v jq >/dev/null || fail "jq is missing (scripts/deps.sh test)"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing (scripts/deps.sh build)"

DB=$T/m.db
PW='correct horse battery'
"$MAMORI" init --db "$DB" >/dev/null

# ---- mamori user ----
add_user() { printf '%s\n' "$PW" | "$MAMORI" user add --db "$DB" --name "$1" --role "$2" ${3:+--tenant "$3"} --password-stdin; }
expect_rc 0 add_user admin1 admin
expect_out "created admin1"
expect_rc 0 add_user mgr contractor-manager
expect_rc 0 add_user op contractor-operator
expect_rc 0 add_user viewer municipality-viewer
expect_rc 0 add_user other admin city-b
expect_rc 2 add_user mgr contractor-manager
expect_err "already exists"
expect_rc 2 add_user eve root
expect_err "unknown role 'root'"
expect_rc 2 add_user 'e v e' admin
expect_err "account name"
run bash -c "printf 'short\n' | '$MAMORI' user add --db '$DB' --name eve --role admin --password-stdin"
[ "$rc" -eq 2 ] && grep -q "shorter than 12" "$T/err" || fail "short password accepted"; ok
expect_rc 2 "$MAMORI" user add --db "$DB" --name eve --role admin
expect_err "--password-stdin is required"
expect_rc 2 "$MAMORI" user frobnicate --db "$DB"
expect_rc 0 "$MAMORI" user list --db "$DB"
[ "$(jq -r '.[] | select(.name=="op") | .role' "$T/out")" = contractor-operator ] || fail "user list lacks op"; ok
grep -q 'argon2\|correct horse' "$T/out" && fail "user list shows a secret"; ok
# the password is stored only as an Argon2id hash
[ "$(sqlite3 "$DB" "select substr(hash,1,10) from account where name='op'")" = '$argon2id$' ] || fail "not argon2id"; ok
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('correct horse' as blob))")" = 0 ] || fail "password in the ledger"; ok
# every account change is a ledger entry naming who made it
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('account.create' as blob)) and instr(entry, cast('cli:$(id -un)' as blob))")" = 5 ] || fail "account.create entries"; ok

# ---- serve: bad options are refused with a clear message (exit 2) ----
expect_rc 2 "$MAMORI" serve
expect_err "missing --db"
expect_rc 2 "$MAMORI" serve --db "$DB" --listen nonsense
expect_err "--listen 'nonsense'"
expect_rc 2 "$MAMORI" serve --db "$DB" --listen 127.0.0.1:70000
expect_err "port"
expect_rc 2 "$MAMORI" serve --db "$DB" --listen host.example:8443
expect_err "not an IP address"
expect_rc 2 "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 --cert "$T/none.crt"
expect_err "none.crt"
printf 'not a certificate\n' >"$T/bad.crt"
expect_rc 2 "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 --cert "$T/bad.crt"
expect_err "certificate"
expect_rc 2 "$MAMORI" serve --db "$DB" --threads 0
expect_err "--threads"
expect_rc 2 "$MAMORI" serve --db "$DB" --idle-timeout abc
expect_err "--idle-timeout"
expect_rc 2 "$MAMORI" serve --db "$DB" --origin http://example
expect_err "https://"
mkdir -p "$T/emptyweb"
expect_rc 2 "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 --web "$T/emptyweb"
expect_err "no index.html"
expect_rc 2 "$MAMORI" serve --db "$T/none.db" --listen 127.0.0.1:0
expect_rc 2 "$MAMORI" serve --db "$DB" stray
expect_err "unexpected argument"

# ---- start the server ----
start_server() { # extra options...
  "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0 --lockout-threshold 3 "$@" >"$T/serve.out" 2>"$T/serve.err" &
  SERVER=$!
  for _ in $(seq 600); do grep -q listening "$T/serve.out" 2>/dev/null && break; kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
  PORT=$(awk '/listening/ {print $NF}' "$T/serve.out")
  [ -n "$PORT" ] || { cat "$T/serve.err"; fail "server did not start"; }
  BASE="https://127.0.0.1:$PORT"
}
stop_server() { kill -TERM "$SERVER"; wait "$SERVER"; }
trap 'st_=$?; kill "$SERVER" 2>/dev/null || true; (exit $st_); cleanup' EXIT
start_server --redirect-listen 127.0.0.1:0

# c JAR METHOD PATH [curl args...]: status in $st, body in $T/body, headers in $T/hdr
c() {
  local jar=$1 m=$2 p=$3; shift 3
  st=$(curl -sk -o "$T/body" -D "$T/hdr" -w '%{http_code}' -b "$T/$jar" -c "$T/$jar" -X "$m" "$@" "$BASE$p")
}
expect_st() { [ "$st" = "$1" ] || { cat "$T/hdr" "$T/body"; fail "expected HTTP $1, got $st ($2)"; }; ok; }
body() { jq -r "$1" "$T/body"; }
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
login() { # JAR USER
  c "$1" POST /api/v1/session -H 'Content-Type: application/json' --data "{\"user\":\"$2\",\"password\":\"$PW\"}"
  expect_st 200 "login $2"
  eval "CSRF_$1=\$(body .csrf)"
}
touch "$T/anon"

# a second server on the same database, or on a port in use, is refused
expect_rc 2 "$MAMORI" serve --db "$DB" --listen 127.0.0.1:0
expect_err "already running on this database"
"$MAMORI" init --db "$T/other.db" >/dev/null
expect_rc 2 "$MAMORI" serve --db "$T/other.db" --listen "127.0.0.1:$PORT"
expect_err "cannot serve HTTPS on 127.0.0.1:$PORT"

# accounts are not changed from the command line while the server writes the ledger
expect_rc 2 add_user late contractor-operator
expect_err "mamori serve\` is running on this database"
expect_rc 0 "$MAMORI" user list --db "$DB"

# plain HTTP on the TLS port is never served
run curl -s --max-time 5 "http://127.0.0.1:$PORT/"
[ "$(cat "$T/out")" = "" ] || fail "plain HTTP answered on the HTTPS port"; ok

# ---- login function: cookie flags, new token, failures, lockout ----
c anon POST /api/v1/session --data '{"user":"mgr","password":"wrong password"}'
expect_st 401 "wrong password"
[ "$(body .error.code)" = login_failed ] || fail "code"; ok
[ "$(body .error.message)" = "ユーザー名またはパスワードが違います。" ] || fail "Japanese message by default"; ok
c anon POST /api/v1/session -H 'Accept-Language: en-US' --data '{"user":"nobody","password":"wrong password"}'
expect_st 401 "unknown user"
[ "$(body .error.message)" = "Wrong user name or password." ] || fail "English message"; ok
c anon POST /api/v1/session --data '{"user":"mgr"'
expect_st 400 "broken JSON"
[ "$(body .error.code)" = bad_request ] && body .error.detail | grep -q "line 1" || fail "JSON error position"; ok
login mgr mgr
SETC=$(hdr Set-Cookie)
case "$SETC" in "__Host-mamori="*"; Path=/; Secure; HttpOnly; SameSite=Strict"*) ok ;; *) fail "cookie flags: $SETC" ;; esac
TOKEN1=$(awk '$6=="__Host-mamori" {print $7}' "$T/mgr")
[ ${#TOKEN1} -eq 64 ] || fail "token is not 256 bits of hex"; ok
grep -q "$TOKEN1" "$T/body" && fail "token in the body"; ok
login mgr mgr
TOKEN2=$(awk '$6=="__Host-mamori" {print $7}' "$T/mgr")
[ "$TOKEN1" != "$TOKEN2" ] || fail "no new token at login (fixation)"; ok
# a session id in the URL is not a session
c anon GET "/api/v1/session?__Host-mamori=$TOKEN2"
expect_st 401 "token in URL"
c anon GET /api/v1/schema -H "Cookie: __Host-mamori=$TOKEN2; __Host-mamori=$TOKEN1"
expect_st 401 "two session cookies"
login op op
login viewer viewer
login admin1 admin1
login other other
# lockout after 3 failures; the right password is then refused too
for i in 1 2 3; do c anon POST /api/v1/session --data '{"user":"viewer","password":"not it at all"}'; done
[ "$(body .error.code)" = locked ] || { cat "$T/body"; fail "no lockout"; }; ok
c anon POST /api/v1/session --data "{\"user\":\"viewer\",\"password\":\"$PW\"}"
expect_st 401 "locked account"
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('auth.lockout' as blob))")" -ge 1 ] || fail "no lockout entry"; ok
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('auth.login-failed' as blob))")" -ge 4 ] || fail "no failure entries"; ok

# ---- headers on every reply (clickjacking, caching, sniffing, crawlers) ----
for p in / /api/v1/schema /api/v1/nothing; do
  c mgr GET "$p"
  csp=$(hdr Content-Security-Policy)
  case "$csp" in *"frame-ancestors 'none'"*"") ;; *) fail "$p: CSP lacks frame-ancestors: $csp" ;; esac
  case "$csp" in *unsafe-inline*|*unsafe-eval*) fail "$p: CSP allows inline script" ;; esac
  [ "$(hdr X-Content-Type-Options)" = nosniff ] || fail "$p: nosniff"
  [ "$(hdr X-Frame-Options)" = DENY ] || fail "$p: X-Frame-Options"
  [ "$(hdr Cache-Control)" = no-store ] || fail "$p: Cache-Control"
  [ "$(hdr X-Robots-Tag)" = "noindex, nofollow" ] || fail "$p: X-Robots-Tag"
  ok
done
c anon GET /robots.txt
expect_st 200 robots
grep -q "Disallow: /" "$T/body" || fail "robots.txt"; ok

# ---- authentication and CSRF ----
c anon GET /api/v1/records/site
expect_st 401 "no session"
[ "$(body .error.code)" = unauthorized ] || fail "401 code"; ok
c mgr POST /api/v1/records/site --data '{"data":{"name":"no token"}}'
expect_st 403 "no CSRF token"
[ "$(body .error.code)" = csrf ] || fail "csrf code"; ok
c mgr POST /api/v1/records/site -H "X-CSRF-Token: $CSRF_op" --data '{"data":{"name":"other token"}}'
expect_st 403 "another session's CSRF token"
c mgr POST /api/v1/records/site -H "X-CSRF-Token: $CSRF_mgr" -H "Origin: https://evil.example" --data '{"data":{"name":"x"}}'
expect_st 403 "foreign Origin"
[ "$(body .error.code)" = origin ] || fail "origin code"; ok
c mgr POST /api/v1/records/site -H "X-CSRF-Token: $CSRF_mgr" -H "Sec-Fetch-Site: cross-site" --data '{"data":{"name":"x"}}'
expect_st 403 "cross-site fetch"

# ---- records: create, show, list, update, transition, history ----
w() { c "$1" "$2" "$3" -H "X-CSRF-Token: $(eval echo \$CSRF_$1)" -H "Origin: $BASE" -H 'Content-Type: application/json' "${@:4}"; }
w mgr POST /api/v1/records/site --data '{"data":{"name":"本庁舎","code":"HQ"}}'
expect_st 201 create
SITE=$(body .id)
w mgr POST /api/v1/records/site --data '{"data":{"name":"<script>alert(1)</script>","note":"x\r\nSet-Cookie: a=b"}}'
expect_st 201 "create with markup"
XSS=$(body .id)
w mgr POST /api/v1/records/site --data "{\"data\":{\"name\":\"x'); DROP TABLE record;--\"}}"
expect_st 201 "create with SQL"
SQLI=$(body .id)
w mgr POST /api/v1/records/site --data '{"data":{"nam":"typo"}}'
expect_st 400 "unknown field"
[ "$(body .error.code)" = invalid ] && [ "$(body .error.field)" = nam ] || { cat "$T/body"; fail "field named in error"; }; ok
w mgr POST /api/v1/records/site --data '{"data":{"code":"no name"}}'
expect_st 400 "missing required"
[ "$(body .error.field)" = name ] || fail "missing field named"; ok
w mgr POST /api/v1/records/site --data '{"data":{"name":"x"},"as_admin":true}'
expect_st 400 "unknown body member"
body .error.detail | grep -q 'unknown member "as_admin"' || fail "unknown member named"; ok
w mgr POST /api/v1/records/nokind --data '{"data":{"name":"x"}}'
[ "$st" = 400 ] || [ "$st" = 404 ] || fail "unknown kind: $st"; ok
# a lockout (maybe caused by someone else's guesses) leaves the owner's open session alone;
# the viewer role may not create
w viewer POST /api/v1/records/site --data '{"data":{"name":"x"}}'
expect_st 403 "viewer creates"
c mgr GET "/api/v1/record/$SITE"
expect_st 200 show
[ "$(body .data.name)" = "本庁舎" ] && [ "$(body .version)" = 1 ] || fail "show"; ok
[ "$(body '.allowed_transitions | join(",")')" = close ] || fail "allowed transitions for manager"; ok
[ "$(hdr Content-Type)" = "application/json; charset=utf-8" ] || fail "JSON content type"; ok
c mgr GET "/api/v1/record/$XSS"
[ "$(body .data.name)" = "<script>alert(1)</script>" ] || fail "markup not kept as text"; ok
grep -q '"x\\r\\nSet-Cookie' "$T/body" || fail "CRLF not escaped in JSON"; ok
grep -qi '^a=b' "$T/hdr" && fail "header injected"; ok
c mgr GET "/api/v1/records/site?limit=2&offset=0&sort=name&order=asc"
expect_st 200 list
[ "$(body .total)" = 3 ] && [ "$(body '.items | length')" = 2 ] || fail "paging"; ok
c mgr GET "/api/v1/records/site?q=%E6%9C%AC%E5%BA%81"
[ "$(body '.items[0].id')" = "$SITE" ] && [ "$(body .total)" = 1 ] || fail "filter"; ok
c mgr GET "/api/v1/records/site?state=%27%20OR%201%3D1%20--"
[ "$(body .total)" = 0 ] || fail "SQL in a filter matched something"; ok
c mgr GET "/api/v1/records/site?limit=abc"
expect_st 400 "bad limit"
# writes through the API get the operations rules too: a fault's due time comes from the contract
w mgr POST /api/v1/records/asset --data "{\"data\":{\"name\":\"CS1\",\"site\":\"$SITE\",\"class\":\"cs-active\"}}"
expect_st 201 "asset"
ASSET=$(body .id)
w mgr POST /api/v1/records/fault --data "{\"data\":{\"asset\":\"$ASSET\",\"class\":\"cs\",\"summary\":\"停止\",\"instructed_at\":\"2026-04-01T17:15:00+09:00\"}}"
expect_st 201 "fault"
c mgr GET "/api/v1/record/$(body .id)"
[ "$(body .data.due_at)" = "$("$MAMORI" sla due --class cs --instructed 2026-04-01T17:15:00+09:00)" ] || fail "fault due time over the API: $(body .data.due_at)"; ok
w mgr POST /api/v1/records/fault --data "{\"data\":{\"asset\":\"$ASSET\",\"class\":\"cs\",\"summary\":\"x\",\"instructed_at\":\"2026-04-01T09:00:00+09:00\",\"due_at\":\"2030-01-01T00:00:00+09:00\"}}"
expect_st 400 "derived field set by a client"
[ "$(sqlite3 "$DB" "select count(*) from record")" -ge 3 ] || fail "record table damaged"; ok
w op PATCH "/api/v1/record/$SITE" --data '{"version":1,"data":{"address":"1-1"},"reason":"住所"}'
expect_st 200 update
[ "$(body .version)" = 2 ] || fail "version 2"; ok
# race: a second writer with the version it read loses, nothing is written
w mgr PATCH "/api/v1/record/$SITE" --data '{"version":1,"data":{"address":"2-2"}}'
expect_st 409 "stale version"
[ "$(body .error.code)" = conflict ] || fail "conflict code"; ok
# authorization: an operator may not close a site (schema: admin, contractor-manager)
before=$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('auth.denied' as blob))")
w op POST "/api/v1/record/$SITE/transition" --data '{"version":2,"transition":"close","reason":"r"}'
expect_st 403 "operator may not close"
[ "$(body .error.code)" = forbidden ] || fail "forbidden code"; ok
after=$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('auth.denied' as blob))")
[ "$after" -gt "$before" ] || fail "denial not in the ledger"; ok
c op GET "/api/v1/record/$SITE"
[ "$(body '.allowed_transitions | length')" = 0 ] || fail "operator offered a transition"; ok
w mgr POST "/api/v1/record/$SITE/transition" --data '{"version":2,"transition":"close"}'
expect_st 400 "reason required"
w mgr POST "/api/v1/record/$SITE/transition" --data '{"version":2,"transition":"close","reason":"移転"}'
expect_st 200 transition
c mgr GET "/api/v1/record/$SITE/history"
[ "$(jq length "$T/body")" = 3 ] && [ "$(jq -r '.[2].state' "$T/body")" = closed ] || fail "history"; ok
SEQ=$(jq -r '.[2].seq' "$T/body")
# tenant: another organisation's admin sees nothing of it
c other GET "/api/v1/record/$SITE"
expect_st 404 "other tenant"
c other GET /api/v1/records/site
[ "$(body .total)" = 0 ] || fail "other tenant lists our records"; ok
w other PATCH "/api/v1/record/$SITE" --data '{"data":{"name":"mine"}}'
expect_st 404 "other tenant update"

# ---- ledger proof ----
c mgr GET /api/v1/ledger/checkpoint
expect_st 200 checkpoint
body .checkpoint | head -1 | grep -q . || fail "checkpoint text"; ok
c mgr GET "/api/v1/ledger/proof/$SEQ"
expect_st 200 proof
[ "$(body .seq)" = "$SEQ" ] && [ "$(body '.leaf | length')" = 64 ] || fail "proof"; ok
c mgr GET "/api/v1/ledger/proof/999999"
expect_st 404 "proof beyond the tree"

# ---- uploads: stored by hash, served only as a download of a fixed type ----
printf '<html><script>alert(1)</script></html>' >"$T/evil.html"
w op POST "/api/v1/attachments?name=evil.html" --data-binary @"$T/evil.html"
expect_st 201 upload
H=$(body .sha256)
[ "$H" = "$(sha256sum "$T/evil.html" | cut -d' ' -f1)" ] || fail "hash"; ok
c op GET "/api/v1/attachments/$H"
expect_st 200 download
[ "$(hdr Content-Type)" = application/octet-stream ] || fail "attachment type"; ok
case "$(hdr Content-Disposition)" in attachment*) ok ;; *) fail "not an attachment" ;; esac
cmp -s "$T/body" "$T/evil.html" || fail "attachment bytes"; ok
w op POST "/api/v1/attachments?name=a%0d%0aX-Evil:%201" --data-binary @"$T/evil.html"
expect_st 400 "CRLF in the file name"
w viewer POST "/api/v1/attachments?name=x" --data-binary @"$T/evil.html"
expect_st 403 "viewer uploads"

# ---- directory traversal and file disclosure ----
for p in /../../../../etc/passwd /%2e%2e/%2e%2e/etc/passwd /api/v1/attachments/../../m.db /.git/config \
         /node_modules/playwright-core/package.json /tests/ui.spec.mjs; do
  st=$(curl -sk --path-as-is -o "$T/body" -w '%{http_code}' "$BASE$p")
  [ "$st" = 404 ] || fail "$p: $st"
  grep -q 'root:' "$T/body" && fail "$p disclosed a file"
  ok
done

# ---- bounds ----
head -c 300000 /dev/zero | tr '\0' 'a' >"$T/big"
# with 100-continue the server's refusal arrives before the body is sent (otherwise curl may
# still be sending when the server answers 413 and closes, and fail with "send failure")
before=$(sqlite3 "$DB" "select count(*) from record")
w mgr POST /api/v1/records/site -H 'Expect: 100-continue' --data-binary @"$T/big"
expect_st 413 "body too large"
[ "$(sqlite3 "$DB" "select count(*) from record")" = "$before" ] || fail "oversized body stored"; ok
st=$(curl -sk -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' 'b')" "$BASE/" || true)
[ "$st" = 431 ] || [ "$st" = 413 ] || [ "$st" = 400 ] || [ "$st" = 000 ] || fail "huge header: $st"; ok

# ---- accounts over the API (who has which role, last login) ----
c admin1 GET /api/v1/users
expect_st 200 users
[ "$(jq -r '.[] | select(.name=="mgr") | .last_login' "$T/body")" != null ] || fail "last login"; ok
jq -e '.[] | select(.name=="other")' "$T/body" >/dev/null && fail "other tenant's account listed"; ok
c op GET /api/v1/users
expect_st 403 "operator lists accounts"
w op POST /api/v1/users --data "{\"name\":\"x1\",\"role\":\"admin\",\"password\":\"$PW\"}"
expect_st 403 "operator adds an admin"
w admin1 POST /api/v1/users --data "{\"name\":\"newop\",\"role\":\"contractor-operator\",\"password\":\"$PW\"}"
expect_st 201 "admin adds an account"
w admin1 POST /api/v1/users/other/disable
expect_st 404 "disable another tenant's account"
w admin1 POST /api/v1/users/op/disable
expect_st 200 "disable op"
c op GET /api/v1/session
expect_st 401 "disabled account's session ended"

# ---- logout ----
w mgr DELETE /api/v1/session
expect_st 200 logout
case "$(hdr Set-Cookie)" in "__Host-mamori=; "*"Max-Age=0"*) ok ;; *) fail "cookie not cleared" ;; esac
st=$(curl -sk -o /dev/null -w '%{http_code}' -H "Cookie: __Host-mamori=$TOKEN2" "$BASE/api/v1/session")
[ "$st" = 401 ] || fail "old token still valid after logout"; ok

# ---- open redirect: the HTTP listener sends everyone to the fixed start page ----
RPORT=$(awk '/redirecting/ {print $NF}' "$T/serve.out")
[ -n "$RPORT" ] || fail "no redirect listener"
for p in "//evil.example/" "/?next=https://evil.example" "/%0d%0aLocation:%20https://evil.example"; do
  loc=$(curl -s -o "$T/rbody" -D "$T/rhdr" -w '%{redirect_url}' "http://127.0.0.1:$RPORT$p")
  [ "$loc" = "$BASE/" ] || fail "redirect of $p to $loc"
  [ "$(grep -ci '^location:' "$T/rhdr")" = 1 ] || fail "header injected into the redirect"
  ok
done

# ---- graceful stop: a slow upload in flight at SIGTERM completes; final checkpoint; the ledger verifies ----
head -c 400000 /dev/urandom >"$T/slow.bin"
curl -sk -o "$T/slow.out" -w '%{http_code}' --limit-rate 100k -b "$T/admin1" -H "X-CSRF-Token: $CSRF_admin1" \
  --data-binary @"$T/slow.bin" "$BASE/api/v1/attachments?name=slow.bin" >"$T/slow.st" &
CURL=$!
sleep 1
stop_server
wait $CURL || true
[ "$(cat "$T/slow.st")" = 201 ] || fail "in-flight upload cut by SIGTERM: $(cat "$T/slow.st")"; ok
[ "$(jq -r .sha256 "$T/slow.out")" = "$(sha256sum "$T/slow.bin" | cut -d' ' -f1)" ] || fail "in-flight upload stored wrong"; ok
grep -q "final checkpoint signed" "$T/serve.err" || fail "no final checkpoint"; ok
expect_rc 0 "$MAMORI" ledger verify --db "$DB"

# ---- second factor: TOTP (RFC 6238) computed here with openssl, independently of the server ----
totp_code() { # BASE32 → the 6-digit code of now
  local hex step mac off bin
  hex=$(printf '%s' "$1" | base32 -d | od -An -tx1 | tr -d ' \n')
  step=$(( $(date +%s) / 30 ))
  mac=$(printf "$(printf '%016x' "$step" | sed 's/../\\x&/g')" |
        openssl dgst -sha1 -mac HMAC -macopt "hexkey:$hex" -binary | od -An -tx1 | tr -d ' \n')
  off=$(( 16#${mac:39:1} ))
  bin=$(( 16#${mac:$((off * 2)):8} & 0x7fffffff ))
  printf '%06d' $(( bin % 1000000 ))
}
expect_rc 0 "$MAMORI" user totp --db "$DB" --name mgr
URI=$(cat "$T/out")
case "$URI" in otpauth://totp/mamori:mgr\?secret=*) ok ;; *) fail "otpauth URI: $URI" ;; esac
SECRET=$(echo "$URI" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
[ "$(ledger_sql "$DB" "select count(*) from e where instr(entry, cast('$SECRET' as blob))")" = 0 ] || fail "TOTP secret in the ledger"; ok

# ---- idle timeout ----
start_server --idle-timeout 1 --origin https://mamori.example
c anon POST /api/v1/session --data "{\"user\":\"mgr\",\"password\":\"$PW\"}"
expect_st 401 "password without the second factor"
while [ $(( $(date +%s) % 30 )) -ge 27 ]; do sleep 1; done
CODE=$(totp_code "$SECRET")
c mgr POST /api/v1/session --data "{\"user\":\"mgr\",\"password\":\"$PW\",\"totp\":\"$CODE\"}"
expect_st 200 "password and TOTP code"
c anon POST /api/v1/session --data "{\"user\":\"mgr\",\"password\":\"$PW\",\"totp\":\"$CODE\"}"
expect_st 401 "a TOTP code used twice"
login admin1 admin1
sleep 1.5
c admin1 GET /api/v1/session
expect_st 401 "idle session"
# behind a proxy: the configured public origin is accepted for state changes, others still not
# (a server of its own: with the 1 s idle timeout above a slow run, under ASan, saw the session expire)
stop_server
start_server --origin https://mamori.example
login admin1 admin1
c admin1 DELETE /api/v1/session -H "X-CSRF-Token: $CSRF_admin1" -H "Origin: https://mamori.example.evil"
expect_st 403 "origin that only starts like the configured one"
c admin1 DELETE /api/v1/session -H "X-CSRF-Token: $CSRF_admin1" -H "Origin: https://mamori.example"
expect_st 200 "configured public origin"
stop_server
done_ok
