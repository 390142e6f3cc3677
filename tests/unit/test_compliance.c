/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compliance: the shipped catalogue loads and covers C1–C18; the loader
 * refuses bad catalogues with the JSON path; every rule type at the exact
 * instants where met turns into at-risk and at-risk into missed (the
 * 5 開庁日 boundary across Golden Week, the half-year rotation, 12 months
 * of inspection evidence); the dashboard's aggregates; and the charts'
 * escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compliance/mm_compliance.h"
#include "crypto/mm_crypto.h"

static mm_cal cal;

static int64_t T(const char *iso)
{
	int64_t t;
	mm_err e;
	assert_int_equal(mm_cal_parse_instant(iso, &t, &e), MM_OK);
	return t;
}

/* A catalogue of one requirement C1 with the given rules (JSON array text). */
static mm_catalogue *cat_of(const char *rules)
{
	char text[8192];
	snprintf(text, sizeof text,
		 "{\"format\":\"mamori-catalogue/1\",\"name\":{\"ja\":\"t\",\"en\":\"t\"},"
		 "\"documents\":[{\"id\":\"002\",\"title\":{\"ja\":\"d\",\"en\":\"d\"}}],"
		 "\"requirements\":[{\"id\":\"C1\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"summary\":{\"ja\":\"s\",\"en\":\"s\"},"
		 "\"clauses\":[{\"doc\":\"002\",\"clause\":\"§5(2)\",\"text\":{\"ja\":\"x\",\"en\":\"x\"}}],"
		 "\"rules\":%s,\"evidence_note\":{\"ja\":\"n\",\"en\":\"n\"}}]}",
		 rules);
	mm_catalogue *c = NULL;
	mm_err e;
	mm_err_clear(&e);
	int rc = mm_catalogue_parse(text, strlen(text), "t.json", &c, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	assert_int_equal(rc, MM_OK);
	return c;
}

/* Records: {"kind": [records...]} parsed from text. */
static json_t *recs(const char *text)
{
	json_error_t je;
	json_t *r = json_loads(text, 0, &je);
	if (!r)
		fprintf(stderr, "test records: %s\n", je.text);
	assert_non_null(r);
	return r;
}

/* Evaluate rule (the catalogue's only one) over records at now; returns the rule result (owned by *res). */
static const json_t *eval1(const mm_catalogue *c, const json_t *records, int64_t now, json_t **res)
{
	mm_compliance_input in = {.records = records, .cal = &cal};
	mm_err e;
	assert_int_equal(mm_compliance_eval(c, &in, now, res, &e), MM_OK);
	return json_array_get(json_object_get(json_array_get(json_object_get(*res, "requirements"), 0), "rules"), 0);
}

static const char *S(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "(none)";
}

/* The rule's status at now, and (when want_reason) its first cause's reason. */
static void expect(const mm_catalogue *c, const json_t *records, const char *now, const char *status,
		   const char *reason)
{
	json_t *res = NULL;
	const json_t *r = eval1(c, records, T(now), &res);
	if (strcmp(S(r, "status"), status) != 0)
		fprintf(stderr, "at %s: %s\n", now, json_dumps(r, JSON_COMPACT));
	assert_string_equal(S(r, "status"), status);
	if (reason)
		assert_string_equal(S(json_array_get(json_object_get(r, "causes"), 0), "reason"), reason);
	json_decref(res);
}

/* ---- the shipped catalogue ---- */

static void shipped_catalogue(void **st)
{
	(void)st;
	char path[4096];
	snprintf(path, sizeof path, "%s/data/catalogue/catalogue.json", getenv("MM_SRC") ? getenv("MM_SRC") : ".");
	mm_catalogue *c = NULL;
	mm_err e;
	mm_err_clear(&e);
	int rc = mm_catalogue_load(path, &c, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	assert_int_equal(rc, MM_OK);
	assert_int_equal(mm_catalogue_count(c), 18);
	const json_t *reqs = json_object_get(mm_catalogue_json(c), "requirements");
	for (int i = 0; i < 18; i++) {
		char id[8];
		snprintf(id, sizeof id, "C%d", i + 1);
		const json_t *r = json_array_get(reqs, (size_t)i);
		assert_string_equal(S(r, "id"), id);
		assert_true(json_array_size(json_object_get(r, "clauses")) >= 1);
	}
	/* every kind, field and state the rules name exists in the shipped schema */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/data/schema", getenv("MM_SRC") ? getenv("MM_SRC") : ".");
	mm_schema *schema = NULL;
	assert_int_equal(mm_schema_load_dir(dir, &schema, &e), MM_OK);
	rc = mm_catalogue_check(c, schema, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	assert_int_equal(rc, MM_OK);
	/* and a typo in a kind, field or state is caught */
	static const struct {
		const char *rule, *want;
	} typos[] = {
		{"[{\"type\":\"deadline\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"faults\",\"due_field\":\"due_at\",\"done_field\":\"x\",\"warn_hours\":1}]",
		 "t.json: $.requirements[0].rules[0]: 'kind': 'faults' is not a record kind"},
		{"[{\"type\":\"deadline\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"fault\",\"due_field\":\"due\",\"done_field\":\"onsite_started_at\",\"warn_hours\":1}]",
		 "'due_field': kind fault has no field 'due'"},
		{"[{\"type\":\"recent_field\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"agent\",\"states\":[\"active\",\"dead\"],\"field\":\"last_report_at\",\"max_days\":1,\"warn_days\":1}]",
		 "'states': kind agent has no state 'dead'"},
		{"[{\"type\":\"recent_evidence\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"asset\",\"evidence_kind\":\"inspection_item\",\"ref_field\":\"asset\",\"time_field\":\"checked_at\",\"ok_states\":[\"in-service\"],\"max_days\":1,\"warn_days\":1}]",
		 "'ok_states': kind inspection_item has no state 'in-service'"},
	};
	for (size_t i = 0; i < sizeof typos / sizeof typos[0]; i++) {
		mm_catalogue *t = cat_of(typos[i].rule);
		mm_err_clear(&e);
		assert_int_equal(mm_catalogue_check(t, schema, &e), MM_EINVAL);
		if (!strstr(e.msg, typos[i].want))
			fail_msg("typo %zu: '%s' lacks '%s'", i, e.msg, typos[i].want);
		mm_catalogue_free(t);
	}
	mm_schema_free(schema);
	/* everything evaluates over no records: nothing is met without evidence */
	json_t *empty = json_object(), *res = NULL;
	mm_compliance_input in = {.records = empty, .cal = &cal};
	assert_int_equal(mm_compliance_eval(c, &in, T("2026-11-22T10:00:00+09:00"), &res, &e), MM_OK);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "summary"), "no-evidence")), 18);
	json_decref(res);
	json_decref(empty);
	mm_catalogue_free(c);
}

