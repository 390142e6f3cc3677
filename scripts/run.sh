#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the embedded default: install what is missing, build,
# create a fresh database with its signing key and TLS certificate, load the
# demo organisation of 002 (22 sites, 182 devices, roster, work requests, faults,
# an inspection campaign and a password rotation with their checklists),
# create an administrator with a one-time password, check the ledger, and
# start the server: the URL and the credentials are printed. Ctrl-C stops it
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

echo
echo "mamori: https://$listen/"
if [ -n "$password" ]; then
  echo "  初回ログイン / first login:  user admin   password $password"
  echo "  (自己署名証明書です / the certificate is self-signed: $var/mamori-tls.crt)"
fi
echo "  Ctrl-C で停止 / Ctrl-C stops the server"
exec build/src/cli/mamori serve --db "$db" --listen "$listen"
