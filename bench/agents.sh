#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Agent report ingest under load: 200 simulated agents (threads of
# bench_agents, each with its own enrolled Ed25519 key) upload signed
# reports at once to a real `mamori serve` over TLS, one pinned connection
# per report as `mamori-agent run` does; afterwards every report must be in
# the database (attachments, agent counters). Peer in the same run: nginx
# over TLS with the same certificate answering 204 to the same POST bodies,
# driven by the same client — the transport ceiling. Updates the `agents`
# section of bench/RESULTS.md. usage: bench/agents.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
N=${MM_BENCH_AGENTS:-200}
K=${MM_BENCH_REPORTS:-5}
THREADS=${MM_BENCH_SERVER_THREADS:-4}
[ -x "$build/src/cli/mamori" ] && [ -x "$build/bench/bench_agents" ] && [ -x "$build/src/agent/mamori-agent" ] || {
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j2 --target mamori mamori-agent bench_agents
}
command -v nginx >/dev/null && command -v sqlite3 >/dev/null || { echo "nginx and sqlite3 are needed: scripts/deps.sh bench" >&2; exit 2; }
M=$build/src/cli/mamori
B=$build/bench/bench_agents
work=$(mktemp -d /var/tmp/mamori-bench-agents.XXXXXX)
SERVER= NGINX=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; [ -n "$NGINX" ] && kill $NGINX 2>/dev/null; rm -rf "$work"' EXIT
ulimit -n 4096 2>/dev/null || true
load0=$(cut -d' ' -f1 /proc/loadavg)

# a real report: the agent's check of the compliant fixture host
MAMORI_NOW=1763337600 "$build/src/agent/mamori-agent" check --root tests/fixtures/hosts/compliant \
  --site tests/fixtures/hosts/site.yaml --format json -o "$work/report.json"
rsize=$(wc -c <"$work/report.json")

# one server run: fresh database, N assets and tokens, serve with $1 threads, load, stop, count
run_mamori() { # threads label
  local threads=$1 db=$work/$2/b.db
  mkdir -p "$work/$2"
  "$M" init --db "$db" >/dev/null
  "$B" setup "$db" data/schema "$N" "$work/$2/tokens"
  "$M" serve --db "$db" --listen 127.0.0.1:0 ${threads:+--threads "$threads"} >"$work/$2/serve.out" 2>"$work/$2/serve.err" &
  SERVER=$!
  for _ in $(seq 100); do grep -q listening "$work/$2/serve.out" 2>/dev/null && break; sleep 0.1; done
  local port
  port=$(awk '/listening/ {print $NF}' "$work/$2/serve.out")
  local out
  out=$("$B" run "https://127.0.0.1:$port" "$work/$2/tokens" "$N" "$K" "$work/report.json") || true
  echo "$out" >&2
  kill -TERM $SERVER; wait $SERVER || true; SERVER=
  # none lost: every report is an attachment and every agent's counter reached K
  local att agents
  att=$(sqlite3 "$db" "select count(*) from attachment where name like 'agent-report-%'")
  agents=$(sqlite3 "$db" "select count(*) from record where kind='agent' and json_extract(data,'\$.report_counter')=$K")
  [ "$att" = $((N * K)) ] && [ "$agents" = "$N" ] || { echo "LOST REPORTS: $att attachments, $agents agents at $K" >&2; exit 1; }
  echo "$out stored $att agents_at_k $agents"
}
m2=$(run_mamori "" default)
m32=$(run_mamori "$THREADS" threads)
# the store's own ceiling: the same ingest in-process, $N threads, no TLS or HTTP
mkdir -p "$work/local"
"$M" init --db "$work/local/b.db" >/dev/null
local_run=$("$B" local "$work/local/b.db" data/schema "$N" "$K" "$work/report.json")
echo "$local_run" >&2
mkdir -p "$work/local1"
"$M" init --db "$work/local1/b.db" >/dev/null
local1=$("$B" local "$work/local1/b.db" data/schema 1 100 "$work/report.json")
echo "$local1" >&2

