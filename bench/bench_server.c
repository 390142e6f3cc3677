/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds a store for bench/server.sh: N site records created through the
 * store (as the API would), so wrk measures reads of a realistic kind.
 * usage: bench_server DB SCHEMA_DIR N   (prints the first id)
 * With "page" instead of N it times the store's side of a list request
 * in-process (a page of 20 at offset 100, as wrk asks for): the part of
 * the list latency the store owns, without TLS and HTTP.
 *        bench_server DB SCHEMA_DIR page   (prints pages/s and µs a page)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mm_crypto.h"
#include "store/mm_store.h"
#include "base/banned.h"

static int time_pages(mm_store *s)
{
	mm_actor who = {"bench", "admin", NULL};
	mm_store_query q = {.limit = 20, .offset = 100};
	mm_buf b;
	mm_buf_init(&b, 1u << 24);
	mm_err err;
	uint64_t total = 0, n = 0;
	int64_t t0 = mm_mono_ns(), t;
	do {
		for (int i = 0; i < 100; i++, n++) {
			mm_buf_reset(&b);
			if (mm_store_query_page(s, &who, "site", &q, &b, &total, &err)) {
				fprintf(stderr, "bench_server: %s\n", err.msg);
				mm_buf_release(&b);
				return 2;
			}
		}
		t = mm_mono_ns() - t0;
	} while (t < 2000000000LL);
	printf("%.0f pages/s, %.1f us a page (%zu bytes, total %llu)\n", (double)n * 1e9 / (double)t,
	       (double)t / 1e3 / (double)n, b.len, (unsigned long long)total);
	mm_buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 0;
	bool pages = argc == 4 && strcmp(argv[3], "page") == 0;
	if (argc != 4 || (!pages && !mm_parse_u64(argv[3], 1000000, &n))) {
		fprintf(stderr, "usage: bench_server DB SCHEMA_DIR N\n");
		return 2;
	}
	mm_err err;
	mm_store *s = NULL;
	if (mm_crypto_init() || mm_store_open(argv[1], argv[2], pages ? 0 : MM_STORE_WRITE, &s, &err)) {
		fprintf(stderr, "bench_server: %s\n", err.msg);
		return 2;
	}
	mm_actor who = {"bench", "admin", NULL};
	int rc = pages ? time_pages(s) : 0;
	for (uint64_t i = 0; i < n; i++) {
		char json[256];
		int len = snprintf(json, sizeof json,
				   "{\"name\":\"拠点 %llu\",\"code\":\"S%llu\",\"address\":\"東京都千代田区%llu-1\","
				   "\"category\":\"branch\",\"phone\":\"03-0000-%04llu\"}",
				   (unsigned long long)i, (unsigned long long)i, (unsigned long long)i,
				   (unsigned long long)(i % 10000));
		mm_write_result r;
		if (mm_store_create(s, &who, "site", json, (size_t)len, NULL, &r, &err)) {
			fprintf(stderr, "bench_server: %s\n", err.msg);
			rc = 2;
			break;
		}
		if (i == 0)
			printf("%s\n", r.id);
	}
	if (mm_store_close(s, &err) && !rc) {
		fprintf(stderr, "bench_server: %s\n", err.msg);
		rc = 2;
	}
	return rc;
}
