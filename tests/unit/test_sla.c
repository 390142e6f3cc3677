/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SLA engine: the golden due times of tests/data/sla/due.txt under the
 * default contract (boundary instants, holidays, long weekends, year-end,
 * offsets), each rule kind on a contract written here, met/missed/pending
 * with the reason flag, and the contract loader's errors on bad files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sla/mm_sla.h"

static mm_contract *deflt;

static int64_t T(const char *s)
{
	int64_t t = 0;
	mm_err err = {0};
	if (mm_cal_parse_instant(s, &t, &err) != MM_OK)
		fail_msg("%s: %s", s, err.msg);
	return t;
}

static void path_of(char *out, size_t n, const char *rel)
{
	const char *src = getenv("MM_SRC");
	snprintf(out, n, "%s/%s", src ? src : ".", rel);
}

static int setup(void **state)
{
	(void)state;
	char path[4096];
	mm_err err = {0};
	path_of(path, sizeof path, "data/contracts/default.json");
	if (mm_sla_contract_load(path, &deflt, &err) != MM_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mm_sla_contract_free(deflt);
	return 0;
}

/* The shipped default is the one the library names, and holds 002's five classes. */
static void test_default_contract(void **state)
{
	(void)state;
	static const char *const classes[] = {"cs", "terminal", "touch-panel", "minutes", "minutes-external"};
	assert_int_equal(deflt->nrules, 5);
	for (size_t i = 0; i < 5; i++)
		assert_non_null(mm_sla_rule_find(deflt, classes[i]));
	const mm_sla_rule *cs = mm_sla_rule_find(deflt, "cs");
	assert_int_equal(cs->kind, MM_SLA_WALL_CLOCK);
	assert_int_equal(cs->in_hours_min, 90);
	assert_int_equal(cs->out_hours_min, 180);
	assert_int_equal(mm_sla_rule_find(deflt, "minutes")->days, 5);
	assert_int_equal(mm_sla_rule_find(deflt, "minutes-external")->days, 2);
	assert_int_equal(mm_sla_rule_find(deflt, "terminal")->at_min, 12 * 60);
	assert_int_equal(mm_sla_rule_find(deflt, "touch-panel")->at_min, 8 * 60 + 45);
	assert_non_null(strstr(mm_sla_default_contract_path(), "contracts/default.json"));
	assert_string_equal(mm_sla_kind_name(MM_SLA_TIME_ON_DAY), "time_on_business_day");
}

/* Every line of tests/data/sla/due.txt. */
static void test_golden_due(void **state)
{
	(void)state;
	char path[4096], line[512];
	path_of(path, sizeof path, "tests/data/sla/due.txt");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int cases = 0, lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char cls[64], in[80], want[80];
		int n = sscanf(line, "%63s %79s %79s", cls, in, want);
		if (n <= 0)
			continue;
		assert_int_equal(n, 3);
		int64_t due = 0;
		mm_err err = {0};
		if (mm_sla_due(deflt, cls, T(in), &due, &err) != MM_OK)
			fail_msg("due.txt:%d: %s", lineno, err.msg);
		char got[40];
		mm_cal_format_instant(due, got, sizeof got);
		if (strcmp(got, want) != 0)
			fail_msg("due.txt:%d: %s %s: got %s, want %s", lineno, cls, in, got, want);
		cases++;
	}
	fclose(f);
	assert_true(cases >= 50);
}

static void test_due_errors(void **state)
{
	(void)state;
	int64_t due;
	mm_err err = {0};
	assert_int_equal(mm_sla_due(deflt, "server", T("2026-04-01T10:00:00Z"), &due, &err), MM_ENOTFOUND);
	assert_non_null(strstr(err.msg, "unknown class \"server\""));
	assert_non_null(strstr(err.msg, "cs, terminal, touch-panel, minutes, minutes-external"));
	/* the next business day would be in 2100 */
	assert_int_equal(mm_sla_due(deflt, "terminal", T("2099-12-28T10:00:00+09:00"), &due, &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "terminal"));
	/* 180 minutes past the last instant of the range */
	assert_int_equal(mm_sla_due(deflt, "cs", T("2099-12-31T23:00:00+09:00"), &due, &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "after 2099-12-31"));
}

