/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operations deriver on the shipped kinds and the default contract:
 * fault due times at the office-hour boundaries, pending/met/missed, the
 * reason a missed target needs, required-in-state fields, and "derive"
 * objects that are refused with the file and path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "cal/mm_cal.h"
#include "crypto/mm_crypto.h"
#include "ops/mm_ops.h"
#include "schema/mm_schema.h"
#include "base/banned.h"

static mm_schema *schema;
static mm_ops *ops;

static int setup(void **state)
{
	(void)state;
	char dir[4096];
	mm_err err;
	snprintf(dir, sizeof dir, "%s/data/schema", getenv("MM_SRC"));
	if (mm_schema_load_dir(dir, &schema, &err) || mm_ops_check_schema(schema, &err) || mm_ops_new(NULL, &ops, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mm_ops_free(ops);
	mm_schema_free(schema);
	return 0;
}

static int64_t at(const char *iso)
{
	int64_t t;
	mm_err err;
	assert_int_equal(mm_cal_parse_instant(iso, &t, &err), MM_OK);
	return t;
}

/* Derive a fault of cls instructed at instructed (+ on-site start when given) in state. */
static int fault(const char *cls, const char *instructed, const char *onsite, const char *reason, const char *state,
		 json_t **out, mm_err *err)
{
	json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "asset", "asset-1", "class", cls, "summary", "x",
			      "instructed_at", instructed);
	if (onsite)
		json_object_set_new(d, "onsite_started_at", json_string(onsite));
	if (onsite)
		json_object_set_new(d, "recovered_at", json_string(onsite));
	if (reason)
		json_object_set_new(d, "miss_reason", json_string(reason));
	int rc = mm_ops_derive(ops, mm_schema_kind(schema, "fault"), state, d, err);
	*out = d;
	return rc;
}

static void expect_due(const char *cls, const char *instructed, const char *due)
{
	json_t *d;
	mm_err err;
	assert_int_equal(fault(cls, instructed, NULL, NULL, "open", &d, &err), MM_OK);
	assert_string_equal(json_string_value(json_object_get(d, "due_at")), due);
	json_decref(d);
}

static void test_due_times(void **state)
{
	(void)state;
	mm_ops_set_now(ops, at("2026-01-01T00:00:00+09:00"));
	/* cs: 90 minutes inside [08:45, 17:15) on a business day, 180 otherwise */
	expect_due("cs", "2026-04-01T08:44:59+09:00", "2026-04-01T11:44:59+09:00");
	expect_due("cs", "2026-04-01T08:45:00+09:00", "2026-04-01T10:15:00+09:00");
	expect_due("cs", "2026-04-01T17:14:59+09:00", "2026-04-01T18:44:59+09:00");
	expect_due("cs", "2026-04-01T17:15:00+09:00", "2026-04-01T20:15:00+09:00");
	expect_due("cs", "2026-04-29T10:00:00+09:00", "2026-04-29T13:00:00+09:00"); /* 昭和の日 */
	/* terminal: 12:00 of the next business day; Friday → Monday; before Golden Week */
	expect_due("terminal", "2026-04-03T16:00:00+09:00", "2026-04-06T12:00:00+09:00");
	expect_due("terminal", "2026-05-01T09:00:00+09:00", "2026-05-07T12:00:00+09:00");
	/* touch panel: 08:45 of the next business day; year-end closure */
	expect_due("touch-panel", "2026-12-28T17:00:00+09:00", "2027-01-04T08:45:00+09:00");
	/* any offset in, +09:00 out */
	expect_due("cs", "2026-04-01T00:00:00Z", "2026-04-01T10:30:00+09:00");
}

static void test_status(void **state)
{
	(void)state;
	json_t *d;
	mm_err err;
	/* not started: pending before the due time, missed after */
	mm_ops_set_now(ops, at("2026-04-01T10:15:00+09:00"));
	assert_int_equal(fault("cs", "2026-04-01T08:45:00+09:00", NULL, NULL, "open", &d, &err), MM_OK);
	assert_string_equal(json_string_value(json_object_get(d, "sla_status")), "pending");
	json_decref(d);
	mm_ops_set_now(ops, at("2026-04-01T10:15:01+09:00"));
	assert_int_equal(fault("cs", "2026-04-01T08:45:00+09:00", NULL, NULL, "open", &d, &err), MM_OK);
	assert_string_equal(json_string_value(json_object_get(d, "sla_status")), "missed");
	json_decref(d);
	/* started exactly at the due time: met, and closing needs no reason */
	assert_int_equal(fault("cs", "2026-04-01T08:45:00+09:00", "2026-04-01T10:15:00+09:00", NULL, "closed", &d, &err),
			 MM_OK);
	assert_string_equal(json_string_value(json_object_get(d, "sla_status")), "met");
	json_decref(d);
	/* one second late: missed; open and on-site states need no reason yet */
	assert_int_equal(fault("cs", "2026-04-01T08:45:00+09:00", "2026-04-01T10:15:01+09:00", NULL, "on-site", &d, &err),
			 MM_OK);
	assert_string_equal(json_string_value(json_object_get(d, "sla_status")), "missed");
	json_decref(d);
	/* recovering, reporting or closing it needs the reason */
	const char *closing[] = {"recovered", "reported", "closed"};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(fault("cs", "2026-04-01T08:45:00+09:00", "2026-04-01T10:15:01+09:00", NULL, closing[i],
				       &d, &err), MM_EINVAL);
		assert_non_null(strstr(err.msg, "field miss_reason: the cs target was missed (due "
						"2026-04-01T10:15:00+09:00, met at 2026-04-01T10:15:01+09:00)"));
		assert_non_null(strstr(err.msg, closing[i]));
		json_decref(d);
		assert_int_equal(fault("cs", "2026-04-01T08:45:00+09:00", "2026-04-01T10:15:01+09:00", "大雪", closing[i],
				       &d, &err), MM_OK);
		json_decref(d);
	}
	/* an empty reason is no reason */
	assert_int_equal(fault("cs", "2026-04-01T08:45:00+09:00", "2026-04-01T12:00:00+09:00", "", "reported", &d, &err),
			 MM_EINVAL);
	json_decref(d);
	/* class other: no target in the contract */
	assert_int_equal(fault("other", "2026-04-01T08:45:00+09:00", NULL, NULL, "open", &d, &err), MM_OK);
	assert_string_equal(json_string_value(json_object_get(d, "sla_status")), "none");
	assert_null(json_object_get(d, "due_at"));
	json_decref(d);
	/* a bad instant is named */
	assert_int_equal(fault("cs", "2026-02-30T08:45:00+09:00", NULL, NULL, "open", &d, &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "field instructed_at: "));
	json_decref(d);
	mm_ops_set_now(ops, 0);
}

