#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Server benchmark: wrk on loopback over TLS with keep-alive against
# `mamori serve` — authenticated JSON reads (record show, a page of a list)
# and writes (record create) — and, in the same run, nginx serving a static
# JSON file of the same size over TLS with the same certificate (the limit
# of what an HTTPS server can do on this machine). Updates the server
# section of bench/RESULTS.md. usage: bench/server.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
DUR=${MM_BENCH_SECONDS:-10}
CONN=${MM_BENCH_CONNECTIONS:-32}
THREADS=${MM_BENCH_THREADS:-2}
REPEAT=${MM_BENCH_REPEAT:-3}   # reads are measured REPEAT times: best and median are reported
for t in mamori bench_server; do
  [ -x "$build/src/cli/mamori" ] && [ -x "$build/bench/bench_server" ] && break
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" --target mamori bench_server
done
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "wrk and nginx are needed: scripts/deps.sh bench" >&2; exit 2; }
M=$build/src/cli/mamori
load0=$(cut -d' ' -f1 /proc/loadavg)
work=$(mktemp -d /var/tmp/mamori-bench-server.XXXXXX)
SERVER= NGINX=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; [ -n "$NGINX" ] && kill $NGINX 2>/dev/null; rm -rf "$work"' EXIT
PW='bench password 1234'
"$M" init --db "$work/b.db" >/dev/null
printf '%s\n' "$PW" | "$M" user add --db "$work/b.db" --name bench --role admin --password-stdin >/dev/null
first=$("$build/bench/bench_server" "$work/b.db" data/schema 1000)
# the store's own share of a list request, in-process (no TLS, no HTTP)
page=$("$build/bench/bench_server" "$work/b.db" data/schema page)
echo "store, in-process: $page" >&2

