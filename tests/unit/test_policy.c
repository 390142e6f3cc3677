/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy: every check of the shipped policies passes on the compliant
 * fixture host and fails on the non-compliant one with the expected
 * evidence (tests/fixtures/hosts/expected.tsv); malformed policies and
 * site files name file, line and column; SQL that fails or tries to write
 * is an error result while the other checks run; parameters are data;
 * reports sign and verify; text renders in both languages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "scratch.h"

#include "crypto/mm_crypto.h"
#include "facts/mm_facts.h"
#include "policy/mm_policy.h"
#include "base/banned.h"

#define NOW 1763337600

static char path_buf[4096];

static const char *src_path(const char *rel)
{
	const char *src = getenv("MM_SRC");
	snprintf(path_buf, sizeof path_buf, "%s/%s", src ? src : ".", rel);
	return path_buf;
}

static mm_facts *collect(const char *host)
{
	char rel[256];
	snprintf(rel, sizeof rel, "tests/fixtures/hosts/%s", host);
	mm_facts *f = NULL;
	mm_err e = {0};
	assert_int_equal(mm_facts_open(&f, src_path(rel), NOW, &e), MM_OK);
	assert_int_equal(mm_facts_collect(f, &e), MM_OK);
	return f;
}

static mm_policy *load_named(const char *name)
{
	char rel[256], path[4096];
	snprintf(rel, sizeof rel, "data/policies/%s.yaml", name);
	snprintf(path, sizeof path, "%s", src_path(rel));
	mm_policy *p = NULL;
	mm_err e = {0};
	if (mm_policy_load(&p, path, &e) != MM_OK)
		fail_msg("%s", e.msg);
	return p;
}

static mm_site *fixture_site(void)
{
	mm_site *s = NULL;
	mm_err e = {0};
	if (mm_site_load(&s, src_path("tests/fixtures/hosts/site.yaml"), &e) != MM_OK)
		fail_msg("%s", e.msg);
	return s;
}

static json_t *evaluate(const char *host, const char *policy, const mm_site *site, const char *baseline)
{
	mm_facts *f = collect(host);
	mm_policy *p = load_named(policy);
	mm_eval_opts o = {p, site, baseline};
	json_t *r = NULL;
	mm_err e = {0};
	if (mm_policy_evaluate(f, &o, &r, &e) != MM_OK)
		fail_msg("%s", e.msg);
	mm_policy_free(p);
	mm_facts_close(f);
	return r;
}

