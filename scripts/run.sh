#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the embedded default: install what is missing, build,
# create a fresh database with its signing key and TLS certificate, load the
# demo organisation of 002 (22 sites, 182 devices, roster, work requests, faults), and
# show what was created and that its ledger verifies.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMM_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"

var=${MAMORI_VAR:-var}
mkdir -p "$var"
db="$var/mamori.db"
if [ ! -f "$db" ]; then
  build/src/cli/mamori init --db "$db"
  build/src/cli/mamori demo load --db "$db"
else
  echo "using existing $db (delete $var/ to start over)"
fi
build/src/cli/mamori ledger verify --db "$db"
