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

#include "scratch.h"

#include <jansson.h>

#include "cal/mm_cal.h"
#include "crypto/mm_crypto.h"
#include "ops/mm_ops.h"
#include "schema/mm_schema.h"
#include "fim/mm_fim.h"
#include "note/mm_note.h"
#include "store/mm_store.h"
#include <pthread.h>
#include <sys/stat.h>
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
		{"{\"roster\":{}}", "x.json: $.derive.roster: must be an array"},
		{"{\"roster\":[{\"field\":\"nope\"}]}", "x.json: $.derive.roster[0].field: 'nope' is not a field of x"},
		{"{\"roster\":[{\"field\":\"c\"}]}", "x.json: $.derive.roster[0].field: 'c' must be a reference"},
		{"{\"roster\":[{\"field\":\"c\",\"when\":1}]}", "x.json: $.derive.roster[0]: unknown key 'when'"},
		{"{\"children_done\":{}}", "x.json: $.derive.children_done: must be an array"},
		{"{\"children_done\":[{\"kind\":\"nope\",\"ref\":\"c\",\"open\":[\"open\"],\"states\":[\"shut\"]}]}",
		 "x.json: $.derive.children_done[0].kind: not a kind of the schema"},
		{"{\"children_done\":[{\"kind\":\"x\",\"ref\":\"c\",\"open\":[\"open\"],\"states\":[\"shut\"]}]}",
		 "x.json: $.derive.children_done[0].ref: must be a field of x that refers to x"},
		{"{\"children_done\":[{\"kind\":\"x\",\"ref\":\"c\",\"open\":[],\"states\":[\"shut\"],\"also\":1}]}",
		 "x.json: $.derive.children_done[0]: unknown key 'also'"},
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

/* ---- the roster rule, through a real store (it reads people inside the write) ---- */

static mm_store *rs;
static mm_ops *rops;

static void rcreate(const char *kind, const char *role, const char *json, char id[MM_ID_MAX + 1])
{
	mm_actor who = {"試験者", role, NULL};
	mm_write_result res;
	mm_err err;
	if (mm_store_create(rs, &who, kind, json, strlen(json), NULL, &res, &err))
		fail_msg("create %s: %s", kind, err.msg);
	memcpy(id, res.id, sizeof res.id);
}

static int rwrite(const char *id, const char *role, const char *patch, const char *to, mm_err *err)
{
	mm_actor who = {"試験者", role, NULL};
	mm_write_result res;
	if (to)
		return mm_store_transition(rs, &who, id, 0, to, NULL, &res, err);
	return mm_store_update(rs, &who, id, 0, patch, strlen(patch), NULL, &res, err);
}

static void expect_refused(int rc, const mm_err *err, const char *msg)
{
	if (rc != MM_EINVAL || !strstr(err->msg, msg))
		fail_msg("expected refusal '%s', got %d '%s'", msg, rc, rc ? err->msg : "OK");
}

