# SPDX-License-Identifier: Apache-2.0
# Shared helpers for CLI tests. Source it first: `. "$(dirname "$0")/lib.sh"`.
# Every test gets a fresh directory $T, removed on success.
set -euo pipefail
: "${MAMORI:?run through ctest}" "${MM_SRC:?}" "${MM_TEST_TMP:?}"
mkdir -p "$MM_TEST_TMP"
T=$(mktemp -d "$MM_TEST_TMP/$(basename "$0" .sh).XXXXXX")
passed=0
cleanup() { local rc=$?; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "kept $T" >&2; fi; }
trap cleanup EXIT
# a command failing under `set -e` must not end a test silently
set -o errtrace
trap 'rc_=$?; case $- in *e*) echo "FAIL: $(basename "$0"):$LINENO: exit $rc_ from: $BASH_COMMAND" >&2 ;; esac' ERR

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); }

# run CMD...: runs it, saving stdout/stderr in $T/out, $T/err and the status in $rc.
run() {
  set +e
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  set -e
}
# expect_rc N CMD...: the command must exit with N.
expect_rc() {
  local want=$1; shift
  run "$@"
  if [ "$rc" -ne "$want" ]; then
    echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
    fail "expected exit $want, got $rc: $*"
  fi
  ok
}
# expect_out TEXT: stdout of the last run contains TEXT.
expect_out() { grep -qF -- "$1" "$T/out" || { cat "$T/out"; fail "stdout lacks '$1'"; }; ok; }
# expect_err TEXT: stderr of the last run contains TEXT.
expect_err() { grep -qF -- "$1" "$T/err" || { cat "$T/err"; fail "stderr lacks '$1'"; }; ok; }
# expect_eq A B [what]
expect_eq() { [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"; ok; }
done_ok() { echo "$(basename "$0" .sh): $passed checks passed"; }
# SQL over the ledger's entries, one row each: TEMP TABLE e(seq, entry, hash, nodes) (the
# database keeps eight entries to a row, docs/ledger.md). usage: ledger_sql DB "select … from e …"
ledger_sql() { python3 "$(dirname "${BASH_SOURCE[0]}")/ledger_rows.py" "$1" query "$2"; }

# Playwright (playwright-core from npm, as the committed lock file pins it) for the browser tests:
# installed once, under a lock, because ctest runs several browser tests at the same time and one
# must not start on a half-installed node_modules.
need_playwright() {
  local b="$MM_SRC/tests/browser"
  (
    flock 9
    if [ ! -f "$b/node_modules/.mamori-complete" ]; then
      (cd "$b" && npm ci --no-audit --no-fund --loglevel=error) && touch "$b/node_modules/.mamori-complete"
    fi
  ) 9>"$b/.npm-lock" || fail "npm ci in tests/browser failed"
}
