#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mamori-agent check: the exit-status contract on the fixture hosts, text by locale, JSON for
# the server, policies by name and by file, malformed input with file:line:column, signing.
. "$(dirname "$0")/lib.sh"
: "${MAMORI_AGENT:?}"
A=$MAMORI_AGENT
H=$MM_SRC/tests/fixtures/hosts
SITE=$H/site.yaml
export MAMORI_NOW=1763337600

# exit 0 when every check passes, 1 when any fails
for p in municipal-terminal municipal-cs baseline-hardening; do
  expect_rc 0 "$A" check --root "$H/compliant" --policy "$p" --site "$SITE"
  expect_rc 1 "$A" check --root "$H/noncompliant" --policy "$p" --site "$SITE"
done

# text in Japanese by locale, English otherwise; grouped by item, with evidence
LC_ALL= LANG=ja_JP.UTF-8 expect_rc 1 "$A" check --root "$H/noncompliant" --policy municipal-cs --site "$SITE"
expect_out "■ 002 別紙1 §4 CS10  Oracle接続制限ツールの適用確認"
expect_out "[不合格] cs.10.oracle-port"
expect_out "tcp | 0.0.0.0 | 1521 | tnslsnr | 810"
expect_out "[要目視確認] cs.12.password-notes"
expect_out "集計: 合格"
LC_ALL=C LANG=ja_JP.UTF-8 expect_rc 1 "$A" check --root "$H/noncompliant" --policy municipal-cs --site "$SITE"
expect_out "[FAIL] cs.10.oracle-port"
expect_rc 1 "$A" check --root "$H/noncompliant" --site "$SITE" --lang ja
expect_out "[不合格] terminal.03.accounts"
expect_out "guest | 1002 | /bin/bash | usable"

# default policy: municipal-terminal, or municipal-cs when the site's role is cs
expect_rc 0 "$A" check --root "$H/compliant" --site "$SITE" --format json
expect_out '"id": "municipal-terminal"'
printf 'role: cs\nparams:\n  approved_accounts: [root, jkadmin, jukiapp]\n' >"$T/cs.yaml"
run "$A" check --root "$H/compliant" --site "$T/cs.yaml" --format json
expect_out '"id": "municipal-cs"'

# JSON: identity, policy hash, results with evidence
expect_rc 1 "$A" check --root "$H/noncompliant" --policy municipal-terminal --site "$SITE" --format json
expect_out '"format": "mamori-report/1"'
expect_out '"hostname": "jk-term-bad"'
expect_out '"collected_at": "2025-11-17T00:00:00.000Z"'
expect_out '"status": "fail"'
expect_out '"4C530001230517116283"'
grep -qE '"sha256": "[0-9a-f]{64}"' "$T/out" || fail "no policy sha256"
ok

# a policy by file; MAMORI_DATA overrides the data directory
cp "$MM_SRC/data/policies/baseline-hardening.yaml" "$T/mine.yaml"
expect_rc 0 "$A" check --root "$H/compliant" --policy "$T/mine.yaml" --site "$SITE"
mkdir -p "$T/data/policies"
sed 's/^id: baseline-hardening/id: local-copy/' "$T/mine.yaml" >"$T/data/policies/local-copy.yaml"
MAMORI_DATA=$T/data expect_rc 0 "$A" check --root "$H/compliant" --policy local-copy --site "$SITE" --format json
expect_out '"id": "local-copy"'

# bad input: exit 2 with a clear message
expect_rc 2 "$A" check --root "$H/compliant" --policy no-such-policy
expect_err "no policy named 'no-such-policy'"
printf 'id: broken\ntitle: {ja: a, en: a}\nchecks:\n  - id: x\n    severity: low\n    colour: red\n' >"$T/bad.yaml"
expect_rc 2 "$A" check --root "$H/compliant" --policy "$T/bad.yaml"
expect_err "$T/bad.yaml:6:5: unknown key 'colour' in a check"
printf '{"id": "j", "checks": [}\n' >"$T/bad.json"
expect_rc 2 "$A" check --root "$H/compliant" --policy "$T/bad.json"
expect_err "$T/bad.json:1:24: unexpected token"
printf 'params:\n  lockout_threshold: many\n' >"$T/badsite.yaml"
expect_rc 2 "$A" check --root "$H/compliant" --site "$T/badsite.yaml"
expect_err "badsite.yaml:2:22: parameter lockout_threshold must be an integer"
expect_rc 2 "$A" check --root "$T/nonexistent"
expect_err "--root $T/nonexistent"
expect_rc 2 "$A" check --root "$H/compliant" --format xml
expect_rc 2 "$A" check --root "$H/compliant" --bogus
expect_err "unknown option --bogus"
MAMORI_NOW=yesterday expect_rc 2 "$A" check --root "$H/compliant"
expect_rc 2 "$A" frobnicate

# a check whose SQL fails is an error result; the others still run (exit 2: nothing failed)
cat >"$T/sqlerr.yaml" <<'POL'
id: sqlerr
title: {ja: t, en: t}
checks:
  - {id: broken, title: {ja: a, en: a}, item: x, requirement: C2, severity: low, sql: "SELECT * FROM no_such_table"}
  - {id: writes, title: {ja: a, en: a}, item: x, requirement: C2, severity: low, sql: "DELETE FROM passwd"}
  - {id: fine, title: {ja: a, en: a}, item: x, requirement: C2, severity: low, sql: "SELECT 1 WHERE 0"}
POL
expect_rc 2 "$A" check --root "$H/compliant" --policy "$T/sqlerr.yaml" --lang en
expect_out "[ERROR] broken"
expect_out "no such table: no_such_table"
expect_out "[ERROR] writes"
expect_out "[PASS] fine"

# signed report: the signature covers the canonical report
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/agent.key"
expect_rc 0 "$A" check --root "$H/compliant" --site "$SITE" --format json --sign-key "$T/agent.key" -o "$T/report.json"
grep -q '"alg": "ed25519"' "$T/report.json" || fail "report not signed"
ok
echo "not hex" >"$T/bad.key"
expect_rc 2 "$A" check --root "$H/compliant" --sign-key "$T/bad.key"
expect_err "expected 64 hex digits"

done_ok
