#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Report benchmark (issue 8): the demo organisation (182 assets) with a year
# of synthetic records (10,000 work requests and faults) → `mamori report
# monthly-work` and `fault` for one month: wall time, CPU time and peak RSS
# of the whole command (open, read, write the .xlsx, sign, record). Peer in
# the same run: LibreOffice headless converting a CSV of the same rows (the
# monthly report's, exported by LibreOffice) to .xlsx. Updates the report
# section of bench/RESULTS.md. usage: bench/report.sh [BUILD_DIR] [RECORDS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
records=${2:-10000}
runs=${3:-5}
[ -x "$build/bench/bench_report" ] && [ -x "$build/src/cli/mamori" ] ||
  { cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; cmake --build "$build" -j2 --target bench_report mamori; }
command -v soffice >/dev/null || { echo "soffice is missing (scripts/deps.sh test)" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-report.XXXXXX")
trap 'rm -rf "$W"' EXIT
B=$build/bench/bench_report
M=$build/src/cli/mamori
load=$(cut -d' ' -f1 /proc/loadavg)  # other work on the machine lowers the numbers
echo "setting up $records records…" >&2
setup=$("$B" setup "$W/b.db" "$records")
get() { echo "$1" | sed -n "s/^$2=//p"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
measure() { # NAME CMD...: median wall, CPU and RSS of $runs runs into $NAME_{wall,cpu,rss}
  local name=$1; shift
  local w=() c=() r=()
  for _ in $(seq "$runs"); do
    out=$("$B" run "$@" 2>/dev/null) || { echo "failed: $*" >&2; exit 1; }
    w+=("$(get "$out" wall_ms)"); c+=("$(get "$out" cpu_ms)"); r+=("$(get "$out" maxrss_kb)")
  done
  printf -v "${name}_wall" '%s' "$(printf '%s\n' "${w[@]}" | median)"
  printf -v "${name}_cpu" '%s' "$(printf '%s\n' "${c[@]}" | median)"
  printf -v "${name}_rss" '%s' "$(printf '%s\n' "${r[@]}" | median)"
}
month=2026-10
measure mw "$M" report monthly-work --db "$W/b.db" --month $month -o "$W/monthly-work.xlsx"
measure ft "$M" report fault --db "$W/b.db" --month $month -o "$W/fault.xlsx"

# the peer: the same rows as CSV (LibreOffice exports the monthly report), then CSV → .xlsx
export HOME=$W/home
mkdir -p "$HOME"
LO=(soffice "-env:UserInstallation=file://$W/lo" --headless)
"${LO[@]}" --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1' --outdir "$W/csv" "$W/monthly-work.xlsx" >/dev/null 2>&1
rows=$(wc -l <"$W/csv/monthly-work.csv")
cp "$W/csv/monthly-work.csv" "$W/rows.csv"
"${LO[@]}" --convert-to xlsx --outdir "$W/warm" "$W/rows.csv" >/dev/null 2>&1  # first start builds the profile
measure lo "${LO[@]}" --convert-to xlsx --outdir "$W/peer" "$W/rows.csv"
[ -s "$W/peer/rows.xlsx" ] || { echo "the peer wrote nothing" >&2; exit 1; }
wf=$(grep -c "^[0-9]*,\"work_request-\|^[0-9]*,\"fault-" "$W/csv/monthly-work.csv" || true)

fmt() { # 6535196 → 6,535,196
  local s out=""
  s=$(printf '%.0f' "$1")
  while [ ${#s} -gt 3 ]; do out=",${s: -3}$out"; s=${s:0:${#s}-3}; done
  echo "$s$out"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
section=$(cat <<MD
<!-- report:begin -->
## Reports (issue 8) — $(date -u +%Y-%m-%d), $(nproc) cores, $cpu, load average $load at start

Store: the demo organisation ($(get "$setup" assets) assets) and $(fmt "$(get "$setup" records)") synthetic records of FY2026
(half work requests, half faults; written in $(get "$setup" setup_s) s). Month $month holds $wf of them
(the report's CSV has $rows lines). Each figure is the median of $runs runs of the whole command.

| what | wall | CPU | peak RSS | vs. peer (wall / RSS) |
|---|---|---|---|---|
| \`mamori report monthly-work --month $month\` | $(fmt "$mw_wall") ms | $(fmt "$mw_cpu") ms | $(mb "$mw_rss") MB | $(ratio "$lo_wall" "$mw_wall")× faster / $(ratio "$lo_rss" "$mw_rss")× smaller |
| \`mamori report fault --month $month\` | $(fmt "$ft_wall") ms | $(fmt "$ft_cpu") ms | $(mb "$ft_rss") MB | $(ratio "$lo_wall" "$ft_wall")× faster / $(ratio "$lo_rss" "$ft_rss")× smaller |
| peer: LibreOffice headless, CSV of the same rows → .xlsx (warm profile) | $(fmt "$lo_wall") ms | $(fmt "$lo_cpu") ms | $(mb "$lo_rss") MB | 1 |

mamori's time is mostly reading every work request and fault of the year from the store as JSON
(the month is chosen in C) and the two fsyncs (checkpoint, \`report.write\` entry); writing the
workbook itself is a small part. The peer only converts rows it is given: it reads no store, signs
nothing. Run: \`bench/report.sh [BUILD_DIR] [RECORDS] [RUNS]\`.
<!-- report:end -->
MD
)
echo "$section"
f=bench/RESULTS.md
python3 - "$f" "$section" <<'PY'
import sys, re
path, sec = sys.argv[1], sys.argv[2]
s = open(path).read()
if '<!-- report:begin -->' in s:
    s = re.sub(r'<!-- report:begin -->.*?<!-- report:end -->', lambda m: sec, s, flags=re.S)
else:
    s = s.rstrip('\n') + '\n\n' + sec + '\n'
open(path, 'w').write(s)
PY
echo "updated $f"