static const json_t *result(const json_t *rep, const char *id)
{
	size_t i;
	const json_t *r;
	json_array_foreach(json_object_get(rep, "results"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return r;
	return NULL;
}

static const char *status_of(const json_t *rep, const char *id)
{
	const json_t *r = result(rep, id);
	return r ? json_string_value(json_object_get(r, "status")) : "(missing)";
}

/* ---- every check on both hosts ---- */

static void test_fixture_hosts(void **state)
{
	(void)state;
	static const char *const policies[] = {"municipal-terminal", "municipal-cs", "baseline-hardening"};
	mm_site *site = fixture_site();
	FILE *tsv = fopen(src_path("tests/fixtures/hosts/expected.tsv"), "r");
	assert_non_null(tsv);
	json_t *good[3], *bad[3];
	for (int i = 0; i < 3; i++) {
		good[i] = evaluate("compliant", policies[i], site, NULL);
		bad[i] = evaluate("noncompliant", policies[i], site, NULL);
		assert_int_equal(mm_policy_exit_status(good[i]), 0);
		assert_int_equal(mm_policy_exit_status(bad[i]), 1);
	}
	/* every automatable check must be listed in expected.tsv */
	size_t listed = 0, automatable = 0;
	char line[1024];
	while (fgets(line, sizeof line, tsv)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		char *tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		const char *id = line, *want = tab + 1;
		int which = strncmp(id, "terminal.", 9) == 0 ? 0 : strncmp(id, "cs.", 3) == 0 ? 1 : 2;
		if (strcmp(status_of(good[which], id), "pass") != 0)
			fail_msg("%s on the compliant host: %s", id, status_of(good[which], id));
		if (strcmp(status_of(bad[which], id), "fail") != 0)
			fail_msg("%s on the non-compliant host: %s", id, status_of(bad[which], id));
		char *ev = json_dumps(json_object_get(result(bad[which], id), "evidence"), JSON_ENCODE_ANY);
		if (!ev || !strstr(ev, want))
			fail_msg("%s: evidence lacks '%s': %s", id, want, ev ? ev : "null");
		free(ev);
		listed++;
	}
	fclose(tsv);
	for (int i = 0; i < 3; i++) {
		size_t k;
		const json_t *r;
		json_array_foreach(json_object_get(good[i], "results"), k, r)
			if (strcmp(json_string_value(json_object_get(r, "kind")), "manual") != 0)
				automatable++;
	}
	assert_int_equal(listed, automatable);
	for (int i = 0; i < 3; i++) {
		json_decref(good[i]);
		json_decref(bad[i]);
	}
	mm_site_free(site);
}

/* All 29 items of 002 別紙1 §4 are covered by the two municipal policies. */
static void test_all_items_covered(void **state)
{
	(void)state;
	json_t *t = evaluate("compliant", "municipal-terminal", NULL, NULL);
	json_t *c = evaluate("compliant", "municipal-cs", NULL, NULL);
	for (int i = 1; i <= 16; i++) {
		char item[64];
		snprintf(item, sizeof item, "002 別紙1 §4 端末%d", i);
		bool seen = false;
		size_t k;
		const json_t *r;
		json_array_foreach(json_object_get(t, "results"), k, r)
			seen |= strcmp(json_string_value(json_object_get(r, "item")), item) == 0;
		if (!seen)
			fail_msg("no check for %s", item);
	}
	for (int i = 1; i <= 13; i++) {
		char item[64];
		snprintf(item, sizeof item, "002 別紙1 §4 CS%d", i);
		bool seen = false;
		size_t k;
		const json_t *r;
		json_array_foreach(json_object_get(c, "results"), k, r)
			seen |= strcmp(json_string_value(json_object_get(r, "item")), item) == 0;
		if (!seen)
			fail_msg("no check for %s", item);
	}
	/* manual items: 端末12, 13, 15 and CS12 */
	assert_string_equal(status_of(t, "terminal.12.password-notes"), "manual");
	assert_string_equal(status_of(t, "terminal.13.display-position"), "manual");
	assert_string_equal(status_of(t, "terminal.15.wire-lock"), "manual");
	assert_string_equal(status_of(c, "cs.12.password-notes"), "manual");
	json_decref(t);
	json_decref(c);
}

/* ---- hostile policies ---- */

static json_t *eval_text(const char *policy_yaml, const char *site_yaml)
{
	mm_policy *p = NULL;
	mm_site *s = NULL;
	mm_err e = {0};
	if (mm_policy_load_buffer(&p, "t.yaml", policy_yaml, strlen(policy_yaml), false, &e) != MM_OK)
		fail_msg("%s", e.msg);
	if (site_yaml && mm_site_load_buffer(&s, "s.yaml", site_yaml, strlen(site_yaml), false, &e) != MM_OK)
		fail_msg("%s", e.msg);
	mm_facts *f = collect("compliant");
	mm_eval_opts o = {p, s, NULL};
	json_t *r = NULL;
	if (mm_policy_evaluate(f, &o, &r, &e) != MM_OK)
		fail_msg("%s", e.msg);
	/* the fact tables are intact whatever the checks tried */
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_prepare_v2(mm_facts_db(f), "SELECT count(*) FROM passwd", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 8);
	sqlite3_finalize(q);
	mm_facts_close(f);
	mm_policy_free(p);
	mm_site_free(s);
	return r;
}

#define HEAD "id: t\ntitle: {ja: t, en: t}\nchecks:\n"
#define CHECK(id, sql) \
	"  - id: " id "\n    title: {ja: a, en: a}\n    item: x\n    requirement: C2\n" \
	"    severity: low\n    sql: \"" sql "\"\n"

static void test_sql_errors_and_writes(void **state)
{
	(void)state;
	json_t *r = eval_text(HEAD CHECK("bad-syntax", "SELEC nonsense")
			      CHECK("no-table", "SELECT * FROM nope")
			      CHECK("delete", "DELETE FROM passwd")
			      CHECK("insert", "INSERT INTO passwd(name, password_field) VALUES('x','empty')")
			      CHECK("drop", "DROP TABLE passwd")
			      CHECK("attach", "ATTACH DATABASE '/tmp/mm-evil.db' AS e")
			      CHECK("pragma", "PRAGMA writable_schema = 1")
			      CHECK("two", "SELECT 1 WHERE 0; DELETE FROM passwd")
			      CHECK("cte-write", "WITH x AS (SELECT 1) DELETE FROM passwd")
			      CHECK("forever", "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT i FROM c WHERE i < 0")
			      CHECK("fine", "SELECT name FROM accounts WHERE name = 'root'"),
			      NULL);
	static const char *const errs[] = {"bad-syntax", "no-table", "delete", "insert", "drop",
					   "attach", "pragma", "two", "cte-write", "forever"};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
		if (strcmp(status_of(r, errs[i]), "error") != 0)
			fail_msg("%s: %s", errs[i], status_of(r, errs[i]));
	assert_string_equal(status_of(r, "fine"), "fail");
	assert_int_equal(mm_policy_exit_status(r), 1);
	json_decref(r);
}

static void test_params_are_data(void **state)
{
	(void)state;
	const char *pol = "id: t\ntitle: {ja: t, en: t}\n"
		"parameters:\n  who: {type: list, default: [nobody]}\n  n: {type: integer, default: 3}\n"
		"checks:\n" CHECK("bound", "SELECT name FROM accounts WHERE name IN (SELECT value FROM params WHERE name = 'who')")
		CHECK("int", "SELECT 1 WHERE (SELECT value FROM params WHERE name = 'n') <> 7");
	json_t *r = eval_text(pol, "params:\n  who: [\"root' OR 1=1 --\", jkadmin]\n  n: 7\n");
	const json_t *ev = json_object_get(result(r, "bound"), "evidence");
	assert_int_equal(json_integer_value(json_object_get(ev, "count")), 1); /* jkadmin only */
	assert_string_equal(status_of(r, "int"), "pass");
	json_decref(r);
	/* a site value of the wrong type is an error naming its position */
	mm_policy *p = NULL;
	mm_site *s = NULL;
	mm_err e = {0};
	assert_int_equal(mm_policy_load_buffer(&p, "t.yaml", pol, strlen(pol), false, &e), MM_OK);
	assert_int_equal(mm_site_load_buffer(&s, "s.yaml", "params:\n  n: many\n", 17, false, &e), MM_OK);
	mm_facts *f = collect("compliant");
	mm_eval_opts o = {p, s, NULL};
	json_t *rep = NULL;
	assert_int_equal(mm_policy_evaluate(f, &o, &rep, &e), MM_EINVAL);
	assert_non_null(strstr(e.msg, "s.yaml:2:6: parameter n must be an integer"));
	mm_facts_close(f);
	mm_policy_free(p);
	mm_site_free(s);
}

static void test_malformed_policies(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
		bool json;
	} cases[] = {
		{"id: t\ntitle: {ja: t, en: t}\nchecks: [\n", "t.yaml:4:1:", false},
		{HEAD "  - id: a\n    titel: x\n", "t.yaml:5:5: unknown key 'titel' in a check", false},
		{HEAD "  - id: a\n    title: {ja: a}\n    item: x\n    requirement: C2\n    severity: low\n    sql: s\n",
		 "t.yaml:5:12: title needs both ja and en", false},
		{HEAD "  - id: a\n    title: {ja: a, en: a}\n    item: x\n    requirement: C2\n    severity: huge\n    sql: s\n",
		 "t.yaml:8:15: severity must be", false},
		{HEAD "  - id: a\n    title: {ja: a, en: a}\n    item: x\n    requirement: C2\n    severity: low\n",
		 "t.yaml:4:5: a check needs sql, or manual: true", false},
		{HEAD "  - id: a\n    title: {ja: a, en: a}\n    item: x\n    requirement: C2\n    severity: low\n"
		      "    manual: yes\n    attest: {ja: a, en: a}\n", "t.yaml:9:13: manual must be true or false", false},
		{"id: t\nid: u\n", "t.yaml:2:1: duplicate key 'id'", false},
		{"a: &x [1]\nb: *x\n", "t.yaml:2:4: aliases are not supported", false},
		{"{\"id\": \"t\",\n \"title\": 5,\n}", "t.yaml:3:1:", true},
		{"{\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": \"t\"}, \"checks\": []}",
		 "a policy has 1 to", true},
		{"- just\n- a list\n", "t.yaml:1:1: a policy must be a mapping", false},
		{"id: t\ntitle: {ja: t, en: t}\nchecks:\n  - id: a\n    title: {ja: a, en: a}\n    item: x\n"
		 "    requirement: C2\n    severity: low\n    sql: s\n    needs: [firewal]\n",
		 "t.yaml:10:13: needs: unknown collector 'firewal'", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mm_policy *p = NULL;
		mm_err e = {0};
		int rc = mm_policy_load_buffer(&p, "t.yaml", cases[i].text, strlen(cases[i].text),
					       cases[i].json, &e);
		if (rc == MM_OK || !strstr(e.msg, cases[i].want))
			fail_msg("case %zu: rc %d, message '%s', wanted '%s'", i, rc, e.msg, cases[i].want);
		assert_null(p);
	}
	/* deep nesting and NUL bytes are refused, not crashed on */
	char deep[400];
	memset(deep, '[', sizeof deep - 1);
	deep[sizeof deep - 1] = '\0';
	mm_policy *p = NULL;
	mm_err e = {0};
	assert_int_not_equal(mm_policy_load_buffer(&p, "d.yaml", deep, strlen(deep), false, &e), MM_OK);
	assert_int_not_equal(mm_policy_load_buffer(&p, "n.yaml", "id: t\0x", 7, false, &e), MM_OK);
	assert_non_null(strstr(e.msg, "n.yaml:1:1"));
}

static void test_roles_and_manual(void **state)
{
	(void)state;
	mm_site *s = NULL;
	mm_err e = {0};
	assert_int_equal(mm_site_load_buffer(&s, "s.yaml", "role: cs\n", 9, false, &e), MM_OK);
	assert_string_equal(mm_site_role(s), "cs");
	json_t *r = evaluate("compliant", "municipal-terminal", s, NULL);
	assert_string_equal(status_of(r, "terminal.03.accounts"), "not-applicable");
	assert_int_equal(mm_policy_exit_status(r), 0);
	json_decref(r);
	mm_site_free(s);
	/* a live-only fact missing under --root makes its check an error, not a pass */
	const char *pol = HEAD
		"  - id: t\n    title: {ja: a, en: a}\n    item: x\n    requirement: C5\n    severity: low\n"
		"    needs: [time_sync]\n    sql: \"SELECT 1 WHERE 0\"\n";
	mm_policy *p = NULL;
	assert_int_equal(mm_policy_load_buffer(&p, "t.yaml", pol, strlen(pol), false, &e), MM_OK);
	mm_facts *f = NULL;
	assert_int_equal(mm_facts_open(&f, src_path("tests/fixtures/hosts/compliant/etc"), NOW, &e), MM_OK);
	assert_int_equal(mm_facts_collect(f, &e), MM_OK);
	mm_eval_opts o = {p, NULL, NULL};
	assert_int_equal(mm_policy_evaluate(f, &o, &r, &e), MM_OK);
	assert_string_equal(status_of(r, "t"), "error");
	assert_int_equal(mm_policy_exit_status(r), 2);
	char *why = json_dumps(json_object_get(result(r, "t"), "reason"), 0);
	assert_non_null(strstr(why, "facts not collected: time_sync"));
	free(why);
	json_decref(r);
	mm_facts_close(f);
	mm_policy_free(p);
}

static void test_sign_and_render(void **state)
{
	(void)state;
	mm_site *site = fixture_site();
	json_t *r = evaluate("noncompliant", "municipal-cs", site, NULL);
	uint8_t pk[32], sk[64], seed[32];
	memset(seed, 7, sizeof seed);
	mm_ed25519_from_seed(seed, pk, sk);
	mm_err e = {0};
	assert_int_equal(mm_policy_sign(r, sk, &e), MM_OK);
	assert_true(mm_policy_verify(r, pk));
	/* a round trip through text keeps the signature valid */
	char *txt = json_dumps(r, JSON_INDENT(2));
	json_t *back = json_loads(txt, 0, NULL);
	assert_true(mm_policy_verify(back, pk));
	json_object_set_new(json_object_get(back, "summary"), "fail", json_integer(0));
	assert_false(mm_policy_verify(back, pk));
	json_decref(back);
	free(txt);
	mm_buf b;
	mm_buf_init(&b, 1 << 24);
	assert_int_equal(mm_policy_render_text(r, true, &b), MM_OK);
	assert_non_null(strstr((char *)b.p, "■ 002 別紙1 §4 CS10  Oracle接続制限ツールの適用確認"));
	assert_non_null(strstr((char *)b.p, "[不合格] cs.10.oracle-port"));
	assert_non_null(strstr((char *)b.p, "tcp | 0.0.0.0 | 1521 | tnslsnr"));
	mm_buf_reset(&b);
	assert_int_equal(mm_policy_render_text(r, false, &b), MM_OK);
	assert_non_null(strstr((char *)b.p, "[FAIL] cs.10.oracle-port  Oracle's default port is not listening"));
	assert_non_null(strstr((char *)b.p, "[MANUAL] cs.12.password-notes"));
	mm_buf_release(&b);
	/* identity fields for the server */
	assert_string_equal(json_string_value(json_object_get(r, "format")), "mamori-report/1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "host"), "hostname")),
			    "jk-term-bad");
	assert_string_equal(json_string_value(json_object_get(r, "collected_at")), "2025-11-17T00:00:00.000Z");
	assert_int_equal(json_string_length(json_object_get(json_object_get(r, "policy"), "sha256")), 64);
	json_decref(r);
	mm_site_free(site);
}

static void test_baseline_errors(void **state)
{
	(void)state;
	char dir[4096], path[4200];
	assert_int_equal(scratch_make(dir, sizeof dir, "policy"), 0);
	snprintf(path, sizeof path, "%s/bad-baseline.json", dir);
	static const char *const bad[] = {
		"{", "[]", "{\"format\": \"other\", \"tables\": {}}",
		"{\"format\": \"mamori-baseline/1\", \"tables\": {\"accounts\": {\"columns\": [\"x\"], \"rows\": []}}}",
		"{\"format\": \"mamori-baseline/1\", \"tables\": {\"dns_servers\": {\"columns\": [\"address\"], \"rows\": [[{}]]}}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mm_err e = {0};
		assert_int_equal(mm_file_write_atomic(path, bad[i], strlen(bad[i]), 0644, false, &e), MM_OK);
		mm_facts *f = collect("compliant");
		mm_policy *p = load_named("municipal-cs");
		mm_eval_opts o = {p, NULL, path};
		json_t *r = NULL;
		assert_int_not_equal(mm_policy_evaluate(f, &o, &r, &e), MM_OK);
		assert_null(r);
		assert_non_null(strstr(e.msg, path));
		mm_policy_free(p);
		mm_facts_close(f);
	}
	assert_int_equal(scratch_remove(dir), 0);
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_hosts),
		cmocka_unit_test(test_all_items_covered),
		cmocka_unit_test(test_sql_errors_and_writes),
		cmocka_unit_test(test_params_are_data),
		cmocka_unit_test(test_malformed_policies),
		cmocka_unit_test(test_roles_and_manual),
		cmocka_unit_test(test_sign_and_render),
		cmocka_unit_test(test_baseline_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
