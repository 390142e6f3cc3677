/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reports: request checks (names, selectors, months, ids, language), the
 * download file name, and every report built in memory from a small store
 * — a writable one (a checkpoint is signed when none covers the tree) and
 * a read-only one (the latest checkpoint is used) — plus the refusals for
 * unknown ids and ids of the wrong kind, and the "report.write" entry.
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
#include "ops/mm_ops.h"
#include "report/mm_report.h"
#include "store/mm_store.h"

static char dir[4096], db[4200], schema[4200];
static char fault_id[MM_ID_MAX + 1], site_id[MM_ID_MAX + 1];

static void parse_month(void **state)
{
	(void)state;
	mm_err e;
	int y, m;
	assert_int_equal(mm_report_parse_month("2026-10", &y, &m, &e), MM_OK);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 10);
	assert_int_equal(mm_report_parse_month("2098-12", &y, &m, &e), MM_OK);
	static const struct {
		const char *in, *msg;
	} bad[] = {{"2026-13", "month 13 is not 01-12"}, {"2026-00", "month 00"},  {"2026-1", "expected YYYY-MM"},
		   {"2026/10", "expected YYYY-MM"},	 {"", "expected YYYY-MM"},    {"20261-0", "expected YYYY-MM"},
		   {"1999-01", "year 1999"},		 {"2099-01", "year 2099"},    {"2026-10 ", "expected"},
		   {"２０２６-10", "expected"},		 {"2026-1a", "expected"}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mm_err_clear(&e);
		assert_int_equal(mm_report_parse_month(bad[i].in, &y, &m, &e), MM_EINVAL);
		assert_non_null(strstr(e.msg, bad[i].msg));
	}
	assert_int_equal(mm_report_parse_month(NULL, &y, &m, &e), MM_EINVAL);
}

static void check_requests(void **state)
{
	(void)state;
	mm_err e;
	bool bm, bi;
	size_t n = 0;
	for (const char *const *p = mm_report_names(); *p; p++, n++) {
		assert_true(mm_report_known(*p, &bm, &bi));
		assert_true(bm || bi);
		assert_non_null(mm_report_title(*p, "ja"));
		assert_non_null(mm_report_title(*p, "en"));
	}
	assert_int_equal(n, 8);
	assert_false(mm_report_known("payroll", &bm, &bi));
	assert_false(bm || bi);
	assert_null(mm_report_title("payroll", "ja"));
	assert_string_equal(mm_report_title("fault", NULL), "障害対応報告書");
	mm_report_req q = {.name = "fault", .month = "2026-10"};
	assert_int_equal(mm_report_check(&q, &e), MM_OK);
	q.month = NULL;
	q.id = "fault-1";
	assert_int_equal(mm_report_check(&q, &e), MM_OK);
	q.id = "fault/1";
	assert_int_equal(mm_report_check(&q, &e), MM_EINVAL);
	assert_non_null(strstr(e.msg, "not a record id"));
	q.id = "";
	assert_int_equal(mm_report_check(&q, &e), MM_EINVAL);
	q.id = NULL;
	assert_int_equal(mm_report_check(&q, &e), MM_EINVAL);
	assert_non_null(strstr(e.msg, "missing --month YYYY-MM or --id ID"));
	q.name = "access-log";
	q.id = "x-1";
	assert_int_equal(mm_report_check(&q, &e), MM_EINVAL);
	assert_non_null(strstr(e.msg, "made for a month"));
	q.name = "inspection";
	q.id = NULL;
	q.month = "2026-10";
	assert_int_equal(mm_report_check(&q, &e), MM_EINVAL);
	assert_non_null(strstr(e.msg, "inspection_campaign"));
	q.name = "monthly-work";
	q.lang = "de";
	assert_int_equal(mm_report_check(&q, &e), MM_EINVAL);
	assert_non_null(strstr(e.msg, "--lang"));
	q.name = NULL;
	assert_int_equal(mm_report_check(&q, &e), MM_EINVAL);
	assert_non_null(strstr(e.msg, "unknown report"));
	char name[256];
	mm_report_req f = {.name = "fault", .month = "2026-10"};
	mm_report_file_name(&f, name, sizeof name);
	assert_string_equal(name, "障害対応報告書_2026-10.xlsx");
	f.month = NULL;
	f.id = "fault-3";
	f.lang = "en";
	mm_report_file_name(&f, name, sizeof name);
	assert_string_equal(name, "Fault response report_fault-3.xlsx");
}

