/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compliance evaluation benchmark and its peer in one run. Fills a
 * database that already holds the demo (182 assets) with 10,000 records of
 * a year — faults, inspection items, password rotation lines, minutes,
 * agents — then times (a) mamori's whole evaluation as the API runs it
 * (read every kind, verify the ledger, evaluate, dashboard), (b) the same
 * without the ledger verification, (c) the rules and dashboard alone over
 * records in memory, and the peer: the same aggregations written as plain
 * SQL over the record table (json_extract) on a read-only connection.
 * Prints key=value lines for bench/compliance.sh.
 * usage: bench_compliance DB SCHEMA_DIR CATALOGUE CONTRACT [records] [iterations]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "compliance/mm_compliance.h"
#include "ops/mm_ops.h"
#include "sla/mm_sla.h"
#include "base/banned.h"

#define WRITERS 8
static mm_store *st;
static atomic_size_t next_i;
static size_t total_n;
static char asset_ids[182][32];
static size_t nassets;
static char campaign[64], person[64], rotation[64];
static const int64_t NOW = 1795309200; /* 2026-11-22T10:00:00+09:00 */

static void iso(int64_t t, char *out, size_t n)
{
	mm_cal_format_instant(t, out, n);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void die(const char *what, const mm_err *e)
{
	fprintf(stderr, "bench_compliance: %s: %s\n", what, e->msg);
	exit(1);
}

/* Record i of the synthetic year: 40% faults, 30% inspection items, 20% rotation lines, the rest minutes and agents. */
static void *writer(void *arg)
{
	(void)arg;
	mm_actor who = {.name = "bench", .role = "admin", .tenant = NULL};
	char json[1024], t1[40], t2[40];
	for (;;) {
		size_t i = atomic_fetch_add(&next_i, 1);
		if (i >= total_n)
			return NULL;
		uint64_t s = 0x9e3779b97f4a7c15ull ^ (i * 0x100000001b3ull);
		rng(&s);
		const char *asset = asset_ids[rng(&s) % nassets];
		int64_t t = NOW - (int64_t)(rng(&s) % (365 * 86400));
		const char *kind, *to = NULL;
		size_t slot = i % 10;
		iso(t, t1, sizeof t1);
		if (slot < 4) {
			kind = "fault";
			iso(t + (int64_t)(rng(&s) % (4 * 3600)), t2, sizeof t2);
			bool arrived = t < NOW - 86400;
			snprintf(json, sizeof json,
				 "{\"asset\":\"%s\",\"class\":\"%s\",\"summary\":\"障害 %zu\",\"instructed_at\":\"%s\"%s%s%s%s}",
				 asset, i % 7 ? "terminal" : "cs", i, t1, arrived ? ",\"onsite_started_at\":\"" : "",
				 arrived ? t2 : "", arrived ? "\"" : "", arrived && i % 3 == 0 ? ",\"miss_reason\":\"交通事情\"" : "");
		} else if (slot < 7) {
			kind = "inspection_item";
			bool fail = rng(&s) % 20 == 0;
			snprintf(json, sizeof json,
				 "{\"campaign\":\"%s\",\"asset\":\"%s\",\"target\":\"terminal\",\"item_no\":%zu,\"item\":\"点検項目\","
				 "\"method\":\"manual\",\"result\":\"%s\",\"checked_at\":\"%s\",\"checked_by\":\"%s\"%s}",
				 campaign, asset, i % 16 + 1, fail ? "fail" : "pass", t1, person, fail ? ",\"finding\":\"不適合\"" : "");
			to = fail ? "failed" : "passed";
		} else if (slot < 9) {
			static const char *const comps[] = {"windows-11", "antivirus"};
			kind = "password_rotation_line";
			snprintf(json, sizeof json, "{\"rotation\":\"%s\",\"asset\":\"%s\",\"component\":\"%s\",\"done_at\":\"%s\",\"done_by\":\"%s\"}",
				 rotation, asset, comps[i % 2], t1, person);
			to = "done";
		} else if (i % 50 == 9) {
			kind = "agent";
			iso(NOW - (int64_t)(rng(&s) % (10 * 86400)), t2, sizeof t2);
			snprintf(json, sizeof json, "{\"asset\":\"%s\",\"public_key\":\"ed25519:%zu\",\"hostname\":\"h%zu\",\"last_report_at\":\"%s\"}",
				 asset, i, i, t2);
		} else {
			kind = "meeting_minutes";
			snprintf(json, sizeof json, "{\"title\":\"定例会 %zu\",\"deadline_class\":\"minutes\",\"held_at\":\"%s\"}", i, t1);
		}
		mm_write_result r;
		mm_err e;
		if (mm_store_create(st, &who, kind, json, strlen(json), NULL, &r, &e))
			die(kind, &e);
		if (to && mm_store_transition(st, &who, r.id, 0, to, NULL, &r, &e))
			die("transition", &e);
	}
}

static void fill(const char *db, const char *schema_dir, size_t n)
{
	mm_err e;
	mm_ops *ops = NULL;
	if (mm_store_open(db, schema_dir, MM_STORE_WRITE, &st, &e) || mm_ops_install(st, NULL, &ops, &e))
		die("open", &e);
	mm_actor who = {.name = "bench", .role = "admin", .tenant = NULL};
	mm_buf b;
	mm_buf_init(&b, 64u << 20);
	if (mm_store_list(st, &who, "asset", NULL, &b, &e))
		die("assets", &e);
	json_error_t je;
	json_t *a = json_loadb((const char *)b.p, b.len, 0, &je);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) if (nassets < 182) snprintf(asset_ids[nassets++], 32, "%s",
								   json_string_value(json_object_get(v, "id")));
	json_decref(a);
	mm_buf_reset(&b);
	if (mm_store_list(st, &who, "person", NULL, &b, &e))
		die("people", &e);
	a = json_loadb((const char *)b.p, b.len, 0, &je);
	snprintf(person, sizeof person, "%s", json_string_value(json_object_get(json_array_get(a, 0), "id")));
	json_decref(a);
	mm_buf_release(&b);
	mm_write_result r;
	const char *c = "{\"title\":\"令和8年度 点検\",\"fiscal_year\":2026}";
	if (!nassets || mm_store_create(st, &who, "inspection_campaign", c, strlen(c), NULL, &r, &e))
		die("campaign (load the demo first)", &e);
	snprintf(campaign, sizeof campaign, "%s", r.id);
	c = "{\"title\":\"管理者権限パスワード変更\",\"round\":\"october\",\"fiscal_year\":2026}";
	if (mm_store_create(st, &who, "password_rotation", c, strlen(c), NULL, &r, &e))
		die("rotation", &e);
	snprintf(rotation, sizeof rotation, "%s", r.id);
	total_n = n;
	pthread_t th[WRITERS];
	int64_t t0 = mm_mono_ns();
	for (int k = 0; k < WRITERS; k++)
		pthread_create(&th[k], NULL, writer, NULL);
	for (int k = 0; k < WRITERS; k++)
		pthread_join(th[k], NULL);
	printf("fill_records=%zu\nfill_s=%.2f\n", n, (double)(mm_mono_ns() - t0) / 1e9);
	if (mm_store_close(st, &e))
		die("close", &e);
	mm_ops_free(ops);
}