static void test_status(void **state)
{
	(void)state;
	mm_sla_status st;
	int64_t start = T("2026-04-01T10:00:00+09:00"), done;

	done = T("2026-04-01T11:30:00+09:00"); /* exactly on time */
	assert_int_equal(mm_sla_status_of(deflt, "cs", start, &done, 0, &st, NULL), MM_OK);
	assert_int_equal(st.due, T("2026-04-01T11:30:00+09:00"));
	assert_int_equal(st.state, MM_SLA_MET);
	assert_int_equal(st.remaining, 0);
	assert_false(st.reason_required);

	done++; /* one second late */
	assert_int_equal(mm_sla_status_of(deflt, "cs", start, &done, 0, &st, NULL), MM_OK);
	assert_int_equal(st.state, MM_SLA_MISSED);
	assert_int_equal(st.remaining, -1);
	assert_true(st.reason_required);

	assert_int_equal(mm_sla_status_of(deflt, "cs", start, NULL, T("2026-04-01T11:00:00+09:00"), &st, NULL),
			 MM_OK);
	assert_int_equal(st.state, MM_SLA_PENDING);
	assert_int_equal(st.remaining, 30 * 60);
	assert_false(st.reason_required);

	assert_int_equal(mm_sla_status_of(deflt, "cs", start, NULL, T("2026-04-01T11:30:00+09:00"), &st, NULL),
			 MM_OK);
	assert_int_equal(st.state, MM_SLA_PENDING);
	assert_int_equal(mm_sla_status_of(deflt, "cs", start, NULL, T("2026-04-01T11:30:01+09:00"), &st, NULL),
			 MM_OK);
	assert_int_equal(st.state, MM_SLA_MISSED);
	assert_true(st.reason_required);

	/* the terminal target over a weekend: done Monday 11:59 is met */
	start = T("2026-04-03T16:00:00+09:00");
	done = T("2026-04-06T11:59:59+09:00");
	assert_int_equal(mm_sla_status_of(deflt, "terminal", start, &done, 0, &st, NULL), MM_OK);
	assert_int_equal(st.state, MM_SLA_MET);
	assert_int_equal(st.remaining, 1);

	/* absurd instants saturate instead of overflowing */
	assert_int_equal(mm_sla_status_of(deflt, "terminal", start, NULL, INT64_MIN, &st, NULL), MM_OK);
	assert_int_equal(st.state, MM_SLA_PENDING);
	assert_true(st.remaining == INT64_MAX);
	done = INT64_MAX;
	assert_int_equal(mm_sla_status_of(deflt, "terminal", start, &done, 0, &st, NULL), MM_OK);
	assert_int_equal(st.state, MM_SLA_MISSED);
	assert_true(st.remaining < -(INT64_MAX / 2));
	done = INT64_MIN;
	assert_int_equal(mm_sla_status_of(deflt, "terminal", start, &done, 0, &st, NULL), MM_OK);
	assert_int_equal(st.state, MM_SLA_MET);
	assert_true(st.remaining == INT64_MAX);

	mm_err err;
	assert_int_equal(mm_sla_status_of(deflt, "nope", start, NULL, 0, &st, &err), MM_ENOTFOUND);
}

static mm_contract *parse(const char *json, mm_err *err)
{
	mm_contract *c = NULL;
	int rc = mm_sla_contract_parse(json, strlen(json), "test.json", &c, err);
	if (rc)
		return NULL;
	return c;
}