static void test_required_in_state(void **state)
{
	(void)state;
	mm_err err;
	const mm_kind *k = mm_schema_kind(schema, "work_request");
	json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "title", "t", "category", "os-security-update", "requested_from",
			      "2026-05-01", "requested_until", "2026-05-14");
	assert_int_equal(mm_ops_derive(ops, k, "requested", d, &err), MM_OK);
	assert_int_equal(mm_ops_derive(ops, k, "procedure-drafted", d, &err), MM_EINVAL);
	assert_string_equal(err.msg, "field procedure: is required in state 'procedure-drafted'");
	json_object_set_new(d, "procedure", json_string("ab"));
	assert_int_equal(mm_ops_derive(ops, k, "procedure-approved", d, &err), MM_OK);
	/* a change to production needs a test result before approval */
	json_object_set_new(d, "production_change", json_true());
	assert_int_equal(mm_ops_derive(ops, k, "procedure-approved", d, &err), MM_EINVAL);
	assert_string_equal(err.msg, "field test_result: is required in state 'procedure-approved'");
	assert_int_equal(mm_ops_derive(ops, k, "procedure-drafted", d, &err), MM_OK);
	json_object_set_new(d, "assignees", json_array());
	assert_int_equal(mm_ops_derive(ops, k, "in-progress", d, &err), MM_EINVAL); /* test_result first */
	json_object_set_new(d, "test_result", json_string("cd"));
	assert_int_equal(mm_ops_derive(ops, k, "in-progress", d, &err), MM_EINVAL);
	assert_string_equal(err.msg, "field assignees: is required in state 'in-progress'");
	json_decref(d);
}

