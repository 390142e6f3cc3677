#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Ledger benchmark with its peers in the same run; updates the ledger section
# of bench/RESULTS.md. usage: bench/ledger.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -x "$build/bench/bench_ledger" ] || { cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; cmake --build "$build" --target bench_ledger; }
work=$(mktemp -d /var/tmp/mamori-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)
out=$("$build/bench/bench_ledger" "$work" 2000 64000 200000)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$out"
get() { echo "$out" | sed -n "s/^$1=//p"; }
# openssl speed prints k-bytes per second per block size; take 1024 and 8192
ossl=$(openssl speed -evp sha256 -seconds 2 2>/dev/null | grep -E '^(sha256|SHA256|SHA2-256)' | tail -1)
sha1k=$(echo "$ossl" | awk '{gsub("k","",$(NF-2)); print $(NF-2)/1000}')
sha8k=$(echo "$ossl" | awk '{gsub("k","",$(NF-1)); print $(NF-1)/1000}')
ratio_v=$(awk -v v="$(get verify_mb_per_s)" -v s="$sha1k" 'BEGIN{printf "%.0f%%", 100*v/s}')
ratio_s=$(awk -v a="$(get single_appends_per_s)" -v p="$(get plain_sqlite_inserts_per_s)" 'BEGIN{printf "%.2f", a/p}')
ratio() { awk -v a="$(get "grouped_$1_appends_per_s")" -v p="$(get plain_sqlite_inserts_per_s)" 'BEGIN{printf "%.1f", a/p}'; }
# what two cores could do if the CPU were the only bound: 2 s of CPU per second over the CPU per append
cpu_cap() { awk -v c="$(get "grouped_$1_cpu_us_per_append")" 'BEGIN{printf "%.0f", 2e6/c}'; }
verify_cap=$(awk -v c="$(get verify_cpu_us_per_entry)" -v b="$(get entry_bytes)" -v s="$sha1k" 'BEGIN{printf "%.0f MB/s = %.0f%%", 2*b/c, 100*2*b/c/s}')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
section=$(cat <<MD
<!-- ledger:begin -->
## Ledger (issue 2) — $(date -u +%Y-%m-%d), $(nproc) cores, $cpu, $(df -T /var/tmp | awk 'NR==2{print $2}') disk, load average $load at the start, $load_end at the end

| measure | mamori | peer in the same run | ratio | target |
|---|---|---|---|---|
| durable appends, one at a time | $(get single_appends_per_s)/s | plain SQLite insert, WAL, synchronous=FULL, 1 per txn: $(get plain_sqlite_inserts_per_s)/s | $ratio_s× | ≥ 1,000/s |
| durable appends, 16 writers (group commit; the headline) | $(get grouped_16_appends_per_s)/s ($(get grouped_16_cpu_us_per_append) µs CPU each) | same plain SQLite | $(ratio 16)× | ≥ 50,000/s |
| durable appends, 64 writers | $(get grouped_64_appends_per_s)/s ($(get grouped_64_cpu_us_per_append) µs CPU each) | same plain SQLite | $(ratio 64)× | |
| durable appends, 256 writers | $(get grouped_256_appends_per_s)/s ($(get grouped_256_cpu_us_per_append) µs CPU each) | same plain SQLite | $(ratio 256)× | |
| verify ($(get verify_entries) entries of $(get entry_bytes) B) | $(get verify_mb_per_s) MB/s ($(get verify_entries_per_s) entries/s; $(get verify_cpu_us_per_entry) µs CPU each) | \`openssl speed -evp sha256\`: ${sha1k} MB/s at 1 KiB, ${sha8k} MB/s at 8 KiB | $ratio_v of 1 KiB SHA-256 | ≥ 80% |

Verify re-reads every entry from SQLite, decodes it, recomputes its leaf hash and every Merkle node,
compares them with the stored ones and checks the signed checkpoints, on every core (chunk workers
folded in order). Each grouped run appends 64,000 entries in all. CPU times are the whole process's
(user + system, all threads) per append or entry: the machine is shared, and they are disturbed far
less by the other jobs than the rates are. With two cores to itself, CPU alone would allow
$(cpu_cap 16)/s at 16 writers and $(cpu_cap 64)/s at 64; verify $verify_cap of one core's SHA-256.
Verify is the best of three runs. \`openssl speed\` divides by its own CPU time, not wall time, so the
load does not lower the peer as it lowers our rates. Compare rates only with the peers of the same
run: the previous version of this section (load 1.6; plain SQLite 7,046/s) had 6,819/s one at a time,
27,062/s at 16 writers (3.8× the plain SQLite peer) and verify at 299 MB/s (42%), all with the
format 1 database and the one-reader/one-checker verify. Run: \`bench/ledger.sh\`.

What bounds the results (callgrind instruction counts and perf software counters, since this VM has
no hardware counters):
- Group commit. A writer sleeps until its commit is durable, so each append costs its thread one sleep
  and one wake-up. With 16 writers one batch carries all 16 (15.6 on average), and nothing overlaps:
  the fsync, the batch's statements, then 16 wake-ups and re-queues (SQLite allows one write
  transaction at a time). More writers fill the next batch during the fsync, so 64 and 256 writers go
  faster. What changed in this round: database format 2 keeps the Merkle nodes in the entry's row (one
  INSERT per append instead of two, and no node index); each writer waits on its own semaphore and the
  leader role passes to the next queued writer (one condition variable used to wake them all at once);
  a plain append needs no savepoint. Outside SHA-256, instructions per append fell from 32.1k to 13.7k
  (callgrind). In an A/B run with the previous build at the same time (load 11–15), at 16 writers CPU
  per append fell from 26–27 µs to 17.6–18.6 µs (over the three writer counts, context switches per
  append fell from 2.7 to 1.8 and process CPU by 38%). About
  60% of what is left is kernel time: context switches, futexes, fdatasync.
- Verify. A \`perf record -e cpu-clock\` profile of verify splits its CPU time: SHA-256 (libcrypto) 39%,
  SQLite 27% plus 11% in libc (memmove and malloc/free, called by SQLite as it returns each row and
  by SHA-256 as it buffers), our decoding and checks 12%, the kernel 8% (page faults on the mmap), Ed25519 checkpoint
  signatures 3.5%. So reading a row costs about as much as hashing it. Before this round one thread
  did ~88% of the work (callgrind); now workers verify aligned 1,024-entry chunks on both cores. 80%
  of one core's SHA-256 at 1 KiB needs at most ~2.0 µs of CPU per 582-byte entry when both cores are
  free. The per-row SQLite cost keeps it above that, and the rate follows the cores this process
  actually gets on the shared machine. The way past it is to read entries without one SQLite row
  each: several entries per row, or an append-only segment file.
<!-- ledger:end -->
MD
)
f=bench/RESULTS.md
[ -f "$f" ] || printf '# Benchmark results\n\nEach section is written by its script; every number has its peer from the same run.\n' >"$f"
python3 - "$f" "$section" <<'PY'
import sys, re
path, sec = sys.argv[1], sys.argv[2]
s = open(path).read()
if '<!-- ledger:begin -->' in s:
    s = re.sub(r'<!-- ledger:begin -->.*?<!-- ledger:end -->', lambda m: sec, s, flags=re.S)
else:
    s = s.rstrip('\n') + '\n\n' + sec + '\n'
open(path, 'w').write(s)
PY
echo "updated $f"