# the peer: nginx, same certificate, same client, same bodies, 204 after reading each body
db=$work/threads/b.db
mkdir -p "$work/nginx/logs"
chmod 755 "$work" "$work/nginx"
nport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_max_body_size 16m;
  client_body_buffer_size 16m;
  client_body_temp_path $work/nginx/body;
  server {
    listen 127.0.0.1:$nport ssl;
    ssl_certificate $work/threads/b-tls.crt;
    ssl_certificate_key $work/threads/b-tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location /api/v1/agent/report { client_body_in_single_buffer on; return 204; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx/start.err" &
NGINX=$!
for _ in $(seq 50); do curl -sk -o /dev/null "https://127.0.0.1:$nport/" && break; sleep 0.1; done
peer=$("$B" run "https://127.0.0.1:$nport" "$work/threads/tokens" "$N" "$K" "$work/report.json" peer)
kill $NGINX; wait $NGINX 2>/dev/null || true; NGINX=

f() { echo "$1" | awk -v k="$2" '{for (i = 1; i < NF; i++) if ($i == k) {print $(i + 1); exit}}'; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
load=$(cut -d' ' -f1 /proc/loadavg)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f%%", 100*a/b}'; }
echo "mamori default threads: $m2"; echo "mamori $THREADS threads: $m32"; echo "in-process: $local_run"; echo "nginx: $peer"
row() { # label result
  echo "| $1 | $(f "$2" accepted) of $((N * K)) | $(f "$2" stored) | $(f "$2" rate) | $(f "$2" p50_ms) ms | $(f "$2" p99_ms) ms | $(ratio "$(f "$2" rate)" "$(f "$peer" rate)") |"
}
section=$(cat <<MD
<!-- agents:begin -->
## Agent report ingest (issue 7, bench/agents.sh) — $(date -u +%Y-%m-%d), $(nproc) cores, $cpu, load average $load0 at the start and $load at the end

$N simulated agents (threads of \`bench_agents\`, each enrolled over HTTPS with its own one-time token
and Ed25519 key) start together and upload $K signed reports each ($(f "$m2" bytes) B envelopes around the
$rsize B report of the compliant fixture host), one new TLS connection per report pinned to the server
certificate, as \`mamori-agent run\` does. Each accepted report is verified against the enrolled key,
checked for replay, stored as an attachment (file fsync + ledger entry) and the agent record updated
(a second ledger entry). After each run the database is counted: every report stored, none lost.
Client and server share the two cores. A connection the server turns away before the request is sent
is retried by the client (column "retries" in the raw output below), as an agent would.

| server | accepted | attachments after | reports/s | p50 | p99 | / nginx |
|---|---|---|---|---|---|---|
$(row "mamori serve, default threads (one per core)" "$m2")
$(row "mamori serve --threads $THREADS" "$m32")
| in-process \`mm_link_ingest\` from $N threads, no TLS or HTTP (the store's ceiling) | $(f "$local_run" accepted) of $((N * K)) | — | $(f "$local_run" rate) | $(f "$local_run" p50_ms) ms | $(f "$local_run" p99_ms) ms | $(ratio "$(f "$local_run" rate)" "$(f "$peer" rate)") |
| peer: nginx over TLS, same certificate and client, \`return 204\` after the body | $(f "$peer" accepted) of $((N * K)) | — | $(f "$peer" rate) | $(f "$peer" p50_ms) ms | $(f "$peer" p99_ms) ms | 100% |

Target (DESIGN.md): ≥ 1,000 reports/s. What bounds it: one ingest, alone, takes $(f "$local1" p50_ms) ms (median of
100 in-process, one thread): it is durable storage — the report file is written with fsync of the
file and of its directory before its ledger entry, and the attachment and the agent update are two
ledger commits — so the rate comes from how many ingests overlap (the server's threads; the ledger
groups concurrent commits) and from the TLS handshake each report costs on the shared two cores
(the nginx row is that cost alone, and with the load average above it also shows how much of the two
cores the other jobs on this machine left to this run). Server threads above a few are not useful as configured: libmicrohttpd divides the
connection limit (\`MM_HTTP_CONNECTIONS_MAX\`, 512) among its worker threads, and with 8 or 32 threads
bursts of 200 connects were turned away in trial runs (the client retries them and counts the retries).

Run: \`bench/agents.sh [BUILD_DIR]\` (MM_BENCH_AGENTS, MM_BENCH_REPORTS, MM_BENCH_SERVER_THREADS).
Raw output of this run:

    mamori default threads: $m2
    mamori --threads $THREADS:  $m32
    in-process, $N threads: $local_run
    in-process, 1 thread:   $local1
    nginx:                  $peer
<!-- agents:end -->
MD
)
file=bench/RESULTS.md
python3 - "$file" "$section" <<'PY'
import sys, re
path, sec = sys.argv[1], sys.argv[2]
s = open(path).read()
if '<!-- agents:begin -->' in s:
    s = re.sub(r'<!-- agents:begin -->.*?<!-- agents:end -->', lambda m: sec, s, flags=re.S)
else:
    s = s.rstrip('\n') + '\n\n' + sec + '\n'
open(path, 'w').write(s)
PY
echo "updated $file"