/* ---- the loader on bad catalogues ---- */

static void bad_catalogues(void **st)
{
	(void)st;
	static const struct {
		const char *rules, *want;
	} bad[] = {
		{"[{\"type\":\"nope\",\"title\":{\"ja\":\"a\",\"en\":\"a\"}}]", "$.requirements[0].rules[0]: unknown rule type 'nope'"},
		{"[{\"type\":\"ledger\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"max_age_hours\":1}]", "needs the parameter 'warn_hours'"},
		{"[{\"type\":\"ledger\",\"title\":{\"ja\":\"a\"},\"max_age_hours\":1,\"warn_hours\":1}]", "'title.en' must be a non-empty string"},
		{"[{\"type\":\"ledger\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"max_age_hours\":-1,\"warn_hours\":1}]", "'max_age_hours' must be a whole number"},
		{"[{\"type\":\"ledger\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"max_age_hours\":1,\"warn_hours\":1,\"kind\":\"x\"}]", "has no parameter 'kind'"},
		{"[{\"type\":\"deadline\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"Fault\",\"due_field\":\"d\",\"done_field\":\"d\",\"warn_hours\":1}]", "'kind' must be a name"},
		{"[{\"type\":\"rotation\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"l\",\"ref_field\":\"a\",\"component_field\":\"c\",\"time_field\":\"t\",\"done_states\":[\"d\"],\"subject_kind\":\"a\",\"class_field\":\"c\",\"components\":{\"t\":[\"w\"]},\"months\":[10,4],\"due_days\":31}]", "increasing order"},
		{"[{\"type\":\"business_days\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"m\",\"start_field\":\"h\",\"done_field\":\"s\",\"class_field\":\"c\",\"days\":{\"minutes\":0},\"warn_hours\":1}]", "'days.minutes' must be a number of days"},
		{"{}", "'rules' must be a list"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[4096];
		snprintf(text, sizeof text,
			 "{\"format\":\"mamori-catalogue/1\",\"name\":{\"ja\":\"t\",\"en\":\"t\"},"
			 "\"documents\":[{\"id\":\"002\",\"title\":{\"ja\":\"d\",\"en\":\"d\"}}],"
			 "\"requirements\":[{\"id\":\"C1\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"summary\":{\"ja\":\"s\",\"en\":\"s\"},"
			 "\"clauses\":[{\"doc\":\"002\",\"clause\":\"§1\",\"text\":{\"ja\":\"x\",\"en\":\"x\"}}],\"rules\":%s}]}",
			 bad[i].rules);
		mm_catalogue *c = NULL;
		mm_err e;
		mm_err_clear(&e);
		assert_int_equal(mm_catalogue_parse(text, strlen(text), "bad.json", &c, &e), MM_EINVAL);
		assert_null(c);
		if (!strstr(e.msg, bad[i].want) || strncmp(e.msg, "bad.json: ", 10) != 0)
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].want);
	}
	static const struct {
		const char *text, *want;
	} whole[] = {
		{"", "bad.json: line 1"},
		{"[]", "must be a JSON object"},
		{"{\"format\":\"x\"}", "'format' must be \"mamori-catalogue/1\""},
		{"{\"format\":\"mamori-catalogue/1\",\"format\":\"mamori-catalogue/1\"}", "duplicate"},
		{"{\"format\":\"mamori-catalogue/1\",\"name\":{\"ja\":\"t\",\"en\":\"t\"},\"documents\":[{\"id\":\"002\",\"title\":{\"ja\":\"d\",\"en\":\"d\"}}],"
		 "\"requirements\":[{\"id\":\"C1\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"summary\":{\"ja\":\"s\",\"en\":\"s\"},"
		 "\"clauses\":[{\"doc\":\"009\",\"clause\":\"§1\",\"text\":{\"ja\":\"x\",\"en\":\"x\"}}],\"rules\":[]}]}",
		 "$.requirements[0].clauses[0]: 'doc' must name one of the catalogue's documents"},
		{"{\"format\":\"mamori-catalogue/1\",\"name\":{\"ja\":\"t\",\"en\":\"t\"},\"documents\":[{\"id\":\"002\",\"title\":{\"ja\":\"d\",\"en\":\"d\"}}],"
		 "\"requirements\":[{\"id\":\"C1\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"summary\":{\"ja\":\"s\",\"en\":\"s\"},"
		 "\"clauses\":[{\"doc\":\"002\",\"clause\":\"§1\",\"text\":{\"ja\":\"x\",\"en\":\"x\"}}],\"rules\":[]}]}",
		 "needs an 'evidence_note'"},
		{"{\"format\":\"mamori-catalogue/1\",\"name\":{\"ja\":\"t\",\"en\":\"t\"},\"documents\":[{\"id\":\"002\",\"title\":{\"ja\":\"d\",\"en\":\"d\"}}],"
		 "\"requirements\":[{\"id\":\"X1\"}]}",
		 "$.requirements[0]: 'id' must be 'C' followed by digits"},
	};
	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
		mm_catalogue *c = NULL;
		mm_err e;
		mm_err_clear(&e);
		assert_int_equal(mm_catalogue_parse(whole[i].text, strlen(whole[i].text), "bad.json", &c, &e), MM_EINVAL);
		if (!strstr(e.msg, whole[i].want))
			fail_msg("whole case %zu: '%s' lacks '%s'", i, e.msg, whole[i].want);
	}
}

