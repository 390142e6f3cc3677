#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the embedded default: install what is missing, build,
# create a fresh database with its signing key and TLS certificate, load the
# demo organisation of 002 (22 sites, 182 devices, roster, work requests, faults,
# an inspection campaign and a password rotation with their checklists),
# create an administrator with a one-time password, check the ledger, start
# the server, enroll this machine as the agent of the demo's first terminal
# and upload its signed inspection report: the URL and the credentials are
# printed. Ctrl-C stops it
# (the final checkpoint is signed). MAMORI_LISTEN sets the address.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMM_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"

var=${MAMORI_VAR:-var}
mkdir -p "$var"
db="$var/mamori.db"
listen=${MAMORI_LISTEN:-127.0.0.1:8443}
password=""
if [ ! -f "$db" ]; then
  build/src/cli/mamori init --db "$db"
  build/src/cli/mamori demo load --db "$db" --populate
  # a one-time password for the first administrator (change it after the first login)
  password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
  printf '%s\n' "$password" | build/src/cli/mamori user add --db "$db" --name admin --role admin --password-stdin
else
  echo "using existing $db (delete $var/ to start over)"
fi
build/src/cli/mamori ledger verify --db "$db"

build/src/cli/mamori serve --db "$db" --listen "$listen" >"$var/serve.log" 2>&1 &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
for _ in $(seq 100); do
  grep -q "listening" "$var/serve.log" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$var/serve.log" >&2; exit 2; }
  sleep 0.1
done

# This machine as the agent of the demo's first terminal (asset-1): enrolled once with a one-time
# token that pins the server's certificate, then it inspects itself and uploads its signed report,
# which fills that terminal's automated items of the demo's inspection campaign.
agent=build/src/agent/mamori-agent
if [ ! -f "$var/agent/agent.key" ]; then
  token=$(build/src/cli/mamori enroll-token --db "$db" --asset asset-1 --actor "scripts/run.sh")
  "$agent" enroll --server "https://$listen" --token "$token" --state "$var/agent"
fi
rc=0
"$agent" run --state "$var/agent" --policy municipal-terminal >"$var/agent-run.log" 2>&1 || rc=$?
case $rc in
  0) echo "agent: report accepted (every check passed) — see asset-1 / 点検項目" ;;
  1) echo "agent: report accepted; some checks failed on this machine — see asset-1 / 点検項目" ;;
  *) echo "agent: the report was not accepted (see $var/agent-run.log)" ;;
esac

echo
echo "mamori: https://$listen/"
if [ -n "$password" ]; then
  echo "  初回ログイン / first login:  user admin   password $password"
  echo "  (自己署名証明書です / the certificate is self-signed: $var/mamori-tls.crt)"
fi
echo "  サーバーのログ / server log: $var/serve.log"
echo "  Ctrl-C で停止 / Ctrl-C stops the server"
wait "$server" || true
