/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: THREADS writers create site records as fast as they can and
 * print "id name" for each write only after it is acknowledged (durable).
 * The crash test kills this process with SIGKILL at random moments.
 * usage: crash_writer DB SCHEMA_DIR THREADS TAG
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/mm_crypto.h"
#include "store/mm_store.h"
#include "base/banned.h"

static mm_store *store;
static const char *tag;
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *arg)
{
	long t = (long)arg;
	mm_actor who = {"crash-test", "admin", NULL};
	for (long i = 0;; i++) {
		char json[128];
		int n = snprintf(json, sizeof json, "{\"name\":\"%s-%ld-%ld\"}", tag, t, i);
		mm_write_result res;
		mm_err err;
		if (mm_store_create(store, &who, "site", json, (size_t)n, NULL, &res, &err) != MM_OK) {
			fprintf(stderr, "write failed: %s\n", err.msg);
			exit(3);
		}
		char line[256];
		int m = snprintf(line, sizeof line, "%s %s-%ld-%ld\n", res.id, tag, t, i);
		pthread_mutex_lock(&out_mu);
		if (write(1, line, (size_t)m) != m)
			exit(4);
		pthread_mutex_unlock(&out_mu);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5 || mm_crypto_init() != MM_OK)
		return 2;
	tag = argv[4];
	uint64_t threads;
	if (!mm_parse_u64(argv[3], 64, &threads) || threads == 0) {
		fprintf(stderr, "crash_writer: THREADS must be 1..64\n");
		return 2;
	}
	mm_err err;
	if (mm_store_open(argv[1], argv[2], MM_STORE_WRITE, &store, &err) != MM_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	pthread_t th[64];
	for (long i = 0; i < (long)threads; i++)
		pthread_create(&th[i], NULL, writer, (void *)i);
	pause(); /* until killed */
	return 0;
}
