/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Report benchmark helper (bench/report.sh).
 *   bench_report setup DB N   the demo organisation (182 assets) plus a year
 *                             (FY2026: 2026-04..2027-03) of N synthetic
 *                             records, half work requests and half faults,
 *                             written through the store like any write
 *   bench_report run CMD...   run CMD, print "wall_ms=… cpu_ms=… maxrss_kb=…"
 *                             (CPU of CMD and its children, and the largest
 *                             resident set among them)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto/mm_crypto.h"
#include "ops/mm_ops.h"
#include "store/mm_store.h"
#include "base/banned.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static int die(const char *what, const mm_err *e)
{
	fprintf(stderr, "bench_report: %s: %s\n", what, e ? e->msg : "");
	return 2;
}

/* ids of every record of kind (caller frees the array). */
static json_t *ids_of(mm_store *s, const mm_actor *who, const char *kind)
{
	mm_buf b;
	mm_err e;
	json_t *out = json_array(), *page, *v;
	size_t i;
	uint64_t total = 1;
	mm_buf_init(&b, 256u << 20);
	for (uint64_t off = 0; off < total;) {
		mm_store_query q = {.offset = off, .limit = MM_STORE_PAGE_MAX};
		mm_buf_reset(&b);
		if (mm_store_query_page(s, who, kind, &q, &b, &total, &e))
			break;
		page = json_loadb((const char *)b.p, b.len, 0, NULL);
		json_array_foreach(page, i, v)
			json_array_append(out, json_object_get(v, "id"));
		off += json_array_size(page);
		if (!json_array_size(page))
			total = 0;
		json_decref(page);
	}
	mm_buf_release(&b);
	return out;
}

static int setup(const char *db, unsigned n)
{
	char schema[4096], demo[4096];
	mm_store_paths p;
	mm_store *s = NULL;
	mm_ops *ops = NULL;
	mm_err e;
	mm_buf in;
	json_t *plan = NULL;
	mm_ops_demo_counts counts;
	mm_actor who = {"bench", "admin", NULL};
	snprintf(schema, sizeof schema, "%s/schema", MM_DATA_DIR);
	snprintf(demo, sizeof demo, "%s/demo/sapporo.json", MM_DATA_DIR);
	mm_buf_init(&in, MM_DEMO_FILE_MAX);
	if (mm_store_paths_for(db, NULL, &p, &e) || mm_store_init(db, &p, "bench.example/report", "bench", &e) ||
	    mm_store_open(db, schema, MM_STORE_WRITE, &s, &e) || mm_ops_install(s, NULL, &ops, &e) ||
	    mm_file_read(demo, MM_DEMO_FILE_MAX, &in, &e) ||
	    mm_ops_demo_plan(mm_store_schema(s), ops, (const char *)in.p, in.len, demo, (int64_t)time(NULL), &plan,
			     &e) ||
	    mm_ops_demo_load(s, &who, plan, &counts, &e))
		return die("setup", &e);
	json_decref(plan);
	mm_buf_release(&in);
	json_t *assets = ids_of(s, &who, "asset"), *people = ids_of(s, &who, "person");
	static const char *const cats[] = {"jlis-software-update", "os-security-update", "city-instruction",
					   "password-change", "fault-recovery", "touch-panel", "relocation"};
	char j[2048];
	mm_write_result w;
	int64_t t0 = mm_mono_ns();
	for (unsigned i = 0; i < n; i++) {
		int month0 = (int)(i % 12); /* FY2026: April 2026 .. March 2027 */
		int y = month0 < 9 ? 2026 : 2027, m = (month0 + 3) % 12 + 1, d = 1 + (int)rnd(28);
		int hh = 8 + (int)rnd(10), mi = (int)rnd(60);
		const char *asset = json_string_value(json_array_get(assets, rnd((uint32_t)json_array_size(assets))));
		const char *who1 = json_string_value(json_array_get(people, rnd(4)));
		const char *kind;
		if (i % 2 == 0) {
			kind = "fault";
			unsigned late = 30 + rnd(150);
			int oh = hh + (int)((unsigned)mi + late) / 60, om = (int)((unsigned)mi + late) % 60;
			snprintf(j, sizeof j,
				 "{\"asset\":\"%s\",\"class\":\"cs\",\"summary\":\"障害 %u: 業務アプリケーション応答なし\","
				 "\"instructed_at\":\"%04d-%02d-%02dT%02d:%02d:00+09:00\","
				 "\"onsite_started_at\":\"%04d-%02d-%02dT%02d:%02d:00+09:00\",\"handled_by\":[\"%s\"]%s}",
				 asset, i, y, m, d, hh, mi, y, m, d, oh > 23 ? 23 : oh, om, who1,
				 late > 90 ? ",\"miss_reason\":\"移動中の交通渋滞のため\"" : "");
		} else {
			kind = "work_request";
			snprintf(j, sizeof j,
				 "{\"title\":\"作業依頼 %u: 設定変更及び動作確認\",\"category\":\"%s\",\"target_assets\":[\"%s\"],"
				 "\"requested_from\":\"%04d-%02d-%02d\",\"requested_until\":\"%04d-%02d-%02d\","
				 "\"requested_by\":\"住民情報課 佐藤\",\"result_dates\":[\"%04d-%02d-%02d\"],\"performers\":[\"%s\"]}",
				 i, cats[rnd(7)], asset, y, m, d, y, m, d > 21 ? 28 : d + 7, y, m, d, who1);
		}
		if (mm_store_create(s, &who, kind, j, strlen(j), NULL, &w, &e))
			return die(kind, &e);
	}
	double secs = (double)(mm_mono_ns() - t0) / 1e9;
	printf("records=%u\nassets=%zu\nsetup_s=%.1f\n", n, json_array_size(assets), secs);
	json_decref(assets);
	json_decref(people);
	if (mm_store_close(s, &e))
		return die("close", &e);
	mm_ops_free(ops);
	return 0;
}

static int run(char **argv)
{
	int64_t t0 = mm_mono_ns();
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return 2;
	int64_t t1 = mm_mono_ns();
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	double cpu = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 + (double)ru.ru_stime.tv_sec * 1e3 +
		     (double)ru.ru_stime.tv_usec / 1e3;
	printf("wall_ms=%.1f\ncpu_ms=%.1f\nmaxrss_kb=%ld\n", (double)(t1 - t0) / 1e6, cpu, ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

int main(int argc, char **argv)
{
	uint64_t n;
	if (mm_crypto_init())
		return 2;
	if (argc == 4 && strcmp(argv[1], "setup") == 0 && mm_parse_u64(argv[3], 1000000, &n))
		return setup(argv[2], (unsigned)n);
	if (argc >= 3 && strcmp(argv[1], "run") == 0)
		return run(argv + 2);
	fprintf(stderr, "usage: bench_report setup DB N | run CMD [ARG...]\n");
	return 2;
}