/* Each rule kind, on a calendar of its own. */
static void test_rule_kinds(void **state)
{
	(void)state;
	static const char json[] =
		"{\"format\": \"mamori-contract/1\", \"name\": \"kinds\","
		" \"calendar\": {\"office_hours\": {\"open\": \"09:00\", \"close\": \"17:00\"},"
		"   \"year_end_closure\": false,"
		"   \"closed_days\": [{\"date\": \"2026-04-07\", \"name\": \"創立記念日\"}]},"
		" \"sla\": ["
		"  {\"class\": \"wall\", \"kind\": \"wall_clock\", \"in_hours_minutes\": 60, \"out_of_hours_minutes\": 240},"
		"  {\"class\": \"noon2\", \"kind\": \"time_on_business_day\", \"business_days_after\": 2, \"time\": \"12:30\"},"
		"  {\"class\": \"bm\", \"kind\": \"business_minutes\", \"minutes\": 240, \"reason_required\": false},"
		"  {\"class\": \"doc3\", \"kind\": \"within_business_days\", \"business_days\": 3,"
		"   \"label\": \"議事録\", \"source\": \"test\"}"
		" ]}";
	mm_err err = {0};
	mm_contract *c = parse(json, &err);
	if (!c)
		fail_msg("%s", err.msg);
	assert_string_equal(c->name, "kinds");
	struct {
		const char *cls, *in, *want;
	} cases[] = {
		{"wall", "2026-04-01T08:59:59+09:00", "2026-04-01T12:59:59+09:00"},
		{"wall", "2026-04-01T09:00:00+09:00", "2026-04-01T10:00:00+09:00"},
		{"wall", "2026-04-01T16:59:59+09:00", "2026-04-01T17:59:59+09:00"},
		{"wall", "2026-04-01T17:00:00+09:00", "2026-04-01T21:00:00+09:00"},
		{"wall", "2026-04-07T10:00:00+09:00", "2026-04-07T14:00:00+09:00"}, /* closed day */
		{"noon2", "2026-04-03T10:00:00+09:00", "2026-04-08T12:30:00+09:00"}, /* 4/6, (4/7 closed), 4/8 */
		{"bm", "2026-04-03T15:00:00+09:00", "2026-04-06T11:00:00+09:00"},   /* 120 Fri + 120 Mon */
		{"bm", "2026-04-04T15:00:00+09:00", "2026-04-06T13:00:00+09:00"},   /* from Monday's opening */
		{"bm", "2026-04-06T13:00:00+09:00", "2026-04-06T17:00:00+09:00"},   /* ends on the close */
		{"bm", "2026-04-06T13:00:01+09:00", "2026-04-08T09:00:01+09:00"},   /* over the closed 4/7 */
		{"doc3", "2026-04-03T18:00:00+09:00", "2026-04-09T17:00:00+09:00"}, /* 4/6 4/8 4/9 */
		{"doc3", "2026-12-28T10:00:00+09:00", "2026-12-31T17:00:00+09:00"}, /* no year-end closure */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t due;
		char got[40];
		if (mm_sla_due(c, cases[i].cls, T(cases[i].in), &due, &err) != MM_OK)
			fail_msg("%s %s: %s", cases[i].cls, cases[i].in, err.msg);
		mm_cal_format_instant(due, got, sizeof got);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s %s: got %s, want %s", cases[i].cls, cases[i].in, got, cases[i].want);
	}
	mm_sla_status st;
	int64_t done = T("2026-04-06T17:00:01+09:00");
	assert_int_equal(mm_sla_status_of(c, "bm", T("2026-04-06T13:00:00+09:00"), &done, 0, &st, NULL), MM_OK);
	assert_int_equal(st.state, MM_SLA_MISSED);
	assert_false(st.reason_required); /* this rule asks for none */
	assert_string_equal(mm_sla_rule_find(c, "doc3")->label, "議事録");
	mm_sla_contract_free(c);
}

#define HEAD "{\"format\": \"mamori-contract/1\", "
#define RULE "{\"class\": \"cs\", \"kind\": \"wall_clock\", \"in_hours_minutes\": 90, \"out_of_hours_minutes\": 180}"