/* ---- rule types ---- */

static void rule_deadline(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"deadline\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"fault\","
				 "\"due_field\":\"due_at\",\"done_field\":\"onsite_started_at\",\"reason_field\":\"miss_reason\",\"warn_hours\":1}]");
	json_t *open = recs("{\"fault\":[{\"id\":\"f1\",\"state\":\"open\",\"data\":{\"due_at\":\"2026-11-10T10:00:00+09:00\"}}]}");
	expect(c, open, "2026-11-10T08:59:59+09:00", "met", NULL);
	expect(c, open, "2026-11-10T09:00:00+09:00", "at-risk", "due_soon");
	expect(c, open, "2026-11-10T10:00:00+09:00", "at-risk", "due_soon");
	expect(c, open, "2026-11-10T10:00:01+09:00", "missed", "overdue");
	json_t *on_time = recs("{\"fault\":[{\"id\":\"f1\",\"state\":\"on-site\",\"data\":{\"due_at\":\"2026-11-10T10:00:00+09:00\","
			       "\"onsite_started_at\":\"2026-11-10T10:00:00+09:00\"}}]}");
	expect(c, on_time, "2026-12-01T00:00:00+09:00", "met", NULL);
	json_t *late = recs("{\"fault\":[{\"id\":\"f1\",\"state\":\"recovered\",\"data\":{\"due_at\":\"2026-11-10T10:00:00+09:00\","
			    "\"onsite_started_at\":\"2026-11-10T10:00:01+09:00\"}}]}");
	expect(c, late, "2026-12-01T00:00:00+09:00", "missed", "late_without_reason");
	json_t *reasoned = recs("{\"fault\":[{\"id\":\"f1\",\"state\":\"recovered\",\"data\":{\"due_at\":\"2026-11-10T10:00:00+09:00\","
				"\"onsite_started_at\":\"2026-11-10T11:00:00+09:00\",\"miss_reason\":\"大雪\"}}]}");
	expect(c, reasoned, "2026-12-01T00:00:00+09:00", "met", NULL);
	json_t *none = recs("{\"fault\":[]}");
	expect(c, none, "2026-12-01T00:00:00+09:00", "no-evidence", NULL);
	json_decref(open);
	json_decref(on_time);
	json_decref(late);
	json_decref(reasoned);
	json_decref(none);
	mm_catalogue_free(c);
}