static void test_roster(void **state)
{
	(void)state;
	char dir[4096], db[4200], sdir[4200];
	assert_int_equal(scratch_make(dir, sizeof dir, "roster"), 0);
	snprintf(db, sizeof db, "%s/r.db", dir);
	snprintf(sdir, sizeof sdir, "%s/data/schema", getenv("MM_SRC"));
	mm_store_paths p;
	mm_err err;
	assert_int_equal(mm_store_paths_for(db, NULL, &p, &err), MM_OK);
	assert_int_equal(mm_store_init(db, &p, "test.example/roster", "t", &err), MM_OK);
	assert_int_equal(mm_store_open(db, sdir, MM_STORE_WRITE, &rs, &err), MM_OK);
	assert_int_equal(mm_ops_install(rs, NULL, &rops, &err), MM_OK);
	mm_ops_set_now(rops, at("2026-10-07T10:00:00+09:00"));

	char active[MM_ID_MAX + 1], proposed[MM_ID_MAX + 1], left[MM_ID_MAX + 1], later[MM_ID_MAX + 1];
	char wr[MM_ID_MAX + 1], site[MM_ID_MAX + 1], text[1024];
	rcreate("person", "contractor-manager", "{\"name\":\"高橋 一郎\",\"organisation\":\"受託者\",\"role\":\"engineer\","
		"\"allowed_from\":\"2026-04-01\",\"allowed_until\":\"2027-03-31\"}", active);
	rcreate("person", "contractor-manager", "{\"name\":\"伊藤 健\",\"organisation\":\"受託者\",\"role\":\"engineer\"}",
		proposed);
	rcreate("person", "contractor-manager", "{\"name\":\"田中 美咲\",\"organisation\":\"受託者\",\"role\":\"engineer\"}",
		left);
	rcreate("person", "contractor-manager", "{\"name\":\"佐々木 修\",\"organisation\":\"受託者\",\"role\":\"engineer\","
		"\"allowed_from\":\"2026-11-01\"}", later);
	assert_int_equal(rwrite(active, "municipality-approver", NULL, "active", &err), MM_OK);
	assert_int_equal(rwrite(left, "municipality-approver", NULL, "active", &err), MM_OK);
	assert_int_equal(rwrite(later, "municipality-approver", NULL, "active", &err), MM_OK);
	rcreate("site", "admin", "{\"name\":\"北区\",\"code\":\"S03\"}", site);
	snprintf(text, sizeof text, "{\"title\":\"更新\",\"category\":\"os-security-update\",\"target_sites\":[\"%s\"],"
		 "\"requested_from\":\"2026-10-05\",\"requested_until\":\"2026-10-16\"}", site);
	rcreate("work_request", "municipality-approver", text, wr);

	/* each reason a person is not on the roster, named with the field and the person */
	snprintf(text, sizeof text, "{\"assignees\":[\"%s\",\"%s\"]}", active, proposed);
	expect_refused(rwrite(wr, "contractor-manager", text, NULL, &err), &err,
		       "field assignees: 伊藤 健 (person-2) is not on the roster yet: the municipality has not approved them");
	snprintf(text, sizeof text, "{\"assignees\":[\"%s\"]}", later);
	expect_refused(rwrite(wr, "contractor-manager", text, NULL, &err), &err,
		       "field assignees: 佐々木 修 (person-4) is outside the allowed period on 2026-10-05 (allowed 2026-11-01 to -)");
	expect_refused(rwrite(wr, "contractor-manager", "{\"assignees\":[\"person-99\"]}", NULL, &err), &err,
		       "field assignees: 'person-99' is not on the roster: no staff member has that id");
	/* the date comes from the record: moved into November, the later person is allowed */
	snprintf(text, sizeof text, "{\"assignees\":[\"%s\"],\"requested_from\":\"2026-11-02\"}", later);
	assert_int_equal(rwrite(wr, "contractor-manager", text, NULL, &err), MM_OK);
	/* moving the date back re-checks nobody already assigned ... */
	assert_int_equal(rwrite(wr, "contractor-manager", "{\"requested_from\":\"2026-10-05\"}", NULL, &err), MM_OK);
	snprintf(text, sizeof text, "{\"assignees\":[\"%s\",\"%s\"]}", active, left);
	assert_int_equal(rwrite(wr, "contractor-manager", text, NULL, &err), MM_OK);
	/* ... but starting the work checks everyone assigned, on the day: one has left meanwhile */
	mm_actor cmw = {"管理者", "contractor-manager", NULL};
	mm_write_result res;
	assert_int_equal(mm_store_transition(rs, &cmw, left, 0, "left", "退職", &res, &err), MM_OK);
	char proc[65];
	assert_int_equal(mm_store_attach(rs, &cmw, "手順", 6, "p.txt", proc, &err), MM_OK);
	snprintf(text, sizeof text, "{\"procedure\":\"%s\"}", proc);
	assert_int_equal(rwrite(wr, "contractor-manager", text, NULL, &err), MM_OK);
	assert_int_equal(rwrite(wr, "contractor-operator", NULL, "procedure-drafted", &err), MM_OK);
	assert_int_equal(rwrite(wr, "municipality-approver", NULL, "procedure-approved", &err), MM_OK);
	expect_refused(rwrite(wr, "contractor-operator", NULL, "in-progress", &err), &err,
		       "field assignees: 田中 美咲 (person-3) is no longer on the roster: they have left (state 'left')");
	snprintf(text, sizeof text, "{\"assignees\":[\"%s\"]}", active);
	assert_int_equal(rwrite(wr, "contractor-manager", text, NULL, &err), MM_OK);
	assert_int_equal(rwrite(wr, "contractor-operator", NULL, "in-progress", &err), MM_OK);

	/* a single reference and a date-time date: area access on the day of entry */
	snprintf(text, sizeof text, "{\"person\":\"%s\",\"area\":\"サーバ室\",\"purpose\":\"点検\","
		 "\"entered_at\":\"2026-10-31T09:00:00+09:00\"}", later);
	mm_actor op = {"作業者", "contractor-operator", NULL};
	int rc = mm_store_create(rs, &op, "area_access", text, strlen(text), NULL, &res, &err);
	expect_refused(rc, &err, "field person: 佐々木 修 (person-4) is outside the allowed period on 2026-10-31");
	snprintf(text, sizeof text, "{\"person\":\"%s\",\"area\":\"サーバ室\",\"purpose\":\"点検\","
		 "\"entered_at\":\"2026-11-01T09:00:00+09:00\"}", later);
	assert_int_equal(mm_store_create(rs, &op, "area_access", text, strlen(text), NULL, &res, &err), MM_OK);
	/* no date given (fault handled_by without an on-site start): today, by the ops clock */
	char asset[MM_ID_MAX + 1];
	snprintf(text, sizeof text, "{\"name\":\"S03-D6012-01\",\"site\":\"%s\",\"class\":\"terminal\"}", site);
	rcreate("asset", "admin", text, asset);
	snprintf(text, sizeof text, "{\"asset\":\"%s\",\"class\":\"terminal\",\"summary\":\"起動しない\","
		 "\"instructed_at\":\"2026-10-07T09:00:00+09:00\",\"handled_by\":[\"%s\"]}", asset, later);
	mm_actor cmr = {"管理者", "contractor-manager", NULL};
	rc = mm_store_create(rs, &cmr, "fault", text, strlen(text), NULL, &res, &err);
	expect_refused(rc, &err, "field handled_by: 佐々木 修 (person-4) is outside the allowed period on 2026-10-07");
	/* outside a write the transaction reads refuse */
	const char *bs;
	const json_t *bd;
	assert_int_equal(mm_store_txn_before(rs, &bs, &bd, &err), MM_EUNSUPPORTED);
	assert_int_equal(mm_store_close(rs, &err), MM_OK);
	mm_ops_free(rops);
	assert_int_equal(scratch_remove(dir), 0);
}