static int setup(void **state)
{
	(void)state;
	if (scratch_make(dir, sizeof dir, "report") || mm_crypto_init())
		return -1;
	snprintf(db, sizeof db, "%s/r.db", dir);
	snprintf(schema, sizeof schema, "%s/data/schema", getenv("MM_SRC"));
	mm_store_paths p;
	mm_store *s = NULL;
	mm_ops *ops = NULL;
	mm_err err;
	mm_write_result w;
	mm_actor a = {"tester", "admin", NULL};
	char j[512];
	int rc = mm_store_paths_for(db, NULL, &p, &err) || mm_store_init(db, &p, "test.example/report", "t", &err) ||
		 mm_store_open(db, schema, MM_STORE_WRITE, &s, &err) || mm_ops_install(s, NULL, &ops, &err);
	if (!rc) {
		const char *site = "{\"name\":\"菊水分庁舎\"}";
		rc = mm_store_create(s, &a, "site", site, strlen(site), NULL, &w, &err);
		snprintf(site_id, sizeof site_id, "%s", w.id);
	}
	if (!rc) {
		snprintf(j, sizeof j, "{\"name\":\"CS-A-01\",\"site\":\"%s\",\"class\":\"cs-active\"}", site_id);
		rc = mm_store_create(s, &a, "asset", j, strlen(j), NULL, &w, &err);
	}
	if (!rc) {
		snprintf(j, sizeof j,
			 "{\"asset\":\"%s\",\"class\":\"cs\",\"summary\":\"応答なし\",\"instructed_at\":"
			 "\"2026-10-05T10:00:00+09:00\",\"onsite_started_at\":\"2026-10-05T10:30:00+09:00\"}",
			 w.id);
		rc = mm_store_create(s, &a, "fault", j, strlen(j), NULL, &w, &err);
		snprintf(fault_id, sizeof fault_id, "%s", w.id);
	}
	if (rc)
		fprintf(stderr, "setup: %s\n", err.msg);
	if (s && mm_store_close(s, &err))
		rc = 1;
	mm_ops_free(ops);
	return rc ? -1 : 0;
}

static void build_all(mm_store *s, bool write)
{
	mm_actor a = {"tester", "admin", NULL};
	mm_err e;
	mm_buf b;
	mm_buf_init(&b, MM_REPORT_FILE_MAX);
	for (const char *const *p = mm_report_names(); *p; p++) {
		bool bm, bi;
		(void)mm_report_known(*p, &bm, &bi);
		mm_report_req q = {.name = *p, .month = bm ? "2026-10" : NULL, .lang = write ? "ja" : "en",
				   .schema_dir = schema, .db_label = db, .who = &a};
		/* the id-only reports are refused for a fault of the wrong kind */
		if (!bm)
			q.id = fault_id;
		mm_buf_reset(&b);
		uint64_t size = 0;
		int rc = mm_report_build(s, &q, dir, &b, &size, &e);
		if (!bm) {
			assert_int_equal(rc, MM_EINVAL);
			assert_non_null(strstr(e.msg, "needs a record of kind"));
			continue;
		}
		if (rc)
			fail_msg("%s: %s", *p, e.msg);
		assert_true(b.len > 1000 && memcmp(b.p, "PK\3\4", 4) == 0);
		assert_int_equal(size, mm_ledger_size(mm_store_ledger(s)));
	}
	mm_report_req q = {.name = "fault", .id = fault_id, .schema_dir = schema, .who = &a};
	mm_buf_reset(&b);
	assert_int_equal(mm_report_build(s, &q, dir, &b, NULL, &e), MM_OK);
	q.id = "fault-999";
	assert_int_equal(mm_report_build(s, &q, dir, &b, NULL, &e), MM_ENOTFOUND);
	q.id = site_id;
	assert_int_equal(mm_report_build(s, &q, dir, &b, NULL, &e), MM_EINVAL);
	/* another organisation does not see the fault */
	mm_actor other = {"tester", "admin", "city-b"};
	q.who = &other;
	q.id = fault_id;
	assert_int_equal(mm_report_build(s, &q, dir, &b, NULL, &e), MM_ENOTFOUND);
	q.id = NULL;
	q.month = "2026-10";
	assert_int_equal(mm_report_build(s, &q, "/nonexistent-dir", &b, NULL, &e), MM_EIO);
	assert_non_null(strstr(e.msg, "/nonexistent-dir"));
	mm_buf_release(&b);
}

static void build_writable(void **state)
{
	(void)state;
	mm_store *s;
	mm_err e;
	assert_int_equal(mm_store_open(db, schema, MM_STORE_WRITE, &s, &e), MM_OK);
	build_all(s, true);
	/* the writing is recorded: one entry more */
	mm_actor a = {"tester", "admin", NULL};
	mm_report_req q = {.name = "fault", .id = fault_id, .who = &a};
	uint64_t before = mm_ledger_size(mm_store_ledger(s));
	assert_int_equal(mm_report_record(s, &q, "xlsx", 4, before, &e), MM_OK);
	assert_int_equal(mm_ledger_size(mm_store_ledger(s)), before + 1);
	assert_int_equal(mm_store_close(s, &e), MM_OK);
}

static void build_read_only(void **state)
{
	(void)state;
	mm_store *s;
	mm_err e;
	assert_int_equal(mm_store_open(db, schema, 0, &s, &e), MM_OK);
	build_all(s, false);
	(void)mm_store_close(s, &e);
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_month),
		cmocka_unit_test(check_requests),
		cmocka_unit_test(build_writable),
		cmocka_unit_test(build_read_only),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