/* 5 開庁日 from Friday 2026-04-24 across Golden Week (4/29, 5/4–5/6 are holidays): due 2026-05-07 17:15. */
static void rule_business_days(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"business_days\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"meeting_minutes\","
				 "\"start_field\":\"held_at\",\"done_field\":\"submitted_at\",\"reason_field\":\"late_reason\","
				 "\"class_field\":\"deadline_class\",\"days\":{\"minutes\":5,\"minutes-external\":2},\"warn_hours\":24}]");
	json_t *drafting = recs("{\"meeting_minutes\":[{\"id\":\"m1\",\"state\":\"drafting\",\"data\":{\"deadline_class\":\"minutes\","
				"\"held_at\":\"2026-04-24T14:00:00+09:00\"}}]}");
	expect(c, drafting, "2026-05-06T17:14:59+09:00", "met", NULL);
	expect(c, drafting, "2026-05-06T17:15:00+09:00", "at-risk", "due_soon");
	expect(c, drafting, "2026-05-07T17:15:00+09:00", "at-risk", "due_soon");
	expect(c, drafting, "2026-05-07T17:15:01+09:00", "missed", "overdue");
	json_t *res = NULL;
	const json_t *r = eval1(c, drafting, T("2026-05-08T09:00:00+09:00"), &res);
	assert_string_equal(S(json_array_get(json_object_get(r, "causes"), 0), "detail"), "2026-05-07T17:15:00+09:00");
	json_decref(res);
	json_t *in_time = recs("{\"meeting_minutes\":[{\"id\":\"m1\",\"state\":\"submitted\",\"data\":{\"deadline_class\":\"minutes\","
			       "\"held_at\":\"2026-04-24T14:00:00+09:00\",\"submitted_at\":\"2026-05-07T17:15:00+09:00\"}}]}");
	expect(c, in_time, "2026-06-01T00:00:00+09:00", "met", NULL);
	json_t *late = recs("{\"meeting_minutes\":[{\"id\":\"m1\",\"state\":\"submitted\",\"data\":{\"deadline_class\":\"minutes\","
			    "\"held_at\":\"2026-04-24T14:00:00+09:00\",\"submitted_at\":\"2026-05-07T17:15:01+09:00\"}}]}");
	expect(c, late, "2026-06-01T00:00:00+09:00", "missed", "late_without_reason");
	/* 2 開庁日 for meetings without the city: Mon 4/27, Tue 4/28 */
	json_t *ext = recs("{\"meeting_minutes\":[{\"id\":\"m2\",\"state\":\"drafting\",\"data\":{\"deadline_class\":\"minutes-external\","
			   "\"held_at\":\"2026-04-24T14:00:00+09:00\"}}]}");
	expect(c, ext, "2026-04-28T17:15:00+09:00", "at-risk", "due_soon");
	expect(c, ext, "2026-04-28T17:15:01+09:00", "missed", "overdue");
	json_decref(drafting);
	json_decref(in_time);
	json_decref(late);
	json_decref(ext);
	mm_catalogue_free(c);
}

static void rule_recent_evidence(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"recent_evidence\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"asset\","
				 "\"states\":[\"in-service\"],\"evidence_kind\":\"inspection_item\",\"ref_field\":\"asset\","
				 "\"time_field\":\"checked_at\",\"ok_states\":[\"passed\",\"corrected\"],\"bad_states\":[\"failed\"],"
				 "\"max_days\":365,\"warn_days\":30}]");
	json_t *r1 = recs("{\"asset\":[{\"id\":\"a1\",\"state\":\"in-service\",\"data\":{}},{\"id\":\"a9\",\"state\":\"retired\",\"data\":{}}],"
			  "\"inspection_item\":[{\"id\":\"i1\",\"state\":\"passed\",\"data\":{\"asset\":\"a1\",\"checked_at\":\"2025-11-22T10:00:00+09:00\"}},"
			  "{\"id\":\"i0\",\"state\":\"passed\",\"data\":{\"asset\":\"a1\",\"checked_at\":\"2024-01-01T10:00:00+09:00\"}}]}");
	/* valid until 2025-11-22 + 365 days = 2026-11-22 10:00; warning from 30 days before */
	expect(c, r1, "2026-10-23T09:59:59+09:00", "met", NULL);
	expect(c, r1, "2026-10-23T10:00:00+09:00", "at-risk", "expires_soon");
	expect(c, r1, "2026-11-22T10:00:00+09:00", "at-risk", "expires_soon");
	expect(c, r1, "2026-11-22T10:00:01+09:00", "missed", "expired");
	json_t *fail = recs("{\"asset\":[{\"id\":\"a1\",\"state\":\"in-service\",\"data\":{}}],"
			    "\"inspection_item\":[{\"id\":\"i1\",\"state\":\"passed\",\"data\":{\"asset\":\"a1\",\"checked_at\":\"2026-11-01T10:00:00+09:00\"}},"
			    "{\"id\":\"i2\",\"state\":\"failed\",\"data\":{\"asset\":\"a1\",\"checked_at\":\"2026-11-01T10:00:00+09:00\"}}]}");
	expect(c, fail, "2026-11-02T10:00:00+09:00", "missed", "open_finding");
	json_t *res = NULL;
	const json_t *r = eval1(c, fail, T("2026-11-02T10:00:00+09:00"), &res);
	assert_string_equal(S(json_array_get(json_object_get(r, "causes"), 0), "related"), "i2");
	json_decref(res);
	json_t *lacking = recs("{\"asset\":[{\"id\":\"a1\",\"state\":\"in-service\",\"data\":{}},{\"id\":\"a2\",\"state\":\"in-service\",\"data\":{}}],"
			       "\"inspection_item\":[{\"id\":\"i1\",\"state\":\"passed\",\"data\":{\"asset\":\"a1\",\"checked_at\":\"2026-11-01T10:00:00+09:00\"}}]}");
	r = eval1(c, lacking, T("2026-11-02T10:00:00+09:00"), &res);
	assert_string_equal(S(r, "status"), "missed");
	assert_int_equal(json_integer_value(json_object_get(r, "checked")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "ok")), 1);
	assert_string_equal(S(json_array_get(json_object_get(r, "causes"), 0), "id"), "a2");
	assert_string_equal(S(json_array_get(json_object_get(r, "causes"), 0), "reason"), "no_evidence_record");
	json_decref(res);
	json_t *noitems = recs("{\"asset\":[{\"id\":\"a1\",\"state\":\"in-service\",\"data\":{}}]}");
	expect(c, noitems, "2026-11-02T10:00:00+09:00", "no-evidence", NULL);
	json_decref(r1);
	json_decref(fail);
	json_decref(lacking);
	json_decref(noitems);
	mm_catalogue_free(c);
}