/* The peer: the same findings as plain SQL over the projection. Returns the number of rows found. */
static const char *const peer_sql[] = {
	/* C7: faults overdue, or late without a reason */
	"SELECT count(*) FROM record WHERE kind='fault' AND json_extract(data,'$.due_at') IS NOT NULL AND ("
	" (json_extract(data,'$.onsite_started_at') IS NULL AND json_extract(data,'$.due_at') < ?1) OR"
	" (json_extract(data,'$.onsite_started_at') > json_extract(data,'$.due_at') AND json_extract(data,'$.miss_reason') IS NULL))",
	/* C2: assets in service without a passed result younger than 365 days, or with an open finding */
	"WITH ok AS (SELECT json_extract(data,'$.asset') a, max(json_extract(data,'$.checked_at')) t FROM record"
	" WHERE kind='inspection_item' AND state IN ('passed','corrected') GROUP BY 1),"
	" bad AS (SELECT DISTINCT json_extract(data,'$.asset') a FROM record WHERE kind='inspection_item' AND state='failed')"
	" SELECT count(*) FROM record r LEFT JOIN ok ON ok.a=r.id WHERE r.kind='asset' AND r.state='in-service'"
	" AND (r.id IN (SELECT a FROM bad) OR ok.t IS NULL OR ok.t < ?2)",
	/* C9: terminal × component pairs without a done line in this half-year */
	"WITH comp(c) AS (VALUES ('windows-11'),('antivirus')),"
	" done AS (SELECT DISTINCT json_extract(data,'$.asset') a, json_extract(data,'$.component') c FROM record"
	" WHERE kind='password_rotation_line' AND state IN ('done','not-applicable') AND json_extract(data,'$.done_at') >= ?3)"
	" SELECT count(*) FROM record r, comp WHERE r.kind='asset' AND r.state='in-service' AND json_extract(r.data,'$.class')='terminal'"
	" AND NOT EXISTS (SELECT 1 FROM done WHERE done.a=r.id AND done.c=comp.c)",
	/* C15: minutes overdue by their stored due time */
	"SELECT count(*) FROM record WHERE kind='meeting_minutes' AND json_extract(data,'$.submitted_at') IS NULL"
	" AND json_extract(data,'$.due_at') < ?1",
	/* C4: active agents silent for 7 days */
	"SELECT count(*) FROM record WHERE kind='agent' AND state='active' AND (json_extract(data,'$.last_report_at') IS NULL"
	" OR json_extract(data,'$.last_report_at') < ?4)",
	/* C1, C6: dates passed */
	"SELECT count(*) FROM record WHERE (kind='asset' AND state='in-service' AND (json_extract(data,'$.support_end') IS NULL"
	" OR json_extract(data,'$.support_end') < substr(?1,1,10))) OR (kind='work_request' AND state IN"
	" ('requested','procedure-drafted','procedure-approved','in-progress') AND json_extract(data,'$.requested_until') < substr(?1,1,10))",
	/* dashboard: SLA results of the month, pass rate per site */
	"SELECT json_extract(data,'$.sla_status'), count(*) FROM record WHERE kind='fault' AND json_extract(data,'$.instructed_at') >= ?5 GROUP BY 1",
	"SELECT json_extract(a.data,'$.site'), sum(i.state='passed'), count(*) FROM record i JOIN record a ON a.id=json_extract(i.data,'$.asset')"
	" WHERE i.kind='inspection_item' AND i.state IN ('passed','failed','corrected') GROUP BY 1",
};