/* A kind with a fixed contract class ("class_value") reuses the same clock: 2 開庁日 for external minutes. */
static void test_fixed_class(void **state)
{
	(void)state;
	const char *text = "{\"kind\":\"ext\",\"fields\":[{\"name\":\"held\",\"type\":\"datetime\"},"
			   "{\"name\":\"sent\",\"type\":\"datetime\"},{\"name\":\"why\",\"type\":\"text\"},"
			   "{\"name\":\"due\",\"type\":\"datetime\",\"derived\":true},{\"name\":\"st\",\"type\":"
			   "\"string\",\"derived\":true}],\"states\":[\"draft\",\"sent\"],\"initial\":\"draft\","
			   "\"derive\":{\"sla\":{\"class_value\":\"minutes-external\",\"start\":\"held\",\"done\":"
			   "\"sent\",\"due\":\"due\",\"status\":\"st\",\"reason\":\"why\",\"reason_states\":"
			   "[\"sent\"]}}}";
	mm_schema *s;
	mm_err err;
	assert_int_equal(mm_schema_new(&s), MM_OK);
	assert_int_equal(mm_schema_add(s, "ext.json", text, strlen(text), &err), MM_OK);
	assert_int_equal(mm_schema_check(s, &err), MM_OK);
	assert_int_equal(mm_ops_check_schema(s, &err), MM_OK);
	const mm_kind *k = mm_schema_kind(s, "ext");
	/* held Friday 2026-04-03: 2nd business day after is Tuesday 04-07, due at the close 17:15 */
	json_t *d = json_pack("{s:s, s:s}", "held", "2026-04-03T15:00:00+09:00", "sent", "2026-04-07T17:15:00+09:00");
	assert_int_equal(mm_ops_derive(ops, k, "sent", d, &err), MM_OK);
	assert_string_equal(json_string_value(json_object_get(d, "due")), "2026-04-07T17:15:00+09:00");
	assert_string_equal(json_string_value(json_object_get(d, "st")), "met");
	json_object_set_new(d, "sent", json_string("2026-04-07T17:15:01+09:00"));
	assert_int_equal(mm_ops_derive(ops, k, "draft", d, &err), MM_OK);
	assert_string_equal(json_string_value(json_object_get(d, "st")), "missed");
	assert_int_equal(mm_ops_derive(ops, k, "sent", d, &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "field why: the minutes-external target was missed"));
	json_decref(d);
	mm_schema_free(s);
}

static void test_bad_derive_objects(void **state)
{
	(void)state;
	static const struct {
		const char *derive;
		const char *msg;
	} bad[] = {
		{"[]", "x.json: $.derive: must be an object"},
		{"{\"sla\":{}, \"x\":1}", "x.json: $.derive: unknown key 'x'"},
		{"{\"sla\":{\"start\":\"t\",\"done\":\"t\",\"due\":\"d\",\"status\":\"s\"}}",
		 "x.json: $.derive.sla: give exactly one of 'class'"},
		{"{\"sla\":{\"class\":\"c\",\"start\":\"t\",\"done\":\"t\",\"due\":\"c\",\"status\":\"s\"}}",
		 "x.json: $.derive.sla.due: field 'c' must be declared \"derived\": true"},
		{"{\"sla\":{\"class\":\"nope\",\"start\":\"t\",\"done\":\"t\",\"due\":\"d\",\"status\":\"s\"}}",
		 "x.json: $.derive.sla.class: 'nope' is not a field of x"},
		{"{\"sla\":{\"class_value\":\"cs\",\"start\":\"t\",\"done\":\"t\",\"due\":\"d\",\"status\":\"s\","
		 "\"reason_states\":[\"shut\"]}}",
		 "x.json: $.derive.sla.reason_states: needs 'reason'"},
		{"{\"require\":{\"t\":[\"gone\"]}}", "x.json: $.derive.require.t[0]: not a state of x"},
		{"{\"require\":{\"d\":[\"shut\"]}}", "x.json: $.derive.require: 'd' is not a field people give"},
		{"{\"require_if\":[{\"field\":\"c\",\"require\":\"t\",\"states\":[\"shut\"]}]}",
		 "x.json: $.derive.require_if[0].equals: is required"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[2048];
		int n = snprintf(text, sizeof text,
				 "{\"kind\":\"x\",\"fields\":[{\"name\":\"c\",\"type\":\"string\"},{\"name\":\"t\",\"type\":"
				 "\"datetime\"},{\"name\":\"d\",\"type\":\"datetime\",\"derived\":true},{\"name\":\"s\","
				 "\"type\":\"string\",\"derived\":true}],\"states\":[\"open\",\"shut\"],\"initial\":\"open\","
				 "\"derive\":%s}", bad[i].derive);
		mm_schema *s;
		mm_err err;
		assert_int_equal(mm_schema_new(&s), MM_OK);
		int rc = mm_schema_add(s, "x.json", text, (size_t)n, &err);
		if (rc == MM_OK)
			rc = mm_schema_check(s, &err);
		if (rc == MM_OK)
			rc = mm_ops_check_schema(s, &err);
		if (rc == MM_OK || strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %zu: got '%s'", i, rc ? err.msg : "OK");
		mm_schema_free(s);
	}
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_times),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_required_in_state),
		cmocka_unit_test(test_bad_derive_objects),
		cmocka_unit_test(test_fixed_class),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