static void rule_rotation(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"rotation\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"password_rotation_line\","
				 "\"ref_field\":\"asset\",\"component_field\":\"component\",\"time_field\":\"done_at\","
				 "\"done_states\":[\"done\",\"not-applicable\"],\"subject_kind\":\"asset\",\"subject_states\":[\"in-service\"],"
				 "\"class_field\":\"class\",\"components\":{\"terminal\":[\"windows-11\",\"antivirus\"]},"
				 "\"months\":[4,10],\"due_days\":31}]");
	json_t *half = recs("{\"asset\":[{\"id\":\"t1\",\"state\":\"in-service\",\"data\":{\"class\":\"terminal\"}},"
			    "{\"id\":\"r1\",\"state\":\"in-service\",\"data\":{\"class\":\"reader\"}}],"
			    "\"password_rotation_line\":["
			    "{\"id\":\"l1\",\"state\":\"done\",\"data\":{\"asset\":\"t1\",\"component\":\"windows-11\",\"done_at\":\"2026-10-05T10:00:00+09:00\"}},"
			    "{\"id\":\"l2\",\"state\":\"done\",\"data\":{\"asset\":\"t1\",\"component\":\"antivirus\",\"done_at\":\"2026-04-10T10:00:00+09:00\"}},"
			    "{\"id\":\"l3\",\"state\":\"pending\",\"data\":{\"asset\":\"t1\",\"component\":\"antivirus\"}}]}");
	/* October's half-year: the April change does not count; due 2026-11-01 00:00 (Oct 1 + 31 days) */
	expect(c, half, "2026-10-20T10:00:00+09:00", "at-risk", "rotation_due");
	expect(c, half, "2026-11-01T00:00:00+09:00", "at-risk", "rotation_due");
	expect(c, half, "2026-11-01T00:00:01+09:00", "missed", "not_rotated");
	json_t *res = NULL;
	const json_t *r = eval1(c, half, T("2026-11-02T00:00:00+09:00"), &res);
	assert_int_equal(json_integer_value(json_object_get(r, "checked")), 2); /* the reader needs no rotation */
	assert_string_equal(S(json_array_get(json_object_get(r, "causes"), 0), "component"), "antivirus");
	json_decref(res);
	/* in the April half-year (2026-05-15) only the April line counts */
	expect(c, half, "2026-05-15T00:00:00+09:00", "missed", "not_rotated");
	json_t *both = recs("{\"asset\":[{\"id\":\"t1\",\"state\":\"in-service\",\"data\":{\"class\":\"terminal\"}}],"
			    "\"password_rotation_line\":["
			    "{\"id\":\"l1\",\"state\":\"done\",\"data\":{\"asset\":\"t1\",\"component\":\"windows-11\",\"done_at\":\"2026-10-05T10:00:00+09:00\"}},"
			    "{\"id\":\"l2\",\"state\":\"not-applicable\",\"updated\":\"2026-10-06T10:00:00+09:00\",\"data\":{\"asset\":\"t1\",\"component\":\"antivirus\"}}]}");
	expect(c, both, "2027-03-31T23:59:59+09:00", "met", NULL);
	/* the next half-year starts on April 1: at risk again */
	expect(c, both, "2027-04-01T00:00:00+09:00", "at-risk", "rotation_due");
	json_decref(half);
	json_decref(both);
	mm_catalogue_free(c);
}

static void rule_prior_notice(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"prior_notice\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"person\","
				 "\"start_field\":\"allowed_from\",\"approved_states\":[\"active\"],\"pending_states\":[\"proposed\"],"
				 "\"ignore_states\":[\"left\"],\"warn_days\":14}]");
	json_t *ok = recs("{\"person\":[{\"id\":\"p1\",\"state\":\"active\",\"created\":\"2026-03-31T23:59:59+09:00\",\"data\":{\"allowed_from\":\"2026-04-01\"}},"
			  "{\"id\":\"p9\",\"state\":\"left\",\"created\":\"2026-05-01T00:00:00+09:00\",\"data\":{\"allowed_from\":\"2026-04-01\"}}]}");
	expect(c, ok, "2026-06-01T00:00:00+09:00", "met", NULL);
	json_t *late = recs("{\"person\":[{\"id\":\"p1\",\"state\":\"active\",\"created\":\"2026-04-01T00:00:00+09:00\",\"data\":{\"allowed_from\":\"2026-04-01\"}}]}");
	expect(c, late, "2026-06-01T00:00:00+09:00", "missed", "notified_late");
	json_t *pending = recs("{\"person\":[{\"id\":\"p2\",\"state\":\"proposed\",\"created\":\"2026-03-01T10:00:00+09:00\",\"data\":{\"allowed_from\":\"2026-04-10\"}}]}");
	expect(c, pending, "2026-03-26T23:59:59+09:00", "met", NULL);
	expect(c, pending, "2026-03-27T00:00:00+09:00", "at-risk", "approval_pending");
	expect(c, pending, "2026-04-10T00:00:00+09:00", "missed", "started_unapproved");
	json_decref(ok);
	json_decref(late);
	json_decref(pending);
	mm_catalogue_free(c);
	/* with a notice date: that day counts, not when the record was typed in */
	c = cat_of("[{\"type\":\"prior_notice\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"person\","
		   "\"start_field\":\"allowed_from\",\"notice_field\":\"notified_on\",\"approved_states\":[\"active\"],"
		   "\"pending_states\":[\"proposed\"],\"warn_days\":14}]");
	json_t *carried = recs("{\"person\":[{\"id\":\"p1\",\"state\":\"active\",\"created\":\"2026-11-01T10:00:00+09:00\","
			       "\"data\":{\"allowed_from\":\"2026-04-01\",\"notified_on\":\"2026-03-31\"}}]}");
	expect(c, carried, "2026-11-22T00:00:00+09:00", "met", NULL);
	json_t *sameday = recs("{\"person\":[{\"id\":\"p1\",\"state\":\"active\",\"created\":\"2026-03-01T10:00:00+09:00\","
			       "\"data\":{\"allowed_from\":\"2026-04-01\",\"notified_on\":\"2026-04-01\"}}]}");
	expect(c, sameday, "2026-11-22T00:00:00+09:00", "missed", "notified_late");
	json_decref(carried);
	json_decref(sameday);
	mm_catalogue_free(c);
}