static double peer(sqlite3 *db, long long *rows)
{
	char now[40], year_ago[40], half[40], week[40], month[40];
	iso(NOW, now, sizeof now);
	iso(NOW - 365 * 86400, year_ago, sizeof year_ago);
	snprintf(half, sizeof half, "2026-10-01T00:00:00+09:00");
	iso(NOW - 7 * 86400, week, sizeof week);
	snprintf(month, sizeof month, "2026-11-01T00:00:00+09:00");
	int64_t t0 = mm_mono_ns();
	*rows = 0;
	for (size_t q = 0; q < sizeof peer_sql / sizeof peer_sql[0]; q++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(db, peer_sql[q], -1, &s, NULL) != SQLITE_OK) {
			fprintf(stderr, "peer query %zu: %s\n", q, sqlite3_errmsg(db));
			exit(1);
		}
		const char *p[] = {now, year_ago, half, week, month};
		for (int k = 0; k < 5; k++)
			if (sqlite3_bind_parameter_index(s, (char[]){'?', (char)('1' + k), 0}))
				sqlite3_bind_text(s, k + 1, p[k], -1, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW)
			*rows += sqlite3_column_int64(s, sqlite3_column_count(s) - 1);
		sqlite3_finalize(s);
	}
	return (double)(mm_mono_ns() - t0) / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: bench_compliance DB SCHEMA_DIR CATALOGUE CONTRACT [records] [iterations]\n");
		return 2;
	}
	uint64_t n = 10000, iters = 7;
	if ((argc > 5 && !mm_parse_u64(argv[5], 1000000, &n)) || (argc > 6 && (!mm_parse_u64(argv[6], 1000, &iters) || !iters))) {
		fprintf(stderr, "bench_compliance: records and iterations must be whole numbers\n");
		return 2;
	}
	mm_err e;
	if (mm_crypto_init())
		return 1;
	if (n)
		fill(argv[1], argv[2], (size_t)n);
	mm_catalogue *cat;
	mm_contract *contract;
	if (mm_catalogue_load(argv[3], &cat, &e) || mm_sla_contract_load(argv[4], &contract, &e))
		die("load", &e);
	if (mm_store_open(argv[1], argv[2], 0, &st, &e))
		die("open", &e);
	mm_actor who = {.name = "bench", .role = "auditor", .tenant = NULL};
	double full[1000], eval_ms[1000], verify_ms[1000], peer_ms[1000];
	long long causes = 0, peer_rows = 0;
	size_t records = 0;
	for (uint64_t k = 0; k < iters; k++) {
		mm_compliance_input in;
		memset(&in, 0, sizeof in);
		json_t *recs, *res, *d;
		int64_t t0 = mm_mono_ns();
		if (mm_compliance_read(st, &who, cat, &in, &recs, &e))
			die("read", &e);
		in.cal = &contract->cal;
		int64_t t1 = mm_mono_ns();
		if (mm_compliance_eval(cat, &in, NOW, &res, &e) || mm_compliance_dashboard(cat, &in, res, NOW, &d, &e))
			die("eval", &e);
		int64_t t2 = mm_mono_ns();
		full[k] = (double)(t2 - t0) / 1e6;
		eval_ms[k] = (double)(t2 - t1) / 1e6;
		mm_verify_report rep;
		int64_t t3 = mm_mono_ns();
		if (mm_ledger_verify(mm_store_ledger(st), NULL, &rep, &e))
			die("verify", &e);
		verify_ms[k] = (double)(mm_mono_ns() - t3) / 1e6;
		causes = 0;
		size_t i, j;
		json_t *r, *rule;
		json_array_foreach(json_object_get(res, "requirements"), i, r)
			json_array_foreach(json_object_get(r, "rules"), j, rule) causes += json_integer_value(json_object_get(rule, "causes_total"));
		records = 0;
		const char *kk;
		json_t *arr;
		json_object_foreach(recs, kk, arr) records += json_array_size(arr);
		json_decref(d);
		json_decref(res);
		json_decref(recs);
	}
	sqlite3 *db;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "peer open: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	for (uint64_t k = 0; k < iters; k++)
		peer_ms[k] = peer(db, &peer_rows);
	sqlite3_close(db);
	qsort(full, iters, sizeof full[0], cmp);
	qsort(eval_ms, iters, sizeof eval_ms[0], cmp);
	qsort(verify_ms, iters, sizeof verify_ms[0], cmp);
	qsort(peer_ms, iters, sizeof peer_ms[0], cmp);
	size_t m = iters / 2;
	printf("records=%zu\nentries=%llu\ncauses=%lld\npeer_rows=%lld\niterations=%llu\n", records,
	       (unsigned long long)mm_ledger_size(mm_store_ledger(st)), causes, peer_rows, (unsigned long long)iters);
	printf("full_ms=%.1f\nverify_ms=%.1f\nread_eval_ms=%.1f\neval_ms=%.1f\npeer_ms=%.1f\n", full[m], verify_ms[m],
	       full[m] - verify_ms[m], eval_ms[m], peer_ms[m]);
	(void)mm_store_close(st, &e);
	mm_sla_contract_free(contract);
	mm_catalogue_free(cat);
	return 0;
}
