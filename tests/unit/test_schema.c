/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema loading: the shipped kinds load; each kind of mistake in a schema
 * file is refused naming the file, the JSON path and the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/mm_crypto.h"
#include "schema/mm_schema.h"

static void test_shipped_kinds_load(void **state)
{
	(void)state;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/data/schema", getenv("MM_SRC"));
	mm_schema *s;
	mm_err err;
	assert_int_equal(mm_schema_load_dir(dir, &s, &err), MM_OK);
	assert_non_null(mm_schema_kind(s, "site"));
	assert_non_null(mm_schema_kind(s, "person"));
	const mm_kind *asset = mm_schema_kind(s, "asset");
	assert_non_null(asset);
	const mm_transition *t = mm_kind_transition(asset, "in-service", "retired");
	assert_non_null(t);
	assert_string_equal(t->name, "retire");
	assert_true(mm_transition_allows(t, "contractor-manager"));
	assert_false(mm_transition_allows(t, "municipality-viewer"));
	assert_null(mm_kind_transition(asset, "retired", "repair"));
	mm_schema_free(s);
}

/* One bad schema text and the exact message it must produce. */
static const struct {
	const char *json;
	const char *msg;
} bad[] = {
	{"{\"kind\": \"x\", \"fields\": [", "bad.json: line 1, column 25: "},
	{"[]", "bad.json: $: a kind must be a JSON object"},
	{"{\"kind\":\"x\",\"fields\":[{\"name\":\"a\",\"type\":\"strng\"}],\"states\":[\"s\"],\"initial\":\"s\"}",
	 "bad.json: $.fields[0]: unknown type 'strng'"},
	{"{\"kind\":\"x\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"B!\",\"type\":\"string\"}],"
	 "\"states\":[\"s\"],\"initial\":\"s\"}",
	 "bad.json: $.fields[1]: 'name': 'B!' is not a valid name"},
	{"{\"kind\":\"x\",\"fields\":[],\"states\":[\"s\"],\"initial\":\"t\"}",
	 "bad.json: $: 'initial' names unknown state 't'"},
	{"{\"kind\":\"x\",\"fields\":[],\"states\":[\"s\"],\"initial\":\"s\",\"colour\":1}", "bad.json: $: unknown key 'colour'"},
	{"{\"kind\":\"x\",\"fields\":[],\"states\":[\"s\",\"t\"],\"initial\":\"s\",\"transitions\":[{\"name\":\"go\","
	 "\"from\":[\"s\"],\"to\":\"t\",\"roles\":[\"emperor\"]}]}",
	 "bad.json: $.transitions[0].roles: unknown role 'emperor'"},
	{"{\"kind\":\"x\",\"fields\":[],\"states\":[\"s\",\"t\"],\"initial\":\"s\",\"transitions\":[{\"name\":\"go\","
	 "\"from\":[\"u\"],\"to\":\"t\",\"roles\":[\"admin\"]}]}",
	 "bad.json: $.transitions[0].from: unknown state 'u'"},
	{"{\"kind\":\"x\",\"fields\":[{\"name\":\"n\",\"type\":\"integer\",\"min\":5,\"max\":1}],\"states\":[\"s\"],\"initial\":\"s\"}",
	 "bad.json: $.fields[0]: minimum above maximum"},
	{"{\"kind\":\"x\",\"fields\":[{\"name\":\"l\",\"type\":\"list\",\"items\":{\"type\":\"enum\",\"values\":[]}}],"
	 "\"states\":[\"s\"],\"initial\":\"s\"}",
	 "bad.json: $.fields[0].items.values: must be a non-empty array"},
	{"{\"kind\":\"x\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"a\",\"type\":\"text\"}],"
	 "\"states\":[\"s\"],\"initial\":\"s\"}",
	 "bad.json: $.fields[1]: field 'a' is declared twice"},
};

static void test_bad_schemas_name_file_path_reason(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mm_schema *s;
		mm_err err;
		assert_int_equal(mm_schema_new(&s), MM_OK);
		int rc = mm_schema_add(s, "bad.json", bad[i].json, strlen(bad[i].json), &err);
		if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			print_error("case %zu: got \"%s\"\n", i, err.msg);
		assert_int_equal(rc, MM_EINVAL);
		assert_true(strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) == 0);
		mm_schema_free(s);
	}
}

static void test_dangling_reference_kind(void **state)
{
	(void)state;
	const char *k = "{\"kind\":\"x\",\"fields\":[{\"name\":\"r\",\"type\":\"ref\",\"kind\":\"nowhere\"}],"
			"\"states\":[\"s\"],\"initial\":\"s\"}";
	mm_schema *s;
	mm_err err;
	assert_int_equal(mm_schema_new(&s), MM_OK);
	assert_int_equal(mm_schema_add(s, "x.json", k, strlen(k), &err), MM_OK);
	assert_int_equal(mm_schema_check(s, &err), MM_EINVAL);
	assert_string_equal(err.msg, "x.json: $.fields[0]: refers to unknown kind 'nowhere'");
	mm_schema_free(s);
}

static void test_dates(void **state)
{
	(void)state;
	assert_true(mm_schema_date_valid("2024-02-29"));
	assert_false(mm_schema_date_valid("2026-02-29"));
	assert_false(mm_schema_date_valid("2026-02-30"));
	assert_false(mm_schema_date_valid("2026-13-01"));
	assert_false(mm_schema_date_valid("2026-1-01"));
	assert_true(mm_schema_datetime_valid("2026-04-01T08:45:00+09:00"));
	assert_true(mm_schema_datetime_valid("2026-04-01T08:45Z"));
	assert_true(mm_schema_datetime_valid("2026-04-01T08:45:00.123-05:00"));
	assert_false(mm_schema_datetime_valid("2026-04-01T08:45:00"));
	assert_false(mm_schema_datetime_valid("2026-04-01T24:00:00Z"));
	assert_false(mm_schema_datetime_valid("2026-04-01T08:45:00+0900"));
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_kinds_load),
		cmocka_unit_test(test_bad_schemas_name_file_path_reason),
		cmocka_unit_test(test_dangling_reference_kind),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
