#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every mamori test: installs what is missing, builds twice (gcc
# release-with-debug; clang with ASan+UBSan and the libFuzzer targets),
# runs the whole ctest suite under both, fuzzing each parser briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh all

jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1

echo "== build (gcc) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build -j"$jobs"
echo "== tests (gcc) =="
ctest --test-dir build -j"$jobs" --label-exclude fuzz

echo "== ThreadSanitizer: group commit, read pool, verify pipeline =="
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DMM_TSAN=ON >/dev/null
cmake --build build-tsan -j"$jobs" --target test_ledger test_store test_faults
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan -R 'unit/test_(ledger|store|faults)$'

echo "== build (clang, ASan+UBSan, fuzzers) =="
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DMM_SANITIZE=ON -DMM_FUZZ=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests (ASan+UBSan; every parser fuzzed briefly: ${MM_FUZZ_SECONDS:-a share of 240 CPU-seconds} each) =="
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ -n "${MM_FUZZ_SECONDS:-}" ]; then
  cmake -S . -B build-asan -DMM_FUZZ_SECONDS="$MM_FUZZ_SECONDS" >/dev/null
fi
ctest --test-dir build-asan -j"$jobs"