/* Bad files: each error names the file, the JSON path and the reason. */
static void test_contract_errors(void **state)
{
	(void)state;
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{"{", "test.json:1:1: not valid JSON"},
		{"{\"format\": \"mamori-contract/1\", \"format\": \"x\"}", "duplicate object key"},
		{"[]", "test.json: $: must be an object"},
		{"{\"sla\": []}", "$.format: must be \"mamori-contract/1\""},
		{"{\"format\": \"mamori-contract/2\", \"sla\": []}", "$.format: must be"},
		{HEAD "\"slas\": []}", "$: unknown key \"slas\" (allowed: format, name, source, calendar, sla)"},
		{HEAD "\"name\": 5, \"sla\": []}", "$.name: must be a string"},
		{HEAD "\"calendar\": []}", "$.calendar: must be an object"},
		{HEAD "\"calendar\": {\"hours\": 1}}", "$.calendar: unknown key \"hours\""},
		{HEAD "\"calendar\": {\"office_hours\": {\"open\": \"8:45\", \"close\": \"17:15\"}}}",
		 "$.calendar.office_hours.open: must be a time \"HH:MM\""},
		{HEAD "\"calendar\": {\"office_hours\": {\"open\": \"08:45\"}}}",
		 "$.calendar.office_hours.close: is required"},
		{HEAD "\"calendar\": {\"office_hours\": {\"open\": \"08:61\", \"close\": \"17:15\"}}}",
		 "$.calendar.office_hours.open: \"08:61\" is not a time of day"},
		{HEAD "\"calendar\": {\"office_hours\": {\"open\": \"24:00\", \"close\": \"24:00\"}}}",
		 "$.calendar.office_hours.open: \"24:00\" is not a time of day (00:00–23:59)"},
		{HEAD "\"calendar\": {\"office_hours\": {\"open\": \"17:15\", \"close\": \"08:45\"}}}",
		 "$.calendar.office_hours: must open before it closes"},
		{HEAD "\"calendar\": {\"year_end_closure\": true}}",
		 "$.calendar.year_end_closure: must be an object {\"from\", \"to\"} or false"},
		{HEAD "\"calendar\": {\"year_end_closure\": {\"from\": \"12-32\", \"to\": \"01-03\"}}}",
		 "$.calendar.year_end_closure.from: \"12-32\" is not a day of the year"},
		{HEAD "\"calendar\": {\"year_end_closure\": {\"from\": \"1229\", \"to\": \"01-03\"}}}",
		 "$.calendar.year_end_closure.from: must be a day of the year \"MM-DD\""},
		{HEAD "\"calendar\": {\"closed_days\": {}}}", "$.calendar.closed_days: must be an array"},
		{HEAD "\"calendar\": {\"closed_days\": [{\"date\": \"2026-02-30\", \"name\": \"x\"}]}}",
		 "$.calendar.closed_days[0].date: date \"2026-02-30\": day 30 does not exist in 2026-02"},
		{HEAD "\"calendar\": {\"closed_days\": [{\"date\": \"2026-06-01\"}]}}",
		 "$.calendar.closed_days[0].name: is required"},
		{HEAD "\"calendar\": {\"closed_days\": [{\"date\": \"2026-06-01\", \"name\": \"a\", \"x\": 1}]}}",
		 "$.calendar.closed_days[0]: unknown key \"x\""},
		{HEAD "\"calendar\": {}}", "$.sla: is required"},
		{HEAD "\"sla\": {}}", "$.sla: must be an array of rules"},
		{HEAD "\"sla\": [1]}", "$.sla[0]: must be an object"},
		{HEAD "\"sla\": [{\"kind\": \"wall_clock\"}]}", "$.sla[0].class: is required"},
		{HEAD "\"sla\": [{\"class\": \"CS\"}]}", "$.sla[0].class: \"CS\" is not a class name"},
		{HEAD "\"sla\": [{\"class\": \"\"}]}", "$.sla[0].class: \"\" is not a class name"},
		{HEAD "\"sla\": [" RULE ", " RULE "]}", "$.sla[1].class: class \"cs\" is defined twice"},
		{HEAD "\"sla\": [{\"class\": \"cs\"}]}", "$.sla[0].kind: is required"},
		{HEAD "\"sla\": [{\"class\": \"cs\", \"kind\": \"weekly\"}]}", "$.sla[0].kind: must be one of"},
		{HEAD "\"sla\": [{\"class\": \"cs\", \"kind\": \"wall_clock\", \"in_hours_minutes\": 90}]}",
		 "$.sla[0].out_of_hours_minutes: is required"},
		{HEAD "\"sla\": [{\"class\": \"cs\", \"kind\": \"wall_clock\", \"in_hours_minutes\": 90.5, "
		      "\"out_of_hours_minutes\": 1}]}",
		 "$.sla[0].in_hours_minutes: must be a whole number"},
		{HEAD "\"sla\": [{\"class\": \"cs\", \"kind\": \"business_minutes\", \"minutes\": -1}]}",
		 "$.sla[0].minutes: must be 0–527040, not -1"},
		{HEAD "\"sla\": [{\"class\": \"t\", \"kind\": \"time_on_business_day\", \"business_days_after\": 0, "
		      "\"time\": \"12:00\"}]}",
		 "$.sla[0].business_days_after: must be 1–366, not 0"},
		{HEAD "\"sla\": [{\"class\": \"t\", \"kind\": \"time_on_business_day\", \"business_days_after\": 1, "
		      "\"time\": \"24:00\"}]}",
		 "$.sla[0].time: \"24:00\" is not a time of day"},
		{HEAD "\"sla\": [{\"class\": \"t\", \"kind\": \"time_on_business_day\", \"business_days_after\": 1, "
		      "\"time\": \"12:00\", \"minutes\": 5}]}",
		 "$.sla[0]: unknown key \"minutes\""},
		{HEAD "\"sla\": [{\"class\": \"m\", \"kind\": \"within_business_days\", \"business_days\": 400}]}",
		 "$.sla[0].business_days: must be 1–366, not 400"},
		{HEAD "\"sla\": [{\"class\": \"m\", \"kind\": \"within_business_days\", \"business_days\": 5, "
		      "\"reason_required\": \"yes\"}]}",
		 "$.sla[0].reason_required: must be true or false"},
		{HEAD "\"sla\": [{\"class\": \"m\", \"kind\": \"within_business_days\", \"business_days\": 5, "
		      "\"label\": \"a\\u0000b\"}]}",
		 "test.json:1:126: not valid JSON: \\u0000 is not allowed"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mm_err err = {0};
		mm_contract *c = parse(cases[i].json, &err);
		if (c) {
			mm_sla_contract_free(c);
			fail_msg("case %zu accepted: %s", i, cases[i].json);
		}
		assert_int_equal(err.code, MM_EINVAL);
		if (!strstr(err.msg, cases[i].msg) || strncmp(err.msg, "test.json", 9) != 0)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
	}
}

