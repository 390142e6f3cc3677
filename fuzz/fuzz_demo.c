/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Demo data planner (mm_ops_demo_plan) on arbitrary text, against the
 * shipped kinds and the default contract: parse, expand, "@" references,
 * schema and deriver checks. Nothing is written.
 */
#include <stdio.h>

#include "crypto/mm_crypto.h"
#include "ops/mm_ops.h"
#include "schema/mm_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static mm_schema *schema;
	static mm_ops *ops;
	mm_err err;
	if (!init++) {
		if (mm_crypto_init() != MM_OK || mm_schema_load_dir(MM_DATA_DIR "/schema", &schema, &err) != MM_OK ||
		    mm_ops_new(NULL, &ops, &err) != MM_OK) {
			fprintf(stderr, "fuzz_demo: setup failed\n");
			return 0;
		}
		mm_ops_set_now(ops, 1775001600); /* 2026-04-01T09:00:00+09:00 */
	}
	if (!schema || !ops)
		return 0;
	json_t *plan = NULL;
	if (mm_ops_demo_plan(schema, ops, (const char *)data, size, "fuzz.json", 1775001600, &plan, &err) == MM_OK)
		json_decref(plan);
	return 0;
}