static void rule_recent_field_and_date_limit(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"recent_field\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"agent\","
				 "\"states\":[\"active\"],\"field\":\"last_report_at\",\"max_days\":7,\"warn_days\":2}]");
	json_t *ag = recs("{\"agent\":[{\"id\":\"g1\",\"state\":\"active\",\"data\":{\"last_report_at\":\"2026-11-15T10:00:00+09:00\"}},"
			  "{\"id\":\"g2\",\"state\":\"revoked\",\"data\":{}}]}");
	expect(c, ag, "2026-11-20T10:00:00+09:00", "met", NULL);
	expect(c, ag, "2026-11-20T10:00:01+09:00", "at-risk", "stale_soon");
	expect(c, ag, "2026-11-22T10:00:00+09:00", "at-risk", "stale_soon");
	expect(c, ag, "2026-11-22T10:00:01+09:00", "missed", "stale");
	json_t *never = recs("{\"agent\":[{\"id\":\"g1\",\"state\":\"active\",\"data\":{}}]}");
	expect(c, never, "2026-11-22T10:00:00+09:00", "missed", "never");
	json_decref(ag);
	json_decref(never);
	mm_catalogue_free(c);

	c = cat_of("[{\"type\":\"date_limit\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"asset\",\"states\":[\"in-service\"],"
		   "\"field\":\"support_end\",\"warn_days\":180}]");
	json_t *as = recs("{\"asset\":[{\"id\":\"a1\",\"state\":\"in-service\",\"data\":{\"support_end\":\"2026-12-31\"}},"
			  "{\"id\":\"a2\",\"state\":\"retired\",\"data\":{\"support_end\":\"2000-01-01\"}}]}");
	expect(c, as, "2026-07-04T23:59:59+09:00", "met", NULL);
	expect(c, as, "2026-07-05T00:00:00+09:00", "at-risk", "date_near");
	expect(c, as, "2026-12-31T23:59:59+09:00", "at-risk", "date_near");
	expect(c, as, "2027-01-01T00:00:00+09:00", "missed", "date_passed");
	json_t *unknown = recs("{\"asset\":[{\"id\":\"a1\",\"state\":\"in-service\",\"data\":{}}]}");
	expect(c, unknown, "2026-07-01T00:00:00+09:00", "at-risk", "date_unknown");
	json_decref(as);
	json_decref(unknown);
	mm_catalogue_free(c);
}

static void rule_ledger(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"ledger\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"max_age_hours\":24,\"warn_hours\":6}]");
	json_t *none = json_object(), *res = NULL;
	int64_t cp = T("2026-11-22T10:00:00+09:00");
	struct {
		mm_compliance_input in;
		const char *now, *status, *reason;
	} cases[] = {
		{{.records = none, .cal = &cal}, "2026-11-22T10:00:00+09:00", "no-evidence", NULL},
		{{.records = none, .cal = &cal, .has_ledger = true, .ledger_ok = false, .ledger_bad_seq = 7}, "2026-11-22T10:00:00+09:00", "missed", "ledger_fails_verification"},
		{{.records = none, .cal = &cal, .has_ledger = true, .ledger_ok = true}, "2026-11-22T10:00:00+09:00", "missed", "no_checkpoint"},
		{{.records = none, .cal = &cal, .has_ledger = true, .ledger_ok = true, .checkpoint_s = cp, .checkpoint_size = 5, .ledger_size = 5}, "2026-11-23T04:00:00+09:00", "met", NULL},
		{{.records = none, .cal = &cal, .has_ledger = true, .ledger_ok = true, .checkpoint_s = cp, .checkpoint_size = 5, .ledger_size = 5}, "2026-11-23T04:00:01+09:00", "at-risk", "checkpoint_aging"},
		{{.records = none, .cal = &cal, .has_ledger = true, .ledger_ok = true, .checkpoint_s = cp, .checkpoint_size = 4, .ledger_size = 5}, "2026-11-22T11:00:00+09:00", "at-risk", "entries_unsigned"},
		{{.records = none, .cal = &cal, .has_ledger = true, .ledger_ok = true, .checkpoint_s = cp, .checkpoint_size = 5, .ledger_size = 5}, "2026-11-23T10:00:01+09:00", "missed", "checkpoint_old"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mm_err e;
		assert_int_equal(mm_compliance_eval(c, &cases[i].in, T(cases[i].now), &res, &e), MM_OK);
		const json_t *r = json_array_get(json_object_get(json_array_get(json_object_get(res, "requirements"), 0), "rules"), 0);
		if (strcmp(S(r, "status"), cases[i].status) != 0)
			fail_msg("ledger case %zu: %s", i, S(r, "status"));
		if (cases[i].reason)
			assert_string_equal(S(json_array_get(json_object_get(r, "causes"), 0), "reason"), cases[i].reason);
		json_decref(res);
	}
	json_decref(none);
	mm_catalogue_free(c);
}

