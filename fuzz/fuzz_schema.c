/* SPDX-License-Identifier: Apache-2.0 */
/* Schema loader on arbitrary JSON text, alongside the shipped kinds. */
#include "crypto/mm_crypto.h"
#include "schema/mm_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init++ && mm_crypto_init() != MM_OK)
		return 0;
	mm_schema *s;
	mm_err err;
	if (mm_schema_new(&s) != MM_OK)
		return 0;
	if (mm_schema_add(s, "fuzz.json", (const char *)data, size, &err) == MM_OK)
		(void)mm_schema_check(s, &err);
	mm_schema_free(s);
	return 0;
}