static void test_contract_limits(void **state)
{
	(void)state;
	mm_err err = {0};
	mm_contract *c = NULL;
	/* a label one byte too long */
	char json[1024];
	char label[MM_SLA_LABEL_MAX + 1];
	memset(label, 'a', MM_SLA_LABEL_MAX);
	label[MM_SLA_LABEL_MAX] = '\0';
	snprintf(json, sizeof json,
		 HEAD "\"sla\": [{\"class\": \"m\", \"kind\": \"within_business_days\", \"business_days\": 5, "
		      "\"label\": \"%s\"}]}",
		 label);
	assert_int_equal(mm_sla_contract_parse(json, strlen(json), "l.json", &c, &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "$.sla[0].label: is longer than 199 bytes"));

	assert_int_equal(mm_sla_contract_parse("", 0, "e.json", &c, &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "e.json: empty"));

	size_t big = MM_CONTRACT_FILE_MAX + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, ' ', big);
	assert_int_equal(mm_sla_contract_parse(huge, big, "h.json", &c, &err), MM_ELIMIT);
	free(huge);

	/* too many rules */
	mm_buf b;
	mm_buf_init(&b, 1 << 20);
	assert_int_equal(mm_buf_puts(&b, HEAD "\"sla\": ["), MM_OK);
	for (int i = 0; i <= MM_SLA_RULES_MAX; i++)
		assert_int_equal(mm_buf_printf(&b, "%s{\"class\": \"c%d\", \"kind\": \"business_minutes\", "
						   "\"minutes\": 1}", i ? "," : "", i), MM_OK);
	assert_int_equal(mm_buf_puts(&b, "]}"), MM_OK);
	assert_int_equal(mm_sla_contract_parse((char *)b.p, b.len, "r.json", &c, &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "$.sla: has more than 64 rules"));
	mm_buf_release(&b);

	assert_int_equal(mm_sla_contract_load("/nonexistent/contract.json", &c, &err), MM_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/contract.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_contract),
		cmocka_unit_test(test_golden_due),
		cmocka_unit_test(test_due_errors),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_rule_kinds),
		cmocka_unit_test(test_contract_errors),
		cmocka_unit_test(test_contract_limits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
