#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# FIM benchmark: builds a reproducible tree (100,000 files of 1–16 KiB in
# nested folders + 20 files of 50 MiB, fixed seed), warms the page cache,
# then measures in one run: mamori baseline, quick check and full check
# versus AIDE (--init / --check, SHA-256 only, 1 worker = its default, and
# 2 workers), sha256sum via xargs -P2, and `openssl speed -evp sha256` as
# the hashing limit; large files alone too. Writes its section of
# bench/RESULTS.md.
# Usage: bench/fim.sh   (env: FIM_BENCH_DIR, FIM_FILES, FIM_BIG, FIM_BIG_MIB, BUILD, FIM_RESULTS)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh bench >/dev/null

BUILD=${BUILD:-build-bench}
work=${FIM_BENCH_DIR:-/tmp/mamori-fim-bench}
files=${FIM_FILES:-100000} big=${FIM_BIG:-20} big_mib=${FIM_BIG_MIB:-50}
if [ -z "${MAMORI_AGENT:-}" ] || [ -z "${BENCH_FIM:-}" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMM_TESTS=OFF >/dev/null
  cmake --build "$BUILD" --target mamori-agent bench_fim -j2 >/dev/null
fi
A=${MAMORI_AGENT:-$BUILD/src/agent/mamori-agent}
B=${BENCH_FIM:-$BUILD/bench/bench_fim}

tree=$work/tree
stamp="$files-$big-$big_mib"
if [ "$(cat "$work/.tree" 2>/dev/null)" != "$stamp" ]; then
  echo "fim bench: building the tree ($files small files, $big × $big_mib MiB) in $tree" >&2
  rm -rf "$work"
  mkdir -p "$work"
  "$B" tree "$tree" "$files" "$big" "$big_mib"
  echo "$stamp" >"$work/.tree"
fi
rm -rf "$work/state" "$work/state-big" "$work"/aide*
total_mb=$(du -sm --apparent-size "$tree" | cut -f1)
big_total=$((big * big_mib))
echo "fim bench: warming the cache ($total_mb MB)" >&2
find "$tree" -type f -print0 | xargs -0 -P2 -n 2000 cat >/dev/null

# run LABEL CMD...: records wall seconds and peak RSS (KiB) in $W_<label>, $R_<label>
# (with REPEAT=N: the fastest of N runs, and the largest RSS of them)
declare -A WALL RSS
run() {
  local label=$1; shift
  local line w r st i
  WALL[$label]=""; RSS[$label]=0
  for ((i = 0; i < ${REPEAT:-1}; i++)); do
    line=$("$B" run -- "$@" 2>&1 >/dev/null | grep '^wall_s=' | tail -1)
    w=$(sed -E 's/.*wall_s=([0-9.]+).*/\1/' <<<"$line")
    r=$(sed -E 's/.*maxrss_kb=([0-9]+).*/\1/' <<<"$line")
    st=$(sed -E 's/.*status=([0-9]+).*/\1/' <<<"$line")
    if [ -z "${WALL[$label]}" ] || awk -v a="$w" -v b="${WALL[$label]}" 'BEGIN {exit !(a < b)}'; then
      WALL[$label]=$w
    fi
    [ "$r" -gt "${RSS[$label]}" ] && RSS[$label]=$r
    echo "  $label: $w s, peak RSS $((r / 1024)) MiB, exit $st" >&2
  done
}

echo "fim bench: openssl speed -evp sha256 (one core)" >&2
ossl=$(openssl speed -evp sha256 -seconds 3 -bytes 16384 2>/dev/null | awk '/^sha256|^SHA256/ {v=$NF} END {sub(/k$/,"",v); print v}')
ossl_mbs=$(awk -v k="$ossl" 'BEGIN {printf "%.0f", k * 1000 / 1e6}')
cores=$(nproc)

cat >"$work/aide.conf" <<EOF
database_in=file:$work/aide.db
database_out=file:$work/aide.db.new
gzip_dbout=no
report_url=file:/dev/null
Bench = p+i+n+u+g+s+m+c+sha256
$tree Bench
EOF

echo "fim bench: running" >&2
load0=$(cut -d' ' -f1-3 /proc/loadavg)
run mamori_baseline "$A" fim baseline --path "$tree" --state "$work/state"
REPEAT=3 run mamori_check "$A" fim check --path "$tree" --state "$work/state"
REPEAT=3 run mamori_full "$A" fim check --path "$tree" --state "$work/state" --full
run aide_init aide --init -c "$work/aide.conf"
mv "$work/aide.db.new" "$work/aide.db"
run aide_check aide --check -c "$work/aide.conf"
run aide2_init aide --init --workers=2 -c "$work/aide.conf"
mv "$work/aide.db.new" "$work/aide.db"
run aide2_check aide --check --workers=2 -c "$work/aide.conf"
run sha256sum bash -c "find '$tree' -type f -print0 | xargs -0 -P2 -n 1000 sha256sum >/dev/null"
run mamori_big "$A" fim baseline --path "$tree/big" --state "$work/state-big"
run sha256sum_big bash -c "find '$tree/big' -type f -print0 | xargs -0 -P2 -n 1 sha256sum >/dev/null"
load1=$(cut -d' ' -f1-3 /proc/loadavg)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
mbs() { awk -v mb="$1" -v s="$2" 'BEGIN {printf "%.0f", mb * 1.048576 / s}'; }
big_mbs=$(mbs "$big_total" "${WALL[mamori_big]}")
big_pct=$(awk -v m="$big_mbs" -v o="$ossl_mbs" -v c="$cores" 'BEGIN {printf "%.0f", 100 * m / (o * c)}')
verdicts() {
  local out="" q f
  q=$(awk -v a="${WALL[aide_init]}" -v b="${WALL[mamori_baseline]}" 'BEGIN {print (a / b >= 3) ? "met" : "NOT met"}')
  out+="baseline ≥ 3× AIDE $q; "
  q=$(awk -v a="${WALL[aide2_check]}" -v b="${WALL[mamori_full]}" 'BEGIN {print (a / b >= 3) ? "met" : "NOT met"}')
  out+="full check ≥ 3× AIDE (2 workers) $q; "
  q=$(awk -v a="${WALL[mamori_full]}" -v b="${WALL[mamori_check]}" 'BEGIN {print (a / b >= 10) ? "met" : "NOT met"}')
  out+="quick ≥ 10× full $q; "
  out+="large files ≥ 80% $( [ "$big_pct" -ge 80 ] && echo met || echo "NOT met"); "
  for f in mamori_baseline mamori_check mamori_full; do
    [ "${RSS[$f]}" -lt 32768 ] && q=met || q="NOT met"; out+="RSS < 32 MB ${f#mamori_} $q; "
  done
  echo "${out%; }."
}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
shani=$(grep -q sha_ni /proc/cpuinfo && echo "SHA-NI" || echo "no SHA-NI")
fs=$(df -T "$tree" | awk 'NR==2 {print $2}')

section=$(cat <<EOF
<!-- fim:begin -->
## File integrity (bench/fim.sh)

Machine: $cores cores, $cpu ($shani), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $fs; $(date -u +%Y-%m-%d).
Load average (1/5/15 min) when the run started: $load0; when it ended: $load1 (the machine is shared:
every tool ran under the same load). Quick and full check: the fastest of 3 runs each; the others once.
Tree: $files files of 1–16 KiB in 1,000 folders + $big × $big_mib MiB ($total_mb MB in all), fixed seed,
warm page cache. AIDE $(aide --version 2>&1 | head -1 | awk '{print $2}') with \`p+i+n+u+g+s+m+c+sha256\`;
mamori records the same plus xattrs and link targets. One core's SHA-256: \`openssl speed -evp sha256\`
(16 KiB blocks) = **$ossl_mbs MB/s**.

| what | mamori | AIDE (1 worker, default) | AIDE (2 workers) | sha256sum, xargs -P2 | mamori vs AIDE 1w / 2w |
|---|---|---|---|---|---|
| baseline, whole tree | ${WALL[mamori_baseline]} s | ${WALL[aide_init]} s | ${WALL[aide2_init]} s | ${WALL[sha256sum]} s | $(ratio "${WALL[aide_init]}" "${WALL[mamori_baseline]}")× / $(ratio "${WALL[aide2_init]}" "${WALL[mamori_baseline]}")× |
| check, unchanged tree (quick) | ${WALL[mamori_check]} s | ${WALL[aide_check]} s | ${WALL[aide2_check]} s | — | $(ratio "${WALL[aide_check]}" "${WALL[mamori_check]}")× / $(ratio "${WALL[aide2_check]}" "${WALL[mamori_check]}")× |
| check --full (re-hash all) | ${WALL[mamori_full]} s | (AIDE always re-hashes) | | | $(ratio "${WALL[aide_check]}" "${WALL[mamori_full]}")× / $(ratio "${WALL[aide2_check]}" "${WALL[mamori_full]}")× |
| peak RSS baseline / check (quick; full) | $((RSS[mamori_baseline] / 1024)) / $((RSS[mamori_check] / 1024)); $((RSS[mamori_full] / 1024)) MiB | $((RSS[aide_init] / 1024)) / $((RSS[aide_check] / 1024)) MiB | $((RSS[aide2_init] / 1024)) / $((RSS[aide2_check] / 1024)) MiB | | |

- Quick check vs full check: **$(ratio "${WALL[mamori_full]}" "${WALL[mamori_check]}")×** faster (target ≥ 10×).
- Large files alone ($big × $big_mib MiB): mamori **$big_mbs MB/s** = $big_pct% of cores × one core's
  SHA-256 ($cores × $ossl_mbs MB/s; target ≥ 80%); sha256sum -P2: $(mbs "$big_total" "${WALL[sha256sum_big]}") MB/s.
- Targets: ≥ 3× AIDE on baseline and check; peak RSS < 32 MB. This run: $(verdicts)
<!-- fim:end -->
EOF
)
res=${FIM_RESULTS:-bench/RESULTS.md}
[ -f "$res" ] || printf '# Benchmark results\n\nEach section is written by its bench script; numbers from one run on the machine named.\n' >"$res"
python3 - "$res" "$section" <<'PY'
import sys, re
path, sec = sys.argv[1], sys.argv[2]
s = open(path).read()
if "<!-- fim:begin -->" in s:
    s = re.sub(r"<!-- fim:begin -->.*?<!-- fim:end -->", lambda m: sec, s, flags=re.S)
else:
    s = s.rstrip("\n") + "\n\n" + sec + "\n"
open(path, "w").write(s)
PY
echo "$section"
