/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault loop for the storage layer (as SQLite's do_faultsim_test): fail
 * the Nth allocation made by SQLite or jansson during one record update,
 * for N = 1, 2, ... until the update runs without meeting a fault; then
 * the same with every allocation after the Nth failing. After each run,
 * with faults off: the update happened exactly when it reported success,
 * and the whole database still verifies.
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

#include <jansson.h>
#include <sqlite3.h>

#include "crypto/mm_crypto.h"
#include "store/mm_store.h"

static sqlite3_mem_methods orig;
static long countdown = -1; /* allocations until the fault; -1 = off */
static int persistent, fired;

static bool fault_now(void)
{
	if (countdown < 0)
		return false;
	if (fired)
		return persistent;
	if (--countdown == 0) {
		fired = 1;
		return true;
	}
	return false;
}

static void *f_malloc(int n) { return fault_now() ? NULL : orig.xMalloc(n); }
static void *f_realloc(void *p, int n) { return fault_now() ? NULL : orig.xRealloc(p, n); }
static void *j_malloc(size_t n) { return fault_now() ? NULL : malloc(n); }

static void arm(long n, int pers)
{
	fired = 0;
	persistent = pers;
	countdown = n;
}

static void disarm(void)
{
	countdown = -1;
}

static char db[4200], schema[4200];

static json_int_t version_of(mm_store *s, const char *id)
{
	mm_actor who = {"t", "admin", NULL};
	mm_buf b;
	mm_buf_init(&b, 1 << 20);
	mm_err err;
	assert_int_equal(mm_store_get(s, &who, id, &b, &err), MM_OK);
	json_error_t je;
	json_t *v = json_loadb((const char *)b.p, b.len, 0, &je);
	json_int_t ver = json_integer_value(json_object_get(v, "version"));
	json_decref(v);
	mm_buf_release(&b);
	return ver;
}

static void run_loop(int pers)
{
	mm_actor who = {"fault-test", "admin", NULL};
	int failures = 0, successes = 0;
	for (long n = 1; n < 5000; n++) {
		mm_store *s;
		mm_err err;
		assert_int_equal(mm_store_open(db, schema, MM_STORE_WRITE, &s, &err), MM_OK);
		json_int_t before = version_of(s, "site-1");
		char patch[64];
		int len = snprintf(patch, sizeof patch, "{\"code\":\"n%ld\"}", n);
		mm_write_result r;
		arm(n, pers);
		int rc = mm_store_update(s, &who, "site-1", (uint32_t)before, patch, (size_t)len, "fault loop", &r, &err);
		int met = fired;
		disarm();
		json_int_t after = version_of(s, "site-1");
		if (rc == MM_OK) {
			successes++;
			assert_int_equal(after, before + 1);
		} else {
			failures++;
			/* jansson reports a failed allocation inside its parser as a syntax
			 * error; that is the only place an out-of-memory may look like bad input */
			bool parse_stage = (rc == MM_EINVAL && strncmp(err.msg, "record JSON: ", 13) == 0) ||
					   (rc == MM_ECORRUPT && strstr(err.msg, "or out of memory"));
			if (!(rc == MM_ENOMEM || rc == MM_EDB || parse_stage))
				print_error("fault %ld: rc %d: %s\n", n, rc, err.msg);
			assert_true(rc == MM_ENOMEM || rc == MM_EDB || parse_stage);
			assert_int_equal(after, before); /* nothing written, nothing half-written */
		}
		/* a second write on the same handle must work: the ledger's state is intact */
		len = snprintf(patch, sizeof patch, "{\"note\":\"after %ld\"}", n);
		rc = mm_store_update(s, &who, "site-1", 0, patch, (size_t)len, NULL, &r, &err);
		if (rc)
			print_error("write after fault %ld (%s): %s\n", n, met ? "met" : "not met", err.msg);
		assert_int_equal(rc, MM_OK);
		assert_int_equal(mm_store_close(s, &err), MM_OK);
		assert_int_equal(mm_store_open(db, schema, 0, &s, &err), MM_OK);
		mm_verify_report rep;
		assert_int_equal(mm_store_verify(s, NULL, &rep, &err), MM_OK);
		if (!rep.ok)
			print_error("after fault %ld: seq %llu: %s\n", n, (unsigned long long)rep.bad_seq, rep.reason);
		assert_true(rep.ok);
		assert_int_equal(mm_store_close(s, &err), MM_OK);
		if (!met)
			break; /* the update ran to the end without meeting the fault */
	}
	print_message("%s faults: %d writes refused cleanly, %d succeeded\n", pers ? "persistent" : "transient",
		      failures, successes);
	assert_true(failures > 10);
}

static void test_transient_faults(void **state)
{
	(void)state;
	run_loop(0);
}

static void test_persistent_faults(void **state)
{
	(void)state;
	run_loop(1);
}

int main(void)
{
	/* must precede any other use of SQLite */
	sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig);
	sqlite3_mem_methods m = orig;
	m.xMalloc = f_malloc;
	m.xRealloc = f_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK || mm_crypto_init() != MM_OK)
		return 1;
	json_set_alloc_funcs(j_malloc, free);
	char dir[4096];
	if (scratch_make(dir, sizeof dir, "faults"))
		return 1;
	snprintf(db, sizeof db, "%s/f.db", dir);
	snprintf(schema, sizeof schema, "%s/data/schema", getenv("MM_SRC"));
	mm_store_paths p;
	mm_err err;
	mm_store *s;
	mm_write_result r;
	mm_actor who = {"t", "admin", NULL};
	if (mm_store_paths_for(db, NULL, &p, &err) || mm_store_init(db, &p, "test.example/faults", "t", &err) ||
	    mm_store_open(db, schema, MM_STORE_WRITE, &s, &err) ||
	    mm_store_create(s, &who, "site", "{\"name\":\"x\"}", 12, NULL, &r, &err) || mm_store_close(s, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transient_faults),
		cmocka_unit_test(test_persistent_faults),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	return scratch_remove(dir) ? 1 : rc;
}
