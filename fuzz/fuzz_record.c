/* SPDX-License-Identifier: Apache-2.0 */
/* Record validator: arbitrary JSON against every shipped kind. */
#include <stdio.h>
#include <stdlib.h>

#include "crypto/mm_crypto.h"
#include "schema/mm_schema.h"

static bool yes(void *ctx, const char *a, const char *b)
{
	(void)ctx, (void)a;
	return b[0] != 'x';
}

static bool att(void *ctx, const char *h)
{
	(void)ctx;
	return h[0] == 'a';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mm_schema *s;
	mm_err err;
	if (!s) {
		char dir[4096];
		const char *src = getenv("MM_SRC");
		snprintf(dir, sizeof dir, "%s/data/schema", src ? src : MM_DATA_DIR "/..");
		if (mm_crypto_init() != MM_OK || mm_schema_load_dir(dir, &s, &err) != MM_OK) {
			fprintf(stderr, "fuzz_record: %s\n", err.msg);
			abort();
		}
	}
	json_error_t je;
	json_t *v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return 0;
	mm_schema_lookup lk = {yes, att, NULL};
	for (size_t i = 0; i < mm_schema_count(s); i++)
		(void)mm_schema_validate(mm_schema_kind_at(s, i), v, &lk, &err);
	json_decref(v);
	return 0;
}
