/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seeds a store for bench/server.sh: N site records created through the
 * store (as the API would), so wrk measures reads of a realistic kind.
 * usage: bench_server DB SCHEMA_DIR N   (prints the first id)
 */
#include <stdio.h>
#include <stdlib.h>

#include "crypto/mm_crypto.h"
#include "store/mm_store.h"
#include "base/banned.h"

int main(int argc, char **argv)
{
	uint64_t n;
	if (argc != 4 || !mm_parse_u64(argv[3], 1000000, &n)) {
		fprintf(stderr, "usage: bench_server DB SCHEMA_DIR N\n");
		return 2;
	}
	mm_err err;
	mm_store *s = NULL;
	if (mm_crypto_init() || mm_store_open(argv[1], argv[2], MM_STORE_WRITE, &s, &err)) {
		fprintf(stderr, "bench_server: %s\n", err.msg);
		return 2;
	}
	mm_actor who = {"bench", "admin", NULL};
	int rc = 0;
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