"$M" serve --db "$work/b.db" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
SERVER=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/listening/ {print $NF}' "$work/serve.out")
base="https://127.0.0.1:$port"
login=$(curl -sk -c "$work/jar" "$base/api/v1/session" -d "{\"user\":\"bench\",\"password\":\"$PW\"}")
csrf=$(echo "$login" | jq -r .csrf)
token=$(awk '$6=="__Host-mamori" {print $7}' "$work/jar")
[ ${#token} -eq 64 ] || { echo "login failed: $login" >&2; exit 2; }
cookie="Cookie: __Host-mamori=$token"
curl -sk -H "$cookie" "$base/api/v1/record/$first" >"$work/record.json"
size=$(wc -c <"$work/record.json")

# wrk prints "Requests/sec: N" and, with --latency, "99% X.XXms"
run_wrk() { # label url [args...]
  local label=$1 url=$2; shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" --latency "$@" "$url")
  echo "$out" >&2
  local rps p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$label $rps $p99 ${non2xx:-0}"
}
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"data":{"name":"wrk site","code":"W1","category":"other"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-CSRF-Token"] = "$csrf"
wrk.headers["Cookie"] = "__Host-mamori=$token"
LUA

# repeated runs: "label best-rps best-p99 non2xx median-rps median-p99"
repeat_wrk() { # label url [args...]
  local label=$1; shift
  local runs=() r
  for _ in $(seq "$REPEAT"); do runs+=("$(run_wrk "$label" "$@")"); done
  printf '%s\n' "${runs[@]}" | sort -k2,2n | awk -v n="$REPEAT" -v label="$label" '
    { rps[NR] = $2; p99[NR] = $3; bad += $4 }
    END { m = int((n + 1) / 2); printf "%s %s %s %d %s %s\n", label, rps[n], p99[n], bad, rps[m], p99[m] }'
}
show=$(repeat_wrk show "$base/api/v1/record/$first" -H "$cookie")
list=$(repeat_wrk list "$base/api/v1/records/site?limit=20&offset=100" -H "$cookie")
create=$(run_wrk create "$base/api/v1/records/site" -s "$work/post.lua")
ledger=$(sqlite3 "$work/b.db" 'select last from ledger order by first desc limit 1')
kill -TERM $SERVER; wait $SERVER || true; SERVER=

# the peer: nginx, static file of the same size, same certificate, same machine
mkdir -p "$work/nginx/html" "$work/nginx/logs"
cp "$work/record.json" "$work/nginx/html/record.json"
# nginx workers run as an unprivileged user: let them read the file (the key is read by the master)
chmod 755 "$work" "$work/nginx" "$work/nginx/html"; chmod 644 "$work/nginx/html/record.json"
nport=$((port + 1))
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport ssl;
    ssl_certificate $work/b-tls.crt;
    ssl_certificate_key $work/b-tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/nginx/html;
    add_header Cache-Control no-store;
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx/start.err" &
NGINX=$!
for _ in $(seq 50); do curl -sk -o /dev/null "https://127.0.0.1:$nport/record.json" && break; sleep 0.1; done
peer=$(run_wrk nginx "https://127.0.0.1:$nport/record.json")
kill $NGINX; wait $NGINX 2>/dev/null || true; NGINX=

f() { echo "$1" | awk -v i="$2" '{print $i}'; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
load=$(cut -d' ' -f1 /proc/loadavg)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f%%", 100*a/b}'; }
for r in "$show" "$list" "$create" "$peer"; do echo "$r"; done
[ "$(f "$peer" 4)" = 0 ] || { echo "nginx answered errors: see $work/nginx/logs" >&2; exit 1; }
section=$(cat <<MD
<!-- server:begin -->
## Server (issue 6) — $(date -u +%Y-%m-%d), $(nproc) cores, $cpu, load average $load at the end

wrk ${THREADS} threads, ${CONN} keep-alive connections, ${DUR} s each, TLS on loopback (the certificate
\`mamori init\` made, ECDSA P-256); the server runs with its default threads (one per core), confined
(seccomp, Landlock), and shares the two cores with wrk. Reads carry the session cookie, so each one
checks the session, reads the store through its pooled read connections and returns JSON (${size} B
for show). Reads ran ${REPEAT} times each: best run, and the median run in brackets. A list page is
written by the store straight from each record's stored canonical JSON into the reply (no
pretty-printing, no second parse), with statements prepared once per read connection and the total
remembered until the ledger grows; in-process, without TLS and HTTP, the store serves $page.

| request | mamori req/s best (median) | p99 best (median) | non-2xx | peer in the same run | mamori / peer (best) | target |
|---|---|---|---|---|---|---|
| GET /api/v1/record/ID (show) | $(f "$show" 2) ($(f "$show" 5)) | $(f "$show" 3) ($(f "$show" 6)) | $(f "$show" 4) | nginx, static ${size} B file over TLS: $(f "$peer" 2)/s, p99 $(f "$peer" 3) | $(ratio "$(f "$show" 2)" "$(f "$peer" 2)") | ≥ 10,000/s, p99 < 20 ms |
| GET /api/v1/records/site?limit=20&offset=100 (a page of 1,000) | $(f "$list" 2) ($(f "$list" 5)) | $(f "$list" 3) ($(f "$list" 6)) | $(f "$list" 4) | same nginx | $(ratio "$(f "$list" 2)" "$(f "$peer" 2)") | ≥ 10,000/s, p99 < 20 ms |
| POST /api/v1/records/site (create) | $(f "$create" 2) | $(f "$create" 3) | $(f "$create" 4) | — (bounded by the ledger's grouped appends) | | ledger-bound |

After the run the ledger held ${ledger} entries. Load average before the run: $load0. Run:
\`bench/server.sh [BUILD_DIR]\` (MM_BENCH_REPEAT, MM_BENCH_SECONDS, MM_BENCH_CONNECTIONS).
<!-- server:end -->
MD
)
file=bench/RESULTS.md
python3 - "$file" "$section" <<'PY'
import sys, re
path, sec = sys.argv[1], sys.argv[2]
s = open(path).read()
if '<!-- server:begin -->' in s:
    s = re.sub(r'<!-- server:begin -->.*?<!-- server:end -->', lambda m: sec, s, flags=re.S)
else:
    s = s.rstrip('\n') + '\n\n' + sec + '\n'
open(path, 'w').write(s)
PY
echo "updated $file"
