#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages mamori needs to build, test and run.
# Idempotent: asks apt-get only for packages that are missing.
# Usage: scripts/deps.sh [build|test|all|bench]   (default: all)
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config git
  libsqlite3-dev sqlite3 libjansson-dev libsodium-dev libssl-dev openssl
  libyaml-dev libmicrohttpd-dev libgnutls28-dev libxlsxwriter-dev libclamav-dev zlib1g-dev
  libseccomp-dev  # mamori serve confines itself (src/server/sandbox.c)
)
test_pkgs=(
  clang libclang-rt-14-dev llvm libcmocka-dev
  jq  # CLI tests read --json output
  curl chromium chromium-driver nodejs  # server API and browser tests (tests/cli/serve*.sh, tests/browser)
  fonts-ipafont-gothic  # Japanese glyphs in browser screenshots
  qrencode zbar-tools  # tests/unit/test_qr.c: reference QR matrices and a decoder for the round trip
  libxml2-utils  # xmllint: the dashboard's SVG charts are well-formed XML (tests/cli/dashboard_api.sh)
  libreoffice-calc poppler-utils  # tests/cli/report_*.sh: open .xlsx reports (CSV, PDF), check A4 pages
)

# Peers the benchmarks compare against (bench/*.sh).
bench_pkgs=(
  aide
  openscap-scanner lynis  # bench/agent.sh: inspection peers
  wrk nginx  # bench/server.sh: load generator and the static-file peer
)

want=("${build_pkgs[@]}")
case "${1:-all}" in
  build) ;;
  test|all) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|all|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
