/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the restore-order parser: unsigned (syntax) and with a fixed key
 * (nothing random can verify). Every accepted path is absolute and normal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fim/mm_fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static uint8_t pk[MM_ED25519_PK_LEN], sk[MM_ED25519_SK_LEN];
	if (!init) {
		init = mm_crypto_init() == MM_OK ? 1 : -1;
		uint8_t seed[MM_ED25519_SEED_LEN] = {7};
		mm_ed25519_from_seed(seed, pk, sk);
	}
	mm_fim_order *o = NULL;
	mm_err e;
	if (mm_fim_order_parse((const char *)data, size, NULL, &o, &e) == MM_OK) {
		if (o->nfiles == 0 || o->signed_ok)
			abort();
		for (size_t i = 0; i < o->nfiles; i++) {
			const char *p = o->files[i].path;
			if (p[0] != '/' || strstr(p, "/../") || strstr(p, "//") || strlen(p) == 0)
				abort();
		}
		mm_fim_order_free(o);
	}
	o = NULL;
	if (mm_fim_order_parse((const char *)data, size, pk, &o, &e) == MM_OK) {
		if (!o->signed_ok)
			abort();
		mm_fim_order_free(o);
	}
	return 0;
}