/* A requirement takes its worst rule's status; causes are bounded but counted. */
static void worst_and_bounds(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"recent_field\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"agent\",\"field\":\"last_report_at\",\"max_days\":7,\"warn_days\":2},"
				 "{\"type\":\"ledger\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"max_age_hours\":24,\"warn_hours\":6}]");
	json_t *agents = json_array();
	for (int i = 0; i < 150; i++) {
		char id[16];
		snprintf(id, sizeof id, "g%d", i);
		json_array_append_new(agents, json_pack("{s:s, s:s, s:{}}", "id", id, "state", "active", "data"));
	}
	json_t *records = json_pack("{s:o}", "agent", agents), *res = NULL;
	mm_compliance_input in = {.records = records, .cal = &cal};
	mm_err e;
	assert_int_equal(mm_compliance_eval(c, &in, T("2026-11-22T10:00:00+09:00"), &res, &e), MM_OK);
	const json_t *req = json_array_get(json_object_get(res, "requirements"), 0);
	assert_string_equal(S(req, "status"), "missed"); /* missed beats the ledger's no-evidence */
	const json_t *r = json_array_get(json_object_get(req, "rules"), 0);
	assert_int_equal(json_array_size(json_object_get(r, "causes")), MM_COMPLIANCE_CAUSES_MAX);
	assert_int_equal(json_integer_value(json_object_get(r, "causes_total")), 150);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "reasons"), "never")), 150);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "summary"), "missed")), 1);
	json_decref(res);
	json_decref(records);
	mm_catalogue_free(c);
}

/* ---- dashboard and charts ---- */

