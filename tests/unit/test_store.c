/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store: readers on many threads while writers create and update records
 * (reads never fail, never see a half-written record, and the result
 * verifies); a stale update loses nothing; tenants are kept apart.
 */
#include <pthread.h>
#include <stdatomic.h>
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

#include <jansson.h>
#include <sqlite3.h>

#include "crypto/mm_crypto.h"
#include "store/mm_store.h"
#include "store/store_int.h" /* store_time_format */

static char dir[4096], db[4200], schema[4200];
static mm_store *S;
static _Atomic int stop;

static int setup(void **state)
{
	(void)state;
	if (scratch_make(dir, sizeof dir, "store"))
		return -1;
	snprintf(db, sizeof db, "%s/s.db", dir);
	snprintf(schema, sizeof schema, "%s/data/schema", getenv("MM_SRC"));
	mm_store_paths p;
	mm_err err;
	if (mm_store_paths_for(db, NULL, &p, &err) || mm_store_init(db, &p, "test.example/store", "t", &err) ||
	    mm_store_open(db, schema, MM_STORE_WRITE, &S, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mm_err err;
	int rc = mm_store_close(S, &err) == MM_OK ? 0 : -1;
	return scratch_remove(dir) ? -1 : rc;
}

static void *writer(void *arg)
{
	long w = (long)arg;
	mm_actor who = {"writer", "admin", NULL};
	for (int i = 0; i < 60; i++) {
		char json[64];
		int n = snprintf(json, sizeof json, "{\"name\":\"w%ld-%d\"}", w, i);
		mm_write_result r;
		mm_err err;
		if (mm_store_create(S, &who, "site", json, (size_t)n, NULL, &r, &err)) {
			print_error("create: %s\n", err.msg);
			return (void *)1;
		}
		if (mm_store_update(S, &who, r.id, 1, "{\"code\":\"C\"}", 12, "code", &r, &err) || r.version != 2) {
			print_error("update: %s\n", err.msg);
			return (void *)2;
		}
	}
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	mm_actor who = {"reader", "auditor", NULL};
	long reads = 0;
	while (!stop) {
		mm_buf b;
		mm_buf_init(&b, 1 << 24);
		mm_err err;
		if (mm_store_list(S, &who, "site", NULL, &b, &err)) {
			print_error("list: %s\n", err.msg);
			return (void *)1;
		}
		json_error_t je;
		json_t *a = json_loadb((const char *)b.p, b.len, 0, &je);
		size_t i;
		json_t *r;
		json_array_foreach(a, i, r) {
			/* a record is never seen between its entry and its projection */
			json_int_t v = json_integer_value(json_object_get(r, "version"));
			const char *code = json_string_value(json_object_get(json_object_get(r, "data"), "code"));
			if ((v == 2) != (code != NULL))
				return (void *)2;
		}
		json_decref(a);
		mm_buf_release(&b);
		reads++;
	}
	return reads > 0 ? NULL : (void *)3;
}

static void test_concurrent_reads_and_writes(void **state)
{
	(void)state;
	pthread_t w[4], r[4];
	stop = 0;
	for (long i = 0; i < 4; i++) {
		pthread_create(&r[i], NULL, reader, NULL);
		pthread_create(&w[i], NULL, writer, (void *)i);
	}
	for (int i = 0; i < 4; i++) {
		void *rv;
		pthread_join(w[i], &rv);
		assert_null(rv);
	}
	stop = 1;
	for (int i = 0; i < 4; i++) {
		void *rv;
		pthread_join(r[i], &rv);
		if (rv)
			print_error("reader %d failed with %ld\n", i, (long)rv);
		assert_null(rv);
	}
	mm_verify_report rep;
	mm_err err;
	assert_int_equal(mm_store_verify(S, NULL, &rep, &err), MM_OK);
	if (!rep.ok)
		print_error("%s\n", rep.reason);
	assert_true(rep.ok);
	assert_int_equal(rep.entries, 1 + 4 * 60 * 2);
}

static void test_tenants_and_stale_updates(void **state)
{
	(void)state;
	mm_actor a = {"山田", "admin", "sapporo"}, b = {"佐藤", "admin", "meguro"};
	mm_write_result r, r2;
	mm_err err;
	assert_int_equal(mm_store_create(S, &a, "site", "{\"name\":\"中央\"}", 17, NULL, &r, &err), MM_OK);
	mm_buf out;
	mm_buf_init(&out, 1 << 20);
	assert_int_equal(mm_store_get(S, &b, r.id, &out, &err), MM_ENOTFOUND);
	assert_int_equal(mm_store_update(S, &b, r.id, 0, "{\"code\":\"X\"}", 12, NULL, &r2, &err), MM_ENOTFOUND);
	assert_int_equal(mm_store_update(S, &a, r.id, 1, "{\"code\":\"A\"}", 12, NULL, &r2, &err), MM_OK);
	assert_int_equal(mm_store_update(S, &a, r.id, 1, "{\"code\":\"B\"}", 12, NULL, &r2, &err), MM_ECONFLICT);
	assert_int_equal(mm_store_get(S, &a, r.id, &out, &err), MM_OK);
	assert_non_null(strstr((const char *)out.p, "\"code\": \"A\""));
	mm_buf_release(&out);
}

/* A deriver that stamps "code" with the state: stands in for the SLA engine. */
static int derive_code(void *ctx, const mm_kind *k, const char *state, json_t *data, mm_err *err)
{
	(*(int *)ctx)++;
	if (strcmp(k->name, "site") != 0)
		return MM_OK;
	if (json_object_get(data, "name") && strcmp(json_string_value(json_object_get(data, "name")), "refuse") == 0)
		return mm_err_set(err, MM_EINVAL, "the deriver refuses");
	json_object_set_new(data, "code", json_string(state));
	return MM_OK;
}

static void test_derived_fields(void **state)
{
	(void)state;
	/* a schema of our own: "code" is derived */
	const char *kind = "{\"kind\":\"site\",\"fields\":[{\"name\":\"name\",\"type\":\"string\",\"required\":true},"
			   "{\"name\":\"code\",\"type\":\"string\",\"derived\":true}],\"states\":[\"open\",\"shut\"],"
			   "\"initial\":\"open\",\"derive\":{\"from\":\"state\"},\"transitions\":[{\"name\":\"shut\",\"from\":[\"open\"],"
			   "\"to\":\"shut\",\"roles\":[\"admin\"]}]}";
	char sdir[4300], sfile[4400], ddb[4300];
	snprintf(sdir, sizeof sdir, "%s/derive-schema", dir);
	mkdir(sdir, 0700);
	snprintf(sfile, sizeof sfile, "%s/site.json", sdir);
	mm_err err;
	assert_int_equal(mm_file_write_atomic(sfile, kind, strlen(kind), 0600, false, &err), MM_OK);
	snprintf(ddb, sizeof ddb, "%s/derive.db", dir);
	mm_store_paths p;
	mm_store *d;
	assert_int_equal(mm_store_paths_for(ddb, NULL, &p, &err), MM_OK);
	assert_int_equal(mm_store_init(ddb, &p, "test.example/derive", "t", &err), MM_OK);
	assert_int_equal(mm_store_open(ddb, sdir, MM_STORE_WRITE, &d, &err), MM_OK);
	int calls = 0;
	mm_store_set_deriver(d, derive_code, &calls);
	mm_actor who = {"t", "admin", NULL};
	mm_write_result r;
	assert_int_equal(mm_store_create(d, &who, "site", "{\"name\":\"a\",\"code\":\"x\"}", 23, NULL, &r, &err), MM_EINVAL);
	assert_string_equal(err.msg, "field code: is computed by mamori and cannot be set");
	assert_int_equal(mm_store_create(d, &who, "site", "{\"name\":\"refuse\"}", 17, NULL, &r, &err), MM_EINVAL);
	assert_string_equal(err.msg, "the deriver refuses");
	assert_int_equal(mm_store_create(d, &who, "site", "{\"name\":\"a\"}", 12, NULL, &r, &err), MM_OK);
	assert_int_equal(mm_store_transition(d, &who, r.id, 1, "shut", NULL, &r, &err), MM_OK);
	mm_buf b;
	mm_buf_init(&b, 1 << 20);
	assert_int_equal(mm_store_get(d, &who, r.id, &b, &err), MM_OK);
	assert_non_null(strstr((const char *)b.p, "\"code\": \"shut\""));
	assert_true(calls >= 3);
	mm_verify_report rep;
	assert_int_equal(mm_store_verify(d, NULL, &rep, &err), MM_OK);
	assert_true(rep.ok);
	mm_buf_release(&b);
	assert_int_equal(mm_store_close(d, &err), MM_OK);
}

static json_t *page(const mm_actor *who, const mm_store_query *q, uint64_t *total)
{
	mm_buf b;
	mm_buf_init(&b, 1 << 22);
	mm_err err;
	assert_int_equal(mm_store_query_page(S, who, "site", q, &b, total, &err), MM_OK);
	json_error_t je;
	json_t *a = json_loadb((const char *)b.p, b.len, 0, &je);
	mm_buf_release(&b);
	assert_true(json_is_array(a));
	return a;
}

static const char *id_at(json_t *a, size_t i)
{
	return json_string_value(json_object_get(json_array_get(a, i), "id"));
}

static void test_query_page(void **state)
{
	(void)state;
	mm_actor who = {"q", "admin", "query-org"};
	mm_write_result r;
	mm_err err;
	for (int i = 1; i <= 12; i++) {
		char json[96];
		int n = snprintf(json, sizeof json, "{\"name\":\"%s-%02d\",\"code\":\"%c\"}",
				 i % 3 ? "本庁" : "支所", i, 'a' + (i % 4));
		assert_int_equal(mm_store_create(S, &who, "site", json, (size_t)n, NULL, &r, &err), MM_OK);
	}
	uint64_t total;
	/* default: ids in numeric order, paged */
	mm_store_query q = {.limit = 5, .offset = 5};
	json_t *a = page(&who, &q, &total);
	assert_int_equal(total, 12);
	assert_int_equal(json_array_size(a), 5);
	json_decref(a);
	q = (mm_store_query){.limit = 100};
	a = page(&who, &q, &total);
	for (size_t i = 1; i < json_array_size(a); i++) { /* site-9 before site-10 */
		const char *x = id_at(a, i - 1), *y = id_at(a, i);
		assert_true(strlen(x) < strlen(y) || (strlen(x) == strlen(y) && strcmp(x, y) < 0));
	}
	json_decref(a);
	/* a field of the kind, descending */
	q = (mm_store_query){.sort = "name", .descending = true, .limit = 3};
	a = page(&who, &q, &total);
	const char *n0 = json_string_value(json_object_get(json_object_get(json_array_get(a, 0), "data"), "name"));
	assert_string_equal(n0, "本庁-11");
	json_decref(a);
	/* text filter over id and text fields; together with a state */
	q = (mm_store_query){.text = "支所", .state = "active", .limit = 100};
	a = page(&who, &q, &total);
	assert_int_equal(total, 4);
	assert_int_equal(json_array_size(a), 4);
	json_decref(a);
	/* hostile text is only text; another organisation sees nothing */
	q = (mm_store_query){.text = "' OR 1=1 --", .limit = 100};
	a = page(&who, &q, &total);
	assert_int_equal(total, 0);
	json_decref(a);
	mm_actor other = {"o", "admin", "someone-else"};
	q = (mm_store_query){.limit = 100};
	a = page(&other, &q, &total);
	assert_int_equal(total, 0);
	json_decref(a);
	mm_buf b;
	mm_buf_init(&b, 1024);
	q = (mm_store_query){.limit = MM_STORE_PAGE_MAX + 1};
	assert_int_equal(mm_store_query_page(S, &who, "site", &q, &b, &total, &err), MM_EINVAL);
	assert_int_equal(mm_store_query_page(S, &who, "spaceship", &q, &b, &total, &err), MM_EINVAL);
	mm_buf_release(&b);
}

/* The page's own time formatter writes exactly what mm_time_format does. */
static void test_page_time_format(void **state)
{
	(void)state;
	static const int64_t secs[] = {
		0, -1, 1, 86399, 86400, -86400, 951782400 /* 2000-02-29 */, 951868800, 4107542400 /* 2100-03-01 */,
		1711897200 /* 2024-03-31T15:00Z: next day in Tokyo */, 9223372035 /* 2262, the end of int64 ns */, -9223372035,
	};
	char a[64], b[STORE_TIME_LEN + 1];
	for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
		for (int64_t ms = -1; ms <= 999; ms += 250) {
			int64_t ns = secs[i] * 1000000000 + ms * 1000000;
			mm_time_format(ns, 540, a, sizeof a);
			size_t n = store_time_format(ns, b);
			assert_int_equal(n, strlen(b));
			assert_string_equal(a, b);
		}
	uint64_t x = 88172645463325252ull; /* xorshift: days across five centuries around 1970 */
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t ns = ((int64_t)(x % 18000000000ull) - 9000000000ll) * 1000000000 + (int64_t)(x % 1000000000);
		mm_time_format(ns, 540, a, sizeof a);
		store_time_format(ns, b);
		assert_string_equal(a, b);
	}
}

/*
 * A page, written from the stored text, holds the same objects
 * mm_store_get gives (hostile characters included); its total follows
 * writes (the remembered count is dropped when the ledger grows).
 */
static void test_page_equals_get(void **state)
{
	(void)state;
	mm_actor who = {"p\"q\\r", "admin", "page-org"}; /* escaped in created_by */
	mm_write_result r;
	mm_err err;
	static const char *const names[] = {
		"plain", "quote \\\" and backslash \\\\", "tab\\t nl\\n cr\\r",
		"日本語 📄", "</script><script>alert(1)</script>",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char json[256];
		/* "note" is multi-line text: control characters reach the table there */
		int n = snprintf(json, sizeof json, "{\"name\":\"n%zu\",\"note\":\"%s\"}", i, names[i]);
		int rc = mm_store_create(S, &who, "site", json, (size_t)n, NULL, &r, &err);
		if (rc)
			fprintf(stderr, "%s: %s\n", json, err.msg);
		assert_int_equal(rc, MM_OK);
	}
	uint64_t total;
	mm_store_query q = {.limit = 100};
	json_t *a = page(&who, &q, &total);
	assert_int_equal(total, 5);
	assert_int_equal(json_array_size(a), 5);
	size_t i;
	json_t *item;
	json_array_foreach(a, i, item) {
		mm_buf b;
		mm_buf_init(&b, 1 << 20);
		assert_int_equal(mm_store_get(S, &who, json_string_value(json_object_get(item, "id")), &b, &err), MM_OK);
		json_error_t je;
		json_t *one = json_loadb((const char *)b.p, b.len, 0, &je);
		assert_non_null(one);
		assert_true(json_equal(one, item));
		json_decref(one);
		mm_buf_release(&b);
	}
	json_decref(a);
	/* same query again (total remembered), then a write: the total follows */
	a = page(&who, &q, &total);
	json_decref(a);
	assert_int_equal(total, 5);
	assert_int_equal(mm_store_create(S, &who, "site", "{\"name\":\"six\"}", 14, NULL, &r, &err), MM_OK);
	a = page(&who, &q, &total);
	assert_int_equal(total, 6);
	assert_int_equal(json_array_size(a), 6);
	json_decref(a);
	q.state = "closed"; /* another state, another total */
	a = page(&who, &q, &total);
	assert_int_equal(total, 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	/*
	 * A row damaged behind the store's back (control characters the store
	 * refuses, data that is not an object) still gives well-formed JSON.
	 */
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_exec(h, "UPDATE record SET created_by = 'x' || char(1) || 'y', data = '{\"a\":'"
					 " WHERE tenant = 'page-org' AND data LIKE '%six%'", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	q = (mm_store_query){.limit = 100, .sort = "created_by"};
	a = page(&who, &q, &total);
	json_t *damaged = json_array_get(a, json_array_size(a) - 1);
	assert_string_equal(json_string_value(json_object_get(damaged, "created_by")), "x\001y");
	assert_true(json_is_null(json_object_get(damaged, "data")));
	json_decref(a);
	/* an output buffer too small for the page: an error, and the buffer as it was */
	mm_buf b;
	mm_buf_init(&b, 64);
	assert_int_equal(mm_buf_puts(&b, "keep"), MM_OK);
	q = (mm_store_query){.limit = 100};
	assert_int_equal(mm_store_query_page(S, &who, "site", &q, &b, &total, &err), MM_ELIMIT);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.p, "keep", 4);
	mm_buf_release(&b);
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_reads_and_writes),
		cmocka_unit_test(test_tenants_and_stale_updates),
		cmocka_unit_test(test_derived_fields),
		cmocka_unit_test(test_query_page),
		cmocka_unit_test(test_page_time_format),
		cmocka_unit_test(test_page_equals_get),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