/* ---- restore orders written by the approval (the "restore_order" rule) ---- */

static void test_restore_order(void **state)
{
	(void)state;
	char dir[4096], db[4200], sdir[4200], text[2048], site[MM_ID_MAX + 1], asset[MM_ID_MAX + 1];
	assert_int_equal(scratch_make(dir, sizeof dir, "order"), 0);
	snprintf(db, sizeof db, "%s/o.db", dir);
	snprintf(sdir, sizeof sdir, "%s/data/schema", getenv("MM_SRC"));
	mm_store_paths p;
	mm_err err;
	assert_int_equal(mm_store_paths_for(db, NULL, &p, &err), MM_OK);
	assert_int_equal(mm_store_init(db, &p, "test.example/order", "t", &err), MM_OK);
	assert_int_equal(mm_store_open(db, sdir, MM_STORE_WRITE, &rs, &err), MM_OK);
	assert_int_equal(mm_ops_install(rs, NULL, &rops, &err), MM_OK);
	mm_ops_set_now(rops, at("2026-10-07T10:00:00+09:00"));
	rcreate("site", "admin", "{\"name\":\"本庁舎\",\"code\":\"S01\"}", site);
	snprintf(text, sizeof text, "{\"name\":\"WEB-01\",\"site\":\"%s\",\"class\":\"other\",\"hostname\":\"web01\"}", site);
	rcreate("asset", "admin", text, asset);
	static const char H[] = "b86bd76823d99bd9ac74d61d7e2127ae1f0c10a3f114353eaffb51a6a6d7f328";
	static const struct {
		const char *files;
		const char *msg; /* NULL: approved */
	} cases[] = {
		{"[\"%s /srv/www/a b%%.html\", \"%s /srv/www/cgi/run.sh\"]", NULL},
		{"[\"%.63s /srv/x\"]", "field files[0]: give the approved SHA-256"},
		{"[\"%s srv/x\"]", "field files[0]: the path must be absolute"},
		{"[\"%s /srv/../etc/passwd\"]", "field files[0]: the path must be absolute"},
		{"[\"%s /srv//x\"]", "field files[0]: the path must be absolute"},
		{"[\"%s /srv/x/\"]", "field files[0]: the path must be absolute"},
		{"[\"%s /srv/x\", \"%s /srv/x\"]", "field files[1]: the path is named twice"},
	};
	size_t tried = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char files[512], rr[MM_ID_MAX + 1];
		snprintf(files, sizeof files, cases[i].files, H, H);
		snprintf(text, sizeof text, "{\"asset\":\"%s\",\"files\":%s,\"detection\":\"改ざん検知\"}", asset, files);
		mm_actor op = {"作業者", "contractor-operator", NULL};
		mm_write_result res;
		int rc = mm_store_create(rs, &op, "restore_request", text, strlen(text), NULL, &res, &err);
		if (rc)
			fail_msg("case %zu: create: %s", i, err.msg);
		tried++;
		memcpy(rr, res.id, sizeof rr);
		/* an operator may not approve */
		assert_int_equal(rwrite(rr, "contractor-operator", NULL, "approved", &err), MM_EPERM);
		rc = rwrite(rr, "municipality-approver", NULL, "approved", &err);
		if (cases[i].msg) {
			expect_refused(rc, &err, cases[i].msg);
			continue;
		}
		assert_int_equal(rc, MM_OK);
		mm_buf b;
		mm_buf_init(&b, 1u << 20);
		mm_actor city = {"市", "municipality-approver", NULL};
		assert_int_equal(mm_store_get(rs, &city, rr, &b, &err), MM_OK);
		json_t *r = json_loadb((const char *)b.p, b.len, 0, NULL);
		const char *order = json_string_value(json_object_get(json_object_get(r, "data"), "order"));
		assert_non_null(order);
		/* the agent's own parser accepts it, with the ledger's public key */
		mm_buf k;
		mm_buf_init(&k, 4096);
		mm_note_verifier v;
		assert_int_equal(mm_file_read(p.verifier, 4096, &k, &err), MM_OK);
		assert_int_equal(mm_note_verifier_parse((const char *)k.p, k.len, &v, &err), MM_OK);
		mm_fim_order *o = NULL;
		assert_int_equal(mm_fim_order_parse(order, strlen(order), v.pk, &o, &err), MM_OK);
		assert_true(o->signed_ok);
		assert_string_equal(o->host, "web01");
		assert_int_equal(o->issued_s, at("2026-10-07T10:00:00+09:00"));
		assert_int_equal(o->expires_s - o->issued_s, 24 * 3600);
		assert_int_equal(o->nfiles, 2);
		assert_string_equal(o->files[0].path, "/srv/www/a b%.html"); /* encoded as %20 and %25, decoded back */
		assert_non_null(strstr(order, "file: b86bd768"));
		assert_non_null(strstr(order, "/srv/www/a%20b%25.html\n"));
		assert_string_equal(json_string_value(json_object_get(json_object_get(r, "data"), "order_id")), o->id);
		mm_fim_order_free(o);
		/* one byte changed: the signature no longer holds */
		char *bad = strdup(order);
		bad[strlen("mamori-fim-restore-order v1\nid: ord-")] ^= 1;
		assert_int_not_equal(mm_fim_order_parse(bad, strlen(bad), v.pk, &o, &err), MM_OK);
		free(bad);
		/* later edits keep the order, and nobody can write it */
		assert_int_equal(rwrite(rr, "contractor-operator", "{\"result\":\"復元済\"}", NULL, &err), MM_OK);
		assert_int_equal(rwrite(rr, "contractor-operator", "{\"order\":\"x\"}", NULL, &err), MM_EINVAL);
		assert_non_null(strstr(err.msg, "is computed by mamori"));
		mm_buf_release(&k);
		mm_buf_release(&b);
		json_decref(r);
	}
	assert_int_equal(tried, sizeof cases / sizeof cases[0]);
	/* no host name on the asset and none given: refused, naming the field */
	char bare[MM_ID_MAX + 1], rr[MM_ID_MAX + 1];
	snprintf(text, sizeof text, "{\"name\":\"WEB-02\",\"site\":\"%s\",\"class\":\"other\"}", site);
	rcreate("asset", "admin", text, bare);
	snprintf(text, sizeof text, "{\"asset\":\"%s\",\"files\":[\"%s /srv/x\"],\"detection\":\"x\"}", bare, H);
	rcreate("restore_request", "contractor-operator", text, rr);
	expect_refused(rwrite(rr, "municipality-approver", NULL, "approved", &err), &err, "field host: asset");
	assert_int_equal(rwrite(rr, "contractor-operator", "{\"host\":\"bad host!\"}", NULL, &err), MM_OK);
	expect_refused(rwrite(rr, "municipality-approver", NULL, "approved", &err), &err,
		       "field host: 'bad host!' is not a host name");
	assert_int_equal(mm_store_close(rs, &err), MM_OK);
	mm_ops_free(rops);
	assert_int_equal(scratch_remove(dir), 0);
}