static void dashboard_and_charts(void **st)
{
	(void)st;
	mm_catalogue *c = cat_of("[{\"type\":\"deadline\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"fault\","
				 "\"due_field\":\"due_at\",\"done_field\":\"onsite_started_at\",\"reason_field\":\"miss_reason\",\"warn_hours\":1},"
				 "{\"type\":\"recent_field\",\"title\":{\"ja\":\"a\",\"en\":\"a\"},\"kind\":\"agent\",\"states\":[\"active\"],"
				 "\"field\":\"last_report_at\",\"max_days\":3,\"warn_days\":1}]");
	json_t *records = recs(
		"{\"site\":[{\"id\":\"s1\",\"state\":\"active\",\"data\":{\"name\":\"中央区役所 <本庁> & \\\"別館\\\"\",\"code\":\"S01\"}},"
		"{\"id\":\"s2\",\"state\":\"active\",\"data\":{\"name\":\"北区役所\",\"code\":\"S02\"}}],"
		"\"asset\":[{\"id\":\"a1\",\"state\":\"in-service\",\"data\":{\"site\":\"s1\"}},{\"id\":\"a2\",\"state\":\"in-service\",\"data\":{\"site\":\"s2\"}}],"
		"\"inspection_item\":[{\"id\":\"i1\",\"state\":\"passed\",\"data\":{\"asset\":\"a1\"}},{\"id\":\"i2\",\"state\":\"passed\",\"data\":{\"asset\":\"a1\"}},"
		"{\"id\":\"i3\",\"state\":\"failed\",\"data\":{\"asset\":\"a1\"}},{\"id\":\"i4\",\"state\":\"open\",\"data\":{\"asset\":\"a2\"}},"
		"{\"id\":\"i5\",\"state\":\"passed\",\"data\":{\"asset\":\"a2\"}}],"
		"\"fault\":["
		"{\"id\":\"f1\",\"state\":\"closed\",\"data\":{\"summary\":\"s\",\"instructed_at\":\"2026-11-02T09:00:00+09:00\",\"due_at\":\"2026-11-02T10:30:00+09:00\",\"onsite_started_at\":\"2026-11-02T10:00:00+09:00\"}},"
		"{\"id\":\"f2\",\"state\":\"closed\",\"data\":{\"summary\":\"s\",\"instructed_at\":\"2026-11-03T09:00:00+09:00\",\"due_at\":\"2026-11-03T10:30:00+09:00\",\"onsite_started_at\":\"2026-11-03T11:00:00+09:00\",\"miss_reason\":\"r\"}},"
		"{\"id\":\"f3\",\"state\":\"open\",\"data\":{\"summary\":\"遅延\",\"instructed_at\":\"2026-11-20T09:00:00+09:00\",\"due_at\":\"2026-11-20T10:30:00+09:00\"}},"
		"{\"id\":\"f4\",\"state\":\"open\",\"data\":{\"summary\":\"新規\",\"instructed_at\":\"2026-11-22T09:00:00+09:00\",\"due_at\":\"2026-11-24T12:00:00+09:00\"}},"
		"{\"id\":\"f5\",\"state\":\"closed\",\"data\":{\"summary\":\"先月\",\"instructed_at\":\"2026-10-31T09:00:00+09:00\",\"due_at\":\"2026-10-31T12:00:00+09:00\",\"onsite_started_at\":\"2026-10-31T11:00:00+09:00\"}}],"
		"\"agent\":[{\"id\":\"g1\",\"state\":\"active\",\"data\":{\"hostname\":\"t1\",\"last_report_at\":\"2026-11-21T10:00:00+09:00\"}},"
		"{\"id\":\"g2\",\"state\":\"active\",\"data\":{\"hostname\":\"t2\",\"last_report_at\":\"2026-11-10T10:00:00+09:00\"}},"
		"{\"id\":\"g3\",\"state\":\"revoked\",\"data\":{\"hostname\":\"t3\"}}]}");
	mm_compliance_input in = {.records = records, .cal = &cal};
	json_t *eval = NULL, *d = NULL;
	mm_err e;
	int64_t now = T("2026-11-22T10:00:00+09:00");
	assert_int_equal(mm_compliance_eval(c, &in, now, &eval, &e), MM_OK);
	assert_int_equal(mm_compliance_dashboard(c, &in, eval, now, &d, &e), MM_OK);
	const json_t *sla = json_object_get(d, "sla_month");
	assert_string_equal(S(sla, "month"), "2026-11");
	assert_int_equal(json_integer_value(json_object_get(sla, "met")), 1);
	assert_int_equal(json_integer_value(json_object_get(sla, "missed_with_reason")), 1);
	assert_int_equal(json_integer_value(json_object_get(sla, "missed")), 1);
	assert_int_equal(json_integer_value(json_object_get(sla, "pending")), 1);
	const json_t *sites = json_object_get(d, "inspection_sites");
	assert_int_equal(json_array_size(sites), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sites, 0), "rate")), 66);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(sites, 1), "rate")), 100);
	const json_t *of = json_object_get(d, "open_faults");
	assert_int_equal(json_array_size(of), 2);
	assert_string_equal(S(json_array_get(of, 0), "id"), "f3");
	assert_true(json_is_true(json_object_get(json_array_get(of, 0), "overdue")));
	assert_true(json_is_false(json_object_get(json_array_get(of, 1), "overdue")));
	assert_null(json_object_get(json_array_get(of, 0), "onsite_started_at"));
	const json_t *silent = json_object_get(d, "silent_agents");
	assert_int_equal(json_array_size(silent), 1);
	assert_string_equal(S(json_array_get(silent, 0), "id"), "g2");
	const json_t *od = json_object_get(d, "overdue");
	assert_int_equal(json_array_size(od), 1);
	assert_string_equal(S(json_array_get(od, 0), "id"), "f3");
	assert_int_equal(json_integer_value(json_object_get(d, "overdue_total")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "open_faults_total")), 2);
	assert_int_equal(json_integer_value(json_object_get(d, "silent_agents_total")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "agent_days")), 3);

	for (int which = MM_CHART_REQUIREMENTS; which <= MM_CHART_INSPECTION; which++) {
		for (int l = 0; l < 2; l++) {
			mm_buf b;
			mm_buf_init(&b, 1u << 20);
			assert_int_equal(mm_compliance_chart((mm_chart)which, d, l ? "en" : "ja", &b, &e), MM_OK);
			const char *s = (const char *)b.p;
			assert_non_null(strstr(s, "<?xml version=\"1.0\""));
			assert_non_null(strstr(s, "role=\"img\""));
			assert_non_null(strstr(s, "<title id=\"chart-title\">"));
			assert_non_null(strstr(s, "<desc id=\"chart-desc\">"));
			assert_null(strstr(s, "<本庁>"));
			if (which == MM_CHART_INSPECTION) {
				assert_non_null(strstr(s, "中央区役所 &lt;本庁&gt; &amp; &quot;別館&quot;"));
				assert_non_null(strstr(s, "66% (2/3)"));
			}
			if (which == MM_CHART_SLA)
				assert_non_null(strstr(s, l ? "Missed, reason given: 1" : "未達(理由あり): 1"));
			mm_buf_release(&b);
		}
	}
	mm_buf b;
	mm_buf_init(&b, 64);
	assert_int_equal(mm_xml_escape(&b, "a<b>&'\"\x01z"), MM_OK);
	assert_string_equal((const char *)b.p, "a&lt;b&gt;&amp;&apos;&quot;z");
	mm_buf_release(&b);
	json_decref(eval);
	json_decref(d);
	json_decref(records);
	mm_catalogue_free(c);
}

int main(void)
{
	mm_cal_config cfg;
	mm_err e;
	mm_cal_config_default(&cfg);
	if (mm_crypto_init() != MM_OK || mm_cal_init(&cal, &cfg, &e))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_catalogue),
		cmocka_unit_test(bad_catalogues),
		cmocka_unit_test(rule_deadline),
		cmocka_unit_test(rule_business_days),
		cmocka_unit_test(rule_recent_evidence),
		cmocka_unit_test(rule_rotation),
		cmocka_unit_test(rule_prior_notice),
		cmocka_unit_test(rule_recent_field_and_date_limit),
		cmocka_unit_test(rule_ledger),
		cmocka_unit_test(worst_and_bounds),
		cmocka_unit_test(dashboard_and_charts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
