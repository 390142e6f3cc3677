#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Inspection benchmark on this real machine (--root /), in one run: the full municipal-cs policy with
# `mamori-agent check` (median of AGENT_RUNS runs, wall and peak RSS; plus the in-process split
# between fact collection and check evaluation), against `lynis audit system --quick` and
# `oscap xccdf eval` with the CIS level 1 server profile of the SCAP Security Guide data stream for
# Debian 12 (../shared/peers/ssg-debian12-ds.xml.xz; takes minutes — MM_BENCH_SKIP_OSCAP=1 skips it).
# Writes its section of bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh bench >/dev/null

BUILD=${BUILD:-build-bench-agent}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMM_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target mamori-agent bench_agent -j2 >/dev/null
A=$BUILD/src/agent/mamori-agent
B=$BUILD/bench/bench_agent
runs=${AGENT_RUNS:-21}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A WALL RSS ST
measure() {
  local label=$1; shift
  local line
  line=$("$B" run -- "$@" 2>&1 >/dev/null | grep '^wall_s=' | tail -1)
  WALL[$label]=$(sed -E 's/.*wall_s=([0-9.]+).*/\1/' <<<"$line")
  RSS[$label]=$(sed -E 's/.*maxrss_kb=([0-9]+).*/\1/' <<<"$line")
  ST[$label]=$(sed -E 's/.*status=([0-9]+).*/\1/' <<<"$line")
  echo "  $label: ${WALL[$label]} s, peak RSS ${RSS[$label]} KiB, exit ${ST[$label]}" >&2
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", a / b}'; }

echo "agent bench: mamori-agent check --root / --policy municipal-cs, $runs runs" >&2
walls=() rsss=()
for _ in $(seq "$runs"); do
  measure m "$A" check --root / --policy municipal-cs --format json
  walls+=("${WALL[m]}"); rsss+=("${RSS[m]}")
done
m_med=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
m_best=$(printf '%s\n' "${walls[@]}" | sort -n | head -1)
m_worst=$(printf '%s\n' "${walls[@]}" | sort -n | tail -1)
m_rss=$(printf '%s\n' "${rsss[@]}" | sort -n | tail -1)
m_status=${ST[m]}
"$A" check --root / --policy municipal-cs --format json >"$work/report.json" || true
checks=$(jq '.results | length' "$work/report.json")
summary=$(jq -r '.summary | "\(.pass) pass, \(.fail) fail, \(."not-applicable") n/a, \(.manual) manual, \(.error) error"' "$work/report.json")
phases=$("$B" phases / municipal-cs 20)
echo "  phases: $phases" >&2
col=$(sed -E 's/.*collect_median_ms=([0-9.]+).*/\1/' <<<"$phases")
ev=$(sed -E 's/.*eval_median_ms=([0-9.]+).*/\1/' <<<"$phases")

echo "agent bench: lynis audit system --quick" >&2
measure lynis lynis audit system --quick --no-colors --logfile "$work/lynis.log" --report-file "$work/lynis.dat"
lynis_tests=$(grep -c 'Performing test ID' "$work/lynis.log" 2>/dev/null || echo "?")

oscap_row="| \`oscap xccdf eval\` (CIS level 1 server) | not run (MM_BENCH_SKIP_OSCAP=1) | | | |"
if [ -z "${MM_BENCH_SKIP_OSCAP:-}" ]; then
  echo "agent bench: oscap xccdf eval (several minutes)" >&2
  xz -dc ../shared/peers/ssg-debian12-ds.xml.xz >"$work/ds.xml"
  measure oscap oscap xccdf eval --profile xccdf_org.ssgproject.content_profile_cis_level1_server \
    --results "$work/oscap.xml" "$work/ds.xml"
  oscap_rules=$(grep -o '<result>[a-z]*</result>' "$work/oscap.xml" | grep -vc notselected || echo "?")
  oscap_row="| \`oscap xccdf eval\` (CIS level 1 server, SSG 0.1.81 for Debian 12; $oscap_rules rules evaluated) | ${WALL[oscap]} s | $((RSS[oscap] / 1024)) MiB | $(ratio "${WALL[oscap]}" "$m_med")× | |"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
pkgs=$(dpkg-query -W -f='${Status}\n' | grep -c 'install ok installed')
procs=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
os=$(. /etc/os-release; echo "$PRETTY_NAME")
section="<!-- agent:begin -->
## Inspection, full policy on this host (issue 4, bench/agent.sh)

Machine: $(nproc) cores, $cpu, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $os,
$pkgs packages, $procs processes; $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1 /proc/loadavg) at the end.
mamori: \`mamori-agent check --root / --policy municipal-cs --format json\` — $checks checks
($summary), every collector of docs/facts.md; Release build. Peers in the same run.

| what | wall | peak RSS | peer / mamori (median wall) | target |
|---|---|---|---|---|
| mamori-agent, median of $runs (best $m_best s, worst $m_worst s; exit $m_status) | $m_med s | $((m_rss / 1024)) MiB ($m_rss KiB, largest run) | 1× | < 0.250 s, < 16 MiB |
| in-process split (median of 20): collect facts / evaluate checks | $col ms / $ev ms | | | |
| \`lynis audit system --quick\` ($lynis_tests tests) | ${WALL[lynis]} s | $((RSS[lynis] / 1024)) MiB | $(ratio "${WALL[lynis]}" "$m_med")× | |
$oscap_row

The tools check different things (lynis: general hardening tests; OpenSCAP: the CIS benchmark;
mamori: the 13 CS items of 002 別紙1 §4 with evidence), so the ratio compares the job an inspector
would run, not equal work. Peak RSS is the largest resident set of the process tree's biggest member
(wait4 ru_maxrss).
<!-- agent:end -->"
res=bench/RESULTS.md
[ -f "$res" ] || printf '# Benchmark results\n\nEach section is written by its script; every number has its peer from the same run.\n' >"$res"
python3 - "$res" "$section" <<'PY'
import sys, re
path, sec = sys.argv[1], sys.argv[2]
s = open(path).read()
if "<!-- agent:begin -->" in s:
    s = re.sub(r"<!-- agent:begin -->.*?<!-- agent:end -->", lambda m: sec, s, flags=re.S)
else:
    s = s.rstrip("\n") + "\n\n" + sec + "\n"
open(path, "w").write(s)
PY
echo "agent bench: wrote the agent section of $res" >&2