/* ---- an all-or-nothing import among concurrent single writes (one group-commit transaction) ---- */

static char imp_site[MM_ID_MAX + 1];

static void *single_writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 40; i++) {
		char text[256];
		mm_actor who = {"並行", "admin", NULL};
		mm_write_result res;
		mm_err err;
		snprintf(text, sizeof text, "{\"name\":\"single-%d\",\"site\":\"%s\",\"class\":\"terminal\"}", i, imp_site);
		if (mm_store_create(rs, &who, "asset", text, strlen(text), NULL, &res, &err))
			return (void *)1;
	}
	return NULL;
}

static size_t count_kind(const char *kind)
{
	mm_buf b;
	mm_buf_init(&b, 64u << 20);
	mm_actor who = {"t", "admin", NULL};
	mm_err err;
	assert_int_equal(mm_store_list(rs, &who, kind, NULL, &b, &err), MM_OK);
	json_t *a = json_loadb((const char *)b.p, b.len, 0, NULL);
	size_t n = json_array_size(a);
	json_decref(a);
	mm_buf_release(&b);
	return n;
}

static void test_import_among_writers(void **state)
{
	(void)state;
	char dir[4096], db[4200], sdir[4200];
	assert_int_equal(scratch_make(dir, sizeof dir, "import"), 0);
	snprintf(db, sizeof db, "%s/i.db", dir);
	snprintf(sdir, sizeof sdir, "%s/data/schema", getenv("MM_SRC"));
	mm_store_paths p;
	mm_err err;
	assert_int_equal(mm_store_paths_for(db, NULL, &p, &err), MM_OK);
	assert_int_equal(mm_store_init(db, &p, "test.example/import", "t", &err), MM_OK);
	assert_int_equal(mm_store_open(db, sdir, MM_STORE_WRITE, &rs, &err), MM_OK);
	assert_int_equal(mm_ops_install(rs, NULL, &rops, &err), MM_OK);
	rcreate("site", "admin", "{\"name\":\"本庁舎\",\"code\":\"S01\"}", imp_site);
	/* 300 rows whose last names a site that does not exist: refused inside the transaction, after 299 applied */
	mm_buf csv;
	mm_buf_init(&csv, 1u << 20);
	assert_int_equal(mm_buf_puts(&csv, "name,site,class\n"), MM_OK);
	for (int i = 0; i < 300; i++)
		assert_int_equal(mm_buf_printf(&csv, "imp-%d,%s,terminal\n", i, i == 299 ? "site-99" : imp_site), MM_OK);
	pthread_t w[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&w[i], NULL, single_writer, NULL), 0);
	mm_actor who = {"移行", "admin", NULL};
	mm_store_create_all_result res;
	for (int round = 0; round < 5; round++) {
		int rc = mm_ops_import_csv(rs, &who, "asset", (const char *)csv.p, csv.len, "a.csv", NULL, &res, &err);
		if (rc != MM_EINVAL || !strstr(err.msg, "a.csv: line 301, column 2: field site"))
			fail_msg("round %d: %d %s", round, rc, err.msg);
	}
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(w[i], &r);
		assert_null(r);
	}
	/* every single write committed, no row of the refused imports did */
	assert_int_equal(count_kind("asset"), 120);
	/* then a good import: ids go on from the singles */
	mm_buf_reset(&csv);
	assert_int_equal(mm_buf_printf(&csv, "name,site,class\nA,%s,terminal\nB,%s,terminal\n", imp_site, imp_site), MM_OK);
	assert_int_equal(mm_ops_import_csv(rs, &who, "asset", (const char *)csv.p, csv.len, "b.csv", NULL, &res, &err), MM_OK);
	assert_int_equal(res.count, 2);
	assert_string_equal(res.first, "asset-121");
	assert_string_equal(res.last, "asset-122");
	mm_verify_report rep;
	assert_int_equal(mm_store_verify(rs, NULL, &rep, &err), MM_OK);
	assert_true(rep.ok);
	mm_buf_release(&csv);
	assert_int_equal(mm_store_close(rs, &err), MM_OK);
	mm_ops_free(rops);
	assert_int_equal(scratch_remove(dir), 0);
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
		cmocka_unit_test(test_roster),
		cmocka_unit_test(test_restore_order),
		cmocka_unit_test(test_import_among_writers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
