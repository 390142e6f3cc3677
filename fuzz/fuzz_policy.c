/* SPDX-License-Identifier: Apache-2.0 */
/* Policy and site loaders on arbitrary YAML and JSON text. */
#include "crypto/mm_crypto.h"
#include "policy/mm_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init++ && mm_crypto_init() != MM_OK)
		return 0;
	mm_err err;
	for (int json = 0; json < 2; json++) {
		mm_policy *p = NULL;
		mm_site *s = NULL;
		if (mm_policy_load_buffer(&p, "fuzz", data, size, json, &err) == MM_OK)
			mm_policy_free(p);
		if (mm_site_load_buffer(&s, "fuzz", data, size, json, &err) == MM_OK)
			mm_site_free(s);
	}
	return 0;
}
